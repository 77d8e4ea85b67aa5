"""Stopping a batch: Ctrl-C once and twice, SIGTERM, SIGHUP, SIGKILL of its main process.

Each test starts a real ``evalkit batch`` (two jobs, HTML and PDF, so each worker has its fork
server, kernels and Chromium) in a session of its own, with an environment variable that the
processes it starts inherit. Once a case has finished and others are running, the test signals it
as a terminal, ``kill`` or the kernel would, then checks the exit code, that stderr holds no
traceback, that ``build/manifest.json`` names every case with a state that agrees with what is on
disk, that no process of the batch is alive 10 s after the signal, and that no ``/tmp/evalkit-*``
folder of its processes is left.

Chromium's helpers (zygotes, renderers) are started with a cleared environment, so a process counts
as the batch's if it carries the variable *or* belongs to a session one of those processes led.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from evalkit import _procs
from evalkit.demo import make_demo_cases

from .conftest import ROOT
from .test_faults import notebook_with

pytestmark = pytest.mark.slow

MARK = "EVALKIT_TEST_MARK"
SIGNAL_SECONDS = 10              # the limit: nothing of the batch alive this long after the signal
# every case but the first sleeps in its notebook, so that it is surely running when the signal comes
SLOW_AFTER_FIRST = """
import pathlib, time
if pathlib.Path(case_dir).name != "demo-0001":
    time.sleep(300)
"""


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


class Marked:
    """The processes that carry ``MARK=<value>`` in their environment, and the sessions they lead."""

    def __init__(self, value: str):
        self.value = value
        self.mark = f"{MARK}={value}".encode()
        self.pids: set[int] = set()           # every process seen carrying the mark
        self.sessions: set[int] = set()       # the sessions they lead (Chromium's helpers are in them)
        self.commands: set[str] = set()

    def watch(self) -> None:
        for env in Path("/proc").glob("[0-9]*/environ"):
            try:
                if self.mark not in env.read_bytes().split(b"\0"):
                    continue
                pid = int(env.parent.name)
                cmd = (env.parent / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
            except (OSError, ValueError):
                continue
            fields = _stat(pid)
            if fields is not None:
                self.pids.add(pid)
                self.commands.add(Path(cmd).name)
                if int(fields[3]) == pid:
                    self.sessions.add(pid)

    def alive(self) -> dict[int, str]:
        """Those still running (zombies excepted): pid → command line."""
        self.watch()
        out = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            pid = int(stat.parent.name)
            fields = _stat(pid)
            if fields is None or fields[0] in ("Z", "X"):
                continue
            try:
                marked = self.mark in (stat.parent / "environ").read_bytes().split(b"\0")
                cmd = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if marked or int(fields[3]) in self.sessions:
                out[pid] = cmd[:160]
        return out

    def left_after(self, t_signal: float, seconds: float = SIGNAL_SECONDS) -> dict[int, str]:
        """What is still running ``seconds`` after the signal (polling until then)."""
        left = self.alive()
        while left and time.monotonic() < t_signal + seconds:
            time.sleep(0.2)
            left = self.alive()
        return left

    def kill_all(self) -> None:
        """Whatever happened, leave nothing behind on this machine."""
        for _ in range(3):
            for pid in self.alive():
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.2)


class Batch(Marked):
    """A real ``evalkit batch`` in a session of its own."""

    def __init__(self, tmp_path: Path, *, n: int = 4, notebook: Path | None = None, formats: str = "html,pdf",
                 summary: bool = False, previous: tuple[str, ...] = (), extra: tuple[str, ...] = ()):
        super().__init__(uuid.uuid4().hex)
        self.cases = tmp_path / "cases"
        make_demo_cases(n, self.cases)
        self.ids = sorted(p.name for p in self.cases.iterdir())
        self.out = tmp_path / "build"
        self.previous = {case_id: previous_outputs(self.out / case_id) for case_id in previous}
        self.temp_before = set(Path(tempfile.gettempdir()).glob("evalkit-*"))
        cmd = [sys.executable, "-m", "evalkit.cli", "batch", str(self.cases), "--out", str(self.out),
               "--jobs", "2", "--format", formats, *([] if summary else ["--no-summary"]), *extra]
        if notebook is not None:
            cmd += ["--notebook", str(notebook)]
        env = {**os.environ, MARK: self.value, "PYTHONUNBUFFERED": "1"}
        env.pop("CI", None)
        self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for raw in self.proc.stderr:
            self.lines.append(raw.decode("utf-8", "replace"))

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    def wait_for(self, what: str, condition, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            self.watch()
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{what}: not reached (exit {self.proc.poll()})\n{self.stderr}")
            time.sleep(0.2)

    def finished(self) -> list[str]:
        return [line for line in self.lines if "：✓" in line]

    def staging(self) -> list[Path]:
        return list(self.out.glob(".*.staging")) if self.out.exists() else []

    def one_done_two_running(self) -> None:
        """Wait until a case has finished and two others are running (their staging folders exist)."""
        self.wait_for("a case finished, two running", lambda: self.finished() and len(self.staging()) >= 2)
        assert "chromium" in self.commands          # Chromium inherits the mark: the scan sees the browsers

    def signal(self, signum: int, *, group: bool) -> float:
        self.watch()
        if group:
            os.killpg(self.proc.pid, signum)
        else:
            os.kill(self.proc.pid, signum)
        return time.monotonic()

    def wait(self, timeout: float = 60) -> int:
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the batch did not end within {timeout} s of the signal\n{self.stderr}")
        self._reader.join(timeout=10)
        return code

    def temp_left(self) -> list[Path]:
        """``/tmp/evalkit-*`` folders owned by the batch's processes."""
        new = set(Path(tempfile.gettempdir()).glob("evalkit-*")) - self.temp_before
        return sorted(d for d in new if _procs._owner(d) in self.pids)

    def kill_all(self) -> None:
        super().kill_all()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def manifest(self) -> dict:
        return json.loads((self.out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture
def batch(tmp_path):
    made: list[Batch] = []

    def start(**kw) -> Batch:
        made.append(Batch(tmp_path, **kw))
        return made[-1]

    yield start
    for b in made:
        b.kill_all()


def slow_notebook(tmp_path: Path) -> Path:
    return notebook_with(tmp_path, SLOW_AFTER_FIRST, "slow-after-first.ipynb")


def previous_outputs(folder: Path) -> dict[str, bytes]:
    """Stand-in outputs of an earlier good run into ``folder``: a stopped case must leave them as they are."""
    folder.mkdir(parents=True)
    files = {"report.html": "<p>上一次的报告</p>".encode(),
             "manifest.json": b'{"id": "%s", "status": "ok"}\n' % folder.name.encode()}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return files


def check_manifest(b: Batch, want: dict[str, str] | None = None) -> dict[str, str]:
    """Every case is named once, with a state that agrees with its output folder."""
    manifest = b.manifest()
    states = {c["id"]: c["status"] for c in manifest["cases"]}
    assert sorted(states) == b.ids
    assert set(states.values()) <= {"ok", "up-to-date", "failed", "stopped", "not-run"}
    counts = manifest["counts"]
    for status in ("ok", "stopped", "not-run"):
        assert counts.get(status, 0) == sum(s == status for s in states.values())
    for case_id, status in states.items():
        folder = b.out / case_id
        if status == "ok":
            case_manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            entry = next(c for c in manifest["cases"] if c["id"] == case_id)
            assert case_manifest["batch_key"] == entry["key"]
            assert all((folder / name).is_file() for name in case_manifest["outputs"])
            assert (folder / "report.pdf").is_file()
        else:                                   # never moved into place: no batch key, no PDF
            assert not (folder / "report.pdf").exists()
            if (folder / "manifest.json").exists():
                assert "batch_key" not in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert not b.staging()                      # the stopped cases' staging folders are gone
    if want is not None:
        assert states == want
    return states


# the slow notebook makes the outcome exact: demo-0001 done, the next two running, the last never started
EXPECTED = {"demo-0001": "ok", "demo-0002": "stopped", "demo-0003": "stopped", "demo-0004": "not-run"}


def check_stopped(b: Batch, code: int, t_signal: float, *, expected_code: int, message: str) -> None:
    assert code == expected_code, b.stderr
    assert "Traceback" not in b.stderr and "KeyboardInterrupt" not in b.stderr, b.stderr
    assert f"{message}：完成 1 个，停止 2 个，未运行 1 个 → " in b.stderr
    assert b.stderr.strip().splitlines()[-1].endswith("manifest.json")
    check_manifest(b, EXPECTED)
    assert not b.left_after(t_signal)
    assert not b.temp_left()


@pytest.mark.pdf
def test_ctrl_c_in_a_terminal_stops_the_batch_and_records_every_case(batch, tmp_path):
    """SIGINT to the whole process group, as a terminal sends it: workers, kernels and browsers get it too."""
    b = batch(notebook=slow_notebook(tmp_path), previous=("demo-0002",))
    b.one_done_two_running()
    t = b.signal(signal.SIGINT, group=True)
    code = b.wait()
    check_stopped(b, code, t, expected_code=130, message="已中断")
    assert b.manifest()["stopped"] == "SIGINT"
    assert "已按 Ctrl-C：不再开始新的案例" in b.stderr
    assert "demo-0002：■ 已停止" in b.stderr
    # the stopped case's last good outputs are untouched
    assert {p.name: p.read_bytes() for p in (b.out / "demo-0002").iterdir()} == b.previous["demo-0002"]


@pytest.mark.pdf
def test_sigint_to_the_main_process_alone_stops_the_batch(batch, tmp_path):
    """``kill -INT <pid>``: only the main process hears it and must stop everything itself."""
    b = batch(notebook=slow_notebook(tmp_path), summary=True)
    b.one_done_two_running()
    t = b.signal(signal.SIGINT, group=False)
    code = b.wait()
    check_stopped(b, code, t, expected_code=130, message="已中断")
    assert not (b.out / "summary.html").exists()       # no summary after a stop


@pytest.mark.pdf
def test_ctrl_c_while_the_summary_is_made_leaves_nothing_running(batch):
    b = batch(n=1, summary=True)
    b.wait_for("the summary is being made", lambda: list(b.out.glob(".summary.*.staging")))
    t = b.signal(signal.SIGINT, group=True)
    code = b.wait()
    assert code == 130, b.stderr
    assert "Traceback" not in b.stderr and "KeyboardInterrupt" not in b.stderr, b.stderr
    assert "已中断：完成 1 个，停止 0 个，未运行 0 个 → " in b.stderr
    check_manifest(b, {"demo-0001": "ok"})
    assert not list(b.out.glob("summary.*")) and not list(b.out.glob(".summary*"))      # its staging folder too
    assert not b.left_after(t)
    assert not b.temp_left()


@pytest.mark.pdf
@pytest.mark.parametrize(("signum", "group", "expected_code"), [(signal.SIGTERM, False, 143), (signal.SIGHUP, True, 129)],
                         ids=["SIGTERM-to-main", "SIGHUP-to-group"])
def test_sigterm_and_sighup_stop_the_batch_like_ctrl_c(batch, tmp_path, signum, group, expected_code):
    b = batch(notebook=slow_notebook(tmp_path))
    b.one_done_two_running()
    t = b.signal(signum, group=group)
    code = b.wait()
    check_stopped(b, code, t, expected_code=expected_code, message=f"已终止（收到 {signal.Signals(signum).name}）")


@pytest.mark.pdf
def test_a_second_ctrl_c_ends_the_batch_at_once(batch, tmp_path):
    b = batch(notebook=slow_notebook(tmp_path), extra=("--grace", "60"))
    b.one_done_two_running()
    t = b.signal(signal.SIGINT, group=True)
    b.wait_for("the first Ctrl-C was seen", lambda: "已按 Ctrl-C" in b.stderr, timeout=10)
    b.signal(signal.SIGINT, group=True)
    code = b.wait(timeout=SIGNAL_SECONDS)              # not the 60 s of grace
    assert code == 130, b.stderr
    assert "Traceback" not in b.stderr, b.stderr
    assert "再次收到中断信号：立即结束运行中的案例" in b.stderr
    check_manifest(b, EXPECTED)
    assert not b.left_after(t)
    assert not b.temp_left()


@pytest.mark.pdf
def test_sigkill_of_the_main_process_leaves_nothing_running(batch):
    """The batch's process cannot clean up: its workers notice and end themselves, their kernels, fork
    servers and browsers, and write no more finished cases."""
    b = batch(n=6)

    def finished_cases() -> set[str]:
        found = set()
        for m in b.out.glob("*/manifest.json"):
            try:
                if "batch_key" in json.loads(m.read_text(encoding="utf-8")):
                    found.add(m.parent.name)
            except ValueError:
                pass
        return found

    b.one_done_two_running()
    t = b.signal(signal.SIGKILL, group=False)
    assert b.wait() == -signal.SIGKILL
    at_kill = finished_cases()                         # the batch's process is gone (and reaped) now
    assert not b.left_after(t)
    assert finished_cases() == at_kill                 # no case finished after its batch was gone
    assert len(at_kill) < 6
    assert not b.temp_left()                           # the workers removed their kernel and fork-server folders
    assert not [line for line in b.lines if "Traceback" in line], b.stderr


def test_stale_temp_folders_of_dead_processes_are_removed(tmp_path):
    """The next start removes what killed processes left; live owners, other hosts and other names stay."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = _procs._temp_host()
    stale = [tmp_path / f"evalkit-kernel-{host}.{dead.pid}.k1x_", tmp_path / f"evalkit-fork-{host}.{dead.pid}.f2y_"]
    kept = [tmp_path / f"evalkit-kernel-{host}.{os.getpid()}.a1b2", tmp_path / f"evalkit-kernel-otherhost.{dead.pid}.c3d4",
            tmp_path / "evalkit-kernel-q8ty1m0z", tmp_path / "evalkit-bench-x9"]
    for d in stale + kept:
        d.mkdir()
        (d / "k-1").write_text("")
    assert sorted(_procs.remove_stale_temp(tmp_path)) == sorted(stale)
    assert all(d.is_dir() for d in kept) and not any(d.exists() for d in stale)
    made = _procs.owned_temp_dir("kernel")
    try:
        assert _procs._owner(made) == os.getpid()
    finally:
        made.rmdir()


def test_ctrl_c_on_a_dask_batch_cancels_its_cases_and_writes_the_manifest(tmp_path):
    """Dask: the cases not yet running are cancelled, the manifest records them, the client closes cleanly."""
    pytest.importorskip("distributed")
    cases = tmp_path / "cases"
    make_demo_cases(4, cases)
    out = tmp_path / "build"
    nb = slow_notebook(tmp_path)
    script = tmp_path / "dask_batch.py"
    script.write_text(f"""
import json, sys
from distributed import LocalCluster
from evalkit import BatchStopped
from evalkit.batch import run_batch

if __name__ == "__main__":
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        try:
            run_batch([{str(cases)!r}], {str(out)!r}, formats=("html",), summary=False, notebook={str(nb)!r},
                      scheduler=cluster.scheduler_address, grace=0)
        except BatchStopped as exc:
            print(json.dumps(exc.result.counts), flush=True)
            code = exc.exit_code
        else:
            code = 0
    sys.exit(code)
""", encoding="utf-8")
    mark = uuid.uuid4().hex
    proc = subprocess.Popen([sys.executable, str(script)], env={**os.environ, MARK: mark}, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    procs = Marked(mark)
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(r.decode("utf-8", "replace") for r in proc.stderr),
                                  daemon=True)
        reader.start()
        deadline = time.monotonic() + 300
        while not (any("demo-0001：✓" in line for line in lines) and list(out.glob(".demo-0002.*.staging"))):
            procs.watch()
            assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.2)
        procs.watch()
        os.kill(proc.pid, signal.SIGINT)
        t = time.monotonic()
        stdout, _ = proc.communicate(timeout=60)
        reader.join(timeout=10)
        assert proc.returncode == 130, "".join(lines)
        counts = json.loads(stdout.decode().strip().splitlines()[-1])
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        states = {c["id"]: c["status"] for c in manifest["cases"]}
        # one Dask thread: demo-0002 was executing; demo-0003, waiting in the worker's queue, never began
        assert states == {"demo-0001": "ok", "demo-0002": "stopped", "demo-0003": "not-run", "demo-0004": "not-run"}
        assert manifest["counts"] == counts and manifest["stopped"] == "SIGINT"
        assert not procs.left_after(t)
    finally:
        procs.kill_all()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.pdf
@pytest.mark.parametrize("signum, expected", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_evalkit_run_stops_like_the_batch(tmp_path, signum, expected):
    """``evalkit run`` stopped while its case runs: the exit code, one Chinese line and no traceback, no
    output folder half written, nothing left running."""
    marked = Marked(uuid.uuid4().hex)
    out = tmp_path / "build"
    env = {**os.environ, MARK: marked.value, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "evalkit.cli", "run", str(ROOT / "cases" / "demo-water"),
                             "--out", str(out)], env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob(".demo-water.*.staging")):          # the case is running
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()
            marked.watch()
            time.sleep(0.1)
        time.sleep(1.0)
        marked.watch()
        os.killpg(proc.pid, signum) if signum == signal.SIGINT else os.kill(proc.pid, signum)
        t_signal = time.monotonic()
        code = proc.wait(timeout=60)
        err = proc.stderr.read().decode()
        assert code == expected, err
        assert "Traceback" not in err and ("已中断" if signum == signal.SIGINT else "已终止（收到 SIGTERM）") in err
        assert marked.left_after(t_signal) == {}
        assert not list(out.glob(".*.staging")) and not (out / "demo-water").exists()
    finally:
        marked.kill_all()
        if proc.poll() is None:
            proc.kill()


def test_evalkit_run_stopped_while_it_validates_says_so_without_a_traceback(tmp_path):
    """A signal before any case has started (here, while the cases are read) is the same clean stop."""
    cases = tmp_path / "cases"
    make_demo_cases(30, cases)
    proc = subprocess.Popen([sys.executable, "-m", "evalkit.cli", "run", *map(str, sorted(cases.iterdir())),
                             "--out", str(tmp_path / "build"), "--format", "html"], cwd=ROOT,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    time.sleep(3.0)                                  # imports done, cases being read
    os.kill(proc.pid, signal.SIGTERM)
    code = proc.wait(timeout=60)
    err = proc.stderr.read().decode()
    if code == 0:                                    # reading 30 cases was quicker than the signal: nothing to check
        pytest.skip("the run ended before the signal")
    assert code == 143 and "Traceback" not in err and "已终止（收到 SIGTERM）" in err, err
