"""report.docx: the same document as the HTML, as a real Word file — Word heading styles, Word tables
with merged cells and repeating header rows, PNG charts, page numbers, the firm's house style and the
draft mark, no trace of the tools that made it; LibreOffice opens it and prints the same words.
"""

from __future__ import annotations

import html as _html
import io
import os
import re
import subprocess
import time
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from docx.oxml.ns import qn
from docx.table import _Cell
from docx.text.paragraph import Paragraph

import evalkit as ek
from evalkit.report import document, word
from evalkit.schemes import SCHEMES

from .conftest import DEMO_CASES, ROOT

CASE_NAMES = [p.name for p in DEMO_CASES]
SOFFICE_TIMEOUT = 180


# -- building once per case ------------------------------------------------------------------------


class Made:
    """One case's report: the Report, its whole-document block and the .docx bytes rendered from it."""

    def __init__(self, rep: ek.Report):
        self.rep = rep
        self.block = rep.document()
        self.nodes = self.block.nodes
        self.data = render(rep, self.block)
        self.doc = docx.Document(io.BytesIO(self.data))


def render(rep: ek.Report, block) -> bytes:
    ev = rep.case.evaluation
    return word.render(block.nodes, rep.house, title=rep.case.title, author=ev.get("evaluator", ""),
                       date=ev.get("date"), draft=rep.house["draft_mark"] if rep.draft else "")


@pytest.fixture(scope="module")
def build():
    cache: dict[str, Made] = {}

    def get(name: str) -> Made:
        if name not in cache:
            cache[name] = Made(ek.Report.from_case(f"cases/{name}"))
        return cache[name]

    return get


@pytest.fixture(params=CASE_NAMES)
def made(request, build) -> Made:
    return build(request.param)


@pytest.fixture(scope="module")
def pdf_text(tmp_path_factory, build):
    """case name → (soffice's exit code and output, the text pdftotext reads from LibreOffice's PDF)."""
    cache: dict[str, tuple] = {}
    base = tmp_path_factory.mktemp("soffice")

    def get(name: str) -> tuple:
        if name not in cache:
            cache[name] = libreoffice_pdf(build(name).data, base / name)
        return cache[name]

    return get


def libreoffice_pdf(data: bytes, folder: Path) -> tuple:
    folder.mkdir(parents=True)
    src = folder / "report.docx"
    src.write_bytes(data)
    home = folder / "home"
    home.mkdir()
    proc = subprocess.run(
        ["soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(folder / "out"), str(src)],
        capture_output=True, text=True, timeout=SOFFICE_TIMEOUT, env={**os.environ, "HOME": str(home)})
    pdf = folder / "out" / "report.pdf"
    text = ""
    if pdf.is_file():
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                              check=True, timeout=60).stdout
    return proc.returncode, proc.stdout + proc.stderr, text


# -- reading the .docx -------------------------------------------------------------------------------


def norm(s: str) -> str:
    """Text without any whitespace (spaces, 全角空格, line breaks): what two renderings must share."""
    return re.sub(r"\s+", "", s)


def unmarked(text: str) -> str:
    """A .docx text less what only Word adds: a list mark (``•``, ``1.``), the colon after a cover label."""
    return re.sub(r"^(?:•|\d+\.)|：$", "", text)


def walk(nodes):
    """Every node, those inside groups and lists too."""
    for n in nodes:
        if isinstance(n, document.Group):
            yield from walk(n.nodes)
        elif isinstance(n, document.Items):
            for item in n.items:
                yield from walk(item)
        else:
            yield n


def body_texts(doc) -> list[str]:
    """The non-empty texts of the body, in order: each paragraph, and each table cell (once, merged or not)."""
    out = []
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            out.append(Paragraph(child, doc).text)
        elif child.tag == qn("w:tbl"):
            for tc in child.iter(qn("w:tc")):
                if tc.find(qn("w:tcPr")) is not None and _vmerge(tc) == "continue":
                    continue
                out.append(_Cell(tc, None).text)
    return [t for t in out if t.strip()]


def _vmerge(tc) -> str:
    """``restart``, ``continue`` (a cell covered by the one above) or "" (not merged vertically)."""
    pr = tc.find(qn("w:tcPr"))
    el = pr.find(qn("w:vMerge")) if pr is not None else None
    if el is None:
        return ""
    return el.get(qn("w:val")) or "continue"


def part_texts(part_element) -> str:
    return "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in part_element.iter(qn("w:p")))


def headings_in(doc) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]


def section_index(doc, text: str, style: str = "Heading 1") -> int:
    """The index of the section holding the first paragraph of ``style`` whose text is ``text``."""
    index = 0
    for p in doc.element.body.iterchildren(qn("w:p")):
        par = Paragraph(p, doc)
        if par.style.name == style and par.text == text:
            return index
        ppr = p.find(qn("w:pPr"))
        if ppr is not None and ppr.find(qn("w:sectPr")) is not None:
            index += 1
    raise AssertionError(f"no {style} paragraph 「{text}」")


def body_start(nodes) -> document.Heading:
    """The first chapter after the contents (摘要): the page numbers start there."""
    after = False
    for n in walk(nodes):
        if isinstance(n, document.Contents):
            after = True
        elif after and isinstance(n, document.Heading) and n.level == 1:
            return n
    raise AssertionError("no chapter after the contents")


def field_codes(element) -> list[str]:
    codes = [t.text.strip() for t in element.iter(qn("w:instrText")) if t.text]
    codes += [f.get(qn("w:instr")).strip() for f in element.iter(qn("w:fldSimple"))]
    return codes


def score_table(nodes) -> document.Table:
    found = [t for t in walk(nodes) if isinstance(t, document.Table) and t.header
             and t.header[0][0].text == "一级指标" and any(c.text == "评分标准" for c in t.header[0])]
    assert len(found) == 1, "the document has one 绩效评价指标评分表"
    return found[0]


def docx_score_table(doc):
    found = [t for t in doc.element.body.iter(qn("w:tbl"))
             if _Cell(t.tr_lst[0].tc_lst[0], None).text == "一级指标"
             and any(_Cell(tc, None).text == "评分标准" for tc in t.tr_lst[0].tc_lst)]
    assert len(found) == 1, "the .docx has one 绩效评价指标评分表"
    return found[0]


# -- 1. the document in Word -------------------------------------------------------------------------


FRONT = ("statement", "signature")      # 声明 and 签章页: page titles, not chapters (no outline level, not in the TOC)


def test_headings_are_word_headings_in_document_order(made):
    heads = [h for h in document.headings(made.nodes) if h.anchor not in FRONT]
    in_word = headings_in(made.doc)
    statement, signature = (h.text for h in document.headings(made.nodes) if h.anchor in FRONT)
    assert [p.text for p in made.doc.paragraphs if p.style.name == "TOC Heading"] == [statement, "目　录", signature]
    assert [t for s, t in in_word if s == "Heading 1"] == [h.text for h in heads if h.level == 1]
    assert in_word == [(f"Heading {h.level}", h.text) for h in heads]
    assert {s for s, _ in in_word} >= {"Heading 1", "Heading 2", "Heading 3"}
    for name in ("Heading 1", "Heading 2", "Heading 3"):       # Word's own heading styles, known to its outline
        assert made.doc.styles[name].style_id == name.replace(" ", "")


def test_docx_states_title_scores_total_and_grade(made):
    rep, texts = made.rep, body_texts(made.doc)
    cover = next(n for n in made.nodes if isinstance(n, document.Cover))
    assert "".join(cover.title_lines) == rep.case.title
    titles = [p.text for p in made.doc.paragraphs if p.style.name == "Title"]
    for line in cover.title_lines:
        assert line in titles
    cells = set(texts)
    for code, score in zip(rep.card.indicators["code"], rep.card.indicators["score"]):
        assert f"{score:.2f}" in cells, f"{code} 的得分 {score:.2f} 不在 Word 报告中"
    whole = "\n".join(texts)
    assert f"{rep.card.total:.2f}" in cells
    assert f"评价等级为“{rep.card.grade}”" in whole
    assert f"评价等级：{rep.card.grade}" in cells


def test_docx_holds_every_line_of_the_document_and_nothing_else(made):
    texts = [norm(t) for t in body_texts(made.doc)]
    pieces = [norm(piece) for line in document.text_of(made.nodes).split("\n") for piece in line.split("\t")]
    pieces = [p for p in pieces if p]
    in_word = "\x00".join(texts)
    missing = [p for p in pieces if p not in in_word]
    assert not missing, f"{len(missing)} 段文字不在 Word 报告中：\n" + "\n".join(missing[:20])
    # and the other way: every paragraph and cell of the .docx is text of the document (less the list
    # marks and the colon after a cover label, which only the Word rendering adds)
    in_doc = "\x00".join(pieces)
    extra = [t for t in texts if unmarked(t) not in in_doc]
    assert not extra, f"{len(extra)} 段 Word 文字不在文档中：\n" + "\n".join(extra[:20])


def test_score_table_is_a_word_table_with_merged_cells_and_repeating_header(made):
    model, tbl = score_table(made.nodes), docx_score_table(made.doc)
    ind = made.rep.card.indicators
    rows = tbl.tr_lst
    assert len(rows) == len(model.header) + len(model.body) + len(model.foot)
    texts = [[_Cell(tc, None).text for tc in tr.tc_lst] for tr in rows]
    for code, score in zip(ind["code"], ind["score"]):          # one row per indicator, with its score
        mine = [r for r in texts if any(t.endswith(f"（{code}）") for t in r)]
        assert len(mine) == 1, code
        assert f"{score:.2f}" in mine[0], code
    groups = ind[["level1", "level2"]].drop_duplicates()
    assert sum(r.count("小计") for r in texts) == len(groups), "一个二级指标一行小计"
    # the 一级 cell spans its rows: one w:vMerge restart, then continue cells below it
    expected_continue, covered, first_spans = 0, 0, []
    for i, row in enumerate(model.header + model.body + model.foot):
        if i >= covered:
            if row[0].rowspan > 1:
                expected_continue += row[0].rowspan - 1
                first_spans.append(i)
            covered = i + row[0].rowspan
    assert first_spans, "the 一级 cells span rows"
    first = [_vmerge(tr.tc_lst[0]) for tr in rows]
    assert [i for i, v in enumerate(first) if v == "restart"] == first_spans
    assert first.count("continue") == expected_continue
    assert 'w:vMerge w:val="restart"' in tbl.xml
    total = next(c for c in model.foot[-1] if c.text == "总计")
    tc = next(tc for tc in rows[-1].tc_lst if _Cell(tc, None).text == "总计")
    assert tc.tcPr.find(qn("w:gridSpan")).get(qn("w:val")) == str(total.colspan)
    # the header row repeats on every page; the body rows do not
    header_rows = [tr.trPr is not None and tr.trPr.find(qn("w:tblHeader")) is not None for tr in rows]
    assert header_rows == [True] * len(model.header) + [False] * (len(rows) - len(model.header))


def _image_parts(data: bytes) -> dict[str, str]:
    """Every part of the package whose content type is an image: name → content type."""
    z = zipfile.ZipFile(io.BytesIO(data))
    types = z.read("[Content_Types].xml").decode("utf-8")
    defaults = dict(re.findall(r'<Default Extension="([^"]+)" ContentType="([^"]+)"', types))
    overrides = dict(re.findall(r'<Override PartName="/([^"]+)" ContentType="([^"]+)"', types))
    out = {}
    for name in z.namelist():
        kind = overrides.get(name) or defaults.get(name.rsplit(".", 1)[-1].lower(), "")
        if kind.startswith("image/") or name.startswith("word/media/"):
            out[name] = kind
    return out


def test_every_image_is_png(made):
    z = zipfile.ZipFile(io.BytesIO(made.data))
    figures = [n for n in walk(made.nodes) if isinstance(n, document.Figure)]
    media = {z.read(n) for n in z.namelist() if n.startswith("word/media/")}
    assert figures and media == {f.png for f in figures}, "the charts, as the print-resolution PNGs of the document"
    images = _image_parts(made.data)
    not_png = {name: kind for name, kind in images.items()
               if kind != "image/png" or not z.read(name).startswith(b"\x89PNG\r\n\x1a\n")}
    assert not not_png, f"不是 PNG 的图片：{not_png}"


def test_body_footer_has_a_page_field(made):
    doc = made.doc
    body = section_index(doc, body_start(made.nodes).text)
    sec = doc.sections[body]
    assert not sec.footer.is_linked_to_previous
    assert "PAGE" in field_codes(sec.footer._element)
    pg = sec._sectPr.find(qn("w:pgNumType"))
    assert pg is not None and pg.get(qn("w:start")) == "1", "the body's page numbers start at 1"
    cover = doc.sections[0]
    assert cover.footer.is_linked_to_previous or "PAGE" not in field_codes(cover.footer._element), \
        "the cover carries no page number"


def test_no_tool_names_in_properties_or_parts(made):
    cp = made.doc.core_properties
    props = {"title": cp.title, "author": cp.author, "last_modified_by": cp.last_modified_by,
             "comments": cp.comments, "subject": cp.subject, "keywords": cp.keywords, "category": cp.category}
    assert not {k: v for k, v in props.items() if "python-docx" in (v or "").lower()}
    assert cp.title == made.rep.case.title
    assert cp.author == made.rep.case.evaluation["evaluator"]
    z = zipfile.ZipFile(io.BytesIO(made.data))
    for name in ("word/document.xml", "docProps/core.xml", "docProps/app.xml"):
        assert name in z.namelist()
    leaks = [(name, word_) for name in z.namelist() if name.endswith((".xml", ".rels"))
             for word_ in ("evalkit", "python-docx") if word_ in z.read(name).decode("utf-8").lower()]
    assert not leaks, leaks


# -- 2. the same bytes -------------------------------------------------------------------------------


def test_rendering_twice_gives_the_same_bytes(made, monkeypatch):
    assert render(made.rep, made.block) == made.data
    later = time.time() + 400 * 86400                       # a year and a month later: no date of the run
    monkeypatch.setattr(time, "time", lambda: later)
    assert render(made.rep, made.rep.document()) == made.data


def test_a_fresh_report_gives_the_same_bytes(build):
    first = build("demo-water")
    rep = ek.Report.from_case(ROOT / "cases" / "demo-water")
    assert render(rep, rep.document()) == first.data


# -- 3. LibreOffice opens it -------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", CASE_NAMES)
def test_libreoffice_prints_the_docx(name, build, pdf_text):
    rep = build(name).rep
    code, output, text = pdf_text(name)
    assert code == 0, output
    assert text, f"LibreOffice 未生成 PDF：{output}"
    printed = norm(text)
    cover = next(n for n in build(name).nodes if isinstance(n, document.Cover))
    assert norm(cover.title_lines[0]) in printed
    assert f"评价等级为“{rep.card.grade}”" in printed


@pytest.mark.slow
def test_the_notebook_build_gives_the_same_report(tmp_path, build):
    made = build("demo-water")
    result = ek.run_case(ROOT / "cases" / "demo-water", tmp_path / "demo-water", formats=("html", "docx"))
    assert result.outputs["report.docx"].read_bytes() == made.data
    html = html_text(result.outputs["report.html"].read_text(encoding="utf-8"))
    in_html = norm(html)
    missing = [t for t in body_texts(made.doc) if unmarked(norm(t)) not in in_html]
    assert not missing, f"{len(missing)} 段 Word 文字不在 report.html 中：\n" + "\n".join(missing[:20])
    hits = tool_language("demo-water report.html", html)
    assert not hits, "\n".join(hits)


# -- 4. a firm's house style --------------------------------------------------------------------------

FIRM_STYLE = {
    "fonts": {"body": "宋体"},
    "cover": {"kicker": "项目支出绩效评价报告（终稿）"},
    "statement": {"title": "评价机构声明",
                  "paragraphs": ["本报告由{评价机构}接受{委托单位}委托出具。",
                                 "评价结论以评价组取得的证据为限，未经许可不得摘录。"]},
    "outline": [
        {"part": "abstract", "title": "摘要", "numbered": False},
        {"part": "basic_info", "title": "基本情况"},
        {"part": "evaluation_work", "title": "绩效评价工作开展情况"},
        {"part": "conclusion", "title": "综合评价情况及评价结论"},
        {"part": "indicator_analysis", "title": "绩效评价指标分析"},
        {"part": "suggestions", "title": "改进建议"},
        {"part": "lessons_and_problems", "title": "主要经验及做法、存在的问题及原因分析"},
        {"part": "other_matters", "title": "其他需要说明的问题"},
        {"part": "annex_scores", "title": "绩效评价指标评分表", "annex": True},
        {"part": "survey_annex", "title": "问卷调查分析", "annex": True},
    ],
}


def _html_chapters(html: str) -> list[str]:
    return [_html.unescape(re.sub(r"<[^>]+>", "", m))
            for m in re.findall(r'<h2(?![^>]*class="toc-title")[^>]*>(.*?)</h2>', html)]


def test_firm_house_style_reaches_both_renderings(tmp_path, build):
    firm = tmp_path / "firm"
    firm.mkdir()
    (firm / "style.yaml").write_text(yaml.safe_dump(FIRM_STYLE, allow_unicode=True, sort_keys=False),
                                     encoding="utf-8")
    rep = ek.Report.from_case("cases/demo-water", house=firm)
    made = Made(rep)
    html, doc = made.block.html, made.doc
    ev, pr = rep.case.evaluation, rep.case.project
    statement = [f"本报告由{ev['evaluator']}接受{pr['commissioner']}委托出具。",
                 "评价结论以评价组取得的证据为限，未经许可不得摘录。"]
    chapters = ["评价机构声明", "摘要", "一、基本情况", "二、绩效评价工作开展情况", "三、综合评价情况及评价结论",
                "四、绩效评价指标分析", "五、改进建议", "六、主要经验及做法、存在的问题及原因分析",
                "七、其他需要说明的问题", "签章页",
                *(h.text for h in document.headings(build("demo-water").nodes)       # the annexes as by default
                  if h.level == 1 and h.number.startswith("附件"))]
    assert "附件1：绩效评价指标评分表" in chapters

    # the HTML
    assert '<p class="cover-kicker">项目支出绩效评价报告（终稿）</p>' in html
    for text in statement:
        assert f"<p>{text}</p>" in html
    assert _html_chapters(html) == chapters
    assert "声　明" not in html and "六、有关建议" not in html
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert '"宋体"' in re.search(r"--body-font:([^;]*);", css).group(1)
    default_css = re.search(r"<style>(.*?)</style>", build("demo-water").block.html, re.S).group(1)
    assert "宋体" not in default_css

    # the .docx
    paras = [p.text for p in doc.paragraphs]
    assert "项目支出绩效评价报告（终稿）" in [p.text for p in doc.paragraphs if p.style.name == "Title"]
    for text in statement:
        assert text in paras
    assert [t for s, t in headings_in(doc) if s == "Heading 1"] == [c for c in chapters if c not in ("评价机构声明", "签章页")]
    toc = [p.text for p in doc.paragraphs if re.fullmatch(r"(?i)toc \d", p.style.name)]
    assert toc == [c for c in chapters if c not in ("评价机构声明", "签章页")]
    normal = doc.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "宋体"
    default = build("demo-water").doc.styles["Normal"].element.rPr.rFonts
    assert default.get(qn("w:eastAsia")) == "仿宋_GB2312"


# -- 5. the draft mark ---------------------------------------------------------------------------------


def _cover_html(html: str) -> str:
    return re.search(r'<section class="cover">(.*?)</section>', html, re.S).group(1)


def test_draft_is_marked_on_the_cover_and_in_the_header(build):
    mark = "征求意见稿"
    final = build("demo-water")
    draft = Made(ek.Report.from_case("cases/demo-water", draft=True))
    for m, expected in ((draft, True), (final, False)):
        doc = m.doc
        body = doc.sections[section_index(doc, body_start(m.nodes).text)]
        assert (mark in part_texts(body.header._element)) is expected
        assert (doc.paragraphs[0].text == mark) is expected
        assert (mark in _cover_html(m.block.html)) is expected


# -- 6. no tool language in what a reader reads ----------------------------------------------------------

TOOL_LANGUAGE = {
    "评分方案编号": re.compile("|".join(map(re.escape, sorted(SCHEMES, key=len, reverse=True))) + "|mof-2020"),
    "snake_case": re.compile(r"\b[a-z]+_[a-z_]+\b", re.ASCII),
    "evalkit": re.compile("evalkit", re.IGNORECASE),
    "未核实": re.compile("未核实"),
    "NaN/None": re.compile(r"nan%|\b(?:NaN|nan|None)\b", re.ASCII),
    "标点重复": re.compile("。，|，。|。。|；。|，，|、、|；；"),
}


def html_text(html: str) -> str:
    html = re.sub(r"<style\b.*?</style>|<svg\b.*?</svg>", "", html, flags=re.S)
    html = re.sub(r"</?(?:strong|em|a|span)\b[^>]*>", "", html)       # inline: the text runs on
    return _html.unescape(re.sub(r"<[^>]+>", "\n", html))


def docx_text(doc) -> str:
    parts = body_texts(doc)
    for sec in doc.sections:
        for hf in (sec.header, sec.footer):
            if not hf.is_linked_to_previous:
                parts.append(part_texts(hf._element))
    return "\n".join(parts)


def tool_language(where: str, text: str) -> list[str]:
    hits = []
    for label, pattern in TOOL_LANGUAGE.items():
        for m in pattern.finditer(text):
            context = text[max(0, m.start() - 30):m.end() + 30].replace("\n", "⏎")
            hits.append(f"{where}｜{label}「{m.group()}」：…{context}…")
    return hits


def test_no_tool_language_in_html_or_docx(build):
    hits = []
    for name in CASE_NAMES:
        m = build(name)
        hits += tool_language(f"{name} HTML", html_text(m.block.html))
        hits += tool_language(f"{name} DOCX", docx_text(m.doc))
    assert not hits, f"{len(hits)} 处工具用语：\n" + "\n".join(hits)


@pytest.mark.slow
def test_no_tool_language_in_libreoffice_pdf(pdf_text):
    hits = []
    for name in CASE_NAMES:
        code, output, text = pdf_text(name)
        assert code == 0 and text, output
        hits += tool_language(f"{name} PDF", text)
    assert not hits, f"{len(hits)} 处工具用语：\n" + "\n".join(hits)


# -- a firm's reference.docx, its logo, the technical annex ------------------------------------------


def test_a_reference_docx_gives_its_styles_and_page_and_none_of_its_text(tmp_path):
    from docx.shared import Mm, Pt

    firm = tmp_path / "firm"
    firm.mkdir()
    (firm / "style.yaml").write_text("name: 某所样式\n", encoding="utf-8")
    ref = docx.Document()
    ref.add_paragraph("模板里的示例文字")
    ref.styles["Normal"].font.size = Pt(14)
    ref.styles["Normal"].element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "楷体")
    ref.sections[0].left_margin = Mm(31)
    ref.save(firm / "reference.docx")
    made = Made(ek.Report.from_case("cases/demo-water", house=firm))
    normal = made.doc.styles["Normal"]
    assert normal.font.size == Pt(14) and normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "楷体"
    assert round(made.doc.sections[0].left_margin.mm) == 31
    texts = [p.text for p in made.doc.paragraphs]
    assert "模板里的示例文字" not in texts
    cells = {c.text for t in made.doc.tables for row in t.rows for c in row.cells}
    assert f"评价等级：{made.rep.card.grade}" in cells                             # the report is all there


def test_the_firm_logo_is_on_the_cover_of_both_renderings(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    firm = tmp_path / "firm"
    firm.mkdir()
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.text(0.5, 0.5, "LOGO")
    fig.savefig(firm / "logo.png", dpi=50)
    plt.close(fig)
    (firm / "style.yaml").write_text("cover: {logo: logo.png}\n", encoding="utf-8")
    made = Made(ek.Report.from_case("cases/demo-water", house=firm))
    logo = (firm / "logo.png").read_bytes()
    with zipfile.ZipFile(io.BytesIO(made.data)) as z:
        assert any(z.read(n) == logo for n in z.namelist() if n.startswith("word/media/"))
    import base64

    assert base64.b64encode(logo).decode() in _cover_html(made.block.html)


def test_versions_and_fingerprints_stay_out_of_the_report_unless_the_firm_asks(tmp_path, build):
    assert "SHA-256" not in build("demo-water").block.text and "技术附注" not in build("demo-water").block.text
    firm = tmp_path / "firm"
    firm.mkdir()
    (firm / "style.yaml").write_text("technical_annex: true\n", encoding="utf-8")
    rep = ek.Report.from_case("cases/demo-water", house=firm)
    text = rep.document().text
    assert re.search(r"附件\d：技术附注", text)
    assert rep.case.content_hash() in text
