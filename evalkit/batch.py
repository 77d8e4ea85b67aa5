"""Many cases: parallel, incremental, robust to failing cases, on local workers or a Dask cluster.

- **Incremental.** A case's *key* hashes its input files, the notebook, the template, the lock file,
  evalkit's own source code (not its version string, which does not change with every rule) and the
  formats asked for. ``build/<id>/manifest.json`` records the key of the last
  good run; a case whose key has not changed is reported up to date without being opened beyond its
  ``case.yaml`` (or the 基本信息 sheet of a workbook).
- **Cheap per case.** Each worker process keeps one headless Chromium for all its PDFs and a fork
  server that has imported pandas, scipy, statsmodels, matplotlib and evalkit once; each case's kernel
  is forked from it (:mod:`evalkit._forkkernel`) and the next one is started ahead of need
  (:mod:`evalkit._kernels`), so a case pays neither a browser launch nor the imports, while still
  running in its own process with an empty namespace.
- **Robust.** A failing case is recorded in ``build/manifest.json`` with its cell, exception and message;
  the others go on; its previous good outputs stay in place (``run_case`` writes atomically).
- **Where it runs.** Local worker processes by default; with ``scheduler="tcp://host:8786"`` the same
  work goes to a Dask distributed cluster, whose workers must see the case and output folders.
- **Stoppable.** The first SIGINT (Ctrl-C), SIGTERM or SIGHUP starts no new case, gives the running
  cases ``grace`` seconds to finish, then ends their workers; ``build/manifest.json`` records every
  case, ``stopped`` and ``not-run`` included, and :class:`~evalkit.errors.BatchStopped` is raised. A
  second signal ends the running cases at once. Only the batch's process sees a terminal's Ctrl-C:
  each worker runs in a session of its own, ends its kernels, fork server and browser before it
  exits, and ends itself when the batch's process is gone, even by SIGKILL (:mod:`evalkit._procs`).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _io, _paths, _procs, _text
from .errors import BatchStopped, CaseError, EvalkitError, ExportError, InputError

MANIFEST = "manifest.json"
GRACE = 3.0                    # seconds the running cases may take to finish after a first Ctrl-C
STATUSES = ("ok", "up-to-date", "failed")
STOP_STATUSES = ("stopped", "not-run")
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_WORKER_EXIT = 5.0             # seconds a stopped worker has to end its processes before it is killed


# ----------------------------------------------------------------------------------------------
# Finding cases and their keys


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Every case under ``paths``: a path that is a case, or the case folders inside a folder (sorted)."""
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if (what := _io.kind(p)) not in ("file", "folder"):
            raise InputError(f"找不到案例：{p}" if what == "missing" else f"无法读取案例 {p}：{_io.describe(p)}")
        if _is_case(p) or _unreadable_case(p):
            found.append(p)
        elif p.is_dir():
            try:
                found += sorted(c for c in p.iterdir() if c.is_dir() and not c.name.startswith(".")
                                and (_is_case(c) or _unreadable_case(c)))
            except OSError as exc:
                raise InputError(_io.read_failure(exc, p)) from exc
        else:
            raise InputError(f"找不到案例：{p}（应为案例文件夹、.xlsx 工作簿或包含案例的文件夹）")
    return list(dict.fromkeys(found))


def _is_case(p: Path) -> bool:
    return (p.is_dir() and ((p / "case.yaml").is_file() or (p / "case.xlsx").is_file())) or \
        (p.is_file() and p.suffix.lower() == ".xlsx")


def _unreadable_case(p: Path) -> str | None:
    """A folder whose case.yaml or case.xlsx is there but is not a file (a folder, a symlink loop): what
    is wrong with it, so that the case is listed as failed rather than silently left out."""
    if not p.is_dir() or _is_case(p):
        return None
    there = [n for n in ("case.yaml", "case.xlsx") if _io.kind(p / n) != "missing"]
    return f"{p / there[0]} {_io.describe(p / there[0])}" if there else None


def _environment_key(formats: Sequence[str], notebook: Path, house: str | Path | None = None,
                     draft: bool = False) -> str:
    from .run import TEMPLATE, code_hash, file_hash, tree_hash

    parts = [code_hash(), file_hash(_paths.LOCK), file_hash(notebook), tree_hash(_paths.TEMPLATES / TEMPLATE),
             ",".join(formats), tree_hash(Path(house)) if house else "", "draft" if draft else ""]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def case_key(case: Path, env_key: str) -> tuple[str, str]:
    """(case id, key): the key changes when any input file, the notebook, template, lock or evalkit's
    own code does. The case is read only as far as :func:`evalkit.case.case_inputs` reads it."""
    from .case import case_inputs, inputs_hash

    if problem := _unreadable_case(case):
        raise InputError(problem)
    case_id, files = case_inputs(case)
    return case_id, inputs_hash(case, files, env_key)


def _all_issues(case: Path) -> list[Any]:
    """Every problem of a case the cheap read refused (a full read: only on this failure path)."""
    from .case import validate_case

    try:
        return validate_case(case)
    except Exception:                     # what the cheap read refused may stop the full one too
        return []


def _up_to_date(out_dir: Path, key: str) -> bool:
    try:
        m = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return m.get("status") == "ok" and m.get("batch_key") == key and \
        all((out_dir / name).is_file() for name in m.get("outputs", []))


# ----------------------------------------------------------------------------------------------
# One case in a worker


_WORKER: dict[str, Any] = {}
_STARTED: Any = None                 # in a local worker: where run_one says which case it begins
_CASE_OUT: str | None = None         # the output folder of the case this process is running
_ENDING = threading.Lock()           # held by the thread that is ending this worker


def _worker_state(formats: Sequence[str]) -> dict[str, Any]:
    """The worker's browser and kernel supply, started once per process, closed when it exits."""
    if not _WORKER:
        from multiprocessing import util

        from ._kernels import KernelSupply
        from .run import PdfPrinter

        _WORKER["kernels"] = KernelSupply()
        _WORKER["printer"] = PdfPrinter().__enter__() if "pdf" in formats else None
        # a worker process of multiprocessing (a local pool, a Dask nanny) runs these finalizers, not atexit
        util.Finalize(None, _close_worker, exitpriority=10)
    return _WORKER


def _close_worker() -> None:
    if _WORKER.get("printer") is not None:
        _WORKER["printer"].close()
    if _WORKER.get("kernels") is not None:
        _WORKER["kernels"].close()
    _WORKER.clear()


def run_one(case: str, out_dir: str, formats: Sequence[str], timeout: float, key: str,
            notebook: str | None = None, case_id: str | None = None, house: str | None = None,
            draft: bool = False) -> dict[str, Any]:
    """Run one case in this process (a local worker or a Dask worker); never raises."""
    from .errors import CaseError, EvalkitError, RunError
    from .run import run_case

    global _CASE_OUT

    t0 = time.perf_counter()
    record: dict[str, Any] = {"path": case, "out": out_dir, "key": key, "id": case_id}
    _CASE_OUT = out_dir
    if _STARTED is not None:          # a local worker tells the batch which case it is on
        _STARTED.put(case)
    try:
        state = _worker_state(formats)
        res = run_case(case, out_dir, formats, timeout=timeout, printer=state["printer"], kernels=state["kernels"],
                       notebook=notebook, batch_key=key, house=house, draft=draft)
        record.update(status="ok", id=res.case_id, score=res.results.get("score"), grade=res.results.get("grade"),
                      durations={k: round(v, 3) for k, v in res.durations.items()})
    except CaseError as exc:
        record.update(status="failed", error={"kind": "invalid", "message": str(exc),
                                              "issues": [str(i) for i in exc.issues]})
    except RunError as exc:
        record.update(status="failed", error={"kind": "run", "message": str(exc), "cell": exc.cell_index,
                                              "ename": exc.ename, "evalue": exc.evalue})
    except EvalkitError as exc:
        record.update(status="failed", error={"kind": type(exc).__name__, "message": str(exc)})
    except Exception as exc:
        record.update(status="failed", error={"kind": type(exc).__name__, "message": str(exc)})
    record["seconds"] = round(time.perf_counter() - t0, 3)
    return record


def _start_worker(started: Any, batch: int) -> None:
    """Initializer of a local worker: a session of its own, and an end with the batch however it ends.

    The batch started this process with the stop signals held (:func:`_signals_held`), so nothing
    reaches it before it has left the batch's process group; a terminal's Ctrl-C then goes to the
    batch's process alone, which decides what to stop. SIGTERM and SIGHUP end the worker
    (:func:`_abandon`); so does the end of the batch's process, by a parent-death signal and, should
    that not come, by a thread that watches the parent id.
    """
    global _STARTED

    _STARTED = started
    with contextlib.suppress(OSError):
        os.setsid()
    signal.signal(signal.SIGINT, _ignore)      # a Python handler: the processes this one starts do not inherit it
    signal.signal(signal.SIGTERM, _abandon)
    signal.signal(signal.SIGHUP, _abandon)
    _procs.die_with_parent(signal.SIGTERM)     # the batch starts its workers from its main thread
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    if os.getppid() != batch:                  # the batch ended while this process started
        _abandon()
    threading.Thread(target=_watch_batch, args=(batch,), name="evalkit-watch-batch", daemon=True).start()


def _ignore(*_: object) -> None:
    pass


def _watch_batch(batch: int) -> None:
    while os.getppid() == batch:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)       # the main thread abandons its case…
    time.sleep(_WORKER_EXIT)
    _abandon()                                 # …or, if it cannot, this thread ends the process


def _abandon(signum: int | None = None, _frame: Any = None) -> None:
    """End this worker now, writing nothing more: its kernels, fork server and browser first.

    The case it was running is abandoned: its outputs are not moved into place (a move already under
    way stops before the per-case manifest, which goes last, so the case reads as not up to date), its
    staging folder is removed, and its last good outputs stay as they were.
    """
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # a second signal must not start this again
    if not _ENDING.acquire(blocking=False):     # another thread is ending the process already
        while True:
            time.sleep(1.0)
    with contextlib.suppress(OSError):          # what the abandoned case's threads say as its kernel goes is noise
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
    _procs.end(_procs.descendants(os.getpid()), grace=2.0)
    _procs.remove_temp_of(os.getpid())
    if _CASE_OUT is not None:
        from .run import staging_prefix

        for staging in Path(_CASE_OUT).parent.glob(f".*{staging_prefix('')[1:]}*.staging"):
            shutil.rmtree(staging, ignore_errors=True)
    os._exit(128 + (signum or signal.SIGTERM))


# ----------------------------------------------------------------------------------------------
# Progress


class Progress:
    """A progress bar with counts and an ETA on a terminal; a plain line per case otherwise."""

    def __init__(self, total: int, *, stream: Any = None, bar: bool | None = None):
        self.total, self.stream = total, stream or sys.stderr
        self.bar = (self.stream.isatty() and os.environ.get("CI") != "true") if bar is None else bar
        self.done = self.fresh = self.failed = 0
        self.t0 = time.perf_counter()
        self._open = False                     # the bar is drawn and its line not yet ended

    def update(self, record: dict[str, Any]) -> None:
        status = record["status"]
        self.done += 1
        self.fresh += status == "up-to-date"
        self.failed += status == "failed"
        ran = self.done - self.fresh
        left = self.total - self.done
        elapsed = time.perf_counter() - self.t0
        eta = elapsed / ran * left if ran else 0.0
        counts = f"{self.done}/{self.total} 完成 · 未变 {self.fresh} · 失败 {self.failed}"
        if self.bar and status == "stopped":
            return                             # the batch is stopping: its last line says how many
        if self.bar:
            width = 24
            filled = int(width * self.done / max(self.total, 1))
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {counts} · 剩余约 {eta:,.0f} 秒 ")
            self._open = self.done != self.total
            if not self._open:
                self.stream.write("\n")
        else:
            name = record.get("id") or Path(record["path"]).name
            what = {"ok": f"✓ {record.get('score', 0):.2f} 分 {record.get('grade', '')}（{record.get('seconds', 0):.1f} 秒）",
                    "up-to-date": "未变，跳过",
                    "failed": f"✗ 失败：{record.get('error', {}).get('message', '')[:200]}",
                    "stopped": "■ 已停止（运行中被中断，原有的输出保持不变）"}[status]
            self.stream.write(_text.escape(f"[{self.done}/{self.total}] {name}：{what}") + "\n")   # one line
        self.stream.flush()

    def note(self, text: str) -> None:
        """A line of its own (below the bar, if one is drawn)."""
        self.stream.write(("\n" if self._open else "") + text + "\n")
        self.stream.flush()
        self._open = False

    def close(self) -> None:
        """End the bar's line, if the batch stops before the bar is full."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False


# ----------------------------------------------------------------------------------------------
# Stopping


class _Stop:
    """SIGINT, SIGTERM and SIGHUP while a batch runs (in the main thread; elsewhere signals are not ours).

    The first signal asks for a stop: no case starts any more and the running ones have ``grace``
    seconds to finish before their workers are ended. The second ends them at once. The third ends
    this process at once, in case ending the workers hangs; they end themselves when it is gone.
    A signal the caller ignores (``nohup``, a background job) stays ignored.
    """

    def __init__(self, grace: float):
        self.grace = grace
        self.note: Callable[[str], None] = lambda text: None
        self.signum: int | None = None
        self.count = 0
        self._at = 0.0
        self._said = 0
        self._old: dict[int, Any] = {}

    def __enter__(self) -> _Stop:
        if threading.current_thread() is threading.main_thread():
            for sig in _STOP_SIGNALS:
                old = signal.getsignal(sig)
                if old is not signal.SIG_IGN and old is not None:    # None: a handler Python cannot put back
                    self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old.clear()

    def _handle(self, signum: int, _frame: Any) -> None:
        self.count += 1
        if self.signum is None:
            self.signum, self._at = signum, time.monotonic()
        if self.count >= 3:
            os._exit(128 + signum)

    def asked(self) -> bool:
        """Whether a stop was asked for; the first time it sees a signal it says what happens now."""
        if self.count > self._said:
            self._said = self.count
            name = signal.Signals(self.signum).name
            if self.count == 1:
                again = "再按一次 Ctrl-C 立即结束" if self.signum == signal.SIGINT else "再收到一次则立即结束"
                what = "已按 Ctrl-C" if self.signum == signal.SIGINT else f"收到 {name}"
                wait = f"运行中的案例最多再等 {self.grace:g} 秒完成" if self.grace > 0 else "运行中的案例立即结束"
                self.note(f"{what}：不再开始新的案例；{wait}（{again}）")
            elif self.count == 2:
                self.note("再次收到中断信号：立即结束运行中的案例")
        return self.signum is not None

    @property
    def now(self) -> bool:
        """Whether the running cases are to be ended now: a second signal, or the grace time is over."""
        return self.asked() and (self.count >= 2 or time.monotonic() >= self._at + self.grace)

    @property
    def hurry(self) -> bool:
        return self.count >= 2


@contextlib.contextmanager
def _signals_held() -> Any:
    """Hold the stop signals while a worker is started: it begins in the batch's process group, where a
    terminal's Ctrl-C would reach it before it has moved to a session of its own. It inherits the held
    signals and releases them once it is ready; in the batch they are only deferred (another thread
    takes them)."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker, if it is not running, with the stop signals held.

    It stays in the batch's process group and ignores SIGINT and SIGTERM by itself, but a terminal's
    SIGHUP would kill it before the batch has released its semaphores (a warning and tracebacks from
    the tracker started again); held when it starts, SIGHUP stays held in it."""
    from multiprocessing import resource_tracker

    with _signals_held():
        resource_tracker.ensure_running()


class _Workers:
    """A process pool whose workers the batch can end, with everything they started (never left behind)."""

    def __init__(self, ctx: Any, jobs: int, started: Any = None):
        _start_resource_tracker()
        self.pool = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_start_worker,
                                           initargs=(started, os.getpid()))
        self.pids: set[int] = set()

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        with _signals_held():
            fut = self.pool.submit(fn, *args)        # starts a worker, if one is missing
        self.pids |= set(getattr(self.pool, "_processes", None) or ())
        return fut

    def end(self, stop: _Stop) -> None:
        """SIGTERM every worker (each ends its kernels, fork server and browser: :func:`_abandon`), then
        SIGKILL the process group of any that has not ended within a few seconds, or at a second signal."""
        mine = [p for p in self.pids if _procs.parent(p) == os.getpid()]    # not a pid used again since
        for pid in mine:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + _WORKER_EXIT
        left = [p for p in mine if _procs.alive(p)]
        while left and time.monotonic() < deadline:
            if stop.hurry:
                deadline = min(deadline, time.monotonic() + 1.0)
            time.sleep(0.05)
            left = [p for p in left if _procs.alive(p)]
        for pid in left:
            # what the worker started is in sessions of its own (kernel clients, Chromium): found below it
            # before it is killed, as once it is gone they belong to init
            below = _procs.descendants(pid)
            with contextlib.suppress(OSError):
                if os.getpgid(pid) == pid:
                    os.killpg(pid, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)
            for child in below:
                with contextlib.suppress(OSError):
                    os.kill(child, signal.SIGKILL)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


# ----------------------------------------------------------------------------------------------
# The batch


@dataclass(frozen=True)
class BatchResult:
    """What a batch did: one record per case and the manifest path.

    A record's ``status`` is ok, up-to-date or failed; after a stop also ``stopped`` (it was running
    and was ended) or ``not-run`` (it never started), and ``stopped`` names the signal.
    """

    records: tuple[dict[str, Any], ...]
    manifest: Path | None                       # None when the batch was asked not to write one
    seconds: float
    summary: Path | None = None
    counts: dict[str, int] = field(default_factory=dict)
    summary_error: str | None = None            # why summary.html could not be written, if it could not
    stopped: str | None = None                  # the signal that stopped the batch (SIGINT …), if one did

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r["status"] == "failed"]

    def to_dict(self) -> dict[str, Any]:
        """The batch as one JSON document (``evalkit batch --json``): its counts, where its manifest and
        summary are, and each case as ``manifest.json`` lists it, with ``out`` (its output folder) and
        ``outputs`` (the files its own ``manifest.json`` lists) when it is ``ok`` or ``up-to-date``."""
        cases = []
        for r in self.records:
            entry = _manifest_entry(r)
            if r["status"] in ("ok", "up-to-date") and r.get("out"):
                try:
                    names = json.loads((Path(r["out"]) / MANIFEST).read_text(encoding="utf-8")).get("outputs", [])
                except (OSError, ValueError, AttributeError):
                    names = []
                entry.update(out=str(r["out"]), outputs=[str(Path(r["out"]) / n) for n in names])
            cases.append(entry)
        return {"counts": dict(self.counts), "manifest": None if self.manifest is None else str(self.manifest),
                "summary": None if self.summary is None else str(self.summary), "summary_error": self.summary_error,
                "stopped": self.stopped, "seconds": round(self.seconds, 3), "cases": cases}


def run_batch(paths: Iterable[str | Path], out: str | Path = "build", *, jobs: int | None = None,
              formats: Sequence[str] = ("html", "pdf", "docx"), force: bool = False, scheduler: str | None = None,
              timeout: float = 600.0, summary: bool = True, notebook: str | Path | None = None,
              progress: Callable[[dict[str, Any]], None] | Progress | None = None,
              grace: float = GRACE, manifest: bool = True, house: str | Path | None = None,
              draft: bool = False) -> BatchResult:
    """Build every case under ``paths`` into ``out/<id>/``, in parallel, re-running only what changed.

    Parameters
    ----------
    jobs
        Local worker processes (default: the number of CPUs, at most the number of cases to run).
    force
        Re-run every case, changed or not.
    scheduler
        Address of a Dask distributed scheduler (``tcp://host:8786``); the workers must see the same
        case and output paths.
    timeout
        Seconds a notebook cell may run before the case is abandoned.
    summary
        Also write ``out/summary.html`` (and ``summary.pdf`` when PDF is asked) from
        ``notebooks/portfolio_summary.ipynb``.
    notebook
        Another report notebook with the same parameters; a change to it re-runs every case.
    house, draft
        A firm's house-style folder for every case, and whether to mark the reports 征求意见稿
        (:func:`evalkit.run.run_case`); a change to either re-runs every case.
    grace
        Seconds the running cases may take to finish after a first SIGINT, SIGTERM or SIGHUP,
        before they are ended (default 3).
    manifest
        Write ``out/manifest.json``; ``evalkit run`` (this path with one job, every case run) does
        not, so a batch's manifest lists what that batch did. Each case's own ``manifest.json`` is
        always written.

    Returns
    -------
    BatchResult
        ``out/manifest.json`` lists every case with its status and, for a failure, the cell,
        exception and message.

    Raises
    ------
    BatchStopped
        When SIGINT (Ctrl-C), SIGTERM or SIGHUP arrives while the batch runs in the main thread: no
        case starts any more, the running ones get ``grace`` seconds, then their worker processes
        and everything they started are ended; a second signal ends them at once. Every case is
        recorded, ``stopped`` or ``not-run`` included, in ``out/manifest.json`` before this is
        raised; the summary is not rebuilt; each case's last good outputs stay in place.
    """
    from .run import FORMATS, NOTEBOOK, _check_paths

    t0 = time.perf_counter()
    notebook = Path(notebook or NOTEBOOK)
    formats = tuple(dict.fromkeys(formats))
    if any(f not in FORMATS for f in formats):
        raise InputError(f"不支持的输出格式：{', '.join(formats)}（可用：{', '.join(FORMATS)}）")
    out = Path(out)
    if _io.kind(notebook) != "file":
        raise InputError(f"报告笔记本 {notebook} {_io.describe(notebook)}")
    if problem := _io.folder_problem(out):
        raise InputError(f"输出目录 {out} {problem}")
    if house:
        from .report.house import load_house

        house = str(Path(house).resolve())
        load_house(house)
    with _Stop(grace) as stop:
        cases = discover(paths)
        env_key = _environment_key(formats, notebook, house, draft)
        todo, records = [], []
        seen: dict[str, Path] = {}
        for case in cases:
            if stop.asked():                      # a stop while the cases are read: the rest are not run
                records.append({"path": str(case), "status": "not-run", "key": ""})
                continue
            try:
                case_id, key = case_key(case, env_key)
            except CaseError as exc:              # every problem, not only the first the cheap read met
                issues = _all_issues(case) or exc.issues
                records.append({"path": str(case), "status": "failed", "key": "", "error": {
                    "kind": "invalid", "message": "；".join(map(str, issues)), "issues": [str(i) for i in issues]}})
                continue
            except Exception as exc:             # a path that cannot be read, a refused one: the case fails alone
                why = _io.read_failure(exc) if isinstance(exc, OSError) else exc
                records.append({"path": str(case), "status": "failed", "key": "",
                                "error": {"kind": "invalid", "message": f"无法读取案例：{why}"}})
                continue
            if case_id in seen:
                records.append({"path": str(case), "id": case_id, "status": "failed", "key": key,
                                "error": {"kind": "invalid", "message": f"案例编号「{case_id}」与 {seen[case_id]} 重复"}})
                continue
            seen[case_id] = case
            out_dir = out / case_id
            try:
                _check_paths(case, out_dir, notebook)       # refused here, not after a worker has started
            except InputError as exc:
                records.append({"path": str(case), "id": case_id, "status": "failed", "key": key,
                                "error": {"kind": "invalid", "message": str(exc)}})
                continue
            if not force and _up_to_date(out_dir, key):
                records.append({"path": str(case), "id": case_id, "status": "up-to-date", "key": key,
                                "out": str(out_dir)})
            else:
                todo.append((str(case), str(out_dir), formats, timeout, key, str(notebook), case_id, house, draft))
        bar = Progress(len(cases)) if progress is None else progress if isinstance(progress, Progress) else None
        report = bar.update if bar is not None else progress
        stop.note = bar.note if bar is not None else stop.note
        for r in records:
            report(r)
        if todo:
            from .run import remove_stale_staging

            try:
                out.mkdir(parents=True, exist_ok=True)      # before the workers: none of them makes it
            except OSError as exc:
                raise ExportError(_io.write_failure(exc, out)) from exc

            records += _run(todo, jobs=jobs, scheduler=scheduler, report=report, stop=stop)
            remove_stale_staging(out)            # left by workers that were killed
            _procs.remove_stale_temp()           # kernel and fork-server folders of workers that were killed
        order = {str(c): i for i, c in enumerate(cases)}
        records.sort(key=lambda r: order.get(r["path"], len(order)))
        stopped = signal.Signals(stop.signum).name if stop.asked() else None
        counts = {s: sum(r["status"] == s for r in records) for s in STATUSES + (STOP_STATUSES if stopped else ())}
        written = None
        try:
            if manifest:
                written = _write_manifest(out, records, counts, formats, stopped=stopped)
        except OSError as exc:
            if not stopped:
                raise ExportError(_io.write_failure(exc, out / MANIFEST)) from exc
            _raise_stopped(bar, records, out / MANIFEST, t0, counts, stop, _io.write_failure(exc, out / MANIFEST))
        if stopped:
            _raise_stopped(bar, records, written, t0, counts, stop)
        summary_path, summary_error = None, None
        if summary and any(r["status"] in ("ok", "up-to-date") for r in records):
            made = _summary_in_worker(out, formats, timeout, stop)
            if made is None:                     # stopped while the summary was being made
                _raise_stopped(bar, records, written, t0, counts, stop)
            summary_path, summary_error = made
    return BatchResult(tuple(records), written, time.perf_counter() - t0, summary_path, counts, summary_error)


def _raise_stopped(bar: Progress | None, records: list[dict[str, Any]], manifest: Path | None, t0: float,
                   counts: dict[str, int], stop: _Stop, manifest_error: str | None = None) -> None:
    if bar is not None:
        bar.close()
    name = signal.Signals(stop.signum).name
    counts = {**{s: 0 for s in STATUSES + STOP_STATUSES}, **counts}
    result = BatchResult(tuple(records), manifest, time.perf_counter() - t0, None, counts, None, name)
    raise BatchStopped(result, stop.signum, manifest_error=manifest_error)


def _run(todo: list[tuple], *, jobs: int | None, scheduler: str | None,
         report: Callable[[dict[str, Any]], None], stop: _Stop) -> list[dict[str, Any]]:
    if stop.asked():
        return [_record(args, "not-run") for args in todo]
    if scheduler:
        return _run_dask(todo, scheduler=scheduler, report=report, stop=stop)
    return _run_local(todo, jobs=max(1, min(jobs or os.cpu_count() or 1, len(todo))), report=report, stop=stop)


def _run_dask(todo: list[tuple], *, scheduler: str, report: Callable[[dict[str, Any]], None],
              stop: _Stop) -> list[dict[str, Any]]:
    """Run ``todo`` on a Dask cluster. On a stop the cases not yet running are cancelled at once and
    the running ones after the grace time; a running case cannot be interrupted on its Dask worker,
    so it may still finish there and move its outputs into place (its record says ``stopped``)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError("使用 --scheduler 需要安装 Dask distributed（pip install 'evalkit[dask]'）") from None
    done = []
    with Client(scheduler) as client:
        futures = {client.submit(run_one, *args, pure=False): args for args in todo}
        pending = dict(futures)
        ready = as_completed(list(futures))
        queued_cancelled = False
        while pending and not stop.now:
            if stop.asked() and not queued_cancelled:      # no new case starts
                running = _dask_running(client)
                queued = [f for f in pending if str(f.key) not in running]
                client.cancel(queued, force=True)
                done += [_record(pending.pop(f), "not-run") for f in queued]
                queued_cancelled = True
                continue
            batch = ready.next_batch(block=False)
            if not batch:
                time.sleep(0.1)
            for fut in batch:
                args = pending.pop(fut, None)
                if args is None:                 # cancelled above
                    continue
                try:
                    record = fut.result()
                except Exception as exc:        # KilledWorker: the case took down its worker repeatedly
                    record = _record(args, "failed", error={
                        "kind": type(exc).__name__, "message": f"Dask 工作进程未能完成该案例：{exc}"})
                report(record)
                done.append(record)
        if pending:                              # stopped: the grace time is over
            running = _dask_running(client)
            client.cancel(list(pending), force=True)
            for fut, args in pending.items():
                record = _record(args, "stopped" if str(fut.key) in running else "not-run")
                if record["status"] == "stopped":
                    report(record)
                done.append(record)
    return done


def _dask_running(client: Any) -> set[str]:
    """The keys of the tasks that Dask workers are executing now; where a worker cannot say, those it
    has taken (executing, or waiting in its own queue)."""
    def executing(dask_worker: Any) -> list[str]:
        return [str(ts.key) for ts in dask_worker.state.executing]

    try:
        answers = client.run(executing, on_error="raise")
        return {k for keys in answers.values() for k in keys}
    except Exception:
        pass
    try:
        return {str(k) for keys in client.processing().values() for k in keys}
    except Exception:
        return set()


def _run_local(todo: list[tuple], *, jobs: int, report: Callable[[dict[str, Any]], None],
               stop: _Stop) -> list[dict[str, Any]]:
    """Run ``todo`` on ``jobs`` worker processes, surviving workers that die.

    A worker killed mid-case (SIGKILL, the kernel's out-of-memory killer) breaks the whole process pool:
    every unfinished case fails with ``BrokenProcessPool``. The cases that had not started go to a new
    pool; each case that was running when the pool broke is run once more in a pool of its own, so a
    case that kills its worker every time fails alone and takes no other case with it.
    """
    ctx = multiprocessing.get_context("spawn")     # a clean interpreter per worker, no inherited threads
    done: list[dict[str, Any]] = []
    queue, suspects = list(todo), []
    while (queue or suspects) and not stop.asked():
        alone = not queue
        batch, queue = (queue, []) if queue else ([suspects.pop(0)], [])
        finished, broken, started = _pool_round(ctx, batch, jobs=1 if alone else jobs, report=report, stop=stop)
        done += finished
        if alone and broken:
            record = _record(broken[0], "failed", error={
                "kind": "WorkerDied",
                "message": "运行该案例的工作进程意外终止（被强制结束，例如 kill -9 或内存不足）；单独重试仍然如此"})
            report(record)
            done.append(record)
        elif broken and not any(a[0] in started for a in broken):
            suspects += broken               # the workers died before any case began: try each alone
        else:
            suspects += [a for a in broken if a[0] in started]
            queue = [a for a in broken if a[0] not in started]
    return done + [_record(a, "not-run") for a in queue + suspects]


def _record(args: tuple, status: str, **extra: Any) -> dict[str, Any]:
    return {"path": args[0], "out": args[1], "key": args[4], "id": args[6], "status": status, **extra}


def _pool_round(ctx: Any, todo: list[tuple], *, jobs: int, report: Callable[[dict[str, Any]], None],
                stop: _Stop) -> tuple[list[dict[str, Any]], list[tuple], set[str]]:
    """One process pool over ``todo``: (records, cases cut short by a dead worker, cases started).

    A case is handed to the pool only when a worker is free, so that after a stop none starts. After a
    stop the records cover every case of ``todo`` (``stopped`` or ``not-run`` for those not finished)
    and none is returned as cut short.
    """
    from concurrent.futures.process import BrokenProcessPool

    _start_resource_tracker()                    # before the queue's semaphores are registered with it
    started = ctx.SimpleQueue()
    began: set[str] = set()
    finished: list[dict[str, Any]] = []
    broken: list[tuple] = []
    waiting = list(todo)
    running: dict[cf.Future, tuple] = {}
    workers = _Workers(ctx, jobs, started)
    try:
        while waiting or running:
            if stop.asked():
                if not running or stop.now:
                    break
            elif broken:                         # no more cases for a broken pool
                broken += waiting
                waiting = []
            else:
                while waiting and len(running) < jobs:
                    args = waiting.pop(0)
                    try:
                        running[workers.submit(run_one, *args)] = args
                    except BrokenProcessPool:
                        broken.append(args)
            if not running:
                continue
            done, _ = cf.wait(running, timeout=0.2, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                args = running.pop(fut)
                try:
                    record = fut.result()
                except BrokenProcessPool:
                    broken.append(args)
                    continue
                except Exception as exc:
                    record = _record(args, "failed", error={"kind": type(exc).__name__,
                                                           "message": f"工作进程异常：{exc}"})
                report(record)
                finished.append(record)
        if stop.asked():
            workers.end(stop)                    # idle ones too: quicker than closing them one by one
            _drain(started, began)
            for fut, args in running.items():
                if fut.done() and not fut.cancelled() and fut.exception() is None:
                    record = fut.result()        # it finished just as its worker was ended
                else:
                    record = _record(args, "stopped" if args[0] in began else "not-run")
                if record["status"] != "not-run":
                    report(record)
                finished.append(record)
            for args in broken:
                record = _record(args, "stopped" if args[0] in began else "not-run")
                if record["status"] != "not-run":
                    report(record)
                finished.append(record)
            finished += [_record(args, "not-run") for args in waiting]
            broken = []
    finally:
        workers.close()
    _drain(started, began)
    return finished, broken, began


def _drain(queue: Any, into: set[str]) -> None:
    while not queue.empty():
        into.add(queue.get())


def _summary_in_worker(out: Path, formats: Sequence[str], timeout: float,
                       stop: _Stop) -> tuple[Path | None, str | None] | None:
    """:func:`write_summary` in a worker process of its own, so that a stop ends it as it ends a case's
    worker: (summary path, None) or (None, why it could not be written); None when a stop ended it."""
    from concurrent.futures.process import BrokenProcessPool

    if stop.asked():
        return None
    workers = _Workers(multiprocessing.get_context("spawn"), 1)
    try:
        fut = workers.submit(_summary_job, str(out), tuple(formats), timeout)
        while not fut.done():
            if stop.asked():                   # the summary is not a case: it gets no grace time
                workers.end(stop)
                from .run import remove_stale_staging

                remove_stale_staging(out)          # the ended worker's staging folder of the summary
                return None
            cf.wait([fut], timeout=0.2)
        try:
            return fut.result()
        except BrokenProcessPool:
            return None, "生成汇总的工作进程意外终止"
    finally:
        workers.close()


def _summary_job(out: str, formats: tuple[str, ...], timeout: float) -> tuple[Path | None, str | None]:
    try:
        return write_summary(out, formats=formats, timeout=timeout), None
    except EvalkitError as exc:           # the cases' reports stand; only the summary is missing
        return None, str(exc)


def _write_manifest(out: Path, records: list[dict[str, Any]], counts: dict[str, int],
                    formats: Sequence[str], *, stopped: str | None = None) -> Path:
    from . import __version__

    cases = [_manifest_entry(r) for r in records]
    return _io.write_json(out / MANIFEST, {"evalkit_version": __version__, "formats": list(formats),
                                          "counts": counts, **({"stopped": stopped} if stopped else {}),
                                          "cases": cases})


def _manifest_entry(r: dict[str, Any]) -> dict[str, Any]:
    """A case as ``manifest.json`` lists it: its record's fields that have a value, and for a case
    that is ok or up to date the score, grade and title of its ``results.json``."""
    entry = {k: r.get(k) for k in ("id", "path", "status", "key", "seconds", "error") if r.get(k) is not None}
    if r["status"] in ("ok", "up-to-date") and r.get("out"):
        try:
            res = json.loads((Path(r["out"]) / "results.json").read_text(encoding="utf-8"))
            entry.update(score=res.get("score"), grade=res.get("grade"), title=res.get("title"))
        except (OSError, ValueError):
            pass
    return entry


def write_summary(out: str | Path, *, formats: Sequence[str] = ("html", "pdf"), timeout: float = 600.0) -> Path:
    """Render ``notebooks/portfolio_summary.ipynb`` over ``out`` into ``out/summary.html`` (and PDF)."""
    from .run import render_notebook

    return render_notebook(_paths.NOTEBOOKS / "portfolio_summary.ipynb", {"build_dir": str(Path(out).resolve())},
                           Path(out), stem="summary", formats=formats, timeout=timeout, title="绩效评价结果汇总")


__all__ = ["BatchResult", "Progress", "case_key", "discover", "run_batch", "run_one", "write_summary"]
