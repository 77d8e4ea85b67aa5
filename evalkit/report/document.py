"""The report as a small structured document, and its HTML rendering.

Sections build nodes — headings with their outline numbers, paragraphs of runs, lists, tables with
header rows, spans and alignment, figures with captions, a cover, a contents list, page breaks — and
nothing else. :func:`html` renders them for the notebook and the nbconvert HTML/PDF path;
:mod:`evalkit.report.word` renders the same nodes as ``report.docx``. The nodes travel from the kernel
to the Word renderer as JSON beside the HTML in each output (:data:`MIME`), so both renderings come
from one source: the same words, numbers, tables and figures.

>>> html([Heading(2, "（一）", "项目概况"), Para.of("预算 1,560.00 万元。")])
'<h3>（一）项目概况</h3><p>预算 1,560.00 万元。</p>'
"""

from __future__ import annotations

import base64
import dataclasses
import html as _html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._text import drop

#: the mime type of a block's nodes in a notebook output
MIME = "application/vnd.evalkit.document+json"

#: a table with more rows than this cannot fit on one A4 page: it gets the class ``long``, which lets
#: it start on the current page (keeping a table whole costs Chromium's print layout dearly)
LONG_TABLE = 40


def esc(x: Any) -> str:
    """Text shown as text: every case string passes through here before it reaches HTML.

    Control and bidirectional characters (``\\x1b``, U+202E…) are dropped: the loader has removed
    them from case text already (:mod:`evalkit._text`), this is the second wall.
    """
    return _html.escape(drop("" if x is None else str(x)), quote=True)


@dataclass(frozen=True)
class Run:
    """A piece of text with one formatting; ``href`` only ever holds a link :func:`safe_link` allowed."""

    text: str
    bold: bool = False
    italic: bool = False
    href: str = ""


@dataclass(frozen=True)
class Para:
    """A paragraph. ``kind``: ``body`` (indented 2 characters), ``absent`` (evidence missing), ``plain``
    (no indent), ``center``, ``right`` (a date or signature line)."""

    runs: tuple[Run, ...]
    kind: str = "body"

    @classmethod
    def of(cls, text: str, kind: str = "body") -> Para:
        return cls((Run(text),), kind)

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class Heading:
    """A heading: ``level`` 1 is a chapter (一、), 2 a section (（一）), 3 an item (1.), 4 a sub-item.

    ``number`` is its outline number as printed; ``anchor`` the id a contents entry links to.
    """

    level: int
    number: str
    title: str
    anchor: str = ""

    @property
    def text(self) -> str:
        return f"{self.number}{self.title}"


@dataclass(frozen=True)
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    align: str = ""          # "" (left), "right" (numbers), "center"
    bold: bool = False


@dataclass(frozen=True)
class Table:
    """A table: header rows (repeated on every page), body rows, footer rows (a 合计), a caption.

    A row is a tuple of :class:`Cell`; a cell spanning rows appears once, in its first row.
    """

    header: tuple[tuple[Cell, ...], ...]
    body: tuple[tuple[Cell, ...], ...]
    foot: tuple[tuple[Cell, ...], ...] = ()
    caption: str = ""
    cls: str = ""
    #: relative column widths, for Word; empty: equal
    widths: tuple[float, ...] = ()


@dataclass(frozen=True)
class Figure:
    """A chart: SVG for the HTML, a print-resolution PNG for Word, and its caption."""

    svg: str
    png: bytes = field(repr=False)
    caption: str
    width_in: float = 6.0


@dataclass(frozen=True)
class Items:
    """A list: each item is a tuple of nodes (its paragraphs)."""

    items: tuple[tuple[Any, ...], ...]
    ordered: bool = False
    start: int = 1


@dataclass(frozen=True)
class Group:
    """Nodes that belong together (a narrative, one indicator), kept as an HTML ``<div class>``."""

    nodes: tuple[Any, ...]
    cls: str


@dataclass(frozen=True)
class Cover:
    """The cover: title lines (broken only where allowed), the firm's number, fields, the grade line."""

    title_lines: tuple[str, ...]
    kicker: str = ""
    number: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    grade: tuple[Run, ...] = ()
    issuer: str = ""
    date: str = ""
    validity: str = ""
    draft: str = ""
    logo: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class Contents:
    """The contents page: (anchor, title, level) of each entry; Word gets an updatable TOC field."""

    entries: tuple[tuple[str, str, int], ...]
    title: str = "目　录"


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Style:
    """House style the HTML carries as CSS (fonts and sizes); Word takes it from the house style itself."""

    css: str


NODES = {cls.__name__: cls for cls in (Run, Para, Heading, Cell, Table, Figure, Items, Group, Cover, Contents,
                                       PageBreak, Style)}


# -- building ------------------------------------------------------------------------------------


def cells(values: Sequence[Any], numeric: Iterable[int] = (), *, bold: bool = False) -> tuple[Cell, ...]:
    """One row of cells from values; the columns in ``numeric`` are right-aligned."""
    right = set(numeric)
    return tuple(Cell("" if v is None else str(v), align="right" if i in right else "", bold=bold)
                 for i, v in enumerate(values))


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], *, numeric: Sequence[int] = (),
          caption: str | None = None, foot: Sequence[Any] | None = None, cls: str = "",
          widths: Sequence[float] = ()) -> Table:
    """A table of one header row; columns listed in ``numeric`` are right-aligned."""
    body = tuple(cells(r, numeric) for r in rows)
    return Table((tuple(Cell(str(h)) for h in header),), body,
                 (cells(foot, numeric),) if foot is not None else (), caption or "", cls, tuple(widths))


def text_of(nodes: Iterable[Any]) -> str:
    """The words of nodes, one block per line: what a reader of any rendering reads."""
    out: list[str] = []
    for n in nodes:
        if isinstance(n, (Para, Heading)):
            out.append(n.text)
        elif isinstance(n, Table):
            if n.caption:
                out.append(n.caption)
            for row in (*n.header, *n.body, *n.foot):
                out.append("\t".join(c.text for c in row))
        elif isinstance(n, Figure):
            out.append(n.caption)
        elif isinstance(n, Items):
            for item in n.items:
                out.append(text_of(item))
        elif isinstance(n, Group):
            out.append(text_of(n.nodes))
        elif isinstance(n, Cover):
            out += [*n.title_lines, n.kicker, n.number, *(f"{k}\t{v}" for k, v in n.fields),
                    "".join(r.text for r in n.grade), n.issuer, n.date, n.validity, n.draft]
        elif isinstance(n, Contents):
            out += [n.title, *(t for _, t, _ in n.entries)]
    return "\n".join(x for x in out if x)


def headings(nodes: Iterable[Any]) -> list[Heading]:
    """Every heading in document order, those inside groups too."""
    out = []
    for n in nodes:
        if isinstance(n, Heading):
            out.append(n)
        elif isinstance(n, Group):
            out += headings(n.nodes)
    return out


# -- JSON: the nodes between the kernel and the Word renderer -------------------------------------


def to_json(node: Any) -> Any:
    if isinstance(node, (list, tuple)):
        return [to_json(n) for n in node]
    if isinstance(node, bytes):
        return {"$b64": base64.b64encode(node).decode("ascii")}
    if dataclasses.is_dataclass(node):
        return {"$t": type(node).__name__, **{f.name: to_json(getattr(node, f.name)) for f in dataclasses.fields(node)}}
    return node


def from_json(data: Any) -> Any:
    if isinstance(data, list):
        return tuple(from_json(x) for x in data)
    if isinstance(data, dict):
        if "$b64" in data:
            return base64.b64decode(data["$b64"])
        kind = NODES[data["$t"]]
        return kind(**{k: from_json(v) for k, v in data.items() if k != "$t"})
    return data


# -- HTML ----------------------------------------------------------------------------------------

_TAGS = {1: "h2", 2: "h3", 3: "h4", 4: "h5"}


def runs_html(runs: Iterable[Run]) -> str:
    out = []
    for r in runs:
        s = esc(r.text)
        if r.bold:
            s = f"<strong>{s}</strong>"
        if r.italic:
            s = f"<em>{s}</em>"
        if r.href:
            s = f'<a href="{esc(r.href)}">{s}</a>'
        out.append(s)
    return "".join(out)


def _row_html(row: Sequence[Cell], tag: str) -> str:
    out = []
    for c in row:
        attrs = ""
        if c.colspan > 1:
            attrs += f' colspan="{c.colspan}"'
        if c.rowspan > 1:
            attrs += f' rowspan="{c.rowspan}"'
        classes = " ".join(filter(None, ("num" if c.align == "right" else "", "center" if c.align == "center" else "",
                                         "strong" if c.bold and tag == "td" else "")))
        if classes:
            attrs += f' class="{classes}"'
        out.append(f"<{tag}{attrs}>{esc(c.text)}</{tag}>")
    return "<tr>" + "".join(out) + "</tr>"


def _table_html(t: Table) -> str:
    cls = " ".join(filter(None, (t.cls, "long" if len(t.body) > LONG_TABLE else "")))
    out = [f'<table class="{esc(cls)}">' if cls else "<table>"]
    if t.caption:
        out.append(f"<caption>{esc(t.caption)}</caption>")
    out.append("<thead>" + "".join(_row_html(r, "th") for r in t.header) + "</thead><tbody>")
    out += [_row_html(r, "td") for r in t.body]
    out.append("</tbody>")
    if t.foot:
        out.append("<tfoot>" + "".join(_row_html(r, "td") for r in t.foot) + "</tfoot>")
    out.append("</table>")
    return "".join(out)


def _cover_html(c: Cover) -> str:
    title = "<br>".join(f'<span class="nobreak">{esc(line)}</span>' for line in c.title_lines)
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in c.fields)
    parts = ['<section class="cover">']
    if c.draft:
        parts.append(f'<p class="cover-draft">{esc(c.draft)}</p>')
    if c.logo:
        parts.append(f'<p class="cover-logo"><img alt="" src="data:image/png;base64,{base64.b64encode(c.logo).decode()}"></p>')
    if c.number:
        parts.append(f'<p class="cover-number">{esc(c.number)}</p>')
    parts.append(f'<h1 class="cover-title">{title}</h1>')
    if c.kicker:
        parts.append(f'<p class="cover-kicker">{esc(c.kicker)}</p>')
    if rows:
        parts.append(f'<table class="cover-table">{rows}</table>')
    if c.grade:
        parts.append(f'<p class="cover-grade">{runs_html(c.grade)}</p>')
    for cls, text in (("cover-issuer", c.issuer), ("cover-date", c.date), ("cover-validity", c.validity)):
        if text:
            parts.append(f'<p class="{cls}">{esc(text)}</p>')
    parts.append("</section>")
    return "".join(parts)


def html(nodes: Iterable[Any]) -> str:
    """The HTML of ``nodes``; every text is escaped here and nowhere else."""
    out = []
    for n in nodes:
        if isinstance(n, Heading):
            tag = _TAGS[n.level]
            anchor = f' id="{esc(n.anchor)}"' if n.anchor else ""
            out.append(f"<{tag}{anchor}>{esc(n.text)}</{tag}>")
        elif isinstance(n, Para):
            cls = "" if n.kind == "body" else f' class="{n.kind}"'
            out.append(f"<p{cls}>{runs_html(n.runs)}</p>")
        elif isinstance(n, Table):
            out.append(_table_html(n))
        elif isinstance(n, Figure):
            out.append(f'<figure class="chart">{n.svg}<figcaption>{esc(n.caption)}</figcaption></figure>')
        elif isinstance(n, Items):
            tag = "ol" if n.ordered else "ul"
            start = f' start="{n.start}"' if n.ordered and n.start != 1 else ""
            items = "".join(f"<li>{html(item)}</li>" for item in n.items)
            out.append(f"<{tag}{start}>{items}</{tag}>")
        elif isinstance(n, Group):
            out.append(f'<div class="{esc(n.cls)}">{html(n.nodes)}</div>')
        elif isinstance(n, Cover):
            out.append(_cover_html(n))
        elif isinstance(n, Contents):
            items = "".join(f'<li class="toc-{level}"><a href="#{esc(a)}">{esc(t)}</a></li>' for a, t, level in n.entries)
            out.append(f'<nav class="toc"><h2 class="toc-title">{esc(n.title)}</h2><ol>{items}</ol></nav>')
        elif isinstance(n, PageBreak):
            out.append('<div class="page-break"></div>')
        elif isinstance(n, Style):             # nothing in a style sheet may close the element
            out.append("<style>" + re.sub(r"<\s*/", r"<\\/", n.css) + "</style>")
        else:  # pragma: no cover - a node type without a rendering is a programming error
            raise TypeError(f"no HTML for {type(n).__name__}")
    return "".join(out)
