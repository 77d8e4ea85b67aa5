"""Outputs that agree with each other: every file in build/<id>/ comes from the same run, a change of
evalkit's own code re-runs a batch, the batch reads a case only through the loader's protections."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import openpyxl
import pytest

import evalkit as ek
import evalkit.case.read
from evalkit.batch import run_batch
from evalkit.cli import main

from .conftest import ROOT
from .helpers import base_meta, write_case


@pytest.mark.slow
@pytest.mark.pdf
def test_an_html_only_rerun_leaves_no_pdf_of_an_older_run(built, tmp_path):
    out = tmp_path / "demo-water"
    shutil.copytree(built["demo-water"].out_dir, out)
    assert (out / "report.pdf").is_file()
    mask = os.umask(0o022)
    try:
        ek.run_case(ROOT / "cases" / "demo-water", out, formats=("html",))
    finally:
        os.umask(mask)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert not (out / "report.pdf").exists()
    assert sorted(p.name for p in out.iterdir()) == sorted([*manifest["outputs"], "manifest.json"])
    for p in out.iterdir():                     # the user's umask, not mkstemp's 0600
        assert p.stat().st_mode & 0o777 == 0o644, p.name


@pytest.mark.slow
def test_run_refuses_the_second_of_two_cases_with_one_id(tmp_path, capsys):
    first = write_case(tmp_path, name="a")
    second = write_case(tmp_path, name="b")           # the same id, tiny-case: one output folder
    code = main(["run", str(first), str(second), "--out", str(tmp_path / "build"), "--format", "html"])
    said = capsys.readouterr().out.splitlines()
    assert code == 2
    assert said[0].startswith("✓ tiny-case：") and said[1] == f"✗ tiny-case 失败：案例编号「tiny-case」与 {first} 重复"
    assert json.loads((tmp_path / "build" / "tiny-case" / "results.json").read_text(encoding="utf-8"))["id"] == "tiny-case"


def test_the_batch_reads_a_case_through_the_loaders_protections(tmp_path):
    bomb = write_case(tmp_path / "cases", name="bomb")
    (bomb / "case.yaml").write_text("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{k}: &{k} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, k in zip("abcdefgh", "bcdefghi")), encoding="utf-8")
    twice = write_case(tmp_path / "cases", name="twice", meta={**base_meta("twice")})
    text = (twice / "case.yaml").read_text(encoding="utf-8")
    (twice / "case.yaml").write_text(text.replace("id: twice", "id: twice\nid: twice-again"), encoding="utf-8")
    res = run_batch([tmp_path / "cases"], tmp_path / "build", summary=False, progress=lambda r: None)
    errors = {os.path.basename(r["path"]): r["error"]["message"] for r in res.records}
    assert res.counts["failed"] == 2
    assert "锚点和别名" in errors["bomb"] and "case.yaml" in errors["bomb"]
    assert "字段「id」重复：第2行和第3行" in errors["twice"]


def test_a_workbook_that_unpacks_beyond_the_limit_is_not_read(tmp_path, monkeypatch):
    book = tmp_path / "case.xlsx"
    shutil.copy(ROOT / "cases" / "demo-microcredit" / "case.xlsx", book)
    monkeypatch.setattr(evalkit.case.read, "XLSX_LIMIT", 10_000)
    issues = ek.validate_case(book)
    assert len(issues) == 1 and "超过" in issues[0].message and issues[0].file == "case.xlsx"
    res = run_batch([book], tmp_path / "build", summary=False, progress=lambda r: None)
    assert "超过" in res.records[0]["error"]["message"]


def test_the_batch_reads_the_id_of_a_workbook_by_its_label(tmp_path):
    book = tmp_path / "book.xlsx"
    shutil.copy(ROOT / "cases" / "demo-microcredit" / "case.xlsx", book)
    wb = openpyxl.load_workbook(book)
    ws = wb["基本信息"]
    for row in ws.iter_rows():
        if row[0].value == "案例编号":
            row[0].value = " 案例编号 "             # as typed, with spaces: still the id
    wb.save(book)
    assert ek.batch.case_key(book, "")[0] == "demo-microcredit"


@pytest.mark.slow
def test_a_changed_scoring_rule_in_the_installed_package_reruns_the_batch(tmp_path):
    """The batch key covers evalkit's own code: a grade boundary moved in the installed package (same
    version string) re-runs the case and the new grade is served, not the cached one."""
    pkg = tmp_path / "pkg"
    shutil.copytree(ROOT / "evalkit", pkg / "evalkit", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("notebooks", "templates"):
        shutil.copytree(ROOT / name, pkg / name)
    shutil.copy(ROOT / "uv.lock", pkg / "uv.lock")
    case = tmp_path / "cases" / "demo-greening"
    shutil.copytree(ROOT / "cases" / "demo-greening", case)
    out = tmp_path / "build"
    env = {**os.environ, "PYTHONPATH": str(pkg), "CI": "true"}

    def batch() -> str:
        done = subprocess.run([sys.executable, "-m", "evalkit.cli", "batch", str(case), "--out", str(out),
                               "--format", "html", "--no-summary", "--jobs", "1"],
                              cwd=pkg, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stderr

    batch()
    first = json.loads((out / "demo-greening" / "results.json").read_text(encoding="utf-8"))
    assert first["grade"] == "中" and first["score"] < 75
    assert "未变，跳过" in batch()
    scoring = pkg / "evalkit" / "schemes.py"
    text = scoring.read_text(encoding="utf-8")
    assert '("中", 60.0)' in text
    scoring.write_text(text.replace('("中", 60.0)', '("中", 75.0)'), encoding="utf-8")
    assert "未变，跳过" not in batch()
    again = json.loads((out / "demo-greening" / "results.json").read_text(encoding="utf-8"))
    assert (again["score"], again["grade"]) == (first["score"], "差")
