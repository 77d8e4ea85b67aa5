"""A case is read once per run: by the notebook's kernel. Counted in every process of a real run (the
command, its worker, the fork server, the kernel) by a ``sitecustomize`` that wraps the loader."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import CASES

pytestmark = pytest.mark.slow

EVALKIT = Path(sys.executable).with_name("evalkit")
COUNTER = '''
import os
if os.environ.get("LOADS_FILE"):
    import evalkit.case.read as _read

    _real = _read._Reader.read

    def read(self):
        with open(os.environ["LOADS_FILE"], "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()} {self.path}\\n")
        return _real(self)

    _read._Reader.read = read
'''


def counted(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(COUNTER, encoding="utf-8")
    loads = tmp_path / "loads.txt"
    env = {**os.environ, "PYTHONPATH": str(site), "LOADS_FILE": str(loads)}
    proc = subprocess.run([str(EVALKIT), *args], capture_output=True, text=True, env=env, timeout=600)
    return proc, loads.read_text(encoding="utf-8").splitlines() if loads.exists() else []


def test_evalkit_run_reads_the_case_once(tmp_path):
    case = shutil.copytree(CASES / "demo-water", tmp_path / "demo-water")
    proc, loads = counted(tmp_path, "run", str(case), "--out", str(tmp_path / "out"), "--format", "html")
    assert proc.returncode == 0, proc.stderr
    assert len(loads) == 1, loads
    results = json.loads((tmp_path / "out" / "demo-water" / "results.json").read_text(encoding="utf-8"))
    assert results["grade"] == "良"


def test_a_batch_reads_each_case_once(tmp_path):
    cases = tmp_path / "cases"
    for name in ("demo-water", "demo-greening"):
        shutil.copytree(CASES / name, cases / name)
    proc, loads = counted(tmp_path, "batch", str(cases), "--out", str(tmp_path / "out"), "--format", "html",
                          "--jobs", "1", "--no-summary")
    assert proc.returncode == 0, proc.stderr
    assert sorted(Path(line.split(" ", 1)[1]).name for line in loads) == ["demo-greening", "demo-water"]
