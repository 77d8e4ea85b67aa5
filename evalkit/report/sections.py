"""One function per report section: (case, scorecard) → an HTML fragment.

The order and headings follow the Ministry of Finance reference outline (domain standard §9.1). The
sentence about one method result comes from :mod:`evalkit.report.sentences`; every other sentence is
written here, from numbers, and none reads a method's text back.
Every string that comes from a case passes through :func:`~evalkit.report.tables.esc` or, for the
narrative, through Markdown with raw HTML disabled, so case text is always shown as text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import lru_cache

from .. import charts
from .._fmt import value
from .._text import drop
from ..case import Case
from ..scoring import RULE_TEXT, Scorecard
from . import analyses, sentences
from .tables import esc, num, pct, pts, rate, table, wan

#: chapter anchors and headings, in report order
CHAPTERS: tuple[tuple[str, str], ...] = (
    ("abstract", "摘要"),
    ("ch1", "一、基本情况"),
    ("ch2", "二、绩效评价工作开展情况"),
    ("ch3", "三、综合评价情况及评价结论"),
    ("ch4", "四、绩效评价指标分析"),
    ("ch5", "五、主要经验及做法、存在的问题及原因分析"),
    ("ch6", "六、有关建议"),
    ("ch7", "七、其他需要说明的问题"),
    ("annex", "附件一：绩效评价指标评分表"),
    ("annex2", "附件二：问卷调查分析"),
)
_HEADINGS = dict(CHAPTERS)
_ORDINALS = "一二三四五六七八九十"
_COMPARATORS = {"正向": "≥", "反向": "≤", "等于": "="}


#: the only URL schemes a narrative link may use; besides, a link to a place in the report (``#ch5``) is kept
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


def safe_link(url: str) -> bool:
    """Whether a narrative link may become ``<a href>``: an absolute ``http://``, ``https://`` or
    ``mailto:`` address, or ``#id``, a place in the report itself.

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
def _markdown() -> Callable[[str], str]:
    """The one Markdown renderer of case text: CommonMark and tables, raw HTML off, no images (an image
    would make the browser load a file or URL while printing; ``![说明](地址)`` shows as a link), links
    limited to :data:`LINK_SCHEMES`."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").disable("image")
    md.validateLink = safe_link
    return md.render


def markdown(text: str) -> str:
    """Evaluator Markdown → HTML; raw HTML is shown as text, images are not loaded and unsafe links are
    not made links."""
    return f'<div class="narrative">{_markdown()(drop(text))}</div>' if text.strip() else ""


def heading(key: str) -> str:
    return f'<h2 id="{key}">{esc(_HEADINGS[key])}</h2>'


def sub(index: int, title: str) -> str:
    return f"<h3>（{_ORDINALS[index]}）{esc(title)}</h3>"


def p(text: str) -> str:
    """A paragraph of generated text (escaped)."""
    return f"<p>{esc(text)}</p>"


def absent(what: str) -> str:
    """The one sentence a section says when its evidence is missing."""
    return f'<p class="absent">{esc(what)}</p>'


def narrative_or(case: Case, key: str, missing: str) -> str:
    text = case.narrative.get(key, "")
    return markdown(text) if text.strip() else absent(missing)


def cn_date(iso: str | None) -> str:
    if not iso:
        return ""
    d = dt.date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def execution_rate(case: Case) -> float | None:
    """执行数 ÷ the scheme's base (到位数 for key evaluations)."""
    base = case.funding[case.scheme.budget_execution_base]
    return case.funding["spent"] / base if base else None


# ----------------------------------------------------------------------------------------------


def cover(case: Case, card: Scorecard) -> str:
    pr, ev = case.project, case.evaluation
    rows = [("项目名称", pr.get("name")), ("主管部门", pr.get("department")), ("实施单位", pr.get("implementer")),
            ("委托单位", pr.get("commissioner")), ("评价类型", ev.get("kind")), ("评价机构", ev.get("evaluator")),
            ("报告日期", cn_date(ev.get("date")))]
    items = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows if v)
    return (f'<section class="cover"><p class="cover-kicker">绩效评价报告</p>'
            f'<h1 class="cover-title">{esc(case.title)}</h1>'
            f'<table class="cover-table">{items}</table>'
            f'<p class="cover-grade">综合得分 <strong>{pts(card.total)}</strong> 分　评价等级 '
            f'<strong>{esc(card.grade)}</strong></p></section>')


def contents(case: Case, card: Scorecard) -> str:
    items = "".join(f'<li><a href="#{key}">{esc(title)}</a></li>' for key, title in CHAPTERS)
    return f'<nav class="toc"><h2 class="toc-title">目　录</h2><ol>{items}</ol></nav>'


def abstract(case: Case, card: Scorecard) -> str:
    pr, ev, f = case.project, case.evaluation, case.funding
    who = f"受{pr['commissioner']}委托，" if pr.get("commissioner") else ""
    rate = execution_rate(case)
    first = (f"{who}{ev['evaluator']}对{pr.get('department', '')}{pr['name']}开展了{ev['kind']}。"
             f"项目预算 {wan(f['planned'])} 万元，到位 {wan(f['allocated'])} 万元，执行 {wan(f['spent'])} 万元，"
             f"预算执行率 {pct(rate)}。")
    parts = "，".join(f"{r.level1}指标得分 {pts(r.score)} 分（满分 {pts(r.weight)} 分，得分率 {pct(r.rate)}）"
                      for r in card.levels.itertuples())
    second = f"经评价，项目综合得分 {pts(card.total)} 分，评价等级为“{card.grade}”。其中{parts}。"
    lost = card.indicators[card.indicators["score"] < card.indicators["weight"]]
    lost = lost.assign(gap=lost["weight"] - lost["score"]).sort_values("gap", ascending=False, kind="stable")
    if len(lost):
        worst = "、".join(f"{r.name}（失 {pts(r.gap)} 分）" for r in lost.head(3).itertuples())
        third = f"失分主要集中在{worst}等指标，具体问题及建议见第五、六部分。"
    else:
        third = "各项指标均得满分。"
    return heading("abstract") + p(first) + p(second) + p(third)


def basic_info(case: Case, card: Scorecard) -> str:
    out = [heading("ch1"), sub(0, "项目概况"),
           narrative_or(case, "overview", "案例未提供项目概况的文字说明。"),
           "<h4>项目资金投入和使用情况</h4>", _budget(case)]
    out += [sub(1, "项目绩效目标"), narrative_or(case, "goals", "案例未提供项目绩效目标的文字说明。"),
            "<h4>绩效目标完成情况</h4>", _targets(card)]
    return "".join(out)


def _budget(case: Case) -> str:
    f = case.funding
    budget = case.table("budget")
    rows, items = [], []
    if budget is not None and len(budget):
        for r in budget.itertuples():
            rate = r.spent / r.allocated if r.allocated else None
            rows.append([r.item, wan(r.planned), wan(r.allocated), wan(r.spent), pct(rate)])
            items.append((r.item, r.planned, r.allocated, r.spent))
        lead = ""
    else:
        lead = absent("案例未提供分资金来源的预算执行表，以下仅列示资金总额。")
        items.append(("合计", f["planned"], f["allocated"], f["spent"]))
    total_rate = f["spent"] / f["allocated"] if f["allocated"] else None
    foot = ["合计", wan(f["planned"]), wan(f["allocated"]), wan(f["spent"]), pct(total_rate)]
    tbl = table(["资金来源", "预算数（万元）", "到位数（万元）", "执行数（万元）", "执行率（执行数/到位数）"], rows,
                numeric=[1, 2, 3, 4], caption="项目预算与执行情况", foot=foot, cls="budget")
    arrival = f["allocated"] / f["planned"] if f["planned"] else None
    text = p(f"项目预算 {wan(f['planned'])} 万元，实际到位 {wan(f['allocated'])} 万元，资金到位率 {pct(arrival)}；"
             f"实际执行 {wan(f['spent'])} 万元，占到位资金的 {pct(total_rate)}。")
    chart = charts.to_svg(charts.budget_execution([i[0] for i in items], [i[1] for i in items],
                                                  [i[2] for i in items], [i[3] for i in items]))
    return lead + text + tbl + f'<figure class="chart">{chart}<figcaption>图 预算执行情况</figcaption></figure>'


def _targets(card: Scorecard) -> str:
    ind = card.indicators
    quant = ind[ind["type"].isin(["定量", "满意度"])]
    if quant.empty:
        return absent("指标体系中没有设定量目标值的指标。")
    rows = []
    for r in quant.itertuples():
        cmp = _COMPARATORS.get(r.direction, "≥")
        unit = r.unit or ""
        done = "完成" if r.score >= r.weight else "未完成"
        rows.append([r.code, r.name, f"{cmp}{value(r.target)}{unit}", f"{value(r.actual)}{unit}", done])
    return table(["编码", "绩效指标", "年度指标值", "实际完成值", "完成情况"], rows,
                 caption="绩效目标与实际完成情况", cls="targets")


def evaluation_work(case: Case, card: Scorecard) -> str:
    pr, ev = case.project, case.evaluation
    year = f"{pr['year']}年度" if pr.get("year") else ""
    purpose = (f"本次评价的对象为{pr['name']}，范围为该项目{year}安排的全部资金"
               f"（预算 {wan(case.funding['planned'])} 万元）及其产出和效益。评价旨在了解项目决策、管理和资金使用情况，"
               "客观评判项目绩效目标实现程度，总结经验、发现问题并提出改进建议，为预算安排和管理提供参考。")
    levels = card.levels
    counts = "、".join(f"{r.level1}（{pts(r.weight)} 分，{r.count} 项）" for r in levels.itertuples())
    system = (f"评价采用{card.scheme.title}评分方案计分。指标体系共设一级指标 {len(levels)} 个、"
              f"二级指标 {len(card.sublevels)} 个、三级指标 {len(card.indicators)} 个，分别为{counts}，满分 "
              f"{num(card.scheme.total)} 分，详见附件评分表。")
    methods = "、".join(ev.get("methods") or []) or "指标评分法"
    standards = "、".join(ev.get("standards") or []) or "计划标准"
    out = [heading("ch2"), sub(0, "评价目的、对象和范围"), p(purpose),
           sub(1, "评价原则、评价指标体系、评价方法、评价标准"),
           p("评价遵循科学公正、统筹兼顾、激励约束、公开透明的原则。"), p(system),
           weights_derivation(case, card),
           p(f"评价方法：{methods}。评价标准：{standards}。"),
           sub(2, "绩效评价工作过程"), narrative_or(case, "process", "案例未提供评价工作过程的文字说明。")]
    if ev.get("team"):
        out.append(p(f"评价工作组成员：{'、'.join(ev['team'])}。"))
    return "".join(out)


def conclusion(case: Case, card: Scorecard) -> str:
    rows = [[r.level1, pts(r.weight), pts(r.score), pct(r.rate)] for r in card.levels.itertuples()]
    foot = ["合计", pts(sum(card.levels["weight"])), pts(card.total), pct(card.total / card.scheme.total)]
    tbl = table(["一级指标", "分值", "得分", "得分率"], rows, numeric=[1, 2, 3], caption="综合评分结果", foot=foot)
    bands = "、".join(f"{label}（{num(lower)} 分及以上）" for label, lower in card.scheme.grades[:-1])
    lines = [p(f"经综合评价，{case.project['name']}综合得分 {pts(card.total)} 分，评价等级为“{card.grade}”。"
               f"等级划分为{bands}、{card.scheme.grades[-1][0]}（其余）。")]
    best = card.levels.sort_values("rate", ascending=False, kind="stable").iloc[0]
    worst = card.levels.sort_values("rate", kind="stable").iloc[0]
    if best["rate"] != worst["rate"]:
        lines.append(p(f"从各一级指标看，{best['level1']}指标得分率最高（{pct(best['rate'])}），"
                       f"{worst['level1']}指标得分率最低（{pct(worst['rate'])}）。"))
    chart = charts.to_svg(charts.level_rates(list(card.levels["level1"]), list(card.levels["rate"]),
                                             bands=card.scheme.qualitative_bands))
    return (heading("ch3") + "".join(lines) + tbl
            + f'<figure class="chart">{chart}<figcaption>图 各一级指标得分率</figcaption></figure>')


def indicator_analysis(case: Case, card: Scorecard) -> str:
    out = [heading("ch4")]
    ded = card.deductions
    for i, lvl in enumerate(card.levels.itertuples()):
        out.append(sub(i, f"{lvl.level1}指标分析"))
        out.append(p(f"{lvl.level1}类指标分值 {pts(lvl.weight)} 分，得分 {pts(lvl.score)} 分，得分率 {pct(lvl.rate)}。"))
        rows = card.indicators[card.indicators["level1"] == lvl.level1]
        for n, r in enumerate(rows.itertuples(), start=1):
            out.append(f'<div class="indicator"><h4>{n}. {esc(r.level2)}——{esc(r.name)}（{esc(r.code)}）</h4>')
            out += [p(para) for para in _indicator_paragraphs(r, ded)]
            out.append("</div>")
    return "".join(out)


def _indicator_paragraphs(r: object, ded: object) -> list[str]:
    """What the indicator checks, its points and how it was scored; then the basis; then remarks."""
    s = []
    desc = str(getattr(r, "description", "") or "").strip().rstrip("。")
    if desc:
        s.append(f"该指标主要考察{desc}。")
    s.append(f"分值 {pts(r.weight)} 分，得分 {pts(r.score)} 分，得分率 {pct(r.rate)}。")
    unit = r.unit or ""
    if r.type == "定量":
        s.append(f"指标值为{_COMPARATORS.get(r.direction, '')}{value(r.target)}{unit}，实际完成值为 {value(r.actual)}{unit}，"
                 f"按“{RULE_TEXT[r.rule]}”计分。")
    elif r.type == "满意度":
        s.append(f"满意度目标值为 {value(r.target)}{unit}，实际为 {value(r.actual)}{unit}，按“{RULE_TEXT[r.rule]}”计分。")
    elif r.type == "定性":
        s.append(f"评价组评定为“{r.grade}”档。")
    else:
        mine = ded[ded["code"] == r.code] if len(ded) else ded
        if len(mine):
            items = "；".join(f"{x.reason.rstrip('。；;，,. ')}，扣 {num(x.points)} 分"
                             + (f"（底稿 {x.evidence}）" if x.evidence else "")
                             for x in mine.itertuples())
            s.append(f"按扣分制评分，发现问题 {len(mine)} 项：{items}。")
        else:
            s.append("按扣分制评分，未发现扣分事项。")
    paras = ["".join(s)]
    if str(r.basis or "").strip():
        paras.append(f"评分依据：{str(r.basis).strip()}")
    remarks = []
    if str(r.note or "").strip():
        remarks.append(f"说明：{r.note}。")
    if str(getattr(r, "deviation", "") or "").strip():
        remarks.append(f"偏差原因：{str(r.deviation).strip()}")
    if remarks:
        paras.append("".join(remarks))
    return paras


def lessons_and_problems(case: Case, card: Scorecard) -> str:
    out = [heading("ch5"), sub(0, "主要经验及做法"),
           narrative_or(case, "experience", "案例未提供主要经验及做法的文字说明。"),
           sub(1, "存在的问题"), narrative_or(case, "problems", "案例未提供存在问题的文字说明。")]
    lost = card.indicators[card.indicators["score"] < card.indicators["weight"]]
    if len(lost):
        ded = card.deductions
        rows = []
        for r in lost.itertuples():
            why = str(r.deviation or "").strip()
            if r.type == "扣分" and len(ded):
                why = "；".join(ded.loc[ded["code"] == r.code, "reason"].astype(str)) or why
            rows.append([r.code, r.name, pts(r.weight), pts(r.score), pts(r.weight - r.score), why or "—"])
        out.append(table(["编码", "失分指标", "分值", "得分", "失分", "偏差原因 / 扣分原因"], rows,
                         numeric=[2, 3, 4], caption="失分指标一览", cls="lost"))
    out += [sub(2, "原因分析"), narrative_or(case, "causes", "案例未提供原因分析的文字说明。")]
    out.append(_factor_register(case, card))
    out.append(_decompositions(case))
    return "".join(out)


def _factor_register(case: Case, card: Scorecard) -> str:
    """因素分析法 proper: the internal and external factors, tied to the indicators that lost points."""
    head = "<h4>影响因素分析（因素分析法）</h4>"
    table_ = case.table("drivers")
    reg = table_[table_["subject"] == ""] if table_ is not None else None
    if reg is None or reg.empty:
        return head + absent("案例未登记影响因素（因素分析表），未做内外部因素分析。")
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
    text = (f"评价组对照失分指标分析了影响绩效目标实现的内外部因素，共登记 {len(reg)} 项：内部因素 {n_in} 项、外部因素 {n_out} 项；"
            f"其中制约因素 {len(hind)} 项（内部 {int((hind['side'] == '内部').sum())} 项、外部 "
            f"{int((hind['side'] == '外部').sum())} 项），促进因素 {len(reg) - len(hind)} 项。")
    uncovered = sorted(lost - covered)
    if uncovered:
        text += "失分指标" + "、".join(f"{c} {ind.loc[c, 'name']}" for c in uncovered) + " 尚未登记制约因素。"
    elif lost:
        text += "每个失分指标都至少对应一项制约因素。"
    return head + p(text) + table(["因素", "内部/外部", "促进/制约", "影响的指标", "依据"], rows,
                                   caption="影响因素登记表", cls="register")


def _decompositions(case: Case) -> str:
    """The arithmetic decomposition of a change (连环替代法 and its order-free relatives)."""
    subjects = analyses.decompositions(case)
    if not subjects:
        return ""
    out = ["<h4>因素分解（连环替代法）</h4>",
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
        rows.append(["合计", value(chain.base_value), value(chain.current_value), value(chain.total_change), "",
                     value(shap.sum()), value(lm.sum())])
        out.append(table(["因素", "计划值", "实际值", "连环替代", "各顺序范围", "Shapley", "LMDI-I"], rows,
                         numeric=[1, 2, 3, 5, 6], caption=f"{subject}：因素分解"))
        out.append(_figure(d.shapley.plot(),
                           f"图 {subject}：各因素的影响（Shapley 分解）"))
    return "".join(out)


def suggestions(case: Case, card: Scorecard) -> str:
    return heading("ch6") + narrative_or(case, "suggestions", "案例未提供有关建议的文字说明。")


def other_matters(case: Case, card: Scorecard, *, input_hash: str, version: str) -> str:
    out = [heading("ch7"), narrative_or(case, "other", "无其他需要说明的问题。"), "<h4>评分规则</h4>",
           p(f"本报告按{card.scheme.title}评分方案计分。下表列出该方案的各项规则及其依据状态："
             "V 为已核实的规定，U 为未能核实原文的通行做法，I 为本工具的解释；“本案例设定”表示由案例覆盖了默认值。")]
    status = {"V": "V 已核实", "U": "U 未核实", "I": "I 解释"}
    rows = [[r.meaning, r.value, status[r.status], "本案例设定" if r.overridden else "默认"]
            for r in card.scheme.rules().itertuples()]
    out.append(table(["规则", "取值", "依据", "来源"], rows, caption="评分规则", cls="rules"))
    checks = [f"数据核对：{w.message}" for w in case.warnings]
    if card.notes or case.notes or checks:
        out.append("<h4>计算说明</h4><ul>" + "".join(f"<li>{esc(n)}</li>" for n in (*checks, *card.notes, *case.notes))
                   + "</ul>")
    out.append(p(f"本报告由评价软件（版本 {version}）根据案例数据生成，输入数据指纹（SHA-256）为 {input_hash[:16]}。"
                 "相同的输入和版本可重现相同的评分结果。"))
    return "".join(out)


def annex_scores(case: Case, card: Scorecard) -> str:
    rows = []
    for r in card.indicators.itertuples():
        unit = r.unit or ""
        target = f"{_COMPARATORS.get(r.direction, '')}{value(r.target)}{unit}" if r.type in ("定量", "满意度") else "—"
        actual = f"{value(r.actual)}{unit}" if r.type in ("定量", "满意度") else (r.grade or "—")
        rows.append([r.code, r.level1, r.level2, r.name, pts(r.weight), target, actual, pts(r.score), pct(r.rate)])
    foot = ["合计", "", "", "", pts(sum(card.indicators["weight"])), "", "", pts(card.total),
            pct(card.total / card.scheme.total)]
    return heading("annex") + table(
        ["编码", "一级指标", "二级指标", "三级指标", "分值", "指标值", "实际完成值", "得分", "得分率"], rows,
        numeric=[4, 7, 8], caption="绩效评价指标评分表", foot=foot, cls="scores")


# ----------------------------------------------------------------------------------------------
# Methods inside 第四章


def _verdict_rows(res) -> list[list[str]]:
    rows = []
    for r in res.verdicts.itertuples():
        if r.indicator.endswith("NPV"):
            value = f"{wan(r.value)} 万元"
        elif r.indicator.endswith("IRR"):
            value = pct(r.value) if r.value is not None else "不存在或不唯一"
        elif r.indicator == "静态投资回收期":
            value = f"{r.value:.2f} 年" if r.value is not None else "未回收"
        else:
            value = f"{r.value:.3f}" if r.value is not None else "—"
        verdict = "—" if r.passed is None else ("满足" if r.passed else "不满足")
        rows.append([r.indicator, rate(r.discount_rate), value, r.criterion, verdict])
    return rows


def _verdict_sentence(res, label: str) -> str:
    main = res.verdicts[res.verdicts["discount_rate"] == res.main.discount_rate]
    failed = [r.indicator for r in main.itertuples() if r.passed is False]
    unknown = [r.indicator for r in main.itertuples() if r.passed is None]
    if failed:
        text = f"{label}不可行：{'、'.join(failed)} 未达到判据。"
    else:
        text = f"{label}可行：各项指标均达到判据。"
    if unknown:
        text += f"{'、'.join(unknown)} 无法计算（见说明）。"
    return text


def cost_benefit(case: Case, card: Scorecard) -> str:

    out = [sub(len(card.levels), "成本效益分析（成本效益分析法）")]
    figs = analyses.cost_benefit(case)
    if figs is None:
        return out[0] + absent("案例未提供成本效益数据（成本效益表），未开展成本效益分析。")
    from ..costbenefit import CONVENTIONS

    eco = figs.economic
    m = eco.main
    ebcr = f"{m.bcr:.3f}" if m.bcr is not None else "无法计算（费用现值为零）"
    eirr = pct(m.irr) if m.irr is not None else "不存在或不唯一"
    out.append(p(f"按《建设项目经济评价方法与参数》（第三版）的方法，以 {rate(m.discount_rate)} 的社会折现率进行经济分析，"
                 f"{CONVENTIONS[figs.convention]}。计算期 {m.base_year}—{m.base_year + len(m.flows) - 1} 年。"
                 f"项目经济净现值（ENPV）为 {wan(m.npv)} 万元，经济内部收益率（EIRR）为 {eirr}，"
                 f"经济效益费用比（EBCR）为 {ebcr}。"))
    out.append(p(_verdict_sentence(eco, "按经济分析判据，项目")))
    for note in (*eco.notes, *m.notes[1:]):
        out.append(p(note))
    header = ["指标", "折现率", "数值", "判据", "结论"]
    out.append(table(header, _verdict_rows(eco), numeric=[2], caption="经济分析主要指标"))
    if figs.financial is not None:
        fin = figs.financial
        fm = fin.main
        out.append(p(f"以行业基准收益率 {rate(fm.discount_rate)} 进行财务分析：财务净现值（FNPV）为 {wan(fm.npv)} 万元，"
                     f"财务内部收益率（FIRR）为 {pct(fm.irr) if fm.irr is not None else '不存在或不唯一'}，"
                     f"静态投资回收期 {'%.2f 年' % fm.payback if fm.payback is not None else '超出计算期'}。"
                     + _verdict_sentence(fin, "按财务分析判据，项目")))
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
    sw = s.switching
    lines = []
    for r in sw.itertuples():
        if _none(r.switching_value):
            word = "减少到零" if r.side == "效益" else "任意增加"
            lines.append(f"{r.variable}即使{word}也不会使经济净现值{'为负' if s.base_npv >= 0 else '转正'}")
        else:
            word = "上升" if r.switching_value > 0 else "下降"
            lines.append(f"{r.variable}{word} {abs(r.switching_value):.1%}")
    out.append(p("敏感性分析逐一改变各费用效益项目，结果见下图。使经济净现值降为零的临界变化幅度为：" + "；".join(lines) + "。"
                 "临界幅度越小，项目对该因素越敏感。"))
    out.append(table(["因素", "类别", "现值（万元）", "临界变化幅度"],
                     [[r.variable, r.side, wan(r.pv), "—" if _none(r.switching_value) else f"{r.switching_value:+.1%}"]
                      for r in sw.itertuples()], numeric=[2, 3], caption="敏感性分析临界值"))
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
    else:
        out.append(absent("案例未给出风险分布（风险分布表），未开展蒙特卡洛风险分析。"))
    return "".join(out)


def least_cost(case: Case, card: Scorecard) -> str:

    head = sub(len(card.levels) + 1, "最低成本分析（最低成本法）")
    res = analyses.least_cost(case)
    if res is None:
        return head + absent("案例未提供备选方案（备选方案表），未开展最低成本分析。")
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
                     f"比最低成本方案高 {c['gap']:.1%}" + (f"，且为{c['dominated']}方案。" if c["dominated"] else "。"))
    return head + p(text) + table(
        ["方案", "成本（万元）", f"效果（{unit}）", f"单位效果成本（元/{unit}）", "排序", "高于最低", "劣势", "增量成本效果比"],
        rows, numeric=[1, 2, 3, 4, 5, 7], caption="备选方案成本效果比较", cls="alternatives") + "".join(map(p, res.notes))


def _none(x: object) -> bool:
    return x is None or (isinstance(x, float) and x != x)


def _figure(fig, caption: str) -> str:
    return f'<figure class="chart">{charts.to_svg(fig)}<figcaption>{esc(caption)}</figcaption></figure>'


def comparison(case: Case, card: Scorecard) -> str:

    c = analyses.comparisons(case, card)
    out = [sub(len(card.levels) + 2, "比较分析（比较法）"), "<h4>1. 与计划标准比较</h4>"]
    if c.plan is None:
        out.append(absent("指标体系中没有同时填写指标值和实际完成值的指标，未做计划比较。"))
    else:
        out += [p(sentences.plan(c.plan))]
        flagged = c.plan.table()[c.plan.table()["flag"] != ""]
        if len(flagged):
            rows = [[r.code, r.name, f"{value(r.target)}{r.unit}", f"{value(r.actual)}{r.unit}",
                     pct(r.completion, 1) if r.completion == r.completion else "—", r.flag] for r in flagged.itertuples()]
            out.append(table(["编码", "指标", "指标值", "实际完成值", "实际/指标值", "情况"], rows, numeric=[4],
                             caption="未完成及超额完成的指标"))
        shown = c.plan.table().dropna(subset=["completion"])
        if len(shown) <= charts.COMPLETION_BARS:
            out.append(_figure(c.plan.plot(), "图 绩效指标完成率（实际完成值 / 指标值）"))
        else:                             # one bar per indicator would be unreadable: bands instead
            out.append(p(f"有完成率的指标共 {len(shown)} 项，下图按完成率区间汇总其分布，逐项数值见附件一。"))
            out.append(_figure(charts.completion_summary(list(shown["completion"]), list(shown["met"]),
                                                         overachievement_ratio=c.plan.overachievement_ratio),
                               "图 绩效指标完成率分布（实际完成值 / 指标值）"))
    out.append("<h4>2. 与历史标准比较</h4>")
    by_name = {t.measure: t for t in c.trends}
    if not c.trends:
        out.append(absent("案例未提供历史数据（历史数据表），未做历史比较。"))
    else:
        out.append(p("".join(sentences.trend(t) for t in c.trends)))
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
    out.append("<h4>3. 与同类单位比较</h4>")
    if not c.peers:
        out.append(absent("案例未提供同类单位数据（标杆对比表），未做横向比较。"))
    else:
        when = sentences.period(c.peer_period) if c.peer_period else ""
        said = []
        for r in c.peers:
            t = by_name.get(r.measure)               # its history, when the peers' year is its current one
            s = sentences.peer(r, t if t is not None and t.current_period == c.peer_period else None)
            if s:
                said.append(s)
        out.append(p(f"{when}与同类单位比较：" + "".join(said)) if said else
                   absent("标杆对比表没有标记本项目（本项目 = 是），只列示各单位数值。"))
        rows = []
        for r in c.peers:
            me = r.self_row
            rows.append([r.measure + (f"（{r.unit}）" if r.unit else ""),
                         "—" if me is None else value(me["value"]),
                         "—" if me is None else f"{int(me['rank'])}/{len(r.table())}",
                         "—" if me is None else pct(me["percentile"], 0),
                         "—" if me is None else f"{me['z']:+.2f}", "越高越好" if r.direction == "正向" else "越低越好"])
        out.append(table(["指标", "本项目", "排名", "百分位", "z 值", "方向"], rows, numeric=[1, 3, 4],
                         caption=f"{when}同类单位比较"))
        for r in c.peers[:3]:
            out.append(_figure(r.plot(), f"图 {r.measure}横向比较（红色为本项目）"))
    out.append("<h4>4. 政策效果（双重差分）</h4>")
    if c.did:
        peers = case.table("peers")
        units = {m: u for m, u in zip(peers["measure"], peers["measure_unit"]) if u}
        for d in c.did:
            out.append(p(sentences.did(d, units.get(d.outcome, ""))))
            m = d.means
            out.append(table(["组别", "政策前均值", "政策后均值", "变化"],
                             [[g, value(m.loc[g, "政策前"]), value(m.loc[g, "政策后"]), value(m.loc[g, "变化"])]
                              for g in m.index], numeric=[1, 2, 3], caption=f"{d.outcome}：双重差分均值表"))
            for note in d.notes:
                out.append(p(note))
            fig = d.plot()
            if fig is not None:
                out.append(_figure(fig, f"图 {d.outcome}：处理组与对照组"))
    else:
        out.append(absent(c.did_skipped or "案例未提供分组面板数据，未做双重差分估计。"))
    return "".join(out)


def benchmarking(case: Case, card: Scorecard) -> str:
    """第四章 (八): 标杆管理法 — gaps to the best peers, DEA efficiency, an entropy-weighted TOPSIS ranking."""

    out = [sub(len(card.levels) + 3, "标杆分析（标杆管理法）")]
    b = analyses.benchmarks(case)
    if b is None:
        return out[0] + absent("案例未提供同类单位数据（标杆对比表），未做标杆分析。")
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
                     "标杆值，越低越好的指标取相反方向。"))
        out.append(table(["指标", "本项目", "标杆值（最优）", "差距", "排名"], rows, numeric=[1, 2, 3],
                         caption=f"与标杆的差距（{me}）"))
    else:
        out.append(absent("标杆对比表没有标记本项目（本项目 = 是），只计算各单位之间的差距。"))
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
                     f"，在产出不变的情况下投入可按比例减少 {1 - e:.1%}；其参照标杆为 {peers}。"))
            text += f"纯技术效率 {float(d.vrs_efficiency[me]):.3f}、规模效率 {float(d.scale_efficiency[me]):.3f}（{d.returns_to_scale[me]}）。"
        out.append(p(text))
        t = pd_rows(d, b)
        out.append(table(["单位", "综合效率", "纯技术效率", "规模效率", "规模报酬", "超效率"], t, numeric=[1, 2, 3, 5],
                         caption="DEA 效率"))
        out.append(_figure(d.plot(), "图 各单位 DEA 综合效率"))
    else:
        out.append(absent(b.dea_skipped))
    if b.topsis is not None:
        t = b.topsis.table()
        mine = t[t["unit"] == me]
        w = "、".join(f"{k} {v:.3f}" for k, v in b.entropy.weights.items())
        text = f"以熵值法确定各指标权重（{w}），用 TOPSIS 法计算各单位与理想解的贴近度。"
        if len(mine):
            text += f"{me}的贴近度为 {float(mine['closeness'].iloc[0]):.3f}，在 {len(t)} 个单位中排第 {int(mine['rank'].iloc[0])} 位。"
        out.append(p(text))
        top = t.sort_values("rank").head(12)
        out.append(table(["单位", "正理想解距离", "负理想解距离", "贴近度", "排名"],
                         [[r.unit, f"{r.d_plus:.4f}", f"{r.d_minus:.4f}", f"{r.closeness:.4f}", int(r.rank)]
                          for r in top.itertuples()], numeric=[1, 2, 3, 4], caption="熵权 TOPSIS 综合排序"))
    return "".join(out)


def pd_rows(d, b) -> list[list[str]]:
    rows = []
    for unit in d.efficiency.sort_values(ascending=False).index:
        sup = d.super_efficiency[unit] if d.super_efficiency is not None else float("nan")
        rows.append([str(unit) + ("（本项目）" if unit == b.self_unit else ""), f"{d.crs_efficiency[unit]:.3f}",
                     f"{d.vrs_efficiency[unit]:.3f}", f"{d.scale_efficiency[unit]:.3f}", d.returns_to_scale[unit],
                     "—" if sup != sup else f"{sup:.3f}"])
    return rows


def weights_derivation(case: Case, card: Scorecard) -> str:
    """How the weights were set: the table's, or the experts' AHP judgements with their consistency."""
    if card.weighting is None:
        return p("各指标分值按指标体系表确定。")
    out = [p(card.weighting.notes[0])]
    for parent, res in card.weighting.nodes:
        out.append(p(sentences.ahp(parent, res)))
        out.append(table(["指标", "权重"], [[k, f"{v:.4f}"] for k, v in res.weights.items()], numeric=[1],
                         caption=f"层次分析法权重：{parent}"))
    return "".join(out)


def survey_annex(case: Case, card: Scorecard) -> str:
    """附件二: the questionnaire survey — sample, method, reliability, results by item and by group."""

    s = analyses.survey(case, card)
    if s is None:
        return heading("annex2") + absent("案例未提供问卷调查数据（满意度调查表），本报告不附问卷调查分析。")
    res, alpha, efa = s.result, s.alpha, s.efa
    o = res.overall
    out = [heading("annex2"), sub(0, "调查概况")]
    sample = f"本次问卷调查回收有效问卷 {res.respondents} 份"
    if res.approached:
        sample += f"（发放 {res.approached} 份，有效回收率 {pct(res.response_rate, 1)}）"
    if res.population:
        sample += f"，调查总体 {res.population:,} 人，按 {res.confidence:.0%} 置信水平计抽样误差约 ±{o.margin * 100:.1f} 个百分点"
    labels = "、".join(f"{k}分={value(v)}" for k, v in res.level_scores.items())
    out.append(p(sample + f"。问卷共 {len(s.items)} 道 {res.scale} 级量表题，选择第 {'、'.join(map(str, res.satisfied))} 级视为"
                 f"“满意”；满意率 = 满意答案数 ÷ 有效答案数，并给出 Wilson 置信区间；满意度指数按等级分值（{labels}）平均。"))
    out.append(p(f"总体满意率 {pct(o.rate, 1)}（{res.confidence:.0%} 置信区间 {pct(o.ci_low, 1)}～{pct(o.ci_high, 1)}），"
                 f"满意度指数 {value(o.index)}。"))
    out.append(sub(1, "信度分析"))
    if alpha is None:
        out.append(absent("量表题少于 2 道，不计算信度系数。"))
    else:
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
    out.append(sub(2, "各题满意度"))
    rows = [[s.text.get(r.item, r.item), int(r.n), pct(r.rate, 1), f"{pct(r.ci_low, 1)}～{pct(r.ci_high, 1)}", value(r.index)]
            for r in res.items.itertuples()]
    rows.append(["总体", int(o.n), pct(o.rate, 1), f"{pct(o.ci_low, 1)}～{pct(o.ci_high, 1)}", value(o.index)])
    out.append(table(["题目", "有效答案", "满意率", "置信区间", "满意度指数"], rows, numeric=[1, 2, 4], caption="各题满意度"))
    out.append(_figure(res.plot(), "图 各题答案分布"))
    out.append(sub(3, "分组比较"))
    if res.by_group is None or res.by_group.empty:
        out.append(absent("问卷题目表未指定分组变量，不做分组比较。"))
    else:
        overall = res.by_group[res.by_group["item"] == "总体"]
        for group, part in overall.groupby("group", sort=False):
            part = part.sort_values("level", key=lambda s: s.astype(str), kind="stable")
            out.append(table([group, "有效答案", "满意率", "置信区间", "满意度指数"],
                             [[r.level, int(r.n), pct(r.rate, 1), f"{pct(r.ci_low, 1)}～{pct(r.ci_high, 1)}", value(r.index)]
                              for r in part.itertuples()], numeric=[1, 2, 4], caption=f"按{group}分组的总体满意度"))
        tests = res.group_tests[res.group_tests["item"] == "总体"]
        if len(tests):
            out.append(p("下列分组检验以受访者为单位（各题答案相互不独立，故不以答案计）：受访者各题平均分达到满意档即计为满意。"))
        for r in tests.itertuples():
            out.append(p(sentences.survey_group_test(res, r.group, r.item)))
    return "".join(out)
