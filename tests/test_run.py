"""run_case: atomic outputs, failures that leave the last good report in place."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

import evalkit as ek
from evalkit import run as run_mod

from .conftest import ROOT


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def good_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("good") / "demo-water"
    ek.run_case(ROOT / "cases" / "demo-water", out, formats=("html",))
    return out


def _copy_build(good_build, tmp_path):
    out = tmp_path / "demo-water"
    out.mkdir()
    for name, data in _snapshot(good_build).items():
        (out / name).write_bytes(data)
    return out


@pytest.mark.slow
def test_failing_cell_raises_run_error_and_keeps_previous_outputs(good_build, tmp_path, monkeypatch):
    out = _copy_build(good_build, tmp_path)
    before = _snapshot(out)
    nb = nbformat.read(run_mod.NOTEBOOK, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("raise ValueError('单元格故意出错')"))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    monkeypatch.setattr(run_mod, "NOTEBOOK", broken)
    with pytest.raises(ek.RunError) as info:
        ek.run_case(ROOT / "cases" / "demo-water", out, formats=("html",))
    assert info.value.ename == "ValueError" and "单元格故意出错" in info.value.evalue
    assert info.value.case_id == "demo-water"
    assert _snapshot(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".staging")], "staging removed"


@pytest.mark.slow
def test_browser_failure_raises_export_error_and_keeps_previous_outputs(good_build, tmp_path, monkeypatch):
    out = _copy_build(good_build, tmp_path)
    before = _snapshot(out)
    monkeypatch.setenv("EVALKIT_CHROMIUM", str(tmp_path / "no-such-chromium"))
    with pytest.raises(ek.ExportError, match="找不到 Chromium"):
        ek.run_case(ROOT / "cases" / "demo-water", out)
    assert _snapshot(out) == before


def test_invalid_case_writes_nothing(demo_copy, tmp_path):
    case = demo_copy("demo-water")
    text = (case / "indicators.csv").read_text(encoding="utf-8")
    (case / "indicators.csv").write_text(text.replace(",定性,", ",定型,", 1), encoding="utf-8")
    out = tmp_path / "out" / "demo-water"
    with pytest.raises(ek.CaseError) as info:
        ek.run_case(case, out)
    assert any("定型" in i.message for i in info.value.issues)
    assert not (tmp_path / "out").exists()


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ek.InputError, match="xlsx"):
        ek.run_case(ROOT / "cases" / "demo-water", tmp_path / "x", formats=("xlsx",))


@pytest.mark.slow
def test_html_only_run_writes_no_pdf(good_build):
    manifest = json.loads((good_build / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outputs"] == ["report.ipynb", "results.json", "report.html"]
    assert not (good_build / "report.pdf").exists()


def _kernel_children():
    me = str(os.getpid())
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = stat.read_text().rsplit(")", 1)[1].split()[1]
            cmd = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if ppid == me and b"ipykernel" in cmd:
            found.append(stat.parent.name)
    return found


@pytest.mark.slow
def test_run_leaves_no_kernel_running(good_build):
    assert _kernel_children() == []
