"""Kernels forked from a process that has already imported the report's libraries.

A batch worker starts one *fork server*: a process that imports pandas, scipy, statsmodels,
matplotlib, ipykernel and evalkit once and then waits on a Unix socket. Each case's kernel is
launched by jupyter_client as usual, but its command is a tiny *client* (``python -m
evalkit._forkkernel connect``) that asks the server to fork a child; the child becomes the IPython
kernel for the connection file jupyter_client wrote. The child starts with every module already in
memory yet with an empty namespace, so a case no longer pays two to three seconds of imports.

The client stays alive for as long as the kernel: jupyter_client manages it like any kernel
process. It forwards SIGINT (interrupt) and SIGTERM to the child, and the child exits within a second
when the client is gone (SIGKILL cannot be forwarded, so the child watches for it).

Both are told the pid of the worker that owns them and end when it is gone, however it dies: the
server by a parent-death signal when it was started from the worker's main thread (see
:mod:`evalkit._procs`) and by polling its parent id otherwise, the client by polling (jupyter_client
starts it from a short-lived thread, whose end would fire a parent-death signal). A kernel dies with
its server (parent-death signal). The server removes its socket folder when it ends.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time

SERVE_MODULES = ("ipykernel.kernelapp", "evalkit", "evalkit.report", "pandas", "numpy", "scipy.stats",
                 "scipy.optimize", "statsmodels.api", "matplotlib.pyplot", "markdown_it", "openpyxl", "yaml",
                 "papermill.translators")


def serve(address: str, owner: int, death_signal: bool = False) -> None:
    """Import the libraries, then fork a kernel for every request on ``address`` (a Unix socket path).

    ``owner`` is the worker that started the server; the server ends when it is gone (removing its
    socket folder), at once by a parent-death signal if ``death_signal`` (the worker started it from
    its main thread, which lives as long as the worker), within half a second otherwise.
    """
    import shutil

    def leave(*_: object) -> None:
        shutil.rmtree(os.path.dirname(address), ignore_errors=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGHUP, leave)
    signal.signal(signal.SIGINT, signal.SIG_IGN)            # interrupts are for the kernels, via their client
    if death_signal:
        _die_with_parent(signal.SIGTERM)
    if os.getppid() != owner:                              # the worker died while this process started
        leave()
    import matplotlib

    matplotlib.use("Agg")
    for name in SERVE_MODULES:
        __import__(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)          # children are reaped automatically
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(address + ".tmp")
    os.rename(address + ".tmp", address)                   # the socket appears only when ready
    server.listen(16)
    server.settimeout(0.5)
    while True:
        try:
            conn, _ = server.accept()
        except TimeoutError:
            if os.getppid() != owner:                      # the worker is gone (even by SIGKILL): so are we
                leave()
            continue
        request = json.loads(conn.recv(65536).decode())
        pid = os.fork()
        if pid == 0:
            server.close()
            conn.close()
            _kernel(request["connection_file"], request["cwd"], int(request["client"]))
            os._exit(0)
        conn.sendall(str(pid).encode())
        conn.close()


def _die_with_parent(signum: int) -> None:
    from evalkit._procs import die_with_parent

    die_with_parent(signum)


def _kernel(connection_file: str, cwd: str, client: int) -> None:
    import threading

    server = os.getppid()
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)                 # not the server's handlers
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _die_with_parent(signal.SIGKILL)                       # a kernel does not outlive its server
    if os.getppid() != server:
        os._exit(0)
    os.chdir(cwd)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(client, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(["-f", connection_file, "--IPKernelApp.parent_handle=1"])   # no banner, no ppid poller
    app.start()


def connect(address: str, owner: int, connection_file: str) -> None:
    """The kernel command: have the server fork a kernel, then stand in for it until it ends.

    ``owner`` is the worker that launched this client; when it is gone the kernel is ended too.
    """
    if os.getppid() != owner:
        return
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(address)
    conn.sendall(json.dumps({"connection_file": connection_file, "cwd": os.getcwd(), "client": os.getpid()}).encode())
    child = int(conn.recv(64).decode())
    conn.close()

    def forward(signum: int, _frame: object) -> None:
        try:
            os.kill(child, signum)
        except ProcessLookupError:
            pass
        if signum != signal.SIGINT:
            sys.exit(0)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    while True:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        if os.getppid() != owner:                          # the worker died without shutting us down
            forward(signal.SIGTERM, None)
        time.sleep(0.2)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4:] == ["die-with-parent"])
    else:
        connect(sys.argv[2], int(sys.argv[3]), sys.argv[4])
