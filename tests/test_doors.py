"""The notebook and the template used by hand: papermill from any folder, nbconvert with the template by name.

A notebook's relative paths are read from the repository root and its results go to ``build/<案例编号>``
by default (docs/notebooks.md §1); ``jupyter nbconvert --template evalkit`` finds the template installed
in the environment and leaves out the cells tagged ``notebook-only`` by itself (§3, §4).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import pytest
from nbconvert import HTMLExporter

import evalkit as ek
from evalkit import _paths
from evalkit.run import NOTEBOOK, export_html

from .conftest import ROOT

BIN = Path(sys.executable).parent
BUILD = ROOT / "build"
INSTRUCTIONS = "本笔记本由"          # the text of key_evaluation.ipynb's notebook-only cell


@pytest.fixture
def case_id():
    """A case id no other case uses; its ``build/<id>`` under the repository is removed afterwards."""
    cid = f"doors-test-{uuid.uuid4().hex[:10]}"
    yield cid
    shutil.rmtree(BUILD / cid, ignore_errors=True)


@pytest.fixture
def own_case(tmp_path, case_id):
    """A copy of demo-greening under ``tmp_path`` with the id ``case_id``."""
    dest = tmp_path / "cases" / case_id
    shutil.copytree(ROOT / "cases" / "demo-greening", dest)
    yaml_path = dest / "case.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    assert "\nid: demo-greening\n" in text
    yaml_path.write_text(text.replace("\nid: demo-greening\n", f"\nid: {case_id}\n", 1), encoding="utf-8")
    return dest


@pytest.fixture
def elsewhere(tmp_path):
    """A current folder outside the repository."""
    here = tmp_path / "elsewhere"
    here.mkdir()
    return here


def papermill(cwd: Path, target: Path, **parameters: str) -> None:
    args = [str(BIN / "papermill"), str(NOTEBOOK), str(target), "--no-progress-bar"]
    for name, value in parameters.items():
        args += ["-p", name, value]
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


def results_in(folder: Path) -> dict:
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Paths, without a kernel

def test_relative_case_path_is_read_from_the_repository_root(elsewhere, monkeypatch):
    monkeypatch.chdir(elsewhere)
    rep = ek.Report.from_case("cases/demo-water")
    assert rep.case.path == ROOT / "cases" / "demo-water"


def test_save_without_out_dir_writes_into_build_of_the_case(own_case, case_id, elsewhere, monkeypatch):
    monkeypatch.chdir(elsewhere)
    ek.Report.from_case(own_case).save("")
    assert results_in(BUILD / case_id)["id"] == case_id
    assert list(elsewhere.iterdir()) == []


def test_relative_out_dir_is_read_from_the_repository_root_and_absolute_one_kept(own_case, case_id, elsewhere,
                                                                                monkeypatch):
    monkeypatch.chdir(elsewhere)
    rep = ek.Report.from_case(own_case)
    rep.save(f"build/{case_id}")
    assert results_in(BUILD / case_id)["id"] == case_id
    assert list(elsewhere.iterdir()) == []
    rep.save(elsewhere / "abs")
    assert results_in(elsewhere / "abs")["id"] == case_id


def test_relative_path_that_exists_only_from_the_current_folder_is_refused(monkeypatch):
    # the old default, typed in JupyterLab, whose kernel runs in notebooks/
    monkeypatch.chdir(ROOT / "notebooks")
    with pytest.raises(ek.InputError, match="指向不明") as info:
        ek.Report.from_case("../cases/demo-water")
    assert "请写「cases/demo-water」" in str(info.value)


def test_relative_path_that_exists_from_both_folders_is_refused(own_case, case_id, tmp_path, monkeypatch):
    shutil.copytree(ROOT / "cases" / "demo-water", tmp_path / "cases" / "demo-water")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ek.InputError, match="两处都有") as info:
        ek.Report.from_case("cases/demo-water")
    assert str(tmp_path / "cases" / "demo-water") in str(info.value)
    assert str(ROOT / "cases" / "demo-water") in str(info.value)
    rep = ek.Report.from_case(own_case)
    (tmp_path / "build" / case_id).mkdir(parents=True)
    with pytest.raises(ek.InputError, match="两处都有|那里没有"):
        rep.save(f"build/{case_id}")
    assert not (BUILD / case_id).exists() and not (tmp_path / "build" / case_id / "results.json").exists()


# ---------------------------------------------------------------------------------------------
# The template, without a kernel

def test_template_found_by_name_is_the_checkouts():
    exporter = HTMLExporter(template_name="evalkit", extra_template_basedirs=[])     # not even the cwd
    found = [Path(p) for p in exporter.template_paths if Path(p).name == "evalkit" and (Path(p) / "conf.json").is_file()]
    assert found, "the template is not installed by name"
    want = {f.name: f.read_bytes() for f in (_paths.TEMPLATES / "evalkit").iterdir()}
    got = {f.name: f.read_bytes() for f in found[0].iterdir()}
    assert got == want, f"{found[0]} is not templates/evalkit as it is now: run bash scripts/setup.sh"


def test_template_itself_leaves_out_notebook_only_cells():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("只在 JupyterLab 中看的说明", metadata={"tags": ["notebook-only"]}),
        nbformat.v4.new_markdown_cell("报告正文"),
    ])
    exporter = HTMLExporter(template_name="evalkit", extra_template_basedirs=[str(_paths.TEMPLATES)])
    html, _ = exporter.from_notebook_node(nb)          # no preprocessor removes anything
    assert "报告正文" in html
    assert "只在 JupyterLab 中看的说明" not in html


# ---------------------------------------------------------------------------------------------
# Real papermill, real kernel, real jupyter nbconvert

@pytest.mark.slow
@pytest.mark.parametrize("where", ["root", "elsewhere"])
def test_papermill_with_only_case_dir_writes_into_build_of_that_case(own_case, case_id, elsewhere, where):
    cwd = ROOT if where == "root" else elsewhere
    papermill(cwd, elsewhere / "out.ipynb", case_dir=str(own_case))
    got = results_in(BUILD / case_id)
    assert (got["id"], got["grade"]) == (case_id, "中")
    assert sorted(p.name for p in elsewhere.iterdir()) == ["out.ipynb"]


@pytest.mark.slow
def test_papermill_from_elsewhere_reads_relative_paths_from_the_repository_root(case_id, elsewhere):
    papermill(elsewhere, elsewhere / "out.ipynb", case_dir="cases/demo-greening", out_dir=f"build/{case_id}")
    got = results_in(BUILD / case_id)
    assert (got["id"], got["grade"]) == ("demo-greening", "中")
    assert sorted(p.name for p in elsewhere.iterdir()) == ["out.ipynb"]


@pytest.mark.slow
def test_nbconvert_with_the_template_by_name_gives_the_report(own_case, case_id, elsewhere):
    executed = elsewhere / "executed.ipynb"
    papermill(elsewhere, executed, case_dir=str(own_case))
    done = subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--template", "evalkit", executed.name],
                          cwd=elsewhere, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    html = (elsewhere / "executed.html").read_text(encoding="utf-8")
    title = ek.load_case(own_case).title
    assert all(f'<span class="nobreak">{line}</span>' in html for line in ek.report.sections.title_lines(title))
    assert "".join(ek.report.sections.title_lines(title)) == title
    assert "综合得分 74.29 分，评价等级为“中”" in html
    assert INSTRUCTIONS not in html and "notebook-only" not in html
    assert "import evalkit" not in html and "rep.document()" not in html
    # the very report evalkit run makes from the same notebook, but for its <title> (the file name here)
    assert html == export_html(nbformat.read(executed, as_version=4), title="executed")


def test_portfolio_reads_its_build_folder_from_the_repository_root(tmp_path, elsewhere, monkeypatch):
    root = tmp_path / "repo"
    (root / "notebooks").mkdir(parents=True)
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    (root / "build" / "x").mkdir(parents=True)
    (root / "build" / "manifest.json").write_text(json.dumps({"cases": [{"id": "x", "status": "ok"}]}),
                                                  encoding="utf-8")
    (root / "build" / "x" / "results.json").write_text(json.dumps({"id": "x", "score": 90.5}), encoding="utf-8")
    monkeypatch.setattr(_paths, "ROOT", root)
    monkeypatch.chdir(elsewhere)
    pf = ek.report.Portfolio()                          # the default, from a folder that is not the root
    assert pf.build_dir == root / "build" and [r["score"] for r in pf.results] == [90.5]
