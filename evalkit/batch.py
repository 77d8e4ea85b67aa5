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
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _io, _paths, _text
from .errors import CaseError, EvalkitError, ExportError, InputError

MANIFEST = "manifest.json"


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


def _environment_key(formats: Sequence[str], notebook: Path) -> str:
    from .run import TEMPLATE, code_hash, file_hash, tree_hash

    parts = [code_hash(), file_hash(_paths.LOCK), file_hash(notebook), tree_hash(_paths.TEMPLATES / TEMPLATE),
             ",".join(formats)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def case_key(case: Path, env_key: str) -> tuple[str, str]:
    """(case id, key): the key changes when any input file, the notebook, template, lock or evalkit's
    own code does. The case is read only as far as :func:`evalkit.case.case_inputs` reads it."""
    from .case import case_inputs, inputs_hash

    if problem := _unreadable_case(case):
        raise InputError(problem)
    case_id, files = case_inputs(case)
    return case_id, inputs_hash(case, files, env_key)


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


def _worker_state(formats: Sequence[str]) -> dict[str, Any]:
    """The worker's browser and kernel supply, started once per process."""
    if not _WORKER:
        import atexit

        from ._kernels import KernelSupply
        from .run import PdfPrinter

        _WORKER["kernels"] = KernelSupply()
        _WORKER["printer"] = PdfPrinter().__enter__() if "pdf" in formats else None
        atexit.register(_close_worker)
    return _WORKER


def _close_worker() -> None:
    if _WORKER.get("printer") is not None:
        _WORKER["printer"].close()
    if _WORKER.get("kernels") is not None:
        _WORKER["kernels"].close()
    _WORKER.clear()


def run_one(case: str, out_dir: str, formats: Sequence[str], timeout: float, key: str,
            notebook: str | None = None, case_id: str | None = None) -> dict[str, Any]:
    """Run one case in this process (a local worker or a Dask worker); never raises."""
    from .errors import CaseError, EvalkitError, RunError
    from .run import run_case

    t0 = time.perf_counter()
    record: dict[str, Any] = {"path": case, "out": out_dir, "key": key, "id": case_id}
    if _STARTED is not None:          # a local worker tells the batch which case it is on
        _STARTED.put(case)
    try:
        state = _worker_state(formats)
        res = run_case(case, out_dir, formats, timeout=timeout, printer=state["printer"], kernels=state["kernels"],
                       notebook=notebook)
        manifest_path = Path(out_dir) / MANIFEST
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest["batch_key"] = key
        _io.write_json(manifest_path, manifest)
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
    except OSError as exc:            # the batch key added to the case's manifest.json
        record.update(status="failed", error={"kind": "ExportError",
                                              "message": _io.write_failure(exc, Path(out_dir) / MANIFEST)})
    except Exception as exc:
        record.update(status="failed", error={"kind": type(exc).__name__, "message": str(exc)})
    record["seconds"] = round(time.perf_counter() - t0, 3)
    return record


# ----------------------------------------------------------------------------------------------
# Progress


class Progress:
    """A progress bar with counts and an ETA on a terminal; a plain line per case otherwise."""

    def __init__(self, total: int, *, stream: Any = None, bar: bool | None = None):
        self.total, self.stream = total, stream or sys.stderr
        self.bar = (self.stream.isatty() and os.environ.get("CI") != "true") if bar is None else bar
        self.done = self.fresh = self.failed = 0
        self.t0 = time.perf_counter()

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
        if self.bar:
            width = 24
            filled = int(width * self.done / max(self.total, 1))
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {counts} · 剩余约 {eta:,.0f} 秒 ")
            if self.done == self.total:
                self.stream.write("\n")
        else:
            name = record.get("id") or Path(record["path"]).name
            what = {"ok": f"✓ {record.get('score', 0):.2f} 分 {record.get('grade', '')}（{record.get('seconds', 0):.1f} 秒）",
                    "up-to-date": "未变，跳过",
                    "failed": f"✗ 失败：{record.get('error', {}).get('message', '')[:200]}"}[status]
            self.stream.write(_text.escape(f"[{self.done}/{self.total}] {name}：{what}") + "\n")   # one line
        self.stream.flush()


# ----------------------------------------------------------------------------------------------
# The batch


@dataclass(frozen=True)
class BatchResult:
    """What a batch did: one record per case (``status`` ok / up-to-date / failed) and the manifest path."""

    records: tuple[dict[str, Any], ...]
    manifest: Path
    seconds: float
    summary: Path | None = None
    counts: dict[str, int] = field(default_factory=dict)
    summary_error: str | None = None            # why summary.html could not be written, if it could not

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r["status"] == "failed"]


def run_batch(paths: Iterable[str | Path], out: str | Path = "build", *, jobs: int | None = None,
              formats: Sequence[str] = ("html", "pdf"), force: bool = False, scheduler: str | None = None,
              timeout: float = 600.0, summary: bool = True, notebook: str | Path | None = None,
              progress: Callable[[dict[str, Any]], None] | Progress | None = None) -> BatchResult:
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

    Returns
    -------
    BatchResult
        ``out/manifest.json`` lists every case with its status and, for a failure, the cell,
        exception and message.
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
    cases = discover(paths)
    env_key = _environment_key(formats, notebook)
    todo, records = [], []
    seen: dict[str, Path] = {}
    for case in cases:
        try:
            case_id, key = case_key(case, env_key)
        except CaseError as exc:
            records.append({"path": str(case), "status": "failed", "key": "", "error": {
                "kind": "invalid", "message": "；".join(map(str, exc.issues)), "issues": [str(i) for i in exc.issues]}})
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
            records.append({"path": str(case), "id": case_id, "status": "up-to-date", "key": key, "out": str(out_dir)})
        else:
            todo.append((str(case), str(out_dir), formats, timeout, key, str(notebook), case_id))
    report = progress if callable(progress) else (progress or Progress(len(cases))).update
    for r in records:
        report(r)
    if todo:
        from .run import remove_stale_staging

        records += _run(todo, jobs=jobs, scheduler=scheduler, report=report)
        remove_stale_staging(out)            # left by workers that were killed
    order = {str(c): i for i, c in enumerate(cases)}
    records.sort(key=lambda r: order.get(r["path"], len(order)))
    counts = {s: sum(r["status"] == s for r in records) for s in ("ok", "up-to-date", "failed")}
    try:
        manifest = _write_manifest(out, records, counts, formats)
    except OSError as exc:
        raise ExportError(_io.write_failure(exc, out / MANIFEST)) from exc
    summary_path, summary_error = None, None
    if summary and any(r["status"] in ("ok", "up-to-date") for r in records):
        try:
            summary_path = write_summary(out, formats=formats, timeout=timeout)
        except EvalkitError as exc:           # the cases' reports stand; only the summary is missing
            summary_error = str(exc)
    return BatchResult(tuple(records), manifest, time.perf_counter() - t0, summary_path, counts, summary_error)


def _run(todo: list[tuple], *, jobs: int | None, scheduler: str | None,
         report: Callable[[dict[str, Any]], None]) -> list[dict[str, Any]]:
    done = []
    if scheduler:
        try:
            from distributed import Client, as_completed
        except ImportError:
            raise InputError("使用 --scheduler 需要安装 Dask distributed（pip install 'evalkit[dask]'）") from None
        with Client(scheduler) as client:
            futures = [client.submit(run_one, *args, pure=False) for args in todo]
            for fut in as_completed(futures):
                try:
                    record = fut.result()
                except Exception as exc:        # KilledWorker: the case took down its worker repeatedly
                    record = _record(todo[futures.index(fut)], "failed", error={
                        "kind": type(exc).__name__, "message": f"Dask 工作进程未能完成该案例：{exc}"})
                report(record)
                done.append(record)
        return done
    return _run_local(todo, jobs=max(1, min(jobs or os.cpu_count() or 1, len(todo))), report=report)


def _run_local(todo: list[tuple], *, jobs: int, report: Callable[[dict[str, Any]], None]) -> list[dict[str, Any]]:
    """Run ``todo`` on ``jobs`` worker processes, surviving workers that die.

    A worker killed mid-case (SIGKILL, the kernel's out-of-memory killer) breaks the whole process pool:
    every unfinished case fails with ``BrokenProcessPool``. The cases that had not started go to a new
    pool; each case that was running when the pool broke is run once more in a pool of its own, so a
    case that kills its worker every time fails alone and takes no other case with it.
    """
    ctx = multiprocessing.get_context("spawn")     # a clean interpreter per worker, no inherited threads
    done: list[dict[str, Any]] = []
    queue, suspects = list(todo), []
    while queue or suspects:
        alone = not queue
        batch, queue = (queue, []) if queue else ([suspects.pop(0)], [])
        finished, broken, started = _pool_round(ctx, batch, jobs=1 if alone else jobs, report=report)
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
    return done


def _record(args: tuple, status: str, **extra: Any) -> dict[str, Any]:
    return {"path": args[0], "out": args[1], "key": args[4], "id": args[6], "status": status, **extra}


def _pool_round(ctx: Any, todo: list[tuple], *, jobs: int, report: Callable[[dict[str, Any]], None]
                ) -> tuple[list[dict[str, Any]], list[tuple], set[str]]:
    """One process pool over ``todo``: (finished records, cases cut short by a dead worker, cases started)."""
    from concurrent.futures.process import BrokenProcessPool

    started = ctx.SimpleQueue()
    finished, broken = [], []
    with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_announce_to,
                                initargs=(started,)) as pool:
        futures = {pool.submit(run_one, *args): args for args in todo}
        for fut in cf.as_completed(futures):
            args = futures[fut]
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
    began = set()
    while not started.empty():
        began.add(started.get())
    return finished, broken, began


def _announce_to(queue: Any) -> None:
    global _STARTED
    _STARTED = queue


def _write_manifest(out: Path, records: list[dict[str, Any]], counts: dict[str, int],
                    formats: Sequence[str]) -> Path:
    from . import __version__

    cases = []
    for r in records:
        entry = {k: r.get(k) for k in ("id", "path", "status", "key", "seconds", "error") if r.get(k) is not None}
        if r["status"] in ("ok", "up-to-date") and r.get("out"):
            try:
                res = json.loads((Path(r["out"]) / "results.json").read_text(encoding="utf-8"))
                entry.update(score=res.get("score"), grade=res.get("grade"), title=res.get("title"))
            except (OSError, ValueError):
                pass
        cases.append(entry)
    return _io.write_json(out / MANIFEST, {"evalkit_version": __version__, "formats": list(formats),
                                          "counts": counts, "cases": cases})


def write_summary(out: str | Path, *, formats: Sequence[str] = ("html", "pdf"), timeout: float = 600.0) -> Path:
    """Render ``notebooks/portfolio_summary.ipynb`` over ``out`` into ``out/summary.html`` (and PDF)."""
    from .run import render_notebook

    return render_notebook(_paths.NOTEBOOKS / "portfolio_summary.ipynb", {"build_dir": str(Path(out).resolve())},
                           Path(out), stem="summary", formats=formats, timeout=timeout, title="绩效评价结果汇总")


__all__ = ["BatchResult", "Progress", "case_key", "discover", "run_batch", "run_one", "write_summary"]
