"""The processes a batch starts, how they end with it, and the temporary folders they leave.

- **Dying with the parent.** :func:`die_with_parent` asks Linux (``prctl(PR_SET_PDEATHSIG)``) to
  signal a process when its parent ends, however it ends (SIGKILL included). Linux sends the signal
  when the *thread* that started the process ends, not the process: only a process started from a
  thread that lives as long as its parent may use it; the others poll :func:`os.getppid`.
- **Ending a tree.** :func:`descendants` follows parent ids through ``/proc``, so it finds the kernel
  clients jupyter_client puts in their own sessions and the Chromium that Playwright's driver starts
  in its own session; :func:`end` asks them to stop, then kills those that do not.
- **Temporary folders named after their owner.** ``evalkit-<kind>-<host>.<pid>.<random>`` in the
  temporary folder (kernel sockets, fork-server sockets); :func:`remove_stale_temp` removes those of
  this host whose owner has died, as ``run.remove_stale_staging`` does for staging folders.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1
TEMP_KINDS = ("kernel", "fork")


def die_with_parent(signum: int = signal.SIGTERM) -> bool:
    """Have Linux send ``signum`` to this process when the thread that started it ends.

    Returns False where that cannot be arranged (not Linux, no libc); the caller then relies on
    polling :func:`os.getppid`.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name: state, ppid, pgrp, session, …"""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def alive(pid: int) -> bool:
    """Whether ``pid`` is running (a zombie, dead but not yet reaped, is not)."""
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def parent(pid: int) -> int | None:
    """The parent of a living ``pid``, None if it is gone."""
    fields = _stat(pid)
    return int(fields[1]) if fields is not None and fields[0] not in ("Z", "X") else None


def descendants(pid: int) -> list[int]:
    """Every living process below ``pid``, by parent id (children before their own children)."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and fields[0] not in ("Z", "X"):
                parents.setdefault(int(fields[1]), []).append(int(entry.name))
    out, frontier = [], [pid]
    while frontier:
        kids = parents.get(frontier.pop(0), [])
        out += kids
        frontier += kids
    return out


def end(pids: list[int], grace: float = 2.0) -> list[int]:
    """SIGTERM each of ``pids`` and close this process's end of their stdin pipes, then SIGKILL those
    still running after ``grace`` seconds.

    Closing the pipe is what ends a driver that waits for its parent to go away: Playwright's node
    driver closes its browsers on SIGTERM but exits only when its stdin closes. Returns the processes
    still running at the end (normally none).
    """
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    close_stdin_pipes(pids)
    left = _wait_gone(pids, grace)
    for pid in left:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return _wait_gone(left, 1.0)


def close_stdin_pipes(pids: list[int]) -> None:
    """Close the descriptors of this process that write into the stdin pipe of any of ``pids``."""
    targets = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            link = os.readlink(f"/proc/{pid}/fd/0")
            if link.startswith("pipe:"):
                targets.add(link)
    if not targets:
        return
    for fd in os.listdir("/proc/self/fd"):
        if int(fd) > 2:
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/self/fd/{fd}") in targets:
                    os.close(int(fd))


def _wait_gone(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    left = [p for p in pids if alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [p for p in left if alive(p)]
    return left


# ----------------------------------------------------------------------------------------------
# Temporary folders


def host() -> str:
    """This machine's name with its dots replaced, as it appears in the names of evalkit's folders."""
    return socket.gethostname().replace(".", "_")


def _temp_host() -> str:
    return host()[:32]          # kernel sockets live in these folders: Unix socket paths are short


def owned_temp_dir(kind: str) -> Path:
    """A new folder ``evalkit-<kind>-<host>.<pid>.<random>`` in the temporary folder, owned by this process."""
    return Path(tempfile.mkdtemp(prefix=f"evalkit-{kind}-{_temp_host()}.{os.getpid()}."))


def _owner(folder: Path) -> int | None:
    """The pid that owns an evalkit temporary folder of this host, None for any other folder."""
    parts = folder.name.split("-", 2)
    if len(parts) != 3 or parts[0] != "evalkit" or parts[1] not in TEMP_KINDS:
        return None
    owner = parts[2].rsplit(".", 2)
    if len(owner) != 3 or owner[0] != _temp_host() or not owner[1].isdigit():
        return None
    return int(owner[1])


def remove_stale_temp(folder: str | Path | None = None) -> list[Path]:
    """Remove the evalkit temporary folders of this host whose owning process has died."""
    removed = []
    for d in Path(folder or tempfile.gettempdir()).glob("evalkit-*"):
        pid = _owner(d)
        if pid is None or not d.is_dir():
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
        except PermissionError:       # another user's process with that pid: not ours to judge
            pass
    return removed


def remove_temp_of(pid: int, folder: str | Path | None = None) -> None:
    """Remove the evalkit temporary folders that ``pid`` owns (it is about to end)."""
    for d in Path(folder or tempfile.gettempdir()).glob(f"evalkit-*-{_temp_host()}.{pid}.*"):
        if _owner(d) == pid:
            shutil.rmtree(d, ignore_errors=True)
