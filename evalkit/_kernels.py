"""Kernels for report notebooks.

``new_kernel`` starts a fresh IPython kernel (one case run on its own). A batch worker uses a
:class:`KernelSupply`: kernels forked from a :class:`ForkServer` that has pandas, scipy, statsmodels,
matplotlib and evalkit imported already (see :mod:`evalkit._forkkernel`), the next one started in a
background thread while the current case is still exporting its HTML and PDF. Each case still gets
its own process and an empty namespace.

Each kernel's sockets and connection file live in a folder ``evalkit-kernel-<host>.<pid>.<random>``
and each fork server's socket in ``evalkit-fork-<host>.<pid>.<random>`` (the pid is the process that
made it); :func:`new_kernel` and a :class:`KernelSupply` start by removing those whose process has
died (:func:`evalkit._procs.remove_stale_temp`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from pathlib import Path
from typing import Any

from . import _paths, _procs


def new_kernel() -> Any:
    """A fresh kernel over IPC sockets in a private folder (no TCP ports to collide).

    The manager is an ``AsyncKernelManager``, as nbclient expects: with a blocking manager nbclient's
    per-cell time limit is never enforced.
    """
    from jupyter_core.utils import run_sync

    _procs.remove_stale_temp()                 # left by processes that were killed
    km = _manager()
    run_sync(km.start_kernel)(cwd=str(_paths.NOTEBOOKS))
    return km


def _manager() -> Any:
    """A kernel manager whose sockets and connection file are in a folder of their own."""
    from jupyter_client.manager import AsyncKernelManager

    sockets = _procs.owned_temp_dir("kernel")
    km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(sockets / "k"),
                            connection_file=str(sockets / "kernel.json"))
    km.evalkit_sockets = sockets
    return km


def shutdown(km: Any) -> None:
    from jupyter_core.utils import run_sync

    with contextlib.suppress(Exception):
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    shutil.rmtree(getattr(km, "evalkit_sockets", ""), ignore_errors=True)


class KernelSupply:
    """Hands out kernels forked from a :class:`ForkServer`, always starting the next one in the background."""

    def __init__(self) -> None:
        _procs.remove_stale_temp()             # left by workers that were killed
        self.server = ForkServer()
        self._next: Any = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._prepare()

    def _prepare(self) -> None:
        def work() -> None:
            try:
                self._next = self.server.new_kernel()
            except BaseException as exc:
                self._error = exc

        self._next, self._error = None, None
        self._thread = threading.Thread(target=work, name="evalkit-kernel-supply", daemon=True)
        self._thread.start()

    def take(self) -> Any:
        """The waiting kernel (already started); the next one starts at once."""
        self._thread.join()
        km, error = self._next, self._error
        self._prepare()
        if error is not None:
            raise error
        return km

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
        if self._next is not None:
            shutdown(self._next)
        if self.server is not None:
            self.server.close()
        self._next = self._thread = self.server = None


class ForkServer:
    """One process per worker that has imported the report's libraries and forks each case's kernel."""

    def __init__(self) -> None:
        import subprocess
        import sys

        from . import _forkkernel

        self.script = Path(_forkkernel.__file__)
        self.dir = _procs.owned_temp_dir("fork")
        self.address = str(self.dir / "s")
        # a parent-death signal fires when the starting *thread* ends: ask for one from the main thread only
        main = threading.current_thread() is threading.main_thread()
        self.proc = subprocess.Popen([sys.executable, str(self.script), "serve", self.address, str(os.getpid()),
                                      *(["die-with-parent"] if main else [])],
                                     stdin=subprocess.DEVNULL, cwd=str(_paths.NOTEBOOKS))

    def ready(self, timeout: float = 180.0) -> None:
        import time

        deadline = time.monotonic() + timeout
        while not Path(self.address).exists():
            if self.proc.poll() is not None:
                raise RuntimeError(f"内核预加载进程退出（返回码 {self.proc.returncode}）")
            if time.monotonic() > deadline:
                raise RuntimeError("内核预加载进程未能在时限内就绪")
            time.sleep(0.05)

    def new_kernel(self) -> Any:
        """A started AsyncKernelManager whose kernel is forked by this server."""
        import sys

        from jupyter_client.kernelspec import KernelSpec
        from jupyter_core.utils import run_sync

        self.ready()
        km = _manager()
        km._kernel_spec = KernelSpec(argv=[sys.executable, str(self.script), "connect", self.address,
                                           str(os.getpid()), "{connection_file}"],
                                     display_name="Python 3 (evalkit)", language="python",
                                     interrupt_mode="signal", metadata={})
        run_sync(km.start_kernel)(cwd=str(_paths.NOTEBOOKS))
        return km

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.terminate()
            self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)
