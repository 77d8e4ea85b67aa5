"""Faults: a worker killed mid-case, a kernel that dies, Chromium crashing, a full disk.

Each fault is real (SIGKILL, ``os._exit``, a killed browser, a filesystem that is full); the batch
finishes the other cases, records the failure, leaves the last good outputs in place, and the next
run recovers without ``--force``.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader

import evalkit as ek
from evalkit import _io
from evalkit import run as run_mod
from evalkit.batch import run_batch

from .conftest import ROOT
from .test_batch import copy_cases, statuses

pytestmark = pytest.mark.slow


def processes() -> dict[int, tuple[int, bytes]]:
    """pid → (parent pid, command line) of every process."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            table[int(stat.parent.name)] = (ppid, (stat.parent / "cmdline").read_bytes())
        except (OSError, ValueError, IndexError):
            continue
    return table


def descendants(pid: int) -> list[int]:
    table = processes()
    out, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, (pp, _) in table.items() if pp == parent]
        out += kids
        frontier += kids
    return out


def browsers_of(pid: int) -> list[int]:
    """The main Chromium processes (not its renderers and helpers) started under ``pid``."""
    table = processes()
    return [p for p in descendants(pid)
            if p in table and b"chromium" in table[p][1].split(b"\0")[0] and b"--type=" not in table[p][1]]


def notebook_with(tmp_path: Path, code: str, name: str) -> Path:
    """The report notebook with ``code`` run right after the parameters (``case_dir`` is known)."""
    nb = nbformat.read(run_mod.NOTEBOOK, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(code))
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


# the cell finds its batch worker: kernel → fork server → worker
_WORKER_PID = """
import os, pathlib
def _ppid(pid):
    return int(pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
_server = os.getppid()
_worker = _ppid(_server)
"""


def test_a_worker_killed_mid_case_fails_alone_and_the_next_run_recovers(tmp_path, monkeypatch):
    cases = copy_cases(tmp_path / "cases")
    marker = tmp_path / "kill-worker"
    marker.write_text("armed")
    monkeypatch.setenv("EVALKIT_FAULT_MARKER", str(marker))
    killer = notebook_with(tmp_path, _WORKER_PID + """
import signal
_marker = pathlib.Path(os.environ["EVALKIT_FAULT_MARKER"])
if _marker.exists() and pathlib.Path(case_dir).name == "demo-water":
    _marker.write_text(f"{_worker} {_server}")
    os.kill(_worker, signal.SIGKILL)
""", "kill-worker.ipynb")
    out = tmp_path / "out"
    res = run_batch([cases], out, jobs=2, formats=("html",), summary=False, notebook=killer, progress=lambda r: None)
    assert statuses(res) == {"demo-water": "failed", "demo-greening": "ok", "demo-microcredit": "ok"}
    water = next(r for r in res.records if r["status"] == "failed")
    assert water["error"]["kind"] == "WorkerDied" and "工作进程意外终止" in water["error"]["message"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [c["id"] for c in manifest["cases"] if c["status"] == "failed"] == ["demo-water"]
    assert not (out / "demo-water").exists()               # nothing half-written for the killed case
    assert not list(out.glob(".*.staging"))                  # the dead worker's staging folder is removed
    # the killed worker's fork server does not outlive it
    worker, server = map(int, marker.read_text().split())
    deadline = time.monotonic() + 15
    while server in processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert server not in processes()
    # disarmed, the next run (no --force) builds only the failed case
    marker.unlink()
    again = run_batch([cases], out, jobs=2, formats=("html",), summary=False, notebook=killer, progress=lambda r: None)
    assert statuses(again) == {"demo-water": "ok", "demo-greening": "up-to-date", "demo-microcredit": "up-to-date"}
    assert json.loads((out / "demo-water" / "results.json").read_text(encoding="utf-8"))["score"] == \
        pytest.approx(json.loads((ROOT / "cases" / "demo-water" / "expected.json").read_text(encoding="utf-8"))["score"])


def test_a_kernel_that_dies_fails_its_case_and_the_worker_goes_on(tmp_path):
    cases = copy_cases(tmp_path / "cases", ("demo-water", "demo-greening"))
    out = tmp_path / "out"
    first = run_batch([cases], out, jobs=1, formats=("html",), summary=False, progress=lambda r: None)
    good = (out / "demo-water" / "report.html").read_bytes()
    dying = notebook_with(tmp_path, "import os, pathlib\nif pathlib.Path(case_dir).name == 'demo-water':\n"
                                    "    os._exit(3)", "dying.ipynb")
    res = run_batch([cases], out, jobs=1, formats=("html",), summary=False, notebook=dying, progress=lambda r: None)
    assert first.counts["ok"] == 2
    assert statuses(res) == {"demo-water": "failed", "demo-greening": "ok"}
    error = next(r for r in res.records if r["status"] == "failed")["error"]
    assert error["kind"] == "run" and error["ename"] == "DeadKernelError" and "demo-water" in error["message"]
    assert (out / "demo-water" / "report.html").read_bytes() == good


@pytest.mark.pdf
def test_a_killed_browser_is_started_again(built, tmp_path):
    html = built["demo-water"].out_dir / "report.html"
    with run_mod.PdfPrinter() as printer:
        printer.print(html, tmp_path / "a.pdf")
        (browser,) = browsers_of(os.getpid())
        os.kill(browser, signal.SIGKILL)
        printer.print(html, tmp_path / "b.pdf")
        assert browsers_of(os.getpid()) and browser not in browsers_of(os.getpid())
    a, b = (PdfReader(tmp_path / n) for n in ("a.pdf", "b.pdf"))
    assert len(a.pages) == len(b.pages) > 5
    assert [p.extract_text() for p in a.pages] == [p.extract_text() for p in b.pages]
    assert f"综合得分 {built['demo-water'].results['score']:.2f} 分" in "".join(p.extract_text() for p in b.pages[:5])


@pytest.mark.pdf
def test_a_browser_crash_mid_batch_costs_no_case(tmp_path):
    cases = copy_cases(tmp_path / "cases", ("demo-water", "demo-greening"))
    crasher = notebook_with(tmp_path, _WORKER_PID + """
import signal
for _p in pathlib.Path("/proc").glob("[0-9]*/cmdline"):
    try:
        _cmd = _p.read_bytes().split(b"\\0")
        _pid = int(_p.parent.name)
        _line = [_pid]
        while _line[-1] > 1:
            _line.append(_ppid(_line[-1]))
    except (OSError, ValueError, IndexError):
        continue
    if b"chromium" in _cmd[0] and b"--type=" not in b" ".join(_cmd) and _worker in _line:
        os.kill(_pid, signal.SIGKILL)
        pathlib.Path(case_dir, "..", "killed").resolve().write_text(str(_pid))
""", "crash-browser.ipynb")
    res = run_batch([cases], tmp_path / "out", jobs=1, formats=("html", "pdf"), summary=False, notebook=crasher,
                    progress=lambda r: None)
    assert (cases / "killed").exists()                       # a browser was really killed
    assert res.counts == {"ok": 2, "up-to-date": 0, "failed": 0}
    for name in ("demo-water", "demo-greening"):
        assert len(PdfReader(tmp_path / "out" / name / "report.pdf").pages) > 5


def test_a_full_disk_keeps_the_last_good_report(tmp_path, monkeypatch):
    """Simulated: the PDF write finds the disk full (ENOSPC)."""
    out = tmp_path / "out" / "demo-greening"
    ek.run_case(ROOT / "cases" / "demo-greening", out, formats=("html",))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = _io.write_bytes

    def full(path, data):
        if Path(path).name == "report.html":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, data)

    monkeypatch.setattr(_io, "write_bytes", full)
    with pytest.raises(ek.ExportError, match="磁盘空间不足") as info:
        ek.run_case(ROOT / "cases" / "demo-greening", out, formats=("html",))
    assert "原有的输出保持不变" in str(info.value)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not list(out.parent.glob(".*.staging"))


def _small_filesystem(path: Path, size: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    path.mkdir(parents=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def test_a_really_full_disk_fails_the_case_and_the_next_run_recovers(tmp_path):
    """A real 8 MiB filesystem filled up between two runs (needs root to mount; skipped otherwise)."""
    disk = tmp_path / "disk"
    if not _small_filesystem(disk, "8m"):
        pytest.skip("cannot mount a tmpfs here (not root, or mount is not permitted)")
    try:
        cases = copy_cases(tmp_path / "cases", ("demo-water",))
        out = disk / "build"
        run_batch([cases], out, jobs=1, formats=("html",), summary=False, progress=lambda r: None)
        good = {p.name: p.read_bytes() for p in (out / "demo-water").iterdir()}
        yaml_path = cases / "demo-water" / "case.yaml"
        yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace("title: ", "title: （修订）", 1),
                             encoding="utf-8")
        filler = disk / "filler"
        with open(filler, "wb") as fh:                      # leave about 20 KiB free
            free = shutil.disk_usage(disk).free
            fh.write(b"\0" * max(free - 20 * 1024, 0))
        res = run_batch([cases], out, jobs=1, formats=("html",), summary=False, progress=lambda r: None)
        (record,) = res.records
        assert record["status"] == "failed"
        assert "磁盘空间不足" in record["error"]["message"] or "No space left" in record["error"].get("evalue", "")
        assert {p.name: p.read_bytes() for p in (out / "demo-water").iterdir()} == good
        assert not list(out.glob(".*.staging"))
        filler.unlink()
        again = run_batch([cases], out, jobs=1, formats=("html",), summary=False, progress=lambda r: None)
        assert statuses(again) == {"demo-water": "ok"}
        assert "（修订）" in (out / "demo-water" / "report.html").read_text(encoding="utf-8")
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)
