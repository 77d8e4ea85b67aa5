"""One function per part of the report: (case, scorecard) → document nodes (:mod:`evalkit.report.document`).

The parts and their default headings follow the Ministry of Finance reference outline (domain standard
§9.1); :meth:`evalkit.report.Report.document` puts them in the house style's order and numbers the
headings (一、（一）1.). A heading a part makes carries the number ``AUTO``; a part with nothing to say
returns no nodes and is left out, so the report lists only the methods the case applied.
The sentence about one method result comes from :mod:`evalkit.report.sentences`; every other sentence is
written here, from numbers, and none reads a method's text back. Numbers are written by
:mod:`evalkit.report.tables`, the one place for decimals, percentages and targets.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from .. import charts
from .._fmt import value
from .._text import drop
from ..case import Case
from ..schemes import PARAMS, SCHEMES, Scheme
from ..scoring import Scorecard
from . import analyses, sentences
from .document import Cell, Cover, Figure, Group, Heading, Items, Para, Run, Table, cells, html, table
from .house import HouseStyle
from .tables import amount, join_reason, num, pct, pts, rate, target, wan

#: the number of a heading that :meth:`Report.document` numbers by the outline
AUTO = "#"
_ORDINALS = "一二三四五六七八九十"

#: the only URL schemes a narrative link may use; besides, a link to a place in the report (``#ch5``) is kept
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")

#: the documents a key evaluation rests on when the case lists none (evaluation.basis)
DEFAULT_BASIS = (
    "《中华人民共和国预算法》",
    "《中共中央 国务院关于全面实施预算绩效管理的意见》（中发〔2018〕34号）",
    "《财政部关于印发〈项目支出绩效评价管理办法〉的通知》（财预〔2020〕10号）",
    "《财政部关于委托第三方机构参与预算绩效管理的指导意见》（财预〔2021〕6号）",
)

#: the methods the report can show, by the part of chapter 四 that applies them
METHODS = ("成本效益分析法", "最低成本法", "比较法", "因素分析法", "标杆管理法", "公众评判法")


def safe_link(url: str) -> bool:
    """Whether a narrative link may become a link: an absolute ``http://``, ``https://`` or ``mailto:``
    address, or ``#id``, a place in the report itself.

    Everything else stays text, since a browser or the printed PDF would resolve it against the report's
    own location and make it a ``file:`` link: ``javascript:``, ``vbscript:``, ``data:`` and ``file:`` in any
    spelling, and links without a scheme (``//host/share``, ``/etc/passwd``, ``\\\\host\\share``, ``./x``,
    ``附件.pdf``). ``url`` is markdown-it's normalised link (entities decoded, backslashes, control
    characters and spaces percent-encoded).
    """
    url = url.strip()
    if url.startswith("#"):
        return True
    m = _SCHEME.match(url.lower())
    if m is None or m.group(1) not in LINK_SCHEMES:
        return False
    return m.group(1) == "mailto" or url[m.end():].startswith("//")


@lru_cache(maxsize=1)
def _parser() -> Callable[[str], list]:
    """The one Markdown parser of case text: CommonMark and tables, raw HTML off, no images (an image
    would make the browser load a file or URL while printing; ``![说明](地址)`` shows as text), links
    limited to :data:`LINK_SCHEMES`."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").disable("image")
    md.validateLink = safe_link
    return md.parse


def _runs(inline: Any) -> tuple[Run, ...]:
    out: list[Run] = []
    bold = italic = 0
    href = ""
    for t in inline.children or ():
        if t.type == "strong_open":
            bold += 1
        elif t.type == "strong_close":
            bold -= 1
        elif t.type == "em_open":
            italic += 1
        elif t.type == "em_close":
            italic -= 1
        elif t.type == "link_open":
            href = str(t.attrs.get("href", ""))
        elif t.type == "link_close":
            href = ""
        elif t.type == "hardbreak":
            out.append(Run("\n", bold > 0, italic > 0, href))
        elif t.type == "softbreak":            # a line break inside a paragraph: nothing between Chinese characters
            last = out[-1].text[-1:] if out and out[-1].text else ""
            out.append(Run("" if not last or ord(last) >= 0x2E80 else " ", bold > 0, italic > 0, href))
        elif t.content:
            out.append(Run(t.content, bold > 0, italic > 0, href))
    merged: list[Run] = []
    for r in out:
        if merged and (merged[-1].bold, merged[-1].italic, merged[-1].href) == (r.bold, r.italic, r.href):
            merged[-1] = Run(merged[-1].text + r.text, r.bold, r.italic, r.href)
        elif r.text:
            merged.append(r)
    return tuple(merged)


def _blocks(tokens: list, i: int, stop: str | None) -> tuple[list, int]:
    """Nodes from markdown-it block tokens, from ``i`` up to the token of type ``stop``."""
    out: list = []
    while i < len(tokens) and tokens[i].type != stop:
        t = tokens[i]
        if t.type in ("paragraph_open", "heading_open"):
            runs = _runs(tokens[i + 1])
            if t.type == "heading_open":
                runs = tuple(Run(r.text, True, r.italic, r.href) for r in runs)
            out.append(Para(runs, "body" if t.type == "paragraph_open" or not runs else "plain"))
            i += 3
        elif t.type in ("bullet_list_open", "ordered_list_open"):
            close = t.type.replace("_open", "_close")
            items, i = [], i + 1
            while tokens[i].type != close:
                nodes, i = _blocks(tokens, i + 1, "list_item_close")
                items.append(tuple(nodes))
                i += 1
            start = int(t.attrs.get("start", 1) or 1)
            out.append(Items(tuple(items), ordered=t.type == "ordered_list_open", start=start))
            i += 1
        elif t.type == "blockquote_open":
            nodes, i = _blocks(tokens, i + 1, "blockquote_close")
            out += nodes
            i += 1
        elif t.type == "table_open":
            head, body, i = [], [], i + 1
            part = head
            while tokens[i].type != "table_close":
                if tokens[i].type == "tbody_open":
                    part = body
                elif tokens[i].type == "tr_open":
                    part.append([])
                elif tokens[i].type in ("th_open", "td_open"):
                    style = str(tokens[i].attrs.get("style", ""))
                    cell = "".join(r.text for r in _runs(tokens[i + 1]))      # a cell is plain text: no ** left
                    part[-1].append((cell, "right" if "right" in style else "center" if "center" in style else ""))
                i += 1
            header = tuple(tuple(_cell(*c) for c in row) for row in head)
            out.append(Table(header, tuple(tuple(_cell(*c) for c in row) for row in body)))
            i += 1
        elif t.type in ("fence", "code_block"):
            out += [Para.of(line) for line in re.split(r"\r?\n", t.content) if line.strip()]
            i += 1
        else:                              # hr, an html_block (never: raw HTML is off)
            i += 1
    return out, i


def _cell(text: str, align: str) -> Cell:
    return Cell(text, align=align)


def narrative(text: str) -> list:
    """Evaluator Markdown → nodes: paragraphs with bold and italic runs, lists, tables; raw HTML is text,
    images are not loaded and unsafe links are not made links."""
    text = drop(text)
    if not text.strip():
        return []
    nodes, _ = _blocks(_parser()(text), 0, None)
    return [Group(tuple(nodes), "narrative")]


def markdown(text: str) -> str:
    """The HTML of evaluator Markdown (:func:`narrative` rendered)."""
    return html(narrative(text))


def chapter(title: str, anchor: str) -> Heading:
    return Heading(1, AUTO, title, anchor)


def sub(title: str) -> Heading:
    return Heading(2, AUTO, title)


def item(title: str, numbered: bool = True) -> Heading:
    return Heading(3, AUTO if numbered else "", title)


def p(text: str) -> Para:
    """A paragraph of generated text."""
    return Para.of(text)


def absent(what: str) -> Para:
    """The one sentence a part says when what it reports on is missing."""
    return Para.of(what, "absent")


def narrative_or(case: Case, key: str, missing: str) -> list:
    text = case.narrative.get(key, "")
    return narrative(text) if text.strip() else [absent(missing)]


_CN_DIGITS = "〇一二三四五六七八九"


def cn_date(iso: Any, style: str = "arabic") -> str:
    """``2024-05-20`` → ``2024年5月20日``, or with ``style="chinese"`` ``二〇二四年五月二十日`` (a cover)."""
    if not iso:
        return ""
    d = iso if isinstance(iso, dt.date) else dt.date.fromisoformat(str(iso))
    if style != "chinese":
        return f"{d.year}年{d.month}月{d.day}日"

    def small(n: int) -> str:
        tens, ones = divmod(n, 10)
        return (("" if tens == 1 else _CN_DIGITS[tens]) + "十" if tens else "") + (_CN_DIGITS[ones] if ones else "")

    return "".join(_CN_DIGITS[int(c)] for c in str(d.year)) + f"年{small(d.month)}月{small(d.day)}日"


def execution_rate(case: Case) -> float | None:
    """执行数 ÷ the scheme's base (到位数 for key evaluations)."""
    base = case.funding[case.scheme.budget_execution_base]
    return case.funding["spent"] / base if base else None


def _figure(fig: Any, caption: str) -> Figure:
    png = charts.to_png(fig)
    width = min(6.0, float(fig.get_size_inches()[0]))
    return Figure(charts.to_svg(fig), png, caption, width)


def _none(x: object) -> bool:
    return x is None or (isinstance(x, float) and x != x)


# ----------------------------------------------------------------------------------------------
# Front matter


#: where a cover title may break: before these endings, after these words
_TITLE_ENDINGS = ("项目绩效评价报告", "绩效评价报告", "评价报告", "报告")
_BREAK_AFTER = re.compile(r"(?<=[省市县区镇乡])|(?<=年度)|(?<=\d{4}年)|(?<=[、—])")


def _width(text: str) -> float:
    """The width of text in Chinese characters: a digit or Latin letter is half of one."""
    return sum(0.5 if ord(c) < 0x2E80 else 1 for c in text)


def title_lines(title: str, width: int = 20) -> tuple[str, ...]:
    """The cover title in lines that break only between words.

    A title the evaluator split (a line break in it) is kept as split. Otherwise a title longer than
    ``width`` characters breaks before its ending (…绩效评价报告) and, while a line is still too long,
    after a place or a year (县, 市, 2023年): never inside a word.

    >>> title_lines("青山县2023年农村饮水安全巩固提升工程项目绩效评价报告")
    ('青山县2023年农村饮水安全巩固提升工程', '项目绩效评价报告')
    """
    title = title.strip()
    if "\n" in title:
        return tuple(line.strip() for line in re.split(r"\r?\n", title) if line.strip())
    if _width(title) <= width:
        return (title,)
    head, tail = title, ""
    for ending in _TITLE_ENDINGS:
        if title.endswith(ending) and len(title) > len(ending):
            head, tail = title[: -len(ending)], ending
            break
    lines = []
    while _width(head) > width:
        cuts = [m.start() for m in _BREAK_AFTER.finditer(head) if 0 < m.start() and _width(head[:m.start()]) <= width]
        if not cuts:
            break
        lines.append(head[: cuts[-1]])
        head = head[cuts[-1]:]
    lines.append(head)
    if tail:
        if _width(lines[-1] + tail) <= width:
            lines[-1] += tail
        else:
            lines.append(tail)
    return tuple(lines)


def fields(case: Case, house: HouseStyle) -> dict[str, str]:
    """The values the cover, the 声明 and the signature page may name, by their Chinese labels."""
    pr, ev = case.project, case.evaluation
    return {"项目名称": pr.get("name", ""), "项目单位": pr.get("implementer", ""), "实施单位": pr.get("implementer", ""),
            "主管部门": pr.get("department", ""), "委托单位": pr.get("commissioner", "") or "委托方",
            "评价类型": ev.get("kind", "") or "绩效评价", "评价机构": ev.get("evaluator", ""),
            "报告日期": cn_date(ev.get("date"), house["cover"]["date_style"]), "文号": ev.get("number", "") or "",
            "报告标题": case.title}


def cover(case: Case, card: Scorecard, *, house: HouseStyle, draft: str = "") -> list:
    c = house["cover"]
    values = fields(case, house)
    given = {"委托单位": case.project.get("commissioner", "")}        # a cover names no placeholder
    rows = tuple((label, given.get(label, values[label])) for label in c["fields"]
                 if given.get(label, values.get(label)) and label != "报告日期")
    grade = ((Run("综合得分 "), Run(pts(card.total), bold=True), Run(" 分　评价等级 "), Run(card.grade, bold=True))
             if c.get("show_grade") else ())
    kicker = c.get("kicker") or ""
    if kicker and kicker in case.title:            # "…项目绩效评价报告" needs no second "绩效评价报告"
        kicker = ""
    return [Cover(title_lines(case.title), kicker=kicker, number=values["文号"], fields=rows,
                  grade=grade, issuer=values["评价机构"], date=values["报告日期"] if "报告日期" in c["fields"] else "",
                  validity=c.get("validity") or "", draft=draft, logo=house.logo)]


def _fill(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([^{}]+)\}", lambda m: values.get(m.group(1), m.group(0)), str(text))


def statement(case: Case, card: Scorecard, *, house: HouseStyle) -> list:
    """声明: the case's own (narrative ``statement``) or the house style's, with the case's names filled in."""
    s = house["statement"]
    if not s:
        return []
    own = case.narrative.get("statement", "")
    values = fields(case, house)
    body = narrative(own) if own.strip() else [p(_fill(x, values)) for x in s["paragraphs"]]
    return [Heading(1, "", s["title"], "statement"), *body]


def signature(case: Case, card: Scorecard, *, house: HouseStyle) -> list:
    """The signature-and-seal page: the firm's seal, the people who sign, the date."""
    s = house["signature"]
    if not s:
        return []
    values = fields(case, house)
    roles = s["roles"]
    rows = [[f"{role}（签字）：", ""] for role in roles]
    return [Heading(1, "", s["title"], "signature"),
            Table((cells(["签章事项", "签字或盖章"]),), tuple(cells(r) for r in rows), cls="signature", widths=(1, 2)),
            Para.of(f"{s['seal']}：{values['评价机构']}", "right"),
            Para.of(cn_date(case.evaluation.get("date"), house["cover"]["date_style"]) or "　　年　　月　　日", "right")]


# ----------------------------------------------------------------------------------------------
# 摘要 and chapters 一 to 三


def abstract(case: Case, card: Scorecard) -> list:
    pr, ev, f = case.project, case.evaluation, case.funding
    who = f"受{pr['commissioner']}委托，" if pr.get("commissioner") else ""
    kind = ev.get("kind") or "绩效评价"
    first = (f"{who}{ev['evaluator']}对{pr.get('department', '')}{pr['name']}开展了{kind}。"
             f"项目预算 {wan(f['planned'])} 万元，到位 {wan(f['allocated'])} 万元，执行 {wan(f['spent'])} 万元，"
             f"预算执行率 {pct(execution_rate(case))}。")
    parts = "，".join(f"{r.level1}指标得分 {pts(r.score)} 分（满分 {pts(r.weight)} 分，得分率 {pct(r.rate)}）"
                      for r in card.levels.itertuples())
    second = f"经评价，项目综合得分 {pts(card.total)} 分，评价等级为“{card.grade}”。其中{parts}。"
    lost = card.indicators[card.indicators["score"] < card.indicators["weight"]]
    lost = lost.assign(gap=lost["weight"] - lost["score"]).sort_values("gap", ascending=False, kind="stable")
    if len(lost):
        worst = "、".join(f"{r.name}（失 {pts(r.gap)} 分）" for r in lost.head(3).itertuples())
        third = f"失分主要集中在{worst}等指标，具体问题及建议见报告正文。"
    else:
        third = "各项指标均得满分。"
    return [chapter("摘要", "abstract"), p(first), p(second), p(third)]


def basic_info(case: Case, card: Scorecard) -> list:
    return [chapter("基本情况", "ch1"), sub("项目概况"),
            *narrative_or(case, "overview", "项目概况从略。"),
            item("项目资金投入和使用情况", numbered=False), *_budget(case),
            sub("项目绩效目标"), *narrative_or(case, "goals", "项目绩效目标见下表。"),
            item("绩效目标完成情况", numbered=False), *_targets(card)]


def _budget(case: Case) -> list:
    f = case.funding
    budget = case.table("budget")
    rows, items = [], []
    if budget is not None and len(budget):
        for r in budget.itertuples():
            rows.append([r.item, wan(r.planned), wan(r.allocated), wan(r.spent),
                         pct(r.spent / r.allocated if r.allocated else None)])
            items.append((r.item, r.planned, r.allocated, r.spent))
    else:
        items.append(("合计", f["planned"], f["allocated"], f["spent"]))
    total_rate = f["spent"] / f["allocated"] if f["allocated"] else None
    foot = ["合计", wan(f["planned"]), wan(f["allocated"]), wan(f["spent"]), pct(total_rate)]
    tbl = table(["资金来源", "预算数（万元）", "到位数（万元）", "执行数（万元）", "执行率"], rows,
                numeric=[1, 2, 3, 4], caption="项目预算与执行情况", foot=foot, cls="budget", widths=(3, 2, 2, 2, 1.5))
    arrival = f["allocated"] / f["planned"] if f["planned"] else None
    text = p(f"项目预算 {wan(f['planned'])} 万元，实际到位 {wan(f['allocated'])} 万元，资金到位率 {pct(arrival)}；"
             f"实际执行 {wan(f['spent'])} 万元，占到位资金的 {pct(total_rate)}。")
    fig = charts.budget_execution([i[0] for i in items], [i[1] for i in items], [i[2] for i in items],
                                  [i[3] for i in items])
    return [text, tbl, _figure(fig, "图 预算执行情况")]


def _targets(card: Scorecard) -> list:
    ind = card.indicators
    quant = ind[ind["type"].isin(["定量", "满意度"])]
    if quant.empty:
        return [absent("本项目绩效指标均为定性指标，完成情况见第四部分逐项分析。")]
    rows = []
    for r in quant.itertuples():
        done = "完成" if r.score >= r.weight else "未完成"
        rows.append([r.code, r.name, target(r.direction, r.target, r.unit), amount(r.actual, r.unit), done])
    return [table(["编码", "绩效指标", "年度指标值", "实际完成值", "完成情况"], rows,
                  caption="绩效目标与实际完成情况", cls="targets", widths=(1, 4, 2, 2, 1.3))]


def applied_methods(case: Case, card: Scorecard) -> list[str]:
    """The methods this report applies, in the order of the rules: those the case names and those the
    case's evidence makes the report apply (a survey: 公众评判法)."""
    named = list(case.evaluation.get("methods") or [])
    found = []
    if analyses.cost_benefit(case) is not None:
        found.append("成本效益分析法")
    if analyses.least_cost(case) is not None:
        found.append("最低成本法")
    c = analyses.comparisons(case, card)
    if c.plan is not None or c.trends or c.peers:
        found.append("比较法")
    drivers = case.table("drivers")
    if drivers is not None and len(drivers):
        found.append("因素分析法")
    if analyses.benchmarks(case) is not None:
        found.append("标杆管理法")
    if analyses.survey(case, card) is not None or _stated_survey(case, card):
        found.append("公众评判法")
    out = [m for m in METHODS if m in found or m in named]
    return out + [m for m in named if m not in out]


def evaluation_work(case: Case, card: Scorecard) -> list:
    pr, ev = case.project, case.evaluation
    year = f"{pr['year']}年度" if pr.get("year") else ""
    purpose = (f"本次评价的对象为{pr['name']}，范围为该项目{year}安排的全部资金"
               f"（预算 {wan(case.funding['planned'])} 万元）及其产出和效益。评价旨在了解项目决策、管理和资金使用情况，"
               "客观评判项目绩效目标实现程度，总结经验、发现问题并提出改进建议，为预算安排和管理提供参考。")
    basis = list(ev.get("basis") or []) or [*DEFAULT_BASIS, *_own_documents(case)]
    levels = card.levels
    counts = "、".join(f"{r.level1}（{pts(r.weight)} 分，{r.count} 项）" for r in levels.itertuples())
    system = (f"评价指标体系依据《项目支出绩效评价管理办法》（财预〔2020〕10号）设置，共设一级指标 {len(levels)} 个、"
              f"二级指标 {len(card.sublevels)} 个、三级指标 {len(card.indicators)} 个，分别为{counts}，满分 "
              f"{num(card.scheme.total)} 分，各指标的评分标准详见附件评分表。")
    methods = "、".join(applied_methods(case, card))
    standards = "、".join(ev.get("standards") or []) or "计划标准"
    out = [chapter("绩效评价工作开展情况", "ch2"), sub("评价目的、对象和范围"), p(purpose),
           item("评价依据", numbered=False), Items(tuple((p(b.rstrip("；;。") + "；"),) for b in basis[:-1])
                                                  + ((p(basis[-1].rstrip("；;。") + "。"),),), ordered=True),
           sub("评价原则、评价指标体系、评价方法、评价标准"),
           p("评价遵循科学公正、统筹兼顾、激励约束、公开透明的原则。"), p(system),
           *weights_derivation(case, card),
           p(f"评价方法：以指标评分为主，{'结合' + methods + '进行分析' if methods else '结合现场核查情况进行分析'}。"
             f"评价标准：{standards}。"),
           sub("绩效评价工作过程"), *narrative_or(case, "process", "评价组按照评价工作方案开展了前期准备、组织实施和分析评价工作。")]
    if ev.get("team"):
        out.append(p(f"评价工作组成员：{'、'.join(ev['team'])}。"))
    out += [sub("评价的局限性"), *_limitations(case, card)]
    return out


def _own_documents(case: Case) -> list[str]:
    region = case.project.get("region") or ""
    return [f"{region}预算绩效管理的有关规定，项目立项、预算批复、资金拨付和实施管理的有关文件及资料"]


def _limitations(case: Case, card: Scorecard) -> list:
    """局限性: the case's own text, or what the evidence given limits, said in the evaluator's words."""
    own = case.narrative.get("limitations", "")
    if own.strip():
        return narrative(own)
    said = ["本次评价以被评价单位提供的资料和评价组现场核查取得的证据为基础，资料的真实性、完整性由提供单位负责。"]
    if analyses.survey(case, card) is None:
        if _stated_survey(case, card):
            said.append("满意度依据问卷调查的汇总结果计算，本报告未对逐份答卷开展信度和分组分析。")
        elif not (card.indicators["type"] == "满意度").any():
            said.append("本次评价未开展满意度问卷调查，社会公众评价以座谈访谈反映的情况为主。")
    c = analyses.comparisons(case, card)
    if not c.trends and not c.peers:
        said.append("由于缺少历史数据和同类项目数据，评价以计划标准为主，未作横向和纵向比较。")
    if analyses.cost_benefit(case) is None:
        said.append("项目效益以绩效指标完成情况反映，未对社会效益进行货币化计量。")
    said.append("评价结论仅反映评价期间项目的绩效情况。")
    return [p("".join(said))]


def conclusion(case: Case, card: Scorecard) -> list:
    rows = [[r.level1, pts(r.weight), pts(r.score), pct(r.rate)] for r in card.levels.itertuples()]
    foot = ["合计", pts(sum(card.levels["weight"])), pts(card.total), pct(card.total / card.scheme.total)]
    tbl = table(["一级指标", "分值", "得分", "得分率"], rows, numeric=[1, 2, 3], caption="综合评分结果", foot=foot)
    lines = [p(f"经综合评价，{case.project['name']}综合得分 {pts(card.total)} 分，评价等级为“{card.grade}”。"
               f"等级划分为{grade_bands(card.scheme)}。")]
    best = card.levels.sort_values("rate", ascending=False, kind="stable").iloc[0]
    worst = card.levels.sort_values("rate", kind="stable").iloc[0]
    if best["rate"] != worst["rate"]:
        lines.append(p(f"从各一级指标看，{best['level1']}指标得分率最高（{pct(best['rate'])}），"
                       f"{worst['level1']}指标得分率最低（{pct(worst['rate'])}）。"))
    fig = charts.level_rates(list(card.levels["level1"]), list(card.levels["rate"]), bands=card.scheme.qualitative_bands)
    return [chapter("综合评价情况及评价结论", "ch3"), *lines, tbl, _figure(fig, "图 各一级指标得分率")]


def grade_bands(scheme: Scheme) -> str:
    """``优（90 分及以上）、良（80 分及以上、90 分以下）、中（…）、差（60 分以下）``."""
    g = scheme.grades
    out = []
    for i, (label, lower) in enumerate(g):
        if i == 0:
            out.append(f"{label}（{num(lower)} 分及以上）")
        elif i == len(g) - 1:
            out.append(f"{label}（{num(g[i - 1][1])} 分以下）")
        else:
            out.append(f"{label}（{num(lower)} 分及以上、{num(g[i - 1][1])} 分以下）")
    return "、".join(out)


# ----------------------------------------------------------------------------------------------
# 第四章: indicators, then the methods the case applied


def rule_sentence(r: Any, scheme: Scheme) -> str:
    """How the indicator was scored, as a scoring rule (评分标准) in words."""
    if getattr(r, "criterion", "") and str(r.criterion).strip():
        return str(r.criterion).strip().rstrip("。")
    rule = r.rule
    if rule == "positive":
        return "实际完成值达到指标值的得满分，未达到的按实际完成值占指标值的比例计分"
    if rule == "reverse-linear":
        return "实际完成值不高于指标值的得满分；高于指标值的，按超出比例扣减，超出一倍及以上不得分"
    if rule == "reverse-ratio":
        return "实际完成值不高于指标值的得满分；高于指标值的，按指标值占实际完成值的比例计分"
    if rule == "zero-target":
        return "未发生的得满分，发生的不得分"
    if rule == "qualitative":
        hi, lo = scheme.qualitative_bands
        return (f"达成年度指标的，得该指标分值的 {hi:.0%}～100%；部分达成并具有一定效果的，得 {lo:.0%}～{hi:.0%}；"
                f"未达成且效果较差的，得 0～{lo:.0%}；由评价组在所属档次内评定")
    if rule == "deduction":
        return "发现一项问题扣减相应分值，扣完为止"
    if rule == "survey-threshold":
        return "满意度达到目标值的得满分，未达到的不得分"
    return "满意度达到目标值的得满分，未达到的按实际满意度占目标值的比例计分"


def indicator_analysis(case: Case, card: Scorecard) -> list:
    out: list = [chapter("绩效评价指标分析", "ch4")]
    ded = card.deductions
    for lvl in card.levels.itertuples():
        out.append(sub(f"{lvl.level1}指标分析"))
        out.append(p(f"{lvl.level1}类指标分值 {pts(lvl.weight)} 分，得分 {pts(lvl.score)} 分，得分率 {pct(lvl.rate)}。"))
        rows = card.indicators[card.indicators["level1"] == lvl.level1]
        for r in rows.itertuples():
            paras = [p(x) for x in _indicator_paragraphs(r, ded, card.scheme)]
            out.append(Group((item(f"{r.level2}——{r.name}（{r.code}）"), *paras), "indicator"))
    for part in (cost_benefit, least_cost, comparison, benchmarking):
        out += part(case, card)
    return out


def deduction_text(mine: Any) -> str:
    """The deductions of one indicator in one sentence part: ``原因，扣 0.5 分（底稿 W-3）；…``."""
    return "；".join(f"{join_reason(x.reason)}，扣 {num(x.points)} 分" + (f"（底稿 {x.evidence}）" if x.evidence else "")
                    for x in mine.itertuples())


def _indicator_paragraphs(r: Any, ded: Any, scheme: Scheme) -> list[str]:
    """What the indicator checks, its points and how it was scored; then the basis; then remarks."""
    s = []
    desc = str(getattr(r, "description", "") or "").strip().rstrip("。")
    if desc:
        s.append(f"该指标主要考察{desc}。")
    s.append(f"分值 {pts(r.weight)} 分，得分 {pts(r.score)} 分，得分率 {pct(r.rate)}。")
    if r.type == "定量":
        s.append(f"指标值为{target(r.direction, r.target, r.unit)}，实际完成值为 {amount(r.actual, r.unit)}。"
                 f"评分标准：{rule_sentence(r, scheme)}。")
    elif r.type == "满意度":
        s.append(f"满意度指标值为{target(r.direction, r.target, r.unit)}，实际为 {amount(r.actual, r.unit)}。"
                 f"评分标准：{rule_sentence(r, scheme)}。")
    elif r.type == "定性":
        s.append(f"评价组评定为“{r.grade}”档。")
    else:
        mine = ded[ded["code"] == r.code] if len(ded) else ded
        if len(mine):
            s.append(f"按扣分制评分，发现问题 {len(mine)} 项：{deduction_text(mine)}。")
        else:
            s.append("按扣分制评分，未发现扣分事项。")
    paras = ["".join(s)]
    if str(r.basis or "").strip():
        paras.append(f"评分依据：{_sentence(r.basis)}")
    remarks = []
    if str(r.note or "").strip():
        remarks.append(_sentence(r.note))
    if str(getattr(r, "deviation", "") or "").strip():
        remarks.append(f"偏差原因：{_sentence(r.deviation)}")
    if remarks:
        paras.append("".join(remarks))
    return paras


def _sentence(text: Any) -> str:
    """Case text as a sentence: stripped, ending in one full stop."""
    t = str(text).strip().rstrip("。；;，,. ")
    return t + "。" if t and t[-1] not in "？！）”" else t


def lessons_and_problems(case: Case, card: Scorecard) -> list:
    out = [chapter("主要经验及做法、存在的问题及原因分析", "ch5"), sub("主要经验及做法"),
           *narrative_or(case, "experience", "主要经验及做法从略。"),
           sub("存在的问题"), *narrative_or(case, "problems", "存在的问题见下表。")]
    lost = card.indicators[card.indicators["score"] < card.indicators["weight"]]
    if len(lost):
        ded = card.deductions
        rows = []
        for r in lost.itertuples():
            why = str(r.deviation or "").strip() or (str(r.basis or "").strip() if r.type == "定性" else "")
            if r.type == "扣分" and len(ded):
                why = "；".join(join_reason(x) for x in ded.loc[ded["code"] == r.code, "reason"].astype(str)) or why
            rows.append([r.code, r.name, pts(r.weight), pts(r.score), pts(r.weight - r.score), why or "—"])
        out.append(table(["编码", "失分指标", "分值", "得分", "失分", "偏差原因 / 扣分原因"], rows,
                         numeric=[2, 3, 4], caption="失分指标一览", cls="lost", widths=(1.1, 3, 1.3, 1.3, 1.3, 6)))
    out += [sub("原因分析"), *narrative_or(case, "causes", "原因分析见各失分指标的偏差原因。")]
    out += _factor_register(case, card)
    out += _decompositions(case)
    return out


def _factor_register(case: Case, card: Scorecard) -> list:
    """因素分析法 proper: the internal and external factors, tied to the indicators that lost points."""
    drivers = case.table("drivers")
    reg = drivers[drivers["subject"] == ""] if drivers is not None else None
    if reg is None or reg.empty:
        return []
    ind = card.indicators.set_index("code")
    lost = set(ind.index[ind["score"] < ind["weight"]])
    rows, covered = [], set()
    for r in reg.itertuples():
        codes = [c for c in re.split(r"[、，,;；\s]+", r.indicators or "") if c]
        shown = []
        for c in codes:
            if c in ind.index:
                gap = ind.loc[c, "weight"] - ind.loc[c, "score"]
                shown.append(f"{c} {ind.loc[c, 'name']}" + (f"（失 {pts(gap)} 分）" if gap > 0 else ""))
                if r.effect == "制约":
                    covered.add(c)
        rows.append([r.factor, r.side or "—", r.effect or "—", "；".join(shown) or "—", r.evidence or "—"])
    n_in = int((reg["side"] == "内部").sum())
    n_out = int((reg["side"] == "外部").sum())
    hind = reg[reg["effect"] == "制约"]
    text = (f"评价组对照失分指标分析了影响绩效目标实现的内外部因素，共 {len(reg)} 项：内部因素 {n_in} 项、外部因素 {n_out} 项；"
            f"其中制约因素 {len(hind)} 项（内部 {int((hind['side'] == '内部').sum())} 项、外部 "
            f"{int((hind['side'] == '外部').sum())} 项），促进因素 {len(reg) - len(hind)} 项。")
    uncovered = sorted(lost - covered)
    if uncovered:
        text += "失分指标" + "、".join(f"{c} {ind.loc[c, 'name']}" for c in uncovered) + "尚未找到对应的制约因素。"
    elif lost:
        text += "每个失分指标都至少对应一项制约因素。"
    return [item("影响因素分析（因素分析法）", numbered=False), p(text),
            table(["因素", "内部/外部", "促进/制约", "影响的指标", "依据"], rows, caption="影响因素分析表",
                  cls="register", widths=(3, 1.2, 1.2, 3, 3))]


def _decompositions(case: Case) -> list:
    """The arithmetic decomposition of a change (连环替代法 and its order-free relatives)."""
    subjects = analyses.decompositions(case)
    if not subjects:
        return []
    out = [item("因素分解（连环替代法）", numbered=False),
           p("以下将指标的计划值与实际值之差分解到各构成因素。连环替代法的结果取决于替代顺序，故同时列示所有顺序下的影响范围，"
             "以及与顺序无关的 Shapley 分解（各顺序的平均）和对数平均迪氏指数法（LMDI-I）的结果；三者合计均等于总差额。")]
    for d in subjects:
        subject, chain = d.subject, d.chain
        shap = d.shapley.effects.set_index("factor")["effect"]
        lm = d.lmdi.effects.set_index("factor")["effect"]
        spread = chain.spread.set_index("factor")
        eff = chain.effects.set_index("factor")
        parts = "，".join(f"{f}{'+' if e >= 0 else ''}{value(e)}" for f, e in eff["effect"].items())
        out.append(p(f"{subject}由计划 {value(chain.base_value)} 变为实际 {value(chain.current_value)}，差额 "
                     f"{'+' if chain.total_change >= 0 else ''}{value(chain.total_change)}。按 {' → '.join(chain.order)} "
                     f"的顺序连环替代：{parts}。"))
        rows = [[f, value(eff.loc[f, "base"]), value(eff.loc[f, "current"]), value(eff.loc[f, "effect"]),
                 f"{value(spread.loc[f, 'min'])}～{value(spread.loc[f, 'max'])}", value(shap[f]), value(lm[f])]
                for f in chain.order]
        rows.append(["合计", value(chain.base_value), value(chain.current_value), value(chain.total_change), "—",
                     value(shap.sum()), value(lm.sum())])
        out.append(table(["因素", "计划值", "实际值", "连环替代", "各顺序范围", "Shapley", "LMDI-I"], rows,
                         numeric=[1, 2, 3, 5, 6], caption=f"{subject}：因素分解"))
        out.append(_figure(d.shapley.plot(), f"图 {subject}：各因素的影响（Shapley 分解）"))
    return out


def suggestions(case: Case, card: Scorecard) -> list:
    return [chapter("有关建议", "ch6"), *narrative_or(case, "suggestions", "针对上述问题，建议被评价单位逐项整改。")]


def scoring_rules(card: Scorecard) -> list[str]:
    """The rules in force as the evaluator states them: the grades, how each kind of indicator was
    scored, and, where the case changed a rule of the standard, that change as the evaluator's choice."""
    s = card.scheme
    standard = SCHEMES.get(s.name, s)
    kinds = set(card.indicators["rule"])
    out = [f"评价等级划分为{grade_bands(s)}。"]
    if kinds & {"positive", "reverse-linear", "reverse-ratio", "zero-target"}:
        out.append("定量指标以指标值为标准计分：" + "；".join(
            f"{label}，{rule_sentence(_Rule(rule), s)}" for rule, label in (
                ("positive", "越高越好的指标"), ("reverse-linear", "越低越好的指标"), ("reverse-ratio", "越低越好的指标"),
                ("zero-target", "指标值为零的指标")) if rule in kinds) + "。")
    if "qualitative" in kinds:
        out.append(f"定性指标分三档评分：{rule_sentence(_Rule('qualitative'), s)}。")
    if "deduction" in kinds:
        out.append("扣分类指标按扣分制评分：" + rule_sentence(_Rule("deduction"), s) + "。")
    if kinds & {"survey-proportional", "survey-threshold"}:
        rule = "survey-threshold" if s.survey_formula == "threshold" else "survey-proportional"
        out.append(f"满意度指标按调查结果计分：{rule_sentence(_Rule(rule), s)}。")
    out.append(f"预算执行率按执行数占{'到位数' if s.budget_execution_base == 'allocated' else '预算数'}的比例计算；"
               f"实际完成值超过指标值 {s.overachievement_ratio - 1:.0%} 以上的指标，评价组要求被评价单位说明原因。")
    changed = [k for k in s.overrides if getattr(s, k) != getattr(standard, k, None)]
    if changed:
        out.append("结合项目实际，评价组对以下评分规则作了调整：" + "；".join(
            f"{PARAMS[k].zh}按“{_rule_value(k, getattr(s, k))}”执行" for k in changed) + "。")
    return out


class _Rule:
    """An indicator row with only its rule, for :func:`rule_sentence`."""

    criterion = ""

    def __init__(self, rule: str):
        self.rule = rule


def _rule_value(key: str, v: Any) -> str:
    if key == "grades":
        return "；".join(f"{label} {num(lower)} 分及以上" for label, lower in v[:-1])
    if key == "qualitative_bands":
        return f"达成档不低于 {v[0]:.0%}、部分达成档不低于 {v[1]:.0%}"
    if key == "reverse_formula":
        return rule_sentence(_Rule("reverse-" + v), SCHEMES["mof-2020-key"])
    if key == "survey_formula":
        return rule_sentence(_Rule("survey-" + v), SCHEMES["mof-2020-key"])
    if key == "budget_execution_base":
        return "执行数占到位数的比例" if v == "allocated" else "执行数占预算数的比例"
    if key == "overachievement_ratio":
        return f"超过指标值 {v - 1:.0%} 以上需说明原因"
    if isinstance(v, tuple):
        return "、".join(num(x) for x in v)
    return num(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)


def other_matters(case: Case, card: Scorecard) -> list:
    out = [chapter("其他需要说明的问题", "ch7"), *narrative_or(case, "other", "无其他需要说明的问题。"),
           item("计算说明", numbered=False)]
    # an indicator's own note is said in its paragraph of 第四章; 计算说明 keeps the others (weights, shares)
    own = tuple(f"{r.code} {r.name}：" for r in card.indicators.itertuples())
    notes = [*scoring_rules(card), *(f"数据核对：{_sentence(w.message)}" for w in case.warnings),
             *(_sentence(n) for n in card.notes if not n.startswith(own))]
    out.append(Items(tuple((p(n),) for n in notes), ordered=True))
    return out


def technical_annex(case: Case, card: Scorecard, *, input_hash: str, version: str) -> list:
    """The reproducibility annex a firm may turn on (``technical_annex: true``): versions and fingerprints."""
    return [chapter("技术附注", "annex-tech"),
            p(f"本报告的评分和图表由评价软件 {version} 版根据评价数据计算生成，输入数据的 SHA-256 指纹为 {input_hash}。"
              "以相同的数据和软件版本重新计算，结果完全一致。")]


def annex_scores(case: Case, card: Scorecard) -> list:
    """附件: the score table with 一级/二级 cells merged, subtotal rows, 评分标准 and 扣分说明."""
    ind, ded = card.indicators, card.deductions
    header = (cells(["一级指标", "二级指标", "三级指标", "分值", "评分标准", "指标值", "实际完成值", "得分", "扣分说明"]),)
    body: list[tuple[Cell, ...]] = []
    subs = card.sublevels.set_index(["level1", "level2"]) if len(card.sublevels) else None
    for lvl in card.levels.itertuples():
        rows1 = ind[ind["level1"] == lvl.level1]
        n2 = rows1["level2"].nunique()
        span1 = len(rows1) + n2 + 1                 # its indicators, a subtotal per 二级, and its own subtotal
        first1 = True
        for level2, rows2 in rows1.groupby("level2", sort=False):
            first2 = True
            for r in rows2.itertuples():
                row: list[Cell] = []
                if first1:
                    row.append(Cell(lvl.level1, rowspan=span1, align="center"))
                    first1 = False
                if first2:
                    row.append(Cell(str(level2), rowspan=len(rows2) + 1, align="center"))
                    first2 = False
                row += [Cell(f"{r.name}（{r.code}）" if r.code else r.name), Cell(pts(r.weight), align="right"),
                        Cell(rule_sentence(r, card.scheme) + "。"),
                        Cell(target(r.direction, r.target, r.unit) if r.type in ("定量", "满意度") else "—"),
                        Cell(amount(r.actual, r.unit) if r.type in ("定量", "满意度") else (r.grade or "—")),
                        Cell(pts(r.score), align="right"), Cell(_loss_note(r, ded))]
                body.append(tuple(row))
            w2 = float(rows2["weight"].sum())
            s2 = float(rows2["score"].sum()) if subs is None else float(subs.loc[(lvl.level1, level2), "score"])
            body.append((Cell("小计", bold=True), Cell(pts(w2), align="right", bold=True), Cell(""), Cell(""), Cell(""),
                         Cell(pts(s2), align="right", bold=True), Cell("")))
        body.append((Cell(f"{lvl.level1}合计", colspan=2, bold=True), Cell(pts(lvl.weight), align="right", bold=True),
                     Cell(""), Cell(""), Cell(""), Cell(pts(lvl.score), align="right", bold=True),
                     Cell(f"得分率 {pct(lvl.rate)}")))
    foot = ((Cell("总计", colspan=3, bold=True), Cell(pts(float(ind["weight"].sum())), align="right", bold=True),
             Cell(""), Cell(""), Cell(""), Cell(pts(card.total), align="right", bold=True),
             Cell(f"评价等级：{card.grade}", bold=True)),)
    return [chapter("绩效评价指标评分表", "annex"),
            Table(header, tuple(body), foot, "绩效评价指标评分表", "scores", (1, 1.1, 2.4, 1.35, 3.4, 1.45, 1.35, 1.35, 3.4))]


def _loss_note(r: Any, ded: Any) -> str:
    """扣分说明 of one indicator: its deductions, or why its points fell short; empty at full marks."""
    if r.score >= r.weight:
        return ""
    if r.type == "扣分" and len(ded):
        mine = ded[ded["code"] == r.code]
        if len(mine):
            return deduction_text(mine) + "。"
    lost = f"失 {pts(r.weight - r.score)} 分"
    why = str(getattr(r, "deviation", "") or "").strip()
    if r.type == "定性":
        basis = str(r.basis or "").strip()
        return f"{lost}：{_sentence(basis)}" if basis else f"{lost}。"
    return f"{lost}：{_sentence(why)}" if why else f"{lost}，实际完成值未达到指标值。"


# ----------------------------------------------------------------------------------------------
# Methods inside 第四章


def _verdict_rows(res: Any) -> list[list[str]]:
    rows = []
    for r in res.verdicts.itertuples():
        missing = _none(r.value)               # a table of verdicts holds None as NaN
        if r.indicator.endswith("NPV"):
            shown = f"{wan(r.value)} 万元"
        elif r.indicator.endswith("IRR"):
            shown = "不存在或不唯一" if missing else pct(r.value)
        elif "回收期" in r.indicator:
            shown = "计算期内未回收" if missing else f"{r.value:.2f} 年"
        else:
            shown = "—" if missing else f"{r.value:.3f}"
        verdict = "—" if _none(r.passed) else ("满足" if r.passed else "不满足")
        rows.append([r.indicator, rate(r.discount_rate), shown, r.criterion, verdict])
    return rows


def _verdict_sentence(res: Any, label: str) -> str:
    main = res.verdicts[res.verdicts["discount_rate"] == res.main.discount_rate]
    failed = [r.indicator for r in main.itertuples() if not _none(r.passed) and not r.passed]
    unknown = [r.indicator for r in main.itertuples() if _none(r.passed)]
    text = f"{label}不可行：{'、'.join(failed)}未达到判据。" if failed else f"{label}可行：各项指标均达到判据。"
    if unknown:
        text += f"{'、'.join(unknown)}无法计算。"
    return text


def _payback(m: Any) -> str:
    """The static and dynamic payback periods of one analysis, as a sentence part."""
    static = f"{m.payback:.2f} 年" if m.payback is not None else "超出计算期"
    dyn = getattr(m, "discounted_payback", None)
    dynamic = f"{dyn:.2f} 年" if dyn is not None else "超出计算期"
    return f"静态投资回收期 {static}，动态投资回收期 {dynamic}"


def cost_benefit(case: Case, card: Scorecard) -> list:
    figs = analyses.cost_benefit(case)
    if figs is None:
        return []
    from ..costbenefit import CONVENTIONS

    out: list = [sub("成本效益分析（成本效益分析法）")]
    eco = figs.economic
    m = eco.main
    ebcr = f"{m.bcr:.3f}" if m.bcr is not None else "无法计算（费用现值为零）"
    eirr = pct(m.irr) if m.irr is not None else "不存在或不唯一"
    out.append(p(f"按《建设项目经济评价方法与参数》（第三版）的方法，以 {rate(m.discount_rate)} 的社会折现率进行经济分析，"
                 f"{CONVENTIONS[figs.convention]}。计算期 {m.base_year}—{m.base_year + len(m.flows) - 1} 年。"
                 f"项目经济净现值（ENPV）为 {wan(m.npv)} 万元，经济内部收益率（EIRR）为 {eirr}，"
                 f"经济效益费用比（EBCR）为 {ebcr}，按经济费用效益流量计算的{_payback(m)}。"))
    out.append(p(_verdict_sentence(eco, "按经济分析判据，项目")))
    for note in (*eco.notes, *m.notes[1:]):
        out.append(p(_sentence(note)))
    header = ["指标", "折现率", "数值", "判据", "结论"]
    out.append(table(header, _verdict_rows(eco), numeric=[2], caption="经济分析主要指标"))
    if figs.financial is not None:
        fin = figs.financial
        fm = fin.main
        out.append(p(f"以行业基准收益率 {rate(fm.discount_rate)} 进行财务分析：财务净现值（FNPV）为 {wan(fm.npv)} 万元，"
                     f"财务内部收益率（FIRR）为 {pct(fm.irr) if fm.irr is not None else '不存在或不唯一'}，"
                     f"{_payback(fm)}。" + _verdict_sentence(fin, "按财务分析判据，项目")))
        out.append(table(header, _verdict_rows(fin), numeric=[2], caption="财务分析主要指标"))
    items = [[r.item, r.kind, wan(r.total), wan(r.pv)] for r in m.items.itertuples()]
    out.append(table(["费用效益项目", "类别", "合计（万元）", "现值（万元）"], items, numeric=[2, 3],
                     caption=f"费用与效益构成（折现率 {rate(m.discount_rate)}）"))
    f = m.flows
    rows = [[int(r.year), wan(r.cost), wan(r.benefit), wan(r.net), f"{r.factor:.4f}", wan(r.pv_net),
             wan(r.cumulative_pv_net)] for r in f.itertuples()]
    out.append(table(["年份", "费用", "效益", "净效益", "折现系数", "净效益现值", "累计净效益现值"], rows,
                     numeric=[1, 2, 3, 4, 5, 6], caption="经济费用效益流量表（万元）", cls="flows"))
    s = figs.sensitivity
    lines = []
    for r in s.switching.itertuples():
        if _none(r.switching_value):
            word = "减少到零" if r.side == "效益" else "任意增加"
            lines.append(f"{r.variable}即使{word}也不会使经济净现值{'为负' if s.base_npv >= 0 else '转正'}")
        else:
            lines.append(f"{r.variable}{'上升' if r.switching_value > 0 else '下降'} {pct(abs(r.switching_value), 1)}")
    out.append(p("敏感性分析逐一改变各费用效益项目，结果见下图。使经济净现值降为零的临界变化幅度为：" + "；".join(lines) + "。"
                 "临界幅度越小，项目对该因素越敏感。"))
    out.append(table(["因素", "类别", "现值（万元）", "临界变化幅度"],
                     [[r.variable, r.side, wan(r.pv), "—" if _none(r.switching_value) else f"{r.switching_value:+.1%}"]
                      for r in s.switching.itertuples()], numeric=[2, 3], caption="敏感性分析临界值"))
    out.append(_figure(s.plot(), "图 敏感性分析（龙卷风图）"))
    if figs.risk is not None:
        r = figs.risk
        out.append(p(f"风险分析对下表所列因素按给定分布进行蒙特卡洛模拟 {r.draws:,} 次（随机数种子 {r.seed}）。经济净现值均值 "
                     f"{wan(r.mean)} 万元，标准差 {wan(r.sd)} 万元，90% 区间为 {wan(r.p5)}～{wan(r.p95)} 万元，"
                     f"经济净现值小于零的概率为 {pct(r.prob_negative, 1)}。"))
        out.append(table(["因素", "类别", "现值（万元）", "分布（基准值的乘数）"],
                         [[x.item, x.side, wan(x.pv), x.distribution] for x in r.inputs.itertuples()],
                         numeric=[2], caption="风险分析输入"))
        out.append(_figure(r.plot(), "图 经济净现值的模拟分布与累积概率"))
    return out


def least_cost(case: Case, card: Scorecard) -> list:
    res = analyses.least_cost(case)
    if res is None:
        return []
    t = res.table()
    unit = next((u for u in t.get("unit", []) if u), "单位效果")
    rows = [[r.name + ("（采用）" if getattr(r, "chosen", "") == "是" else ""), wan(r.cost), num(r.effect),
             f"{r.cost_per_effect:,.2f}", r.rank, pct(r.gap, 1), r.dominated or "—",
             "—" if _none(r.icer) else f"{r.icer:,.2f}"] for r in t.itertuples()]
    chosen = t[t.get("chosen", "") == "是"] if "chosen" in t else t.iloc[0:0]
    text = f"对 {len(t)} 个可比方案按单位效果成本（元/{unit}）比较，成本最低的方案为“{res.cheapest}”。"
    if len(chosen):
        c = chosen.iloc[0]
        if c["name"] == res.cheapest:
            text += f"项目实际采用的“{c['name']}”即为最低成本方案。"
        else:
            text += (f"项目实际采用的“{c['name']}”单位效果成本为 {c['cost_per_effect']:,.2f} 元，"
                     f"比最低成本方案高 {pct(c['gap'], 1)}" + (f"，且为{c['dominated']}方案。" if c["dominated"] else "。"))
    return [sub("最低成本分析（最低成本法）"), p(text), table(
        ["方案", "成本（万元）", f"效果（{unit}）", f"单位效果成本（元/{unit}）", "排序", "高于最低", "劣势", "增量成本效果比"],
        rows, numeric=[1, 2, 3, 4, 5, 7], caption="备选方案成本效果比较", cls="alternatives"),
        *(p(_sentence(n)) for n in res.notes)]


def comparison(case: Case, card: Scorecard) -> list:
    c = analyses.comparisons(case, card)
    if c.plan is None and not c.trends and not c.peers:
        return []
    out: list = [sub("比较分析（比较法）")]
    if c.plan is not None:
        out += [item("与计划标准比较"), p(sentences.plan(c.plan))]
        flagged = c.plan.table()[c.plan.table()["flag"] != ""]
        if len(flagged):
            rows = [[r.code, r.name, amount(r.target, r.unit), amount(r.actual, r.unit),
                     pct(r.completion, 2) if r.completion == r.completion else "—", r.flag] for r in flagged.itertuples()]
            out.append(table(["编码", "指标", "指标值", "实际完成值", "完成比例", "情况"], rows, numeric=[4],
                             caption="未完成及超额完成的指标"))
        shown = c.plan.table().dropna(subset=["completion"])
        if len(shown) <= charts.COMPLETION_BARS:
            out.append(_figure(c.plan.plot(), "图 绩效指标完成比例（实际完成值 / 指标值）"))
        else:                             # one bar per indicator would be unreadable: bands instead
            out.append(p(f"有完成比例的指标共 {len(shown)} 项，下图按完成比例区间汇总其分布，逐项数值见附件评分表。"))
            out.append(_figure(charts.completion_summary(list(shown["completion"]), list(shown["met"]),
                                                         overachievement_ratio=c.plan.overachievement_ratio),
                               "图 绩效指标完成比例分布（实际完成值 / 指标值）"))
    by_name = {t.measure: t for t in c.trends}
    if c.trends:
        out += [item("与历史标准比较"), p("".join(sentences.trend(t) for t in c.trends))]
        periods = sorted({pd_ for t in c.trends for pd_ in t.table()["period"]})
        rows = []
        for t in c.trends:
            vals = dict(zip(t.table()["period"], t.table()["value"]))
            rows.append([f"{t.measure}" + (f"（{t.unit}）" if t.unit else "")] + [value(vals.get(q)) for q in periods]
                        + [value(t.historical_standard)])
        out.append(table(["指标", *map(str, periods), "历史平均"], rows, numeric=list(range(1, len(periods) + 2)),
                         caption="历史数据比较"))
        for t in c.trends[:3]:
            out.append(_figure(t.plot(), f"图 {t.measure}变化趋势"))
    if c.peers:
        out.append(item("与同类单位比较"))
        when = sentences.period(c.peer_period) if c.peer_period else ""
        said = []
        for r in c.peers:
            t = by_name.get(r.measure)               # its history, when the peers' year is its current one
            s = sentences.peer(r, t if t is not None and t.current_period == c.peer_period else None,
                               role=c.roles.get(r.measure, ""))
            if s:
                said.append(s)
        out.append(p(f"{when}与同类单位比较：" + "".join(said)) if said else
                   absent("以下列示各同类单位的数值。"))
        rows = []
        for r in c.peers:
            me = r.self_row
            rows.append([r.measure + (f"（{r.unit}）" if r.unit else ""),
                         "—" if me is None else value(me["value"]),
                         "—" if me is None else f"{int(me['rank'])}/{len(r.table())}",
                         "—" if me is None else pct(me["percentile"], 0),
                         "—" if me is None else f"{me['z']:+.2f}", sentences.direction_words(r, c.roles.get(r.measure, ""))])
        out.append(table(["指标", "本项目", "排名", "百分位", "标准分", "排序方向"], rows, numeric=[1, 3, 4],
                         caption=f"{when}同类单位比较"))
        for r in c.peers[:3]:
            out.append(_figure(r.plot(), f"图 {r.measure}横向比较（红色为本项目）"))
    if c.did:
        out.append(item("政策效果（双重差分）"))
        peers = case.table("peers")
        units = {m: u for m, u in zip(peers["measure"], peers["measure_unit"]) if u}
        for d in c.did:
            out.append(p(sentences.did(d, units.get(d.outcome, ""))))
            m = d.means
            out.append(table(["组别", "政策前均值", "政策后均值", "变化"],
                             [[g, value(m.loc[g, "政策前"]), value(m.loc[g, "政策后"]), value(m.loc[g, "变化"])]
                              for g in m.index], numeric=[1, 2, 3], caption=f"{d.outcome}：双重差分均值表"))
            out += [p(_sentence(note)) for note in d.notes]
            fig = d.plot()
            if fig is not None:
                out.append(_figure(fig, f"图 {d.outcome}：处理组与对照组"))
    return out


def benchmarking(case: Case, card: Scorecard) -> list:
    """标杆管理法 — gaps to the best peers, DEA efficiency, an entropy-weighted TOPSIS ranking."""
    b = analyses.benchmarks(case)
    if b is None:
        return []
    out: list = [sub("标杆分析（标杆管理法）")]
    me = b.self_unit
    g = b.gaps.table()
    rows, gaps = [], []
    for measure, part in g.groupby("measure", sort=False):
        mine = part[part["unit"] == me]
        if mine.empty:
            continue
        r = mine.iloc[0]
        rows.append([measure, value(r["value"]), value(r["benchmark"]), pct(r["gap"], 1), f"{int(r['rank'])}/{len(part)}"])
        gaps.append((measure, float(r["gap"])))
    if rows:
        worst, gap = max(gaps, key=lambda x: x[1] if x[1] == x[1] else -1)
        out.append(p(f"以同类单位中的最优值为标杆，{me}与标杆差距最大的指标是{worst}（差距 {pct(gap, 1)}）。差距 =（标杆值 − 本项目值）÷ "
                     "标杆值，越低越好的指标（含投入指标）取相反方向。"))
        out.append(table(["指标", "本项目", "标杆值（最优）", "差距", "排名"], rows, numeric=[1, 2, 3],
                         caption=f"与标杆的差距（{me}）"))
    if b.dea is not None:
        d = b.dea
        eff = d.efficiency
        n_eff = int((eff >= 1 - 1e-9).sum())
        text = (f"以{'、'.join(b.inputs)}为投入、{'、'.join(b.outputs)}为产出，对 {len(eff)} 个单位做数据包络分析（DEA，"
                f"{'规模报酬不变 CCR' if d.returns == 'crs' else '规模报酬可变 BCC'}模型，投入导向）：{n_eff} 个单位相对有效。")
        if me in eff.index:
            e = float(eff[me])
            peers = "、".join(f"{u}（λ={value(lam)}）" for u, lam in d.peers.get(me, []))
            text += (f"{me}的综合效率为 {e:.3f}" + ("，处于效率前沿。" if e >= 1 - 1e-9 else
                     f"，在产出不变的情况下投入可按比例减少 {pct(1 - e, 1)}；其参照标杆为 {peers}。"))
            text += f"纯技术效率 {float(d.vrs_efficiency[me]):.3f}、规模效率 {float(d.scale_efficiency[me]):.3f}（{d.returns_to_scale[me]}）。"
        out.append(p(text))
        out.append(table(["单位", "综合效率", "纯技术效率", "规模效率", "规模报酬", "超效率"], dea_rows(d, b),
                         numeric=[1, 2, 3, 5], caption="DEA 效率"))
        out.append(_figure(d.plot(), "图 各单位 DEA 综合效率"))
    if b.topsis is not None:
        t = b.topsis.table()
        mine = t[t["unit"] == me]
        w = "、".join(f"{k} {v:.3f}" for k, v in b.entropy.weights.items())
        text = f"以熵值法确定各指标权重（{w}），用 TOPSIS 法计算各单位与理想解的贴近度，投入指标按越低越好计。"
        if len(mine):
            text += f"{me}的贴近度为 {float(mine['closeness'].iloc[0]):.3f}，在 {len(t)} 个单位中排第 {int(mine['rank'].iloc[0])} 位。"
        out.append(p(text))
        if b.dea is not None:
            out.append(p(dea_topsis_agreement(b.dea, t)))
        top = t.sort_values("rank").head(12)
        out.append(table(["单位", "正理想解距离", "负理想解距离", "贴近度", "排名"],
                         [[r.unit, f"{r.d_plus:.4f}", f"{r.d_minus:.4f}", f"{r.closeness:.4f}", int(r.rank)]
                          for r in top.itertuples()], numeric=[1, 2, 3, 4], caption="熵权 TOPSIS 综合排序"))
    return out


def dea_topsis_agreement(dea: Any, topsis: Any) -> str:
    """Whether DEA and TOPSIS rank the units alike, and, where they do not, why."""
    from scipy.stats import spearmanr

    eff = dea.efficiency
    t = topsis.set_index("unit")
    common = [u for u in t.index if u in eff.index]
    if len(common) < 3:
        return "DEA 与 TOPSIS 的共同单位少于 3 个，不比较两者的排序。"
    dea_rank = eff[common].rank(ascending=False, method="min")
    top_rank = t.loc[common, "closeness"].rank(ascending=False, method="min")
    rho = float(spearmanr(dea_rank, top_rank).statistic)
    why = ("DEA 衡量的是以投入换取产出的相对效率，TOPSIS 衡量的是各指标综合水平与理想解的接近程度，且熵值法给离散程度大的"
           "指标更高的权重，故两种方法回答的问题不同。")
    if rho >= 0.7:
        return f"两种方法的排序基本一致（斯皮尔曼等级相关系数 {rho:.2f}）。"
    diff = (dea_rank - top_rank).abs().sort_values(ascending=False, kind="stable")
    u = diff.index[0]
    return (f"两种方法的排序不尽一致（斯皮尔曼等级相关系数 {rho:.2f}），差异最大的是{u}（DEA 排第 {int(dea_rank[u])} 位、"
            f"TOPSIS 排第 {int(top_rank[u])} 位）。{why}评价以 DEA 结果判断投入产出效率，以 TOPSIS 结果反映综合水平。")


def dea_rows(d: Any, b: Any) -> list[list[str]]:
    rows = []
    for unit in d.efficiency.sort_values(ascending=False).index:
        sup = d.super_efficiency[unit] if d.super_efficiency is not None else float("nan")
        rows.append([str(unit) + ("（本项目）" if unit == b.self_unit else ""), f"{d.crs_efficiency[unit]:.3f}",
                     f"{d.vrs_efficiency[unit]:.3f}", f"{d.scale_efficiency[unit]:.3f}", d.returns_to_scale[unit],
                     "—" if sup != sup else f"{sup:.3f}"])
    return rows


def weights_derivation(case: Case, card: Scorecard) -> list:
    """How the weights were set: the table's, or the experts' AHP judgements with their consistency."""
    if card.weighting is None:
        return [p("各指标分值结合项目特点，经评价组研究并征求委托方意见后确定。")]
    out = [p(_sentence(card.weighting.notes[0]))]
    for parent, res in card.weighting.nodes:
        out.append(p(sentences.ahp(parent, res)))
        out.append(table(["指标", "权重"], [[k, f"{v:.4f}"] for k, v in res.weights.items()], numeric=[1],
                         caption=f"层次分析法权重：{parent}"))
    return out


# ----------------------------------------------------------------------------------------------
# 附件: the survey


def _stated_survey(case: Case, card: Scorecard) -> dict[str, Any]:
    """The survey as a case states it without its answers: the counts of questionnaires and the
    satisfaction indicators' actuals."""
    approached = analyses.parameter(case, "survey_approached")
    valid = analyses.parameter(case, "survey_valid")
    ind = card.indicators[card.indicators["type"] == "满意度"]
    if approached is None and valid is None:
        return {}
    return {"approached": approached, "valid": valid, "population": analyses.parameter(case, "survey_population"),
            "indicators": ind}


def survey_annex(case: Case, card: Scorecard) -> list:
    """附件: the questionnaire survey — sample, method, reliability, results by item and by group; or,
    when the case gives only the survey's totals, those totals and the satisfaction indicators."""
    s = analyses.survey(case, card)
    if s is None:
        stated = _stated_survey(case, card)
        return _stated_survey_annex(stated) if stated else []
    res, alpha, efa = s.result, s.alpha, s.efa
    o = res.overall
    out: list = [chapter("问卷调查分析", "annex2"), sub("调查概况")]
    sample = f"本次问卷调查回收有效问卷 {res.respondents} 份"
    if res.approached:
        sample += f"（发放 {res.approached} 份，有效回收率 {pct(res.response_rate, 2)}）"
    if res.population:
        sample += f"，调查总体 {res.population:,} 人，按 {res.confidence:.0%} 置信水平计抽样误差约 ±{o.margin * 100:.1f} 个百分点"
    labels = "、".join(f"{k}分={value(v)}" for k, v in res.level_scores.items())
    out.append(p(sample + f"。问卷共 {len(s.items)} 道 {res.scale} 级量表题，选择第 {'、'.join(map(str, res.satisfied))} 级视为"
                 f"“满意”；满意率 = 满意答案数 ÷ 有效答案数，并给出 Wilson 置信区间；满意度指数按等级分值（{labels}）平均。"))
    out.append(p(f"总体满意率 {pct(o.rate, 2)}（{res.confidence:.0%} 置信区间 {pct(o.ci_low, 2)}～{pct(o.ci_high, 2)}），"
                 f"满意度指数 {value(o.index)}。"))
    if alpha is not None:
        out.append(sub("信度分析"))
        level = "良好" if alpha.alpha >= 0.8 else "可以接受" if alpha.alpha >= 0.7 else "偏低"
        out.append(p(f"量表的 Cronbach's α 系数为 {alpha.alpha:.3f}（{alpha.confidence:.0%} 置信区间 {alpha.ci_low:.3f}～"
                     f"{alpha.ci_high:.3f}，Feldt 法，{alpha.n} 份完整答卷），内部一致性{level}。"))
        out.append(table(["题目", "校正题总相关", "删除该题后的 α"],
                         [[s.text.get(r.item, r.item), "—" if _none(r.item_total) else f"{r.item_total:.3f}",
                           "—" if _none(r.alpha_if_deleted) else f"{r.alpha_if_deleted:.3f}"]
                          for r in alpha.item_stats.itertuples()], numeric=[1, 2], caption="题项信度分析"))
        if efa is not None:
            out.append(p(f"结构效度：KMO = {efa.kmo:.3f}，Bartlett 球形检验 χ² = {efa.bartlett_chi2:.1f}（自由度 {efa.bartlett_dof}），"
                         f"p {'< 0.001' if efa.bartlett_p_value < 0.001 else '= ' + format(efa.bartlett_p_value, '.3f')}；平行分析提取 "
                         f"{efa.n_factors} 个公因子（探索性因子分析，主轴因子法）。"))
    out.append(sub("各题满意度"))
    rows = [[s.text.get(r.item, r.item), int(r.n), pct(r.rate, 2), f"{pct(r.ci_low, 2)}～{pct(r.ci_high, 2)}", value(r.index)]
            for r in res.items.itertuples()]
    rows.append(["总体", int(o.n), pct(o.rate, 2), f"{pct(o.ci_low, 2)}～{pct(o.ci_high, 2)}", value(o.index)])
    out.append(table(["题目", "有效答案", "满意率", "置信区间", "满意度指数"], rows, numeric=[1, 2, 4], caption="各题满意度",
                     widths=(5, 1.2, 1.2, 2.4, 1.3)))
    out.append(_figure(res.plot(labels=s.text), "图 各题答案分布"))
    if res.by_group is not None and not res.by_group.empty:
        out.append(sub("分组比较"))
        overall = res.by_group[res.by_group["item"] == "总体"]
        for group, part in overall.groupby("group", sort=False):
            part = part.sort_values("level", key=lambda x: x.astype(str), kind="stable")
            out.append(table([group, "有效答案", "满意率", "置信区间", "满意度指数"],
                             [[r.level, int(r.n), pct(r.rate, 2), f"{pct(r.ci_low, 2)}～{pct(r.ci_high, 2)}", value(r.index)]
                              for r in part.itertuples()], numeric=[1, 2, 4], caption=f"按{group}分组的总体满意度"))
        tests = res.group_tests[res.group_tests["item"] == "总体"]
        if len(tests):
            out.append(p("下列分组检验以受访者为单位（各题答案相互不独立，故不以答案计）：受访者各题平均分达到满意档即计为满意。"))
        for r in tests.itertuples():
            out.append(p(sentences.survey_group_test(res, r.group, r.item)))
    return out


def _stated_survey_annex(stated: dict[str, Any]) -> list:
    approached, valid = stated["approached"], stated["valid"]
    parts = []
    if approached:
        parts.append(f"发放问卷 {approached:,} 份")
    if valid:
        parts.append(f"回收有效问卷 {valid:,} 份")
    if approached and valid:
        parts.append(f"有效回收率 {pct(valid / approached, 2)}")
    text = "本次问卷调查" + "，".join(parts) + "。"
    if stated["population"]:
        text += f"调查总体 {stated['population']:,} 人。"
    out: list = [chapter("问卷调查分析", "annex2"), sub("调查概况"), p(text)]
    ind = stated["indicators"]
    if len(ind):
        out.append(sub("满意度结果"))
        out.append(p("满意度指标的调查结果如下，逐份答卷未纳入本报告，故不列示信度和分组分析。"))
        out.append(table(["指标", "指标值", "调查结果", "得分", "分值"],
                         [[f"{r.name}（{r.code}）", target(r.direction, r.target, r.unit), amount(r.actual, r.unit),
                           pts(r.score), pts(r.weight)] for r in ind.itertuples()],
                         numeric=[3, 4], caption="满意度调查结果"))
        for r in ind.itertuples():
            if str(r.basis or "").strip():
                out.append(p(f"{r.name}：{_sentence(r.basis)}"))
    return out


__all__ = ["AUTO", "DEFAULT_BASIS", "METHODS", "abstract", "annex_scores", "applied_methods", "basic_info",
           "benchmarking", "comparison", "conclusion", "cost_benefit", "cover", "evaluation_work", "indicator_analysis",
           "least_cost", "lessons_and_problems", "markdown", "narrative", "other_matters", "safe_link", "signature",
           "statement", "suggestions", "survey_annex", "technical_annex", "title_lines"]
