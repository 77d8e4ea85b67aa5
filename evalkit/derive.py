"""What a case derives from its evidence tables before scoring.

- **满意度 from the survey**: a 满意度 indicator whose 实际完成值 is empty takes the satisfaction of
  the questionnaire items mapped to it in 问卷题目 (rate or index, as the scheme says).
- **Weights from experts' AHP judgements**: with ``evaluation.parameters.weighting: ahp``, the
  indicator weights come from the 专家判断 table — each expert's pairwise comparisons of the children
  of a node, combined by geometric mean — and levels nobody compared keep the table's proportions.

Both are checked with Chinese messages naming the table, row and column, like the rest of the case.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from .errors import Problem

TOP = ("一级指标", "总目标", "总分", "指标体系")       # names of the root node in 专家判断
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", flags=re.ASCII)
_SHOWN_ANSWERS = 5          # bad answers listed one by one per column; the rest are counted


# ----------------------------------------------------------------------------------------------
# The survey


def _levels(text: str, scale: int) -> tuple[int, ...] | None:
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
            items.append(Question(r.column, r.text or r.column, scale, _levels(r.satisfied, scale) or (), r.indicator))
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
            if _levels(r["satisfied"], scale) is None:
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
        l0 = _levels(rows.loc[first, "satisfied"], s0)
        for row in rows.index[1:]:
            s, lv = scale_of(row), _levels(rows.loc[row, "satisfied"], scale_of(row))
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


def survey_actuals(case: Any, scheme: Any) -> dict[str, tuple[float, str]]:
    """code → (actual in %, how it was computed) for 满意度 indicators fed by the survey."""
    survey, table = case.tables.get("survey"), case.tables.get("questions")
    if survey is None or table is None:
        return {}
    from .survey import satisfaction

    items, _ = questions(table)
    data = answers(survey, items)
    out = {}
    for code in dict.fromkeys(q.indicator for q in items if q.indicator):
        mine = [q for q in items if q.indicator == code]
        scale = mine[0].scale
        res = satisfaction(data, items=[q.column for q in mine], scale=scale, satisfied=mine[0].satisfied,
                           level_scores=level_scores(scheme, scale))
        if scheme.survey_measure == "index":
            value, what = res.overall.index, "满意度指数"
        else:
            value, what = res.overall.rate * 100, "满意率"
        out[code] = (float(value), f"实际完成值由问卷计算：{len(mine)} 道题、{int(res.overall.n)} 个有效答案的{what}"
                                   f" {value:.2f}%")
    return out


def level_scores(scheme: Any, scale: int) -> dict[int, float] | None:
    levels = scheme.satisfaction_levels
    return dict(zip(range(1, scale + 1), levels)) if len(levels) == scale else None


# ----------------------------------------------------------------------------------------------
# AHP weights


def scale_value(text: Any) -> float | None:
    """A 1–9 scale judgement: ``3``, ``"1/3"``, ``"１／５"``, ``0.2``; None when unreadable or outside 1/9…9."""
    t = unicodedata.normalize("NFKC", str(text)).strip()
    try:
        v = float(Fraction(t))
    except (ValueError, ZeroDivisionError):
        return None
    return v if 1 / 9 - 1e-9 <= v <= 9 + 1e-9 else None


def _children(indicators: pd.DataFrame, parent: str) -> tuple[str, list[str]] | None:
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
        node = _children(indicators, r["parent"])
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
        node = _children(indicators, parent)
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


@dataclass(frozen=True, eq=False)
class DerivedWeights:
    weights: pd.Series                # leaf weights (points), aligned with the indicator table
    nodes: tuple[tuple[str, Any], ...]   # (parent, AHPResult) for each node the experts compared
    notes: tuple[str, ...]


def matrices(table: pd.DataFrame, parent: str, kids: list[str]) -> list[pd.DataFrame]:
    """One reciprocal judgement matrix per expert for ``parent``."""
    out = []
    for _, rows in table[table["parent"] == parent].groupby("expert", sort=False):
        m = pd.DataFrame(np.ones((len(kids), len(kids))), index=kids, columns=kids)
        for r in rows.itertuples():
            v = scale_value(r.value)
            m.loc[r.a, r.b] = v
            m.loc[r.b, r.a] = 1 / v
        out.append(m)
    return out


def ahp_weights(indicators: pd.DataFrame, table: pd.DataFrame, *, total: float, decimals: int = 2,
                ri: str = "cn") -> DerivedWeights:
    """Leaf weights from the experts' judgements; uncompared levels keep the table's proportions."""
    from .weights import ahp

    w = indicators["weight"].astype(float)
    share = {"level1": {}, "level2": {}, "name": {}}
    nodes = []
    for parent in dict.fromkeys(table["parent"]):
        level, kids = _children(indicators, parent)
        res = ahp(matrices(table, parent, kids), ri=ri)
        nodes.append((parent, res))
        for kid, value in res.weights.items():
            share[level][(parent, kid)] = float(value)
    l1_total = w.groupby(indicators["level1"], sort=False).sum()
    root = next((p for p in TOP if any(k[0] == p for k in share["level1"])), None)
    frac = np.ones(len(indicators))
    for i, (label, r) in enumerate(indicators.iterrows()):
        f1 = share["level1"].get((root, r["level1"])) if root else None
        f1 = f1 if f1 is not None else l1_total[r["level1"]] / w.sum()
        in_l1 = indicators["level1"] == r["level1"]
        l2_total = w[in_l1].groupby(indicators.loc[in_l1, "level2"], sort=False).sum()
        f2 = share["level2"].get((r["level1"], r["level2"]))
        f2 = f2 if f2 is not None else (l2_total[r["level2"]] / l2_total.sum() if l2_total.sum() else 0.0)
        in_l2 = in_l1 & (indicators["level2"] == r["level2"])
        f3 = share["name"].get((r["level2"], r["name"]), share["name"].get((f"{r['level1']}/{r['level2']}", r["name"])))
        f3 = f3 if f3 is not None else (w[label] / w[in_l2].sum() if w[in_l2].sum() else 0.0)
        frac[i] = f1 * f2 * f3
    raw = frac * total
    rounded = _largest_remainder(raw, total, decimals)
    notes = ("指标权重由专家两两比较判断（1～9 标度）按层次分析法计算：多位专家的判断矩阵按几何平均合并，取最大特征值对应的特征向量；"
             "未作比较的层级沿用指标表中的相对权重；各三级指标分值按最大余数法保留两位小数，合计等于总分。"
             "定性指标的评分按其占分值的比例随分值调整，扣分项的扣分不变。",)
    return DerivedWeights(pd.Series(rounded, index=indicators.index), tuple(nodes), notes)


def _largest_remainder(raw: np.ndarray, total: float, decimals: int) -> np.ndarray:
    unit = 10 ** decimals
    scaled = raw * unit
    floor = np.floor(scaled + 1e-9)
    left = int(round(total * unit - floor.sum()))
    order = np.argsort(-np.round(scaled - floor, 9), kind="stable")     # ties: table order, not float noise
    floor[order[:left]] += 1
    return floor / unit


def check_weighting(case_weighting: str, judgements: pd.DataFrame | None) -> list[Problem]:
    if case_weighting == "ahp" and (judgements is None or judgements.empty):
        return [Problem("权重来源为层次分析法（weighting: ahp），但案例没有专家判断表", None, None, "indicators")]
    return []


__all__ = ["DerivedWeights", "ahp_weights", "check_judgements", "check_survey", "questions", "scale_value",
           "survey_actuals"]
