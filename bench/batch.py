"""Batch speed: the naive loop against `evalkit batch`, measured side by side on the same cases.

1. naive loop, per case: `papermill` CLI → `jupyter nbconvert --to html` → a fresh headless Chromium
   `--print-to-pdf` (three new processes, a new kernel and a new browser for every case);
2. `evalkit batch` with 1 and with 2 jobs (HTML + PDF), from cold workers;
3. a no-change re-run of M cases that were built before.

Prints seconds per case, the ratio naive / evalkit, and the peak memory of the worker processes.
Run: .venv/bin/python bench/batch.py [N] [M]   (defaults 6 and 200; M cases are built once, HTML only)
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from evalkit.batch import run_batch  # noqa: E402
from evalkit.demo import make_demo_cases  # noqa: E402
from evalkit.run import CHROMIUM, CHROMIUM_ARGS, NOTEBOOK  # noqa: E402


def naive(cases: list[Path], out: Path) -> float:
    t0 = time.perf_counter()
    for case in cases:
        d = out / case.name
        d.mkdir(parents=True, exist_ok=True)
        nb = d / "report.ipynb"
        subprocess.run([str(BIN / "papermill"), str(NOTEBOOK), str(nb), "-p", "case_dir", str(case.resolve()),
                        "-p", "out_dir", str(d.resolve()), "--cwd", str(NOTEBOOK.parent), "--no-progress-bar"],
                       check=True, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)], check=True,
                       capture_output=True)
        profile = tempfile.mkdtemp()
        subprocess.run([CHROMIUM, "--headless", *CHROMIUM_ARGS, f"--user-data-dir={profile}",
                        f"--print-to-pdf={d / 'report.pdf'}", (d / "report.html").resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)
        shutil.rmtree(profile, ignore_errors=True)
    return time.perf_counter() - t0


def batch(cases_dir: Path, out: Path, jobs: int) -> float:
    t0 = time.perf_counter()
    res = run_batch([cases_dir], out, jobs=jobs, formats=("html", "pdf"), summary=False, progress=lambda r: None)
    assert res.counts["failed"] == 0, res.failed
    return time.perf_counter() - t0


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    work = Path(tempfile.mkdtemp(prefix="evalkit-bench-"))
    cases = make_demo_cases(n, work / "cases")
    t_naive = naive(cases, work / "naive")
    t1 = batch(work / "cases", work / "b1", 1)
    t2 = batch(work / "cases", work / "b2", 2)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{n} cases, HTML + PDF, {Path('/proc/cpuinfo').read_text().count('processor')} CPUs")
    print(f"naive loop (papermill + nbconvert + fresh Chromium): {t_naive / n:6.2f} s/case")
    print(f"evalkit batch, 1 job:                                 {t1 / n:6.2f} s/case  ({t_naive / t1:.1f}× naive)")
    print(f"evalkit batch, 2 jobs:                                {t2 / n:6.2f} s/case  ({t_naive / t2:.1f}× naive)")
    print(f"peak memory of a child process: {peak:,.0f} MiB")
    if m:
        make_demo_cases(m, work / "many")
        run_batch([work / "many"], work / "many-out", jobs=2, formats=("html",), summary=False,
                  progress=lambda r: None)
        t0 = time.perf_counter()
        res = run_batch([work / "many"], work / "many-out", jobs=2, formats=("html",), summary=False,
                        progress=lambda r: None)
        t = time.perf_counter() - t0
        assert res.counts["up-to-date"] == m
        print(f"no-change re-run of {m} cases: {t:.2f} s ({t / m * 100:.2f} s per hundred)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
