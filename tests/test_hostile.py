"""Hostile case content: shown as text, never run, never loaded, never out of its folder.

A copy of demo-greening carries HTML, JavaScript, template and TeX payloads in every text a reader
sees (title, project fields, narrative, indicator names, deduction reasons, alternatives, survey
answers and questions). The fast tests render the sections and the portfolio without a kernel; the
slow ones run the real pipeline (papermill → nbconvert → Chromium PDF) and open the HTML in headless
Chromium with JavaScript enabled. Then case ids, table paths and YAML tags that try to leave the case
folder, and workbook text that looks like a formula.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import openpyxl
import pytest
import yaml

import evalkit as ek
import evalkit.batch
import evalkit.case
from evalkit import _schema, charts
from evalkit.case.cells import _short
from evalkit.case.skeleton import _skeleton_meta, _write_workbook
from evalkit.errors import CaseError, InputError
from evalkit.report import sections
from evalkit.report.portfolio import Portfolio
from evalkit.report.tables import esc

from .conftest import DEMO_CASES, ROOT

PAYLOADS = (
    "<script>window.__pwned=1;document.title='PWNED'</script>",
    '<img src=x onerror="window.__pwned=2">',
    "[点我](javascript:window.__pwned=3)",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=window.__pwned=4>",
    '<iframe src="data:text/html,<script>parent.__pwned=5</script>"></iframe>',
    '"><script>window.__pwned=6</script>',
    "{{ 7*7 }}",
    "{% raw %}",
    "</textarea>",
    "<style>body{display:none}</style>",
    "$\\undefinedcmd{x}$",          # TeX math in a chart label
)
ALL = "".join(PAYLOADS)
TITLE = "临江市绿化养护" + ALL
PROJECT = "城区绿化养护$\\frac{1}{0}$" + PAYLOADS[0]
#: Markdown that must keep its formatting, and links and images that must not become live
MARKDOWN = ("**加粗**\n\n- 列表一\n- 列表二\n\n| 项目 | 说明 |\n|---|---|\n| <b>粗</b> | **粗** |\n\n"
            "[第五部分](#ch5)\n\n![照片](/etc/hostname)\n\n![远程](http://127.0.0.1:9/t.png)\n\n"
            "[跳转](<java\tscript:window.__pwned=7>)\n\n[文件](file:///etc/passwd)\n\n[数据](data:text/html,x)\n\n"
            + "\n\n".join(f"[{name}]({url})" for name, url in (
                ("共享", "//127.0.0.1/share"), ("口令", "/etc/passwd"), ("网盘", "\\\\\\\\127.0.0.1\\\\share"),
                ("本地", "./x"), ("页面", "x.html"), ("上级", "../a.pdf"))) + "\n")
#: how the links of MARKDOWN without a scheme read in the report: as typed (a Markdown \\ is one \)
SCHEMELESS = ("[共享](//127.0.0.1/share)", "[口令](/etc/passwd)", "[网盘](\\\\127.0.0.1\\share)", "[本地](./x)",
              "[页面](x.html)", "[上级](../a.pdf)")
#: characters that are not seen but act — terminal escapes (colour, window title, hyperlink), NUL, a C1
#: control, bidirectional overrides, isolates and marks — each with what must remain once they are removed
CONTROLS = {
    "\x1b[31m红字\x1b[0m": "[31m红字[0m",
    "\x1b]0;窗口标题\x07": "]0;窗口标题",
    "\x1b]8;;http://127.0.0.1:9/\x07超链接\x1b]8;;\x07": "]8;;http://127.0.0.1:9/超链接]8;;",
    "空\x00字符\x08": "空字符",
    "C1\x9b31m控制\x85": "C131m控制",
    "付款\u202e分5000\u202c元": "付款分5000元",
    "\u2067隔离\u2069文字": "隔离文字",
    "标记\u200f\u200e\u061c\u202a\u202b\u202d\u2066\u2068": "标记",
}
#: the same in CSV cells, but for NUL: a NUL byte makes evalkit refuse the whole CSV file (tests/test_case_reading.py)
CSV_CONTROLS = [k.replace("\x00", "") for k in CONTROLS]
#: written out here, not taken from evalkit, so that a character evalkit forgot is caught
INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


# ----------------------------------------------------------------------------------------------
# The hostile case


def _edit_csv(path: Path, change) -> None:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0])
    fields = change(rows, fields) or fields
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fields)
        w.writeheader()
        w.writerows(rows)


def hostile_case(dest: Path, case_id: str = "hostile") -> Path:
    """demo-greening with a payload in every text of the case."""
    shutil.copytree(ROOT / "cases" / "demo-greening", dest)
    for extra in ("expected.json", "expected_working.md", "make_survey.py"):
        (dest / extra).unlink()
    data = yaml.safe_load((dest / "case.yaml").read_text(encoding="utf-8"))
    data["id"] = case_id
    data["title"] = TITLE
    data["project"]["name"] = PROJECT
    for key in ("department", "implementer", "commissioner", "region", "category", "period"):
        data["project"][key] = f"{key}{ALL}"
    data["project"]["region"] += "".join(CONTROLS)
    data["evaluation"]["evaluator"] = "评价机构" + ALL
    data["evaluation"]["team"] = ["孙立群" + PAYLOADS[0], "黄雅婷" + PAYLOADS[1]]
    for key in data["narrative"]:
        data["narrative"][key] += "\n" + "\n\n".join(PAYLOADS) + "\n"
    data["narrative"]["other"] += "\n" + MARKDOWN
    for key in data["narrative"]:
        data["narrative"][key] += "\n" + "\n\n".join(CONTROLS) + "\n"
    (dest / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    def indicators(rows, fields):
        level2: dict[str, str] = {}
        for i, r in enumerate(rows):
            r["level2"] += level2.setdefault(r["level2"], PAYLOADS[len(level2) % len(PAYLOADS)])
            r["name"] += PAYLOADS[i % len(PAYLOADS)]
            r["description"] += PAYLOADS[(i + 1) % len(PAYLOADS)]
            r["basis"] += PAYLOADS[(i + 2) % len(PAYLOADS)]
            if r["deviation"]:
                r["deviation"] += PAYLOADS[(i + 3) % len(PAYLOADS)]
            r["name"] += CSV_CONTROLS[i % len(CONTROLS)]

    def deductions(rows, fields):
        for i, r in enumerate(rows):
            r["reason"] += PAYLOADS[i % len(PAYLOADS)]
            r["evidence"] += PAYLOADS[(i + 5) % len(PAYLOADS)]
            r["reason"] += CSV_CONTROLS[-1 - i % len(CONTROLS)]

    def budget(rows, fields):
        rows[0]["item"] += PAYLOADS[0]
        rows[1]["item"] += PAYLOADS[-1] + CSV_CONTROLS[5]

    def alternatives(rows, fields):
        for i, r in enumerate(rows):
            r["name"] += PAYLOADS[i]
            r["note"] += PAYLOADS[-1 - i]
            r["unit"] = "万平方米" + PAYLOADS[1]

    def questions(rows, fields):
        for i, r in enumerate(rows):
            r["text"] += PAYLOADS[i % len(PAYLOADS)]
            if r["column"] == "街道":
                r["column"] = "街道" + PAYLOADS[4]

    def survey(rows, fields):
        for i, r in enumerate(rows):
            r["街道" + PAYLOADS[4]] = r.pop("街道") + PAYLOADS[len(r["respondent"]) % 2]
            r["意见建议"] = PAYLOADS[i % len(PAYLOADS)] + CSV_CONTROLS[i % len(CONTROLS)]
        return [f if f != "街道" else "街道" + PAYLOADS[4] for f in fields] + ["意见建议"]

    for name, change in (("indicators", indicators), ("deductions", deductions), ("budget", budget),
                         ("alternatives", alternatives), ("questions", questions), ("survey", survey)):
        _edit_csv(dest / f"{name}.csv", change)
    return dest


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    return hostile_case(tmp_path_factory.mktemp("hostile") / "hostile")


@pytest.fixture(scope="module")
def hostile_sections(hostile) -> str:
    return ek.Report.from_case(hostile).document().html          # every part, as the report shows it


# ----------------------------------------------------------------------------------------------
# What the HTML holds, element by element


#: every element the report may contain: the template, the sections, Markdown and matplotlib's SVG
ALLOWED_TAGS = frozenset({
    "html", "head", "meta", "title", "style", "body", "main", "section", "div", "nav", "h1", "h2", "h3", "h4", "h5",
    "span",                                     # a cover title's lines, kept whole
    "p", "ol", "ul", "li", "a", "strong", "em", "code", "pre", "br", "hr", "blockquote", "table", "caption",
    "thead", "tbody", "tfoot", "tr", "th", "td", "figure", "figcaption",
    "svg", "g", "defs", "path", "use", "text", "tspan", "clippath", "rect", "circle", "line", "polyline",
    "polygon", "ellipse", "lineargradient", "stop", "mask", "pattern",
    "image",                                    # matplotlib's raster of a heat map, as data:image/png
})
_URL_ATTRS = ("href", "src", "xlink:href", "action", "formaction", "data", "srcset", "poster", "background")


class _Markup(HTMLParser):
    """Tags, attributes, style sheets and text of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.styles: list[tuple[bool, str]] = []       # (inside an <svg>, the style sheet)
        self.text: list[str] = []
        self._svg = 0
        self._style: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.handle_startendtag(tag, attrs)
        self._svg += tag == "svg"
        if tag == "style":
            self._style = []

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        if tag == "style" and self._style is not None:
            self.styles.append((self._svg > 0, "".join(self._style)))
            self._style = None
        self._svg -= tag == "svg"

    def handle_data(self, data):
        if self._style is not None:
            self._style.append(data)
        else:
            self.text.append(data)


def markup(doc: str) -> _Markup:
    m = _Markup()
    m.feed(doc)
    m.close()
    return m


def assert_inert(doc: str) -> _Markup:
    """No element, attribute or URL that could run script or load anything, whatever the case said."""
    m = markup(doc)
    assert set(m.tags) <= ALLOWED_TAGS, sorted(set(m.tags) - ALLOWED_TAGS)
    handlers = [(t, k, v) for t, k, v in m.attrs if k.startswith("on")]
    assert handlers == []
    for tag, key, value in m.attrs:
        if key in _URL_ATTRS:
            url = re.sub(r"[\x00-\x20]", "", value).lower()
            if tag == "image":
                assert url.startswith("data:image/png;base64,"), value
                continue
            assert not url.startswith(("javascript:", "vbscript:", "data:", "file:")), (tag, key, value)
            if tag == "use":
                assert value.startswith("#"), value             # matplotlib's own glyph references
            if tag == "a":      # a place in the document or an absolute web or mail address, never a local path
                assert value.startswith("#") or re.match(r"(?i)(https?://|mailto:)", value), value
        assert "javascript:" not in value.lower(), (tag, key, value)
    for in_svg, sheet in m.styles:      # the report's own CSS and matplotlib's one-line SVG style only
        assert (sheet.lstrip().startswith(("/* evalkit report", ":root { --body-font"))     # the house style's fonts
                or (in_svg and "display" not in sheet)), sheet[:200]
    return m


def cover_title(doc: str) -> str:
    """The cover title as the HTML holds it, its lines (spans and line breaks) joined."""
    h1 = re.search(r'<h1 class="cover-title">(.*?)</h1>', doc, flags=re.DOTALL).group(1)
    return re.sub(r"<[^>]+>", "", h1)


def visible(doc: str) -> str:
    return "".join(markup(doc).text)


def minimal(text: str) -> str:
    """Text as nbconvert's final pass (BeautifulSoup) writes it between tags: only &, < and > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def policy(doc: str) -> list[str]:
    """The content of every Content-Security-Policy <meta> of a document."""
    return [a.get("content", "") for tag, a in markup(doc).elements
            if tag == "meta" and a.get("http-equiv", "").lower() == "content-security-policy"]


# ----------------------------------------------------------------------------------------------
# Fast: the sections, without a kernel


def test_every_section_shows_hostile_case_text_as_text(hostile_sections):
    doc = hostile_sections
    text = visible(doc)
    assert_inert(doc)
    # each field reaches the reader as the characters the case holds
    assert PROJECT in text and f"评价机构{ALL}" in text and f"department{ALL}" in text
    for payload in PAYLOADS:
        assert text.count(payload) >= 10, payload
    # escaped exactly once where it enters: a table cell, the cover title, a paragraph of generated text
    assert f"<td>{html.escape(PROJECT)}</td>" in doc
    assert ("<td>城区绿化养护$\\frac{1}{0}$&lt;script&gt;window.__pwned=1;document.title=&#x27;PWNED&#x27;"
            "&lt;/script&gt;</td>") in doc
    assert cover_title(doc) == html.escape(TITLE)
    assert "&amp;lt;" not in doc, "escaped twice"


def test_narrative_payloads_become_paragraphs_of_text(hostile_sections):
    doc = hostile_sections
    for line in ("<p>&lt;script&gt;window.__pwned=1;document.title=&#x27;PWNED&#x27;&lt;/script&gt;</p>",
                 "<p>&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;</p>",
                 "<p>[点我](javascript:window.__pwned=3)</p>",
                 "<p>&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;</p>",
                 "<p>&lt;svg onload=window.__pwned=4&gt;</p>",
                 "<p>&lt;iframe src=&quot;data:text/html,&lt;script&gt;parent.__pwned=5&lt;/script&gt;&quot;&gt;"
                 "&lt;/iframe&gt;</p>",
                 "<p>&quot;&gt;&lt;script&gt;window.__pwned=6&lt;/script&gt;</p>",
                 "<p>{{ 7*7 }}</p>", "<p>{% raw %}</p>", "<p>&lt;/textarea&gt;</p>",
                 "<p>&lt;style&gt;body{display:none}&lt;/style&gt;</p>"):
        assert doc.count(line) == 8, line             # once in each of the eight narrative parts


def test_narrative_markdown_keeps_its_formatting_in_the_report(hostile_sections):
    doc = hostile_sections
    assert "<strong>总体目标：</strong>" in doc                      # demo-greening's own Markdown
    assert "<li><p><strong>前期准备</strong>：" in doc
    assert ("<table><thead><tr><th>项目</th><th>说明</th></tr></thead><tbody><tr>"
            "<td>&lt;b&gt;粗&lt;/b&gt;</td><td>粗</td></tr></tbody></table>") in doc     # a cell is plain text
    assert "<ul><li><p>列表一</p></li><li><p>列表二</p></li></ul>" in doc
    assert '<p><a href="#ch5">第五部分</a></p>' in doc
    assert "<p>![照片](/etc/hostname)</p>" in doc                  # an image is never loaded, nor a local file
    assert '<p>!<a href="http://127.0.0.1:9/t.png">远程</a></p>' in doc
    assert "<p>[文件](file:///etc/passwd)</p>" in doc and "<p>[数据](data:text/html,x)</p>" in doc
    for link in SCHEMELESS:                                          # no scheme: it would be a file: link
        assert f"<p>{html.escape(link, quote=False)}</p>" in doc, link


@pytest.mark.parametrize(("source", "rendered"), [
    ("**粗** 与 *斜*", "<p><strong>粗</strong> 与 <em>斜</em></p>\n"),
    ("1. 一\n2. 二", "<ol><li><p>一</p></li><li><p>二</p></li></ol>"),
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"),
    ("<div onclick=alert(1)>\n*x*\n</div>", "<p>&lt;div onclick=alert(1)&gt; <em>x</em> &lt;/div&gt;</p>\n"),
    ("行内 <b>粗</b> 与 <!-- 注释 -->", "<p>行内 &lt;b&gt;粗&lt;/b&gt; 与 &lt;!-- 注释 --&gt;</p>\n"),
    ("`<b>`", "<p>&lt;b&gt;</p>\n"),                 # code is text in a report
    ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>\n"),
    ("[x](JaVaScRiPt:alert(1))", "<p>[x](JaVaScRiPt:alert(1))</p>\n"),
    ("[x](&#106;avascript:alert(1))", "<p>[x](javascript:alert(1))</p>\n"),
    ("[x](vbscript:msgbox(1))", "<p>[x](vbscript:msgbox(1))</p>\n"),
    ("[x](data:text/html,<script>)", "<p>[x](data:text/html,&lt;script&gt;)</p>\n"),
    ("[x](data:image/png;base64,AAAA)", "<p>[x](data:image/png;base64,AAAA)</p>\n"),
    ("[x](file:///etc/passwd)", "<p>[x](file:///etc/passwd)</p>\n"),
    ("<javascript:alert(1)>", "<p>&lt;javascript:alert(1)&gt;</p>\n"),
    ("[x](<java\tscript:alert(1)>)", "<p>[x](&lt;java\tscript:alert(1)&gt;)</p>\n"),
    ("![x](data:image/png;base64,AAAA)", "<p>![x](data:image/png;base64,AAAA)</p>\n"),
    ("![现场](photos/a.jpg)", "<p>![现场](photos/a.jpg)</p>\n"),
    # without a scheme a link resolves against the report's own location: a file: link in the HTML and PDF
    ("[共享](//host/share)", "<p>[共享](//host/share)</p>\n"),
    ("[x](/etc/passwd)", "<p>[x](/etc/passwd)</p>\n"),
    ("[x](\\\\\\\\host\\\\share)", "<p>[x](\\\\host\\share)</p>\n"),
    ("[x](./x)", "<p>[x](./x)</p>\n"),
    ("[x](x.html)", "<p>[x](x.html)</p>\n"),
    ("[x](附件.pdf)", "<p>[x](附件.pdf)</p>\n"),
    ("[x](http:x.html)", "<p>[x](http:x.html)</p>\n"),
    ("[x](https:\\\\evil.example)", "<p>[x](https:\\evil.example)</p>\n"),
    ("<//host/share>", "<p>&lt;//host/share&gt;</p>\n"),
    ("[x](HTTPS://a.example)", '<p><a href="HTTPS://a.example">x</a></p>\n'),
    ("[x](https://example.org/a?b=1&c=2 \"t\\\" onmouseover=1\")",
     '<p><a href="https://example.org/a?b=1&amp;c=2">x</a></p>\n'),   # a title is not kept
    ("<mailto:a@example.org>", '<p><a href="mailto:a@example.org">mailto:a@example.org</a></p>\n'),
    ("[第五部分](#ch5)", '<p><a href="#ch5">第五部分</a></p>\n'),
])
def test_markdown_renders_formatting_and_never_raw_html_live_links_or_images(source, rendered):
    assert sections.markdown(source) == f'<div class="narrative">{rendered.replace(chr(10), "")}</div>'


@pytest.mark.parametrize(("url", "ok"), [
    ("https://a.example", True), ("http://a.example", True), ("mailto:x@a.example", True), ("#ch5", True),
    ("附件.pdf", False), ("../a.pdf", False), ("javascript:alert(1)", False), (" JAVASCRIPT:x", False),
    ("vbscript:x", False), ("data:image/png;base64,AA", False), ("file:///etc/passwd", False),
    ("ftp://a.example", False), ("c:/windows", False), ("java%09script:x", False), ("//host/share", False),
    ("/etc/passwd", False), ("%5C%5Chost%5Cshare", False), ("./x", False), ("x.html", False), ("", False),
    ("http:x.html", False), ("https:%5C%5Cevil.example", False), ("HTTPS://a.example", True),
])
def test_safe_link_allows_only_web_and_mail_schemes(url, ok):
    assert sections.safe_link(url) is ok


@pytest.mark.parametrize("label", ["$\\undefinedcmd{x}$", "a$x^2$b", "$\\frac{1}{0}$", "费用 $5 与 $6"])
def test_chart_labels_from_a_case_are_text_never_tex(label):
    svg = charts.to_svg(charts.budget_execution([label], [1e6], [1e6], [9e5]))
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert html.escape(label, quote=False) in labels


def test_template_escapes_the_title_and_forbids_script_and_loads():
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "display_data", {"text/html": "<p>正文</p>", "text/plain": "<script>plain</script>"})]))
    doc = ek.run.export_html(nb, title=ALL)
    assert f"<title>{minimal(ALL)}</title>" in doc
    assert policy(doc) == [CSP]
    assert doc.index("Content-Security-Policy") < doc.index("<title>") < doc.index("<style>") < doc.index("<body>")
    assert "<script>plain" not in doc and "&lt;script&gt;plain" not in doc, "text/plain stays out of the report"
    assert_inert(doc)


def test_portfolio_shows_hostile_titles_projects_and_failures_as_text(tmp_path):
    results = {"id": "hostile", "title": TITLE, "project": PROJECT, "evaluator": ALL, "score": 66.0, "grade": "中",
               "funding": {"planned": 1e6, "spent": 9e5}, "rates": {"决策": 0.5, "过程": 0.7}}
    (tmp_path / "hostile").mkdir()
    (tmp_path / "hostile" / "results.json").write_text(json.dumps(results), encoding="utf-8")
    (tmp_path / "manifest.json").write_text(json.dumps({"cases": [
        {"id": "hostile", "status": "ok"},
        {"id": PAYLOADS[0], "path": f"/cases/{PAYLOADS[1]}", "status": "failed",
         "error": {"message": f"案例编号「{PAYLOADS[0]}」只能由小写字母、数字和 - 组成"}}]}), encoding="utf-8")
    pf = Portfolio(tmp_path)
    doc = "".join(getattr(pf, name)().html for name in ("cover", "overview", "ranking", "heatmap", "failures"))
    assert_inert(doc)
    assert f"<td>{html.escape(PROJECT)}</td>" in doc
    assert (f"<td>{html.escape(PAYLOADS[0])}</td><td>/cases/{html.escape(PAYLOADS[1])}</td>"
            f"<td>案例编号「{html.escape(PAYLOADS[0])}」只能由小写字母、数字和 - 组成</td>") in doc
    assert html.escape(PROJECT, quote=False) in re.findall(r"<text[^>]*>([^<]*)</text>", doc)   # heat-map row


# ----------------------------------------------------------------------------------------------
# Invisible characters: removed when the case is read, each cell noted; dropped again by the report


def _texts(case: ek.Case) -> list[str]:
    """Every text a loaded case holds: metadata values, table cells and column names."""
    out: list[str] = []

    def walk(v):
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(dict(case.meta))
    for df in case.tables.values():
        out += [str(c) for c in df.columns]
        for column in df.columns:
            out += [v for v in df[column] if isinstance(v, str)]
    return out


def _line(folder: Path, key: str) -> int:
    text = (folder / "case.yaml").read_text(encoding="utf-8")
    return next(n for n, t in enumerate(text.splitlines(), 1) if t.strip().startswith(f"{key}:"))


def test_loader_removes_control_and_bidi_characters_and_notes_each_cell(hostile):
    case = ek.load_case(hostile)
    assert [t for t in _texts(case) if INVISIBLE.search(t)] == []
    assert case.project["region"] == "region" + ALL + "".join(CONTROLS.values())
    for part in case.narrative.values():
        assert "\n\n".join(CONTROLS.values()) in part
    names = list(case.indicators["name"])
    assert names[0].endswith(PAYLOADS[0] + "[31m红字[0m") and names[5].endswith("付款分5000元")
    assert case.table("budget")["item"].iloc[1] == "城市基础设施配套费" + PAYLOADS[-1] + "付款分5000元"
    notes = set(case.notes)
    # one note a cell; one for the column when more than three of its cells had such characters
    assert "budget.csv 第3行 item：删去了 2 个不可见的控制字符（U+202E 从右至左覆盖、U+202C 嵌入结束）" in notes
    kinds = len(set(INVISIBLE.findall("".join(CONTROLS))))
    everything = (f"删去了 {len(INVISIBLE.findall(''.join(CONTROLS)))} 个不可见的控制字符（U+001B 转义 ×5、U+0007 响铃 ×3、"
                  f"U+0000 空字符、U+0008 退格、U+009B 控制序列引导、U+0085 C1 控制字符 等 {kinds} 种）")
    assert f"case.yaml 第{_line(hostile, 'region')}行 项目地区：{everything}" in notes
    assert f"case.yaml 第{_line(hostile, 'overview')}行 项目概况：{everything}" in notes
    n_ind = len(case.indicators)
    assert (f"indicators.csv 列「name」第2、3、4行等 {n_ind} 个单元格：删去了 "
            f"{sum(len(INVISIBLE.findall(CSV_CONTROLS[i % len(CONTROLS)].rstrip())) for i in range(n_ind))} "   # \\x85 ends
            "个不可见的控制字符"
            "（U+001B 转义 ×15、") in " ".join(notes)
    by_column = sorted(n.split("：")[0] for n in notes if n.startswith(("indicators", "deductions", "survey")))
    assert by_column == [f"deductions.csv 列「reason」第2、3、4行等 {len(case.table('deductions'))} 个单元格",
                         f"indicators.csv 列「name」第2、3、4行等 {n_ind} 个单元格",
                         f"survey.csv 列「意见建议」第2、3、4行等 {len(case.table('survey'))} 个单元格"]
    assert len(notes) == 8 + 1 + 4                      # the narrative's parts, 项目地区, four columns


def test_workbook_cells_with_bidi_characters_are_cleaned_and_named_by_sheet_and_row(tmp_path):
    book = ek.case.new_case("wb", tmp_path, xlsx=True) / "case.xlsx"
    wb = openpyxl.load_workbook(book)
    meta_row = next(r for r in wb["基本信息"].iter_rows() if r[0].value == "项目名称")
    meta_row[1].value = "某\u202e项目"
    wb["指标体系"]["D3"].value = "绩效\u2066目标\u2069合理性"
    wb["报告文字"]["B2"].value = "概况\u200f文字"
    wb.save(book)
    case = ek.load_case(book)
    assert case.project["name"] == "某项目" and case.indicators["name"].iloc[1] == "绩效目标合理性"
    assert case.narrative["overview"] == "概况文字"
    assert set(case.notes) == {
        f"基本信息 第{meta_row[0].row}行 项目名称：删去了 1 个不可见的控制字符（U+202E 从右至左覆盖）",
        "指标体系 第3行 三级指标：删去了 2 个不可见的控制字符（U+2066 从左至右隔离、U+2069 隔离结束）",
        "报告文字 第2行 项目概况：删去了 1 个不可见的控制字符（U+200F 从右至左标记）"}


def test_column_name_with_a_control_character_is_cleaned_with_its_questions(tmp_path):
    folder = _case_with(tmp_path, lambda d: None)
    for name, old, new in (("survey.csv", "街道", "街\u202e道"), ("questions.csv", "街道", "街\u202e道")):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    case = ek.load_case(folder)
    assert "街道" in case.table("survey").columns
    assert "survey.csv 第1行 列名「街道」：删去了 1 个不可见的控制字符（U+202E 从右至左覆盖）" in case.notes
    assert [t for t in _texts(case) if INVISIBLE.search(t)] == []


def test_table_file_name_with_a_bidi_character_is_refused(tmp_path):
    folder = _case_with(tmp_path, lambda d: d["tables"].update(budget="budget\u202ecsv.txt"))
    assert any("列「tables.budget」：表格文件名 'budget\\u202ecsv.txt' 含有控制字符" in i for i in _issues(folder))


def test_every_section_holds_no_control_or_bidi_character(hostile_sections):
    doc = hostile_sections
    assert INVISIBLE.findall(doc) == []
    text = visible(doc)
    for cleaned in CONTROLS.values():
        assert text.count(cleaned) >= 8, cleaned                 # at least once in each narrative part
    assert any(t.endswith("付款分5000元") for t in re.findall(r"<text[^>]*>([^<]*)</text>", doc)), "a chart label"


@pytest.mark.parametrize("raw", list(CONTROLS))
def test_report_escaping_drops_what_the_loader_would_have_removed(raw):
    """The second wall: text that reached the report without the loader still shows no such character."""
    assert esc(raw) == html.escape(CONTROLS[raw])
    assert INVISIBLE.findall(sections.markdown(f"**{raw}**")) == []
    assert html.escape(CONTROLS[raw]) in sections.markdown(raw)
    svg = charts.to_svg(charts.budget_execution([raw], [1e6], [1e6], [9e5]), alt=raw)
    assert INVISIBLE.findall(svg) == [] and html.escape(CONTROLS[raw], quote=False) in svg


# ----------------------------------------------------------------------------------------------
# Slow: the real pipeline, and the HTML opened in Chromium with JavaScript on


def open_in_chromium(page_html: Path) -> dict:
    """Load ``page_html`` in headless Chromium with JavaScript enabled, click what the case wrote, and
    report what ran, what was asked for and what was said."""
    from playwright.sync_api import sync_playwright

    seen: dict = {"dialogs": [], "requests": [], "console": [], "errors": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=ek.run.CHROMIUM, args=list(ek.run.CHROMIUM_ARGS))
        try:
            page = browser.new_page(java_script_enabled=True)
            page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
            page.on("request", lambda r: seen["requests"].append(r.url))
            page.on("console", lambda m: seen["console"].append((m.type, m.text)))
            page.on("pageerror", lambda e: seen["errors"].append(str(e)))
            page.goto(page_html.resolve().as_uri(), wait_until="load")
            page.evaluate("document.fonts.ready")
            assert page.evaluate("1 + 1") == 2, "JavaScript is on"
            probe = """() => ({
                pwned: typeof window.__pwned, title: document.title,
                body: getComputedStyle(document.body).display,
                live: document.querySelectorAll('script, iframe, frame, object, embed, img, textarea, form, base, link').length,
                handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => /^on/i.test(a.name))).length,
                protocols: [...new Set([...document.querySelectorAll('a[href]')].map(a => a.protocol))].sort(),
                local: [...document.querySelectorAll('a[href]')].filter(a => a.protocol === 'file:'
                        && !a.getAttribute('href').startsWith('#')).map(a => a.getAttribute('href')),
            })"""
            seen["before"] = page.evaluate(probe)
            links = page.locator('.narrative a[href^="#"]')
            seen["clicked"] = links.count()
            for i in range(links.count()):
                links.nth(i).click()
            for text in ("点我", "x</a>", "onerror"):                   # payloads that are now plain text
                hits = page.get_by_text(text)
                for i in range(min(hits.count(), 3)):
                    hits.nth(i).click()
            for sel in ("td", "h2", "p"):                                 # hovering does nothing either
                if page.locator(sel).count():
                    page.locator(sel).first.hover()
            page.wait_for_timeout(300)
            seen["after"] = page.evaluate(probe)
        finally:
            browser.close()
    return seen


def assert_nothing_ran(seen: dict, page_html: Path, title: str) -> None:
    for state in (seen["before"], seen["after"]):
        assert state["pwned"] == "undefined"
        assert state["title"] == title != "PWNED"
        assert state["body"] != "none"
        assert state["live"] == 0 and state["handlers"] == 0
        assert set(state["protocols"]) <= {"file:", "http:", "https:", "mailto:"}, state["protocols"]
        assert state["local"] == [], "a file: link other than a place in the page itself"
    assert seen["dialogs"] == [] and seen["errors"] == []
    assert [u for u in seen["requests"] if u.split("#")[0] != page_html.resolve().as_uri()] == []
    assert [m for m in seen["console"] if m[0] in ("error", "warning")] == [], "a blocked script or load says so"


@pytest.mark.pdf
def test_policy_stops_raw_markup_should_escaping_ever_fail(tmp_path):
    """The second wall: markup that reached the page unescaped still neither runs nor loads in Chromium."""
    raw = ('<script>window.__pwned=1;document.title="PWNED"</script><img src="x" onerror="window.__pwned=2">'
           '<img src="/etc/hostname"><iframe src="data:text/html,hi"></iframe><a href="javascript:window.__pwned=3">点我</a>')
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output("display_data", {"text/html": raw})]))
    page = tmp_path / "report.html"
    page.write_text(ek.run.export_html(nb, title="标题"), encoding="utf-8")
    seen = open_in_chromium(page)
    assert [seen[k]["pwned"] for k in ("before", "after")] == ["undefined", "undefined"]
    assert seen["after"]["title"] == "标题" and seen["dialogs"] == []
    blocked = " ".join(text for kind, text in seen["console"] if kind == "error")
    for what in ("Executing inline script", "Executing inline event handler", "Loading the image",
                 "Running the JavaScript URL"):
        assert what in blocked and "Content Security Policy" in blocked, what


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


def assert_pdf_shows_and_runs_nothing(pdf: Path, title: str, expected: list[str]) -> None:
    from pypdf import PdfReader

    text = pdf_text(pdf)
    for payload in expected:
        assert re.sub(r"\s+", "", payload) in text, payload
    reader = PdfReader(pdf)
    assert reader.metadata.title == title
    root = reader.trailer["/Root"]
    assert "/OpenAction" not in root and "/AA" not in root
    assert "/JavaScript" not in root.get("/Names", {})
    for page in reader.pages:
        for annot in page.get("/Annots", []) or []:
            action = annot.get_object().get("/A", {})
            assert action.get("/S") in (None, "/URI", "/GoTo"), action
            uri = str(action.get("/URI", "")).lower()
            assert not uri.startswith(("javascript:", "data:", "vbscript:", "file:")), uri
            assert not uri or uri.startswith(("http://", "https://", "mailto:")), uri


def _tree(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")}


#: a case folder whose name would end the notebook's parameter string, were it not escaped
FOLDER = 'hostile"; __pwned = 1 #\\'


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """The hostile case through the real pipeline; the whole temporary tree before and after."""
    root = tmp_path_factory.mktemp("run")
    case = hostile_case(root / "cases" / FOLDER)
    before = _tree(root)
    res = ek.run_case(case, root / "build" / "hostile", formats=("html", "pdf"))
    return root, before, res


@pytest.mark.slow
@pytest.mark.pdf
def test_hostile_report_html_is_inert_and_shows_the_payloads(hostile_run):
    _, _, res = hostile_run
    doc = res.outputs["report.html"].read_text(encoding="utf-8")
    m = assert_inert(doc)
    assert "<script" not in doc.lower() and "<img" not in doc.lower() and "<iframe" not in doc.lower()
    assert policy(doc) == [CSP]
    assert f"<title>{minimal(TITLE)}</title>" in doc
    assert cover_title(doc) == minimal(TITLE)
    assert "<p>&lt;script&gt;window.__pwned=1;document.title='PWNED'&lt;/script&gt;</p>" in doc
    assert "<strong>总体目标：</strong>" in doc and "<td>粗</td>" in doc        # a table cell is plain text
    text = "".join(m.text)
    for payload in PAYLOADS:
        assert payload in text, payload
    assert json.loads(res.outputs["results.json"].read_text(encoding="utf-8"))["title"] == TITLE
    # no control or bidi character anywhere; what remains of them, and links without a scheme, as text
    assert INVISIBLE.findall(doc) == []
    for shown in (*CONTROLS.values(), *SCHEMELESS):
        assert text.count(shown) >= 1, shown
    # how the case was read (file, row, column) is for the evaluator, in results.json, not for the bureau
    note = "删去了 2 个不可见的控制字符（U+202E 从右至左覆盖、U+202C 嵌入结束）"
    assert note not in text
    assert any(note in n for n in json.loads(res.outputs["results.json"].read_text(encoding="utf-8"))["notes"])


@pytest.mark.slow
@pytest.mark.pdf
def test_hostile_report_runs_no_script_in_chromium(hostile_run):
    _, _, res = hostile_run
    seen = open_in_chromium(res.outputs["report.html"])
    assert_nothing_ran(seen, res.outputs["report.html"], TITLE)
    assert seen["clicked"] >= 1                         # the case's own link to 第五部分 was followed


@pytest.mark.slow
@pytest.mark.pdf
def test_hostile_report_pdf_holds_the_payloads_as_text(hostile_run):
    _, _, res = hostile_run
    assert_pdf_shows_and_runs_nothing(res.outputs["report.pdf"], TITLE,
                                      [*PAYLOADS, PROJECT, "加粗", *CONTROLS.values(), *SCHEMELESS])
    assert INVISIBLE.findall(pdf_text(res.outputs["report.pdf"])) == []


@pytest.mark.slow
@pytest.mark.pdf
def test_case_folder_name_reaches_the_notebook_as_one_string(hostile_run):
    root, _, res = hostile_run
    nb = nbformat.read(res.outputs["report.ipynb"], as_version=4)
    (cell,) = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    names: dict = {}
    exec(cell.source, names)            # the cell papermill wrote, run as the kernel ran it
    assert {k: v for k, v in names.items() if k != "__builtins__"} == {
        "case_dir": str((root / "cases" / FOLDER).resolve()), "out_dir": names["out_dir"], "house_dir": "",
        "draft": False}
    assert Path(names["out_dir"]).parent == (root / "build").resolve()


@pytest.mark.slow
@pytest.mark.pdf
def test_run_case_writes_only_inside_its_output_folder(hostile_run):
    root, before, res = hostile_run
    new = _tree(root) - before
    assert new and all(p.parts[:2] == ("build", "hostile") or p == Path("build") for p in new), sorted(new)
    assert sorted(p.name for p in (root / "build").iterdir()) == ["hostile"], "the staging folder is gone"
    assert {p.name for p in (root / "build" / "hostile").iterdir()} == {
        "report.ipynb", "results.json", "report.html", "report.pdf", "manifest.json"}


@pytest.mark.slow
@pytest.mark.pdf
@pytest.mark.parametrize("case", DEMO_CASES, ids=lambda p: p.name)
def test_policy_blocks_nothing_an_example_report_needs(built, case):
    page = built[case.name].outputs["report.html"]
    assert policy(page.read_text(encoding="utf-8")) == [CSP]
    assert_nothing_ran(open_in_chromium(page), page, ek.load_case(case).title)    # no violation reported


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    hostile_case(root / "cases" / "hostile")
    bad = hostile_case(root / "cases" / "bad")          # an id that names a folder outside build/
    text = (bad / "case.yaml").read_text(encoding="utf-8").replace("id: hostile", "id: ../../escaped" + PAYLOADS[0])
    (bad / "case.yaml").write_text(text, encoding="utf-8")
    before = _tree(root)
    res = ek.batch.run_batch([root / "cases"], root / "build", jobs=1, formats=("html", "pdf"), progress=lambda r: None)
    return root, before, res


@pytest.mark.slow
@pytest.mark.pdf
def test_portfolio_summary_of_a_hostile_batch_is_inert(hostile_batch):
    root, _, res = hostile_batch
    assert {r["path"].split("/")[-1]: r["status"] for r in res.records} == {"bad": "failed", "hostile": "ok"}
    summary = root / "build" / "summary.html"
    doc = summary.read_text(encoding="utf-8")
    assert_inert(doc)
    assert INVISIBLE.findall(doc) == []
    assert policy(doc) == [CSP]
    assert f"<td>{minimal(PROJECT)}</td>" in doc
    # the failed case is listed with the message that refuses its id, the id shown as text
    shown = _short(f"../../escaped{PAYLOADS[0]}", quote=False)      # as the loader quotes it
    assert f"案例编号「{minimal(shown)}」只能由小写字母、数字和 - 组成" in doc
    seen = open_in_chromium(summary)
    assert_nothing_ran(seen, summary, "绩效评价结果汇总")
    assert_pdf_shows_and_runs_nothing(root / "build" / "summary.pdf", "绩效评价结果汇总", [PROJECT])


@pytest.mark.slow
@pytest.mark.pdf
def test_run_batch_writes_only_inside_its_output_folder(hostile_batch):
    root, before, _ = hostile_batch
    new = _tree(root) - before
    assert all(p.parts[0] == "build" for p in new), sorted(new)
    assert not (root / "escaped").exists() and not (root.parent / "escaped").exists()
    assert not [p for p in (root / "build").rglob("*.staging")]


# ----------------------------------------------------------------------------------------------
# Case ids and table paths cannot leave the case folder


def _case_with(tmp_path: Path, change) -> Path:
    folder = tmp_path / "cases" / "demo"
    shutil.copytree(ROOT / "cases" / "demo-greening", folder)
    data = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    change(data)
    (folder / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def _issues(path: Path) -> list[str]:
    with pytest.raises(CaseError) as info:
        ek.load_case(path)
    return [str(i) for i in info.value.issues]


@pytest.mark.parametrize("bad_id", ["../evil", "/tmp/x", "a/b", "a\\b", "..", ".", "CON", "-a", "a-", "a" * 65,
                                    "a\0b", "a\nb", "abc\n", "\nabc", "démo", "ａｂｃ", "a b", "a.b"])
def test_case_id_that_is_not_a_folder_name_is_refused(tmp_path, bad_id):
    folder = _case_with(tmp_path, lambda d: d.update(id=bad_id))
    issues = _issues(folder)
    assert any(i.startswith("case.yaml 第2行 列「id」：案例编号「") and "只能由小写字母、数字和 - 组成" in i
               for i in issues), issues
    before = _tree(tmp_path)
    with pytest.raises(CaseError):
        ek.run_case(folder, tmp_path / "build" / "x", formats=("html",))
    assert _tree(tmp_path) == before, "an invalid case writes nothing"


def test_case_id_in_a_workbook_is_checked_the_same_way(tmp_path):
    book = ek.case.new_case("wb", tmp_path, xlsx=True) / "case.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb["基本信息"]
    row = next(r for r in ws.iter_rows() if r[0].value == "案例编号")
    row[1].value = "../evil"
    wb.save(book)
    issues = _issues(book)
    assert any("工作表「基本信息」" in i and "案例编号「../evil」只能由小写字母、数字和 - 组成" in i for i in issues), issues


@pytest.mark.parametrize("bad_id", ["abc\n", "../evil", "a/b"])
def test_new_case_refuses_an_id_that_is_not_a_folder_name(tmp_path, bad_id):
    with pytest.raises(InputError, match="只能由小写字母、数字和 - 组成"):
        ek.case.new_case(bad_id, tmp_path / "cases")
    assert not (tmp_path / "cases").exists() or list((tmp_path / "cases").iterdir()) == []


def test_batch_never_takes_an_unchecked_id_as_an_output_folder(tmp_path):
    planted = tmp_path / "planted"                    # an absolute id would name this folder
    folder = _case_with(tmp_path, lambda d: d.update(id=str(planted)))
    with pytest.raises(CaseError, match="只能由小写字母、数字和 - 组成"):
        evalkit.batch.case_key(folder, "env")
    res = evalkit.batch.run_batch([folder], tmp_path / "build", formats=("html",), summary=False,
                                  progress=lambda r: None)
    (record,) = res.records
    assert record["status"] == "failed" and "只能由小写字母、数字和 - 组成" in record["error"]["message"]
    assert not planted.exists() and sorted(p.name for p in (tmp_path / "build").iterdir()) == ["manifest.json"]


def test_batch_key_reads_no_table_outside_the_case_folder(tmp_path):
    folder = _case_with(tmp_path, lambda d: d["tables"].update(budget="/etc/passwd"))
    case_id, files = evalkit.case.case_inputs(folder)
    assert case_id == "demo-greening" and Path("/etc/passwd") not in files
    assert all(f.resolve().is_relative_to(folder.resolve()) for f in files)


@pytest.mark.parametrize("rel", ["../other/indicators.csv", "/etc/passwd", "sub/../../other/indicators.csv"])
def test_table_path_outside_the_case_folder_is_refused(tmp_path, rel):
    (tmp_path / "cases" / "other").mkdir(parents=True)
    shutil.copy(ROOT / "cases" / "demo-greening" / "indicators.csv", tmp_path / "cases" / "other")
    folder = _case_with(tmp_path, lambda d: d["tables"].update(indicators=rel))
    issues = _issues(folder)
    assert any(f"列「tables.indicators」：表格文件「{rel}」必须位于案例文件夹内（不能用绝对路径或 ..）" in i
               for i in issues), issues


def test_table_symlink_pointing_outside_the_case_folder_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(ROOT / "cases" / "demo-greening" / "budget.csv", outside / "budget.csv")
    folder = _case_with(tmp_path, lambda d: d["tables"].update(budget="budget-link.csv"))
    (folder / "budget-link.csv").symlink_to(outside / "budget.csv")
    issues = _issues(folder)
    assert any("列「tables.budget」：表格文件「budget-link.csv」指向案例文件夹之外" in i for i in issues), issues


def test_table_inside_a_symlinked_directory_pointing_outside_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(ROOT / "cases" / "demo-greening" / "survey.csv", outside / "survey.csv")
    folder = _case_with(tmp_path, lambda d: d["tables"].update(survey="data/survey.csv"))
    (folder / "data").symlink_to(outside, target_is_directory=True)
    issues = _issues(folder)
    assert any("列「tables.survey」：表格文件「data/survey.csv」指向案例文件夹之外" in i for i in issues), issues


def test_table_symlink_that_stays_inside_the_case_folder_is_read(tmp_path):
    folder = _case_with(tmp_path, lambda d: d["tables"].update(budget="data/budget.csv"))
    (folder / "data").mkdir()
    (folder / "data" / "budget.csv").symlink_to(folder / "budget.csv")
    case = ek.load_case(folder)
    assert list(case.table("budget")["planned"]) == [8000000, 1850000]


@pytest.mark.parametrize("tag", [
    '!!python/object/apply:os.system ["touch {marker}"]',
    '!!python/object/apply:subprocess.check_call [["touch", "{marker}"]]',
    '!!python/object/new:subprocess.Popen [["touch", "{marker}"]]',
    "!!python/name:os.system",
])
def test_yaml_with_python_tags_is_refused_and_runs_nothing(tmp_path, tag):
    marker = tmp_path / "pwned"
    folder = _case_with(tmp_path, lambda d: None)
    text = (folder / "case.yaml").read_text(encoding="utf-8")
    (folder / "case.yaml").write_text(text.replace("title: ", "title: " + tag.format(marker=marker) + "\nold: ", 1),
                                      encoding="utf-8")
    issues = _issues(folder)
    assert any(i.startswith("case.yaml 第") and "含有 YAML 标签「!!python/" in i and "不能使用标签" in i
               for i in issues), issues
    records = ek.batch.run_batch([folder], tmp_path / "build", formats=("html",), summary=False,
                                 progress=lambda r: None).records
    assert [(r["status"], r["error"]["kind"]) for r in records] == [("failed", "invalid")]
    assert not marker.exists()


def _alias_bomb(folder: Path, key: str, depth: int) -> None:
    """Nine-fold nested YAML aliases: ``depth`` levels make 9**(depth + 1) items from a few hundred bytes."""
    bomb = ["l0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    bomb += [f"l{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, depth + 1)]
    data = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    parent = data
    *path, last = key.split(".")
    for part in path:
        parent = parent[part]
    parent[last] = "BOMB"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False).replace("BOMB", f"*a{depth}")
    (folder / "case.yaml").write_text("\n".join(bomb) + "\n" + text, encoding="utf-8")


@pytest.mark.parametrize("key", ["title", "evaluation.team"])
def test_yaml_alias_bomb_is_refused_quickly(tmp_path, key):
    folder = _case_with(tmp_path, lambda d: None)
    _alias_bomb(folder, key, 8)                      # nine to the eighth: 43 million items once expanded
    issues = _issues(folder)                          # refused before expanding them
    assert issues == ["case.yaml：YAML 中的锚点和别名（& 与 *）展开后超过 100000 项，无法读取"]


# ----------------------------------------------------------------------------------------------
# Text written to Excel stays text


FORMULA_LIKE = ("=1+1", '=HYPERLINK("http://example.invalid","点我")', "+1+1", "-1+1", "@SUM(A1:A2)", "=",
                "-", "+86 10 1234", "\t=1+1", "\r=1+1", " =1+1", "=cmd|' /C calc'!A0")


def test_workbook_writer_stores_formula_like_text_as_text(tmp_path):
    meta = _skeleton_meta("x")
    meta["title"], meta["project"]["name"], meta["evaluation"]["evaluator"] = FORMULA_LIKE[:3]
    narrative = {k: FORMULA_LIKE[i % len(FORMULA_LIKE)] for i, k in enumerate(_schema.NARRATIVE_LABELS)}
    rows = [{"code": f"A{i}", "level1": "决策", "level2": t, "name": t, "basis": t} for i, t in enumerate(FORMULA_LIKE)]
    deductions = [{"code": "A1", "points": 1, "reason": t, "evidence": t} for t in FORMULA_LIKE]
    book = tmp_path / "case.xlsx"
    _write_workbook(book, meta, narrative, {"indicators": rows, "deductions": deductions})

    with zipfile.ZipFile(book) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(re.search(rb"<f[ >]", z.read(n)) for n in sheets), "no formula element anywhere"
    wb = openpyxl.load_workbook(book)
    cells = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    cells.setdefault(c.value, set()).add(c.data_type)
    # a bare carriage return comes back as a line feed from the standard library's XML parser, and as itself
    # from lxml's (openpyxl uses lxml when it is installed): either way it is text
    for text in FORMULA_LIKE:
        got = cells.get(text) or cells.get(text.replace("\r", "\n"))
        assert got == {"s"}, (text, got)
    ind = wb["指标体系"]
    assert ([str(ind.cell(i + 2, 4).value).replace("\r", "\n") for i in range(len(FORMULA_LIKE))]
            == [t.replace("\r", "\n") for t in FORMULA_LIKE])
    assert wb["基本信息"]["B4"].value == "=1+1" and wb["基本信息"]["B4"].data_type == "s"


def test_new_workbook_skeleton_has_no_formula_cells(tmp_path):
    book = ek.case.new_case("x", tmp_path, xlsx=True) / "case.xlsx"
    wb = openpyxl.load_workbook(book)
    assert [c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"] == []

