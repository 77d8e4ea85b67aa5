"""The case's cross-table rules: what one table or figure must agree with in another."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd

from .. import _checks
from .. import _schema as S
from ..errors import Issue, Problem
from ..schemes import DERIVED
from .cells import _missing
from .model import Case

# ----------------------------------------------------------------------------------------------
# Consistency: figures a case states twice


def consistency(case: Case, meta: Any) -> list[Issue]:
    """Figures the case states that it also holds the makings of, recomputed: a stated 资金到位率 or
    预算执行率 against the funding, a percent typed as a fraction, the stated numbers of
    questionnaires against the survey's rows (a survey-fed rate against the survey needs the survey
    method: :func:`evalkit.report.analyses.cross_checks`). A disagreement beyond the rounding of the stated figure
    is an :class:`Issue` (a warning, or an error where the scheme's ``consistency`` rule says so): the
    net under misreads nobody has thought of yet. ``meta(key)`` gives where a metadata field is."""
    out: list[Issue] = []
    scheme = case.scheme
    ind = case.indicators

    warned: set[tuple[str, Any, str | None]] = set()

    def at(table: str, row: Any, column: str | None, message: str) -> None:
        if (table, row, column) in warned:         # one warning a cell: the first, most specific one
            return
        warned.add((table, row, column))
        file, sheet = case.sources[table]
        out.append(Issue(file, message, sheet, None if row is None else int(row),
                         case.headers.get(table, {}).get(column, column) if column else None))

    f = case.funding
    label = {k: S.META_LABELS["funding." + k][:3] for k in ("planned", "allocated", "spent")}
    if len(f) == 3:
        for more, less in (("spent", "allocated"), ("allocated", "planned")):
            if f[more] > f[less] * (1 + 1e-12):
                share = f"（{f[more] / f[less] * 100:,.2f}%）" if f[less] else ""
                out.append(Issue(message=f"{label[more]} {f[more]:,.2f} 元大于{label[less]} {f[less]:,.2f} 元{share}"
                                 "：请核对金额及其单位", **meta(f"funding.{more}")))
        for row, r in ind[ind["type"] == "定量"].iterrows():
            key = next((k for name, k in _RATES.items() if name in str(r["name"])), None)
            if key is None or r["unit"] not in ("%", "百分比"):
                continue
            base = scheme.budget_execution_base if key == "spent" else "planned"
            if _missing(r["actual"]):
                if not f[base] and r["name"].strip() in DERIVED:
                    at("indicators", row, "actual", f"{r['name'].strip()}由资金数据计算，但{label[base]}为 0：计为 0%，请核对")
                continue
            if not f[base]:
                continue
            want = Decimal(repr(f[key])) / Decimal(repr(f[base])) * 100
            if not agrees(r["actual"], want):
                at("indicators", row, "actual",
                   f"{r['name'].strip()}填写为 {r['actual']:g}%，按资金数据计算为 {want:.2f}%"
                   f"（{S.META_LABELS['funding.' + key][:3]} {f[key]:,.2f} 元 ÷ {S.META_LABELS['funding.' + base][:3]} "
                   f"{f[base]:,.2f} 元）：两者不符，请核对")
    for row, r in ind[(ind["unit"] == "%") & ind["type"].isin(["定量", "满意度"])].iterrows():
        t, a = r["target"], r["actual"]           # 0.96 beside 100: a percent typed as a fraction
        for said, other, what in ((a, t, "实际完成值"), (t, a, "指标值")):
            if not _missing(said) and not _missing(other) and 0 < said <= 1.5 and other >= 10:
                at("indicators", row, "actual" if what == "实际完成值" else "target",
                   f"{r['name'].strip()}的{what}为 {said:g}%，而{'指标值' if what == '实际完成值' else '实际完成值'}为 "
                   f"{other:g}%：如果是 {said * 100:g}%，请填写 {said * 100:g}（或把单元格设为百分比格式后填写）")
    if "survey" in case.tables and "questions" in case.tables:
        n = len(case.tables["survey"])
        params = case.evaluation.get("parameters", {})
        valid, approached = params.get("survey_valid"), params.get("survey_approached")
        if valid is not None and valid != n:
            out.append(Issue(message=f"有效问卷数量写的是 {valid:,} 份，问卷调查表中有 {n:,} 份答卷：两者不符，请核对",
                             **meta("evaluation.parameters.survey_valid")))
        if approached is not None and approached < n:
            out.append(Issue(message=f"发放问卷数量写的是 {approached:,} 份，少于问卷调查表中的 {n:,} 份答卷，请核对",
                             **meta("evaluation.parameters.survey_approached")))
    return out


def _zh(table: str, column: str) -> str:
    """A column's Chinese header, for a message about a column the table does not have."""
    spec = S.TABLES.get(table)
    return next((c.zh for c in spec.columns if c.name == column), column) if spec else column


#: the rates a stated actual of which is checked against the funding, by a part of the indicator's name
_RATES = {"预算执行率": "spent", "资金执行率": "spent", "资金到位率": "allocated"}


def agrees(stated: float, computed: Decimal) -> bool:
    """Whether ``stated`` is ``computed`` rounded to the places ``stated`` was written with (at least
    to 0.01): 92 and 92.4 agree with 92.36, 92.0 written as 92 too; 0.92 does not."""
    places = max(0, -Decimal(repr(float(stated))).normalize().as_tuple().exponent)
    half = Decimal(5).scaleb(-min(places, 2) - 1)
    return abs(Decimal(repr(float(stated))) - computed) <= half + Decimal("1e-9")

# ----------------------------------------------------------------------------------------------
# The survey's questions and answers, as the case states them

TOP = ("一级指标", "总目标", "总分", "指标体系")       # names of the root node in 专家判断


_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", flags=re.ASCII)


_SHOWN_ANSWERS = 5          # bad answers listed one by one per column; the rest are counted


def satisfied_levels(text: str, scale: int) -> tuple[int, ...] | None:
    """``"4、5"`` → (4, 5); empty → the top two levels; None when unreadable."""
    if not text:
        return tuple(range(scale - 1, scale + 1)) if scale >= 3 else (scale,)
    try:
        out = tuple(sorted({int(x) for x in re.split(r"[、，,;；\s]+", unicodedata.normalize("NFKC", text)) if x}))
    except ValueError:
        return None
    return out if out and all(1 <= x <= scale for x in out) else None


@dataclass(frozen=True)
class Question:
    column: str
    text: str
    scale: int
    satisfied: tuple[int, ...]
    indicator: str


def questions(table: pd.DataFrame | None) -> tuple[list[Question], list[str]]:
    """(the scale questions, the group columns) of a 问卷题目 table."""
    if table is None:
        return [], []
    items, groups = [], []
    for r in table.itertuples():
        if r.kind == "group":
            groups.append(r.column)
        elif r.kind == "scale":
            scale = int(r.scale) if not pd.isna(r.scale) else 5
            items.append(Question(r.column, r.text or r.column, scale, satisfied_levels(r.satisfied, scale) or (), r.indicator))
    return items, groups


_PLAIN_ANSWERS = {str(k): float(k) for k in range(1, 12)}


def _answer_numbers(column: pd.Series) -> pd.Series:
    """One item column as numbers: the usual cells "1" … "11" by lookup, any other by ``pd.to_numeric``."""
    out = column.map(_PLAIN_ANSWERS)
    rest = out.isna() & column.notna() & (column != "")
    if rest.any():
        out[rest] = pd.to_numeric(column[rest], errors="coerce")
    return out.astype(float)


def answers(survey: pd.DataFrame, items: list[Question]) -> pd.DataFrame:
    """The item columns of the survey as numbers (empty answers NaN)."""
    return pd.DataFrame({q.column: _answer_numbers(survey[q.column]) for q in items}, index=survey.index)


# ----------------------------------------------------------------------------------------------
# Checks of the evidence tables


def check_survey(survey: pd.DataFrame | None, table: pd.DataFrame | None, codes: dict[str, str]) -> list[Problem]:
    """Problems of the 满意度调查 and 问卷题目 tables; ``codes`` maps indicator code → type."""
    probs: list[Problem] = []
    if table is None:
        if survey is not None:
            probs.append(Problem("有满意度调查表但没有问卷题目表（问卷题目表说明哪些列是量表题、哪些是分组）", None, None,
                                 "survey"))
        return probs
    if survey is None:
        probs.append(Problem("有问卷题目表但没有满意度调查表", None, None, "questions"))
    cols = set(survey.columns) if survey is not None else set()
    answered: dict[Any, int] = {}          # scale question row → its valid answers
    for row, r in table.iterrows():
        if survey is not None and r["column"] not in cols:
            probs.append(Problem(f"满意度调查表中没有列「{r['column']}」", row, "column", "questions"))
        if r["kind"] == "scale":
            scale = int(r["scale"]) if not pd.isna(r["scale"]) else 5
            if not 2 <= scale <= 11:
                probs.append(Problem(f"量表级数应在 2 到 11 之间，实际为 {scale}", row, "scale", "questions"))
                continue
            if satisfied_levels(r["satisfied"], scale) is None:
                probs.append(Problem(f"满意档「{r['satisfied']}」无效：应为 1 到 {scale} 之间的整数，用、分隔", row,
                                     "satisfied", "questions"))
            code = r["indicator"]
            if code and code not in codes:
                probs.append(Problem(f"指标体系中没有编码为「{code}」的指标", row, "indicator", "questions"))
            elif code and codes[code] != "满意度":
                probs.append(Problem(f"指标「{code}」的类型是{codes[code]}，问卷只能对应满意度指标", row, "indicator",
                                     "questions"))
            if survey is not None and r["column"] in cols:
                values = survey[r["column"]]
                plain = values.isin(["", *map(str, range(1, scale + 1))])     # the usual cells, checked at once
                bad = []
                for srow, v in values[~plain].items():
                    # the case reader has already read full-width digits and the like (and noted it)
                    x = float(v) if isinstance(v, str) and _PLAIN.fullmatch(v.strip()) else None
                    if x is None or not math.isfinite(x) or x != int(x) or not 1 <= x <= scale:
                        bad.append((srow, v))
                for srow, v in bad[:_SHOWN_ANSWERS]:
                    probs.append(Problem(f"答案应为 1 到 {scale} 的整数（空白表示未作答），实际为「{str(v)[:40]}」", srow,
                                         r["column"], "survey"))
                if len(bad) > _SHOWN_ANSWERS:
                    probs.append(Problem(f"另有 {len(bad) - _SHOWN_ANSWERS} 个答案不是 1 到 {scale} 的整数（共 {len(bad)} 个）"
                                         "；若此列是受访者的分组（如街道、年龄段），请在问卷题目表中把它的类型写成“分组”",
                                         None, r["column"], "survey"))
                answered[row] = int((values != "").sum()) - len(bad)
    for row in table.index[table.duplicated("column", keep="first")]:
        probs.append(Problem(f"列「{table.loc[row, 'column']}」重复说明", row, "column", "questions"))
    probs += _check_pooled(table, answered, survey is not None)
    return probs


def _check_pooled(table: pd.DataFrame, answered: dict[Any, int], has_survey: bool) -> list[Problem]:
    """The questions of one indicator are pooled into one satisfaction: one scale, one set of satisfied
    levels, and at least one valid answer; and the survey analysis needs an answer to some question."""
    probs: list[Problem] = []
    scales = table[table["kind"] == "scale"]
    if scales.empty:
        return probs

    def scale_of(row: Any) -> int:
        v = scales.loc[row, "scale"]
        return int(v) if not pd.isna(v) else 5

    empty = False
    for code, rows in scales[scales["indicator"] != ""].groupby("indicator", sort=False):
        first = rows.index[0]
        s0 = scale_of(first)
        l0 = satisfied_levels(rows.loc[first, "satisfied"], s0)
        for row in rows.index[1:]:
            s, lv = scale_of(row), satisfied_levels(rows.loc[row, "satisfied"], scale_of(row))
            if s != s0:
                probs.append(Problem(f"对应指标「{code}」的题目应使用同一级数（第{first}行为 {s0} 级，此行为 {s} 级）", row,
                                     "scale", "questions"))
            elif None not in (l0, lv) and lv != l0:
                probs.append(Problem(f"对应指标「{code}」的题目应使用同一满意档（第{first}行为 {'、'.join(map(str, l0))}，"
                                     f"此行为 {'、'.join(map(str, lv))}）", row, "satisfied", "questions"))
        if has_survey and all(row in answered for row in rows.index) and not sum(answered[r] for r in rows.index):
            empty = True
            probs.append(Problem(f"对应指标「{code}」的题目（{'、'.join(rows['column'])}）在满意度调查表中没有任何有效回答，"
                                 "无法由问卷计算满意度", first, "indicator", "questions"))
    same = [row for row in scales.index if scale_of(row) == scale_of(scales.index[0])]
    if has_survey and not empty and all(row in answered for row in same) and not sum(answered[r] for r in same):
        probs.append(Problem(f"问卷的量表题（{'、'.join(scales.loc[same, 'column'])}）没有任何有效回答", None, None,
                             "survey"))
    return probs


def scale_value(text: Any) -> float | None:
    """A 1–9 scale judgement: ``3``, ``"1/3"``, ``"１／５"``, ``0.2``; None when unreadable or outside 1/9…9."""
    t = unicodedata.normalize("NFKC", str(text)).strip()
    try:
        v = float(Fraction(t))
    except (ValueError, ZeroDivisionError):
        return None
    return v if 1 / 9 - 1e-9 <= v <= 9 + 1e-9 else None


def children(indicators: pd.DataFrame, parent: str) -> tuple[str, list[str]] | None:
    """(level, child names) of a node: the root, a 一级指标 or a 二级指标 (``一级/二级`` when ambiguous)."""
    if parent in TOP:
        return "level1", list(dict.fromkeys(indicators["level1"]))
    if "/" in parent:
        l1, l2 = parent.split("/", 1)
        rows = indicators[(indicators["level1"] == l1) & (indicators["level2"] == l2)]
        return ("name", list(dict.fromkeys(rows["name"]))) if len(rows) else None
    if parent in set(indicators["level1"]):
        return "level2", list(dict.fromkeys(indicators.loc[indicators["level1"] == parent, "level2"]))
    rows = indicators[indicators["level2"] == parent]
    if len(rows) and rows["level1"].nunique() == 1:
        return "name", list(dict.fromkeys(rows["name"]))
    return None


def check_judgements(table: pd.DataFrame, indicators: pd.DataFrame) -> list[Problem]:
    probs = []
    for row, r in table.iterrows():
        node = children(indicators, r["parent"])
        if node is None:
            ambiguous = (indicators["level2"] == r["parent"]).any()
            probs.append(Problem(f"比较对象「{r['parent']}」" + ("在多个一级指标下出现，请写成“一级指标/二级指标”" if ambiguous
                                                             else "不是“一级指标”、一级指标名或二级指标名"),
                                 row, "parent", "judgements"))
            continue
        _, kids = node
        for col in ("a", "b"):
            if r[col] not in kids:
                probs.append(Problem(f"「{r[col]}」不是「{r['parent']}」的下级指标（应为：{'、'.join(kids)}）", row, col,
                                     "judgements"))
        if r["a"] == r["b"]:
            probs.append(Problem("指标A与指标B相同", row, "b", "judgements"))
        if scale_value(r["value"]) is None:
            probs.append(Problem(f"标度应为 1～9 或其倒数（如 3、1/3），实际为「{r['value']}」", row, "value", "judgements"))
    for (expert, parent), rows in table.groupby(["expert", "parent"], sort=False):
        node = children(indicators, parent)
        if node is None:
            continue
        kids = node[1]
        pairs = {frozenset((a, b)) for a, b in zip(rows["a"], rows["b"])}
        need = {frozenset((x, y)) for i, x in enumerate(kids) for y in kids[i + 1:]}
        missing = need - pairs
        if missing and len(kids) > 1:
            shown = "；".join("与".join(sorted(p)) for p in list(missing)[:3])
            probs.append(Problem(f"专家「{expert}」对「{parent}」的判断不完整，缺少 {len(missing)} 对（如 {shown}）",
                                 rows.index[0], "a", "judgements"))
        dup = rows.apply(lambda r: frozenset((r["a"], r["b"])), axis=1).duplicated(keep="first")
        for row in rows.index[dup]:
            probs.append(Problem(f"专家「{expert}」对同一对指标判断了两次", row, "b", "judgements"))
    return probs


def check_weighting(case_weighting: str, judgements: pd.DataFrame | None) -> list[Problem]:
    if case_weighting == "ahp" and (judgements is None or judgements.empty):
        return [Problem("权重来源为层次分析法（weighting: ahp），但案例没有专家判断表", None, None, "indicators")]
    return []


def check_cashflows(table: pd.DataFrame) -> list[Problem]:
    """Problems of a case's 成本效益 table that the column checks cannot see."""
    probs = []
    for row, r in table.iterrows():
        if r["amount"] == r["amount"] and r["amount"] < 0:
            probs.append(Problem(f"金额不能为负数，实际为 {r['amount']:g}（回收的残值请列为效益）", row, "amount",
                                 "cashflows"))
    readable = table[table["kind"] != ""]        # "": an unreadable kind, reported already
    usual = {item: g.value_counts().index[0] for item, g in readable.groupby("item", sort=False)["kind"]}
    for row, item, kind in zip(readable.index, readable["item"], readable["kind"]):
        if kind != usual[item]:                    # flag the odd rows out, not the majority
            probs.append(Problem(f"项目「{item}」的类别不一致：其他行为{usual[item]}，此行为{kind}", row, "kind",
                                 "cashflows"))
    dup = table.duplicated(["year", "item", "analysis"], keep="first") & table["year"].notna()
    for row in table.index[dup]:
        probs.append(Problem(f"{int(table.loc[row, 'year'])} 年的「{table.loc[row, 'item']}」重复出现", row, "item",
                             "cashflows"))
    years = sorted({int(y) for y in table["year"].dropna()})
    if years and years != list(range(years[0], years[-1] + 1)):
        missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
        probs.append(Problem(f"年份不连续，缺少 {', '.join(map(str, missing))} 年（没有发生额的年份请填 0）", None,
                             "year", "cashflows"))
    return probs


def check_distributions(table: pd.DataFrame, cashflows: pd.DataFrame | None) -> list[Problem]:
    probs = []
    items = set(cashflows["item"]) if cashflows is not None else set()
    for row, r in table.iterrows():
        if cashflows is None:
            probs.append(Problem("有风险分布表但没有成本效益表", row, "item", "distributions"))
        elif r["item"] not in items:
            probs.append(Problem(f"成本效益表中没有项目「{r['item']}」", row, "item", "distributions"))
        if r["distribution"]:
            def val(k: str) -> float | None:
                return None if r[k] != r[k] else float(r[k])

            for col, msg in _checks.distribution_problems(r["distribution"], *(val(k) for k in ("low", "mode", "high",
                                                                                        "mean", "sd"))):
                probs.append(Problem(msg, row, col, "distributions"))
    dup = table.duplicated("item", keep="first")
    for row in table.index[dup]:
        probs.append(Problem(f"项目「{table.loc[row, 'item']}」的分布重复", row, "item", "distributions"))
    return probs


def check_alternatives(table: pd.DataFrame) -> list[Problem]:
    probs = []
    for row, r in table.iterrows():
        if r["cost"] == r["cost"] and r["cost"] < 0:
            probs.append(Problem(f"成本不能为负数，实际为 {r['cost']:g}", row, "cost", "alternatives"))
        if r["effect"] == r["effect"] and r["effect"] <= 0:
            probs.append(Problem(f"效果必须大于 0，实际为 {r['effect']:g}", row, "effect", "alternatives"))
    for row in table.index[table.duplicated("name", keep="first")]:
        probs.append(Problem(f"方案「{table.loc[row, 'name']}」重复", row, "name", "alternatives"))
    units = {u for u in table.get("unit", pd.Series(dtype=str)) if u}
    if len(units) > 1:
        probs.append(Problem(f"各方案的效果单位不一致（{'、'.join(sorted(units))}），无法比较", None, "unit",
                             "alternatives"))
    return probs


def check_history(table: pd.DataFrame) -> list[Problem]:
    probs = []
    for row in table.index[table.duplicated(["measure", "period"], keep="first")]:
        probs.append(Problem(f"指标「{table.loc[row, 'measure']}」在 {table.loc[row, 'period']} 年重复", row, "period",
                             "history"))
    units = table.groupby("measure")["unit"].agg(lambda s: sorted({u for u in s if u}))
    for measure, us in units.items():
        if len(us) > 1:
            row = table.index[table["measure"] == measure][0]
            probs.append(Problem(f"指标「{measure}」的单位不一致（{'、'.join(us)}）", row, "unit", "history"))
    return probs


def check_peers(table: pd.DataFrame) -> list[Problem]:
    probs = []
    key = ["unit", "measure", "period"]
    for row in table.index[table.duplicated(key, keep="first")]:
        probs.append(Problem(f"单位「{table.loc[row, 'unit']}」的「{table.loc[row, 'measure']}」重复", row, "measure",
                             "peers"))
    selfs = table.loc[table["self"] == "是", "unit"].unique()
    if len(selfs) > 1:
        probs.append(Problem(f"标记为本项目的单位不止一个（{'、'.join(selfs)}）", None, "self", "peers"))
    roles = table.groupby("measure")["role"].agg(lambda s: sorted(set(s)))
    for measure, rs in roles.items():
        if len(rs) > 1:
            row = table.index[table["measure"] == measure][0]
            probs.append(Problem(f"指标「{measure}」的类别不一致（{'、'.join(rs)}）", row, "role", "peers"))
    return probs


def check_drivers(table: pd.DataFrame, codes: set[str]) -> list[Problem]:
    """Problems of a case's 因素分析 table: decomposition rows need a subject and two positive values,
    register rows a side and an effect, and every indicator code must exist."""
    probs = []
    for row, r in table.iterrows():
        has = [r[c] == r[c] for c in ("base", "current")]
        if any(has) or r["subject"]:
            if not r["subject"]:
                probs.append(Problem("填写了基期值或报告期值的行必须填写分析对象", row, "subject", "drivers"))
            for col, ok in zip(("base", "current"), has):
                if not ok:
                    probs.append(Problem(f"定量分解的因素必须同时填写基期值和报告期值（缺{'基期值' if col == 'base' else '报告期值'}）",
                                         row, col, "drivers"))
                elif r[col] <= 0:
                    probs.append(Problem(f"因素值必须大于 0（对数平均迪氏指数法要求），实际为 {r[col]:g}", row, col, "drivers"))
        else:
            for col, zh in (("side", "内外部（内部/外部）"), ("effect", "影响（促进/制约）")):
                if not r[col]:
                    probs.append(Problem(f"因素登记须填写{zh}", row, col, "drivers"))
        for code in filter(None, (c.strip() for c in re.split(r"[、，,;；\s]+", r["indicators"] or ""))):
            if code not in codes:
                probs.append(Problem(f"指标体系中没有编码为「{code}」的指标", row, "indicators", "drivers"))
    quant = table[table["subject"] != ""]
    for subject, rows in quant.groupby("subject", sort=False):
        if len(rows) < 2:
            probs.append(Problem(f"分析对象「{subject}」只有一个因素，无法分解", rows.index[0], "factor", "drivers"))
        for row in rows.index[rows["factor"].duplicated(keep="first")]:
            probs.append(Problem(f"分析对象「{subject}」的因素「{rows.loc[row, 'factor']}」重复", row, "factor", "drivers"))
        if rows["form"].nunique() > 1:
            probs.append(Problem(f"分析对象「{subject}」各行的关系（乘积/比值）不一致", rows.index[1], "form", "drivers"))
    return probs
