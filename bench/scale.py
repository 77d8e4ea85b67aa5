"""Scale limits: time and peak memory of every phase of one large case, at several sizes.

For each size (indicators × survey respondents) a fresh process generates the case with
``evalkit.demo.make_large_case`` and measures, one phase after another:

- in that process: ``load_case`` (reading and validating), ``score``, each report section in the
  notebook's order, ``results``; the peak resident memory of each phase is the process's high-water
  mark (VmHWM), reset before the phase (``/proc/self/clear_refs``), so each figure is that phase's own;
- ``run_case(formats=("html", "pdf"))`` end to end: the notebook in its kernel (time, and the kernel's
  peak resident memory read from its ``/proc`` status while it runs), the HTML export and the two PDF
  passes (time, peak of Chromium's processes summed, and of its largest process).

Prints numbers only; nothing is asserted. Linux only (reads /proc).
Run: .venv/bin/python bench/scale.py [SIZES...] [--no-pdf | --no-run]
     SIZES like 2000x200000 (indicators x respondents); default 500x20000 2000x200000 5000x200000 2000x1000000
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_SIZES = ("500x20000", "2000x200000", "5000x200000", "2000x1000000")
SECTIONS = ("cover", "contents", "abstract", "basic_info", "evaluation_work", "conclusion", "indicator_analysis",
            "cost_benefit", "least_cost", "comparison", "benchmarking", "lessons_and_problems", "suggestions",
            "other_matters", "annex_scores", "survey_annex")
MiB = 1024 * 1024


def _status(pid: int | str, key: str) -> int:
    """A memory figure of /proc/PID/status in bytes (0 when the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    m = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) * 1024 if m else 0


class Phase:
    """Time and own peak RSS of a block run in this process."""

    def __init__(self, log: list, name: str):
        self.log, self.name = log, name

    def __enter__(self) -> Phase:
        Path("/proc/self/clear_refs").write_text("5")        # VmHWM := current RSS
        self.rss0 = _status("self", "VmRSS")
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.log.append({"phase": self.name, "seconds": time.perf_counter() - self.t0,
                         "peak": _status("self", "VmHWM"), "start": self.rss0})


class Tree:
    """Samples this process's descendants: each one's VmHWM (monotonic, so the last sample before it
    ends is its peak) and the summed RSS of Chromium's processes at each instant."""

    def __init__(self, interval: float = 0.05):
        self.interval, self.hwm, self.kind = interval, {}, {}
        self.chromium_sum = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _children(self) -> list[int]:
        out, todo = [], [os.getpid()]
        while todo:
            pid = todo.pop()
            for task in Path(f"/proc/{pid}/task").glob("*"):
                try:
                    kids = [int(k) for k in (task / "children").read_text().split()]
                except OSError:
                    continue
                out += kids
                todo += kids
        return out

    def _run(self) -> None:
        while not self._stop.is_set():
            chromium = 0
            for pid in self._children():
                if pid not in self.kind:
                    try:
                        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    except OSError:
                        continue
                    self.kind[pid] = ("kernel" if "ipykernel" in cmd or "forkkernel" in cmd else
                                      "chromium" if "chromium" in cmd else "other")
                h = _status(pid, "VmHWM")
                if h:
                    self.hwm[pid] = max(self.hwm.get(pid, 0), h)
                if self.kind[pid] == "chromium":
                    chromium += _status(pid, "VmRSS")
            self.chromium_sum = max(self.chromium_sum, chromium)
            time.sleep(self.interval)

    def __enter__(self) -> Tree:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, kind: str) -> int:
        return max((h for pid, h in self.hwm.items() if self.kind.get(pid) == kind), default=0)


def one(indicators: int, respondents: int, formats: tuple[str, ...]) -> list[dict]:
    import matplotlib.pyplot  # noqa: F401  the libraries' import time is not a phase's
    import scipy.stats  # noqa: F401
    import statsmodels.api  # noqa: F401

    import evalkit as ek
    from evalkit.demo import make_large_case
    from evalkit.report import Report, results

    log: list[dict] = []
    work = Path(tempfile.mkdtemp(prefix="evalkit-scale-"))
    with Phase(log, "generate"):
        case_dir = make_large_case(work / "cases", indicators=indicators, respondents=respondents)
    with Phase(log, "load_case"):
        case = ek.load_case(case_dir)
    with Phase(log, "score"):
        rep = Report(case)
    for name in SECTIONS:
        with Phase(log, f"section {name}"):
            getattr(rep, name)()
    with Phase(log, "results"):
        results(case, rep.card)
    del rep, case
    if not formats:
        return log
    with Tree() as tree, Phase(log, "run_case (parent)"):
        run = ek.run_case(case_dir, work / "out", formats=formats)
    for key in ("execute", "html", "pdf"):
        if key in run.durations:
            log.append({"phase": f"run_case {key}", "seconds": run.durations[key]})
    log.append({"phase": "kernel peak", "peak": tree.peak("kernel")})
    if "pdf" in formats:
        log.append({"phase": "chromium peak (largest process)", "peak": tree.peak("chromium")})
        log.append({"phase": "chromium peak (all processes)", "peak": tree.chromium_sum})
        from pypdf import PdfReader

        log.append({"phase": "pdf pages", "value": len(PdfReader(run.outputs["report.pdf"]).pages)})
    log.append({"phase": "html bytes", "value": run.outputs["report.html"].stat().st_size})
    log.append({"phase": "survey.csv bytes", "value": (case_dir / "survey.csv").stat().st_size
                if (case_dir / "survey.csv").exists() else 0})
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    return log


def main(argv: list[str]) -> None:
    formats = "" if "--no-run" in argv else "html" if "--no-pdf" in argv else "html,pdf"
    args = [a for a in argv if not a.startswith("--")]
    if argv[:1] == ["--one"]:
        i, m = (int(x) for x in argv[1].split("x"))
        print(json.dumps(one(i, m, tuple(f for f in argv[2].split(",") if f))))
        return
    for size in args or DEFAULT_SIZES:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, __file__, "--one", size, formats], capture_output=True, text=True)
        if proc.returncode:
            print(f"\n{size}: failed\n{proc.stderr[-3000:]}")
            continue
        log = json.loads(proc.stdout.strip().splitlines()[-1])
        i, m = size.split("x")
        print(f"\n{int(i):,} indicators × {int(m):,} respondents ({time.perf_counter() - t0:.0f} s in all)")
        print(f"  {'phase':<36}{'seconds':>9}{'peak MiB':>10}")
        for row in log:
            sec = f"{row['seconds']:9.2f}" if "seconds" in row else " " * 9
            peak = f"{row['peak'] / MiB:10.0f}" if "peak" in row else ""
            extra = f"{row['value']:>10,}" if "value" in row else ""
            print(f"  {row['phase']:<36}{sec}{peak}{extra}")


if __name__ == "__main__":
    main(sys.argv[1:])
