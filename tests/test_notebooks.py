"""The report notebook: its structure rules (fast) and real papermill runs of every example (slow)."""

from __future__ import annotations

import ast
import json
import re
import subprocess

import nbformat
import pytest

import evalkit as ek
from evalkit.run import NOTEBOOK

from .conftest import DEMO_CASES, ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, "exactly one cell tagged parameters"
    for cell in code:
        tree = ast.parse(cell.source)
        lines = [ln for ln in cell.source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
        if cell in params:                           # the parameters: one plain assignment per line
            assert all(isinstance(n, (ast.Assign, ast.AnnAssign)) for n in tree.body), cell.source
            continue
        assert len(lines) <= 2, cell.source
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.FunctionDef, ast.For, ast.If, ast.Try, ast.While, ast.ClassDef)), \
                cell.source
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                assert all(n.split(".")[0] == "evalkit" for n in names), cell.source


def test_parameters_cell_defaults_to_an_example_case():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    default = re.search(r'case_dir: str = "([^"]+)"', params.source).group(1)
    assert (ROOT / default / "case.yaml").is_file()     # relative paths are read from the repository root


def test_notebook_shows_the_document_in_the_outline_order():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    calls = re.findall(r"rep\.(\w+)\(", "\n".join(c.source for c in nb.cells if c.cell_type == "code"))
    assert calls == ["document", "save"]           # the house style's outline orders the parts
    from evalkit.report.house import load_house

    assert [e.part for e in load_house().outline] == [
        "abstract", "basic_info", "evaluation_work", "conclusion", "indicator_analysis", "lessons_and_problems",
        "suggestions", "other_matters", "annex_scores", "survey_annex"]


# ---------------------------------------------------------------------------------------------
# Real runs: a kernel, papermill, nbconvert and Chromium

def expected(case):
    return json.loads((case / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.slow
@pytest.mark.pdf
@pytest.mark.parametrize("case", DEMO_CASES, ids=lambda p: p.name)
def test_example_case_results_match_worked_expectation(built, case):
    got = json.loads((built[case.name].out_dir / "results.json").read_text(encoding="utf-8"))
    want = expected(case)
    assert (got["score"], got["grade"]) == (pytest.approx(want["score"], abs=1e-9), want["grade"])
    assert got["subtotals"] == pytest.approx(want["subtotals"], abs=1e-9)


@pytest.mark.slow
@pytest.mark.pdf
@pytest.mark.parametrize("case", DEMO_CASES, ids=lambda p: p.name)
def test_example_method_figures_match_worked_expectation(built, case):
    got = json.loads((built[case.name].out_dir / "results.json").read_text(encoding="utf-8"))
    want = expected(case)
    if "cost_benefit" in want:
        w, g = want["cost_benefit"], got["cost_benefit"]
        for key in ("enpv", "eirr", "ebcr", "fnpv", "firr"):
            assert g[key] == pytest.approx(w[key], rel=1e-9), key
    else:
        assert got["cost_benefit"] is None
    if "compare" in want:
        w, g = want["compare"], got["compare"]
        if "peer_ranks" in w:
            assert g["peer_ranks"] == w["peer_ranks"]
        if "trend_change" in w:
            assert g["trend_change"] == pytest.approx(w["trend_change"], abs=1e-9)
        if "did_estimate" in w:
            (did,) = g["did"].values()
            assert (did["estimate"], did["se"]) == pytest.approx((w["did_estimate"], w["did_se_cluster"]), rel=1e-9)
    for subject, w in want.get("factors", {}).items():
        g = got["factors"][subject]
        assert g["shapley"] == pytest.approx(w["shapley"], rel=1e-9)
        assert g["chain_substitution"] == pytest.approx(w["chain_substitution"], rel=1e-9)
        assert sum(g["shapley"].values()) == pytest.approx(w["current"] - w["base"], rel=1e-12)
    if "weights" in want:
        (node,) = got["weights"]["nodes"].values()
        assert node["weights"] == pytest.approx(want["weights"]["level1"], rel=1e-9)
        assert node["cr"] == pytest.approx(want["weights"]["cr"], rel=1e-9)
    if "survey" in want:
        assert got["survey"]["rate"] * 100 == pytest.approx(want["survey"]["rate"], rel=1e-12)
        assert (got["survey"]["answers"], got["survey"]["respondents"]) == (want["survey"]["n_answers"],
                                                                          want["survey"]["respondents"])
    if "least_cost" in want:
        w, g = want["least_cost"], got["least_cost"]
        assert (g["cheapest"], g["chosen"]) == (w["cheapest"], w["chosen"])
        assert g["cost_per_effect"] == pytest.approx(w["cost_per_effect"], rel=1e-12)
    else:
        assert got["least_cost"] is None


def chapter_titles(case) -> list[str]:
    """The numbered chapters and annexes of a case's report, as its headings print them."""
    nodes = ek.Report.from_case(case).document().nodes
    return [h.text for h in ek.report.document.headings(nodes) if h.level == 1 and h.anchor
            and h.anchor not in ("statement", "signature")]


@pytest.mark.slow
@pytest.mark.pdf
@pytest.mark.parametrize("case", DEMO_CASES, ids=lambda p: p.name)
def test_html_report_shows_title_total_grade_and_chapters(built, case):
    html = (built[case.name].out_dir / "report.html").read_text(encoding="utf-8")
    loaded = ek.load_case(case)
    want = expected(case)
    assert "".join(ek.report.sections.title_lines(loaded.title)) == loaded.title
    assert all(f'<span class="nobreak">{line}</span>' in html for line in ek.report.sections.title_lines(loaded.title))
    assert f"综合得分 {want['score']:.2f} 分，评价等级为“{want['grade']}”" in html
    chapters = chapter_titles(case)
    positions = [html.index(f">{title}<") for title in chapters]
    assert positions == sorted(positions), "chapters in the order of the reference outline"
    assert "<script" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "nothing loaded from the network"
    assert "rep.cover()" not in html and "import evalkit" not in html     # no code
    assert "重点评价报告\n\n本笔记本" not in html and "本笔记本由" not in html  # notebook-only cell dropped


@pytest.mark.slow
@pytest.mark.pdf
@pytest.mark.parametrize("case", DEMO_CASES, ids=lambda p: p.name)
def test_pdf_holds_the_chinese_title_and_grade_with_fonts_embedded(built, case):
    pdf = built[case.name].out_dir / "report.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = re.sub(r"\s+", "", text)
    loaded = ek.load_case(case)
    assert re.sub(r"\s+", "", loaded.title) in flat
    assert f"评价等级为“{expected(case)['grade']}”" in flat
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)", info)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows, "the PDF has fonts"
    for row in rows:
        emb = row.split()[-5]       # columns: name type encoding emb sub uni object-id gen
        assert emb == "yes", row


@pytest.mark.slow
@pytest.mark.pdf
def test_manifest_records_hashes_and_durations(built):
    res = built["demo-water"]
    manifest = json.loads((res.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok"
    assert manifest["input_hash"] == ek.load_case(ROOT / "cases" / "demo-water").content_hash()
    assert len(manifest["lock_hash"]) == 64 and manifest["evalkit_version"] == ek.__version__
    assert set(manifest["durations"]) == {"execute", "html", "pdf", "docx"}
    assert set(manifest["outputs"]) == {"report.ipynb", "results.json", "report.html", "report.pdf", "report.docx"}


@pytest.mark.slow
@pytest.mark.pdf
def test_same_case_built_twice_gives_identical_bytes(built, tmp_path):
    first = built["demo-water"].out_dir
    again = ek.run_case(ROOT / "cases" / "demo-water", tmp_path / "again", formats=("html",))
    for name in ("results.json", "report.html"):
        assert (first / name).read_bytes() == (again.out_dir / name).read_bytes(), name


@pytest.mark.slow
@pytest.mark.pdf
def test_pdf_contents_page_gives_the_page_of_every_chapter(built):
    pdf = built["demo-water"].out_dir / "report.pdf"

    def page_text(n):
        return subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout

    toc = next(t for t in map(page_text, (2, 3, 4)) if re.search(r"目\s*录", t))    # after the cover and 声明
    for title in chapter_titles(DEMO_CASES[0]):
        m = re.search(re.escape(title) + r"\s+(\d+)\s*$", toc, flags=re.MULTILINE)
        assert m, f"{title} has a page number on the contents page"
        assert title in page_text(int(m.group(1))).replace(" ", ""), f"{title} is on page {m.group(1)}"
