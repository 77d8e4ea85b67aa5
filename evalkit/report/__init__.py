"""What the report notebook displays: the 重点评价 report of a case, whole or part by part.

``Report`` binds a case to its scorecard and a house style; ``Report.document()`` is the whole report,
and one method per part shows that part. Each returns a :class:`Block` of document nodes that JupyterLab
and nbconvert show as HTML and that ``report.docx`` is rendered from. The notebook stays a few lines;
the logic is in :mod:`evalkit.report.sections`, tested without a kernel.
"""

from __future__ import annotations

from pathlib import Path

from .._result import one_line
from .._version import __version__
from ..case import Case, load_case
from ..schemes import Scheme
from ..scoring import Scorecard
from . import analyses, document, house, sections, sentences
from .house import HouseStyle, load_house
from .portfolio import Portfolio
from .results import results, save_results


class Block:
    """Document nodes shown as rich output: HTML for JupyterLab and nbconvert, and the nodes themselves as
    JSON (:data:`~evalkit.report.document.MIME`) for the Word report; ``section`` names the part that made them.

    >>> Block([document.Para.of("x")], "cover")
    Block(cover: 1 node)
    """

    def __init__(self, nodes: list | tuple = (), section: str = "", meta: dict | None = None):
        self.nodes = tuple(nodes)
        self.section = section
        self.meta = meta or {}

    @property
    def html(self) -> str:
        return document.html(self.nodes)

    @property
    def text(self) -> str:
        return document.text_of(self.nodes)

    def _repr_html_(self) -> str:
        return self.html

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict:
        return {"text/html": self.html, document.MIME: {"nodes": document.to_json(self.nodes), **self.meta}}

    def __repr__(self) -> str:
        n = len(self.nodes)
        return f"Block({self.section + ': ' if self.section else ''}{n} node{'' if n == 1 else 's'})"


class Report:
    """The 重点评价 report of one case, part by part, in the firm's house style.

    ``house`` is a :class:`~evalkit.report.house.HouseStyle`, a firm's folder, or None: the folder the
    case names as ``evaluation.template`` (relative to the case), else the bundled default. ``draft``
    marks every page 征求意见稿; None: as the case's ``evaluation.status`` says.

    >>> import evalkit as ek
    >>> rep = ek.Report.from_case(ek.example_case("demo-water"))
    >>> rep.card.grade in ("优", "良", "中", "差")
    True
    """

    def __init__(self, case: Case, *, scheme: str | Scheme | None = None, house: object = None,
                 draft: bool | None = None):
        self.case = analyses.checked(case)
        self.card: Scorecard = analyses.scorecard(self.case, scheme)
        if not isinstance(house, HouseStyle):
            house = load_house(_house_folder(self.case, house))
        self.house: HouseStyle = house
        if draft is None:
            draft = self.case.evaluation.get("status") == "征求意见稿"
        self.draft = bool(draft)
        self._parts: dict[str, list] | None = None

    def __repr__(self) -> str:
        return one_line("Report", {"case": self.case.id, "total": self.card.total, "grade": self.card.grade})

    @classmethod
    def from_case(cls, path: str | Path, **kwargs: object) -> Report:
        """The report of the case at ``path``; a relative path is read from the repository root, wherever
        the kernel runs (:func:`evalkit._paths.from_root`)."""
        from .. import _paths

        return cls(load_case(_paths.from_root(path, "案例路径")), **kwargs)

    # -- the document ---------------------------------------------------------------------------
    def _part(self, name: str) -> list:
        if name == "technical_annex":
            return sections.technical_annex(self.case, self.card, input_hash=self.case.content_hash(),
                                            version=__version__)
        return getattr(sections, name)(self.case, self.card)

    def parts(self) -> dict[str, list]:
        """part → its nodes, numbered, in outline order; a part with nothing to say is left out."""
        if self._parts is None:
            entries = [e for e in self.house.outline
                       if e.part != "technical_annex" or self.house["technical_annex"]]
            if self.house["technical_annex"] and not any(e.part == "technical_annex" for e in entries):
                entries.append(house.OutlineEntry("technical_annex", "技术附注", annex=True))
            out, chapter, annex = {}, 0, 0
            for e in entries:
                nodes = self._part(e.part)
                if not nodes:
                    continue
                if e.annex:
                    annex += 1
                    number = f"附件{annex}："
                elif e.numbered:
                    number = f"{_cn(chapter + 1)}、"
                    chapter += 1
                else:
                    number = ""
                out[e.part] = _numbered(nodes, number, e.title)
            self._parts = out
        return self._parts

    def document(self) -> Block:
        """The whole report: cover, 声明, contents, the parts in outline order, the signature page."""
        parts = self.parts()
        body = [n for nodes in parts.values() for n in nodes]
        heads = [h for h in document.headings(body) if h.level == 1 and h.anchor]
        contents = document.Contents(tuple((h.anchor, h.text, 1) for h in heads))
        front = [*self._style(), *sections.cover(self.case, self.card, house=self.house, draft=self.draft_mark),
                 *sections.statement(self.case, self.card, house=self.house), contents]
        first_annex = next((i for i, n in enumerate(body) if isinstance(n, document.Heading) and n.level == 1
                            and n.number.startswith("附件")), len(body))
        sign = sections.signature(self.case, self.card, house=self.house)
        ev = self.case.evaluation
        meta = {"house": self.house.data, "house_folder": str(self.house.folder or ""), "title": self.case.title,
                "author": ev.get("evaluator", ""), "date": str(ev.get("date") or ""), "draft": self.draft_mark}
        return Block([*front, *body[:first_annex], *sign, *body[first_annex:]], "document", meta)

    @property
    def draft_mark(self) -> str:
        """The mark a draft carries on its cover and every page (征求意见稿), or "" for the final report."""
        return self.house["draft_mark"] if self.draft else ""

    def _style(self) -> list:
        css = self.house.css()
        if self.draft:
            mark = self.house["draft_mark"]
            css += f' @page {{ @top-right {{ content: "{house.css_text(mark)}"; font-size: 10pt; color: #b00; }} }}'
        header = self.house["header"]
        if header:
            css += f' @page {{ @top-left {{ content: "{house.css_text(header)}"; font-size: 9pt; color: #666; }} }}'
        if header or self.draft:                   # the cover has no header: it carries its own mark
            css += " @page :first { @top-left { content: none; } @top-right { content: none; } }"
        return [document.Style(css)]

    def _show(self, part: str) -> Block:
        return Block(self.parts().get(part, []), part)

    def cover(self) -> Block:
        return Block(sections.cover(self.case, self.card, house=self.house, draft=self.draft_mark), "cover")

    def statement(self) -> Block:
        return Block(sections.statement(self.case, self.card, house=self.house), "statement")

    def signature(self) -> Block:
        return Block(sections.signature(self.case, self.card, house=self.house), "signature")

    def contents(self) -> Block:
        return Block([n for n in self.document().nodes if isinstance(n, document.Contents)], "contents")

    def abstract(self) -> Block:
        return self._show("abstract")

    def basic_info(self) -> Block:
        return self._show("basic_info")

    def evaluation_work(self) -> Block:
        return self._show("evaluation_work")

    def conclusion(self) -> Block:
        return self._show("conclusion")

    def indicator_analysis(self) -> Block:
        """第四章: each indicator, then the methods the case applied (成本效益分析法, 最低成本法, 比较法, 标杆管理法)."""
        return self._show("indicator_analysis")

    def _method(self, title: str, name: str) -> Block:
        """One method's section of 第四章, numbered as in the report; empty when the case does not apply it."""
        nodes = self.parts().get("indicator_analysis", [])
        start = next((i for i, n in enumerate(nodes) if isinstance(n, document.Heading) and n.level == 2
                      and n.title == title), None)
        if start is None:
            return Block((), name)
        end = next((i for i in range(start + 1, len(nodes)) if isinstance(nodes[i], document.Heading)
                    and nodes[i].level <= 2), len(nodes))
        return Block(nodes[start:end], name)

    def cost_benefit(self) -> Block:
        """第四章: 成本效益分析法 — economic and financial analysis, sensitivity, risk."""
        return self._method("成本效益分析（成本效益分析法）", "cost_benefit")

    def least_cost(self) -> Block:
        """第四章: 最低成本法 — the alternatives' cost per unit of effect."""
        return self._method("最低成本分析（最低成本法）", "least_cost")

    def comparison(self) -> Block:
        """第四章: 比较法 — plan, history, peers and a difference-in-differences estimate."""
        return self._method("比较分析（比较法）", "comparison")

    def benchmarking(self) -> Block:
        """第四章: 标杆管理法 — gaps to the best peers, DEA efficiency, entropy-weighted TOPSIS."""
        return self._method("标杆分析（标杆管理法）", "benchmarking")

    def lessons_and_problems(self) -> Block:
        return self._show("lessons_and_problems")

    def suggestions(self) -> Block:
        return self._show("suggestions")

    def other_matters(self) -> Block:
        return self._show("other_matters")

    def annex_scores(self) -> Block:
        return self._show("annex_scores")

    def survey_annex(self) -> Block:
        """附件: 问卷调查分析 — sample, reliability, satisfaction by item and by group (absent without a survey)."""
        return self._show("survey_annex")

    def results(self) -> dict:
        return results(self.case, self.card)

    def save(self, out_dir: str | Path | None = "") -> Block:
        """Write ``results.json`` to ``out_dir``; shows nothing in the report.

        Empty (the notebook's default), it is ``build/<案例编号>`` under the repository root, so a notebook
        run for another case never writes into the first one's folder; a relative path is read from the
        repository root (:func:`evalkit._paths.from_root`), an absolute one is taken as it is.
        """
        from .. import _paths

        out = _paths.BUILD / self.case.id if out_dir in ("", None) else _paths.from_root(out_dir, "输出目录")
        save_results(self.results(), out)
        return Block((), "save")


def _cn(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (outline numbers)."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else digits[tens]) + "十" if tens else "") + (digits[ones] if ones else "")


def _house_folder(case: Case, given: object) -> Path | None:
    """The firm folder of a report: the one given, else the case's ``evaluation.template`` (relative to the
    case's folder), else None (the bundled house style)."""
    if given not in (None, ""):
        from .. import _paths

        return _paths.from_root(given, "样式文件夹")
    named = case.evaluation.get("template") or ""
    if not named:
        return None
    base = case.path if case.path.is_dir() else case.path.parent
    return (base / named).resolve()


def _numbered(nodes: list, number: str, title: str) -> list:
    """The nodes of one part with its chapter heading numbered and titled by the outline, and its
    （一） and 1. headings numbered in order."""
    out, n2, n3 = [], 0, 0

    def fix(node: object) -> object:
        nonlocal n2, n3
        if isinstance(node, document.Group):
            return document.Group(tuple(fix(x) for x in node.nodes), node.cls)
        if not isinstance(node, document.Heading) or node.number != sections.AUTO:
            return node
        if node.level == 1:
            return document.Heading(1, number, title, node.anchor)
        if node.level == 2:
            n2, n3 = n2 + 1, 0
            return document.Heading(2, f"（{_cn(n2)}）", node.title, node.anchor)
        n3 += 1
        return document.Heading(node.level, f"{n3}.", node.title, node.anchor)

    for node in nodes:
        out.append(fix(node))
    return out


__all__ = ["Block", "HouseStyle", "Portfolio", "Report", "document", "load_house", "results", "save_results",
           "sections", "sentences"]
