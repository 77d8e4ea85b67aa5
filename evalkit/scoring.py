"""Indicator-system scoring (指标评分法): leaf scores, level subtotals, 得分率 and the grade.

The rules are those of the domain standard §4. Every rule the standard marks unverified [U] or
interpretation [I] is a parameter of a :class:`Scheme`, and :meth:`Scheme.rules` lists them with
their status so the report can say which rules scored it.

Arithmetic is exact: each leaf score is rounded half-up to ``Scheme.decimals`` places in decimal
arithmetic and the subtotals and total are exact sums of those, so a table that adds to 80.00 by
hand grades 良 and a 定性 score of exactly 0.8·w sits in the 达成 band.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from ._result import Result, html_view
from .errors import InputError
from .schemes import (
    BUDGET_BASES,
    DERIVED,
    REVERSE_FORMULAS,
    SURVEY_FORMULAS,
    Scheme,
    _band_limits,
    _dec,
    _fmt,
    _missing,
    check_indicators,
    get_scheme,
)

# ----------------------------------------------------------------------------------------------
# Scoring

RULE_TEXT = {
    "positive": "正向：A≥T 得满分，否则 w·A/T",
    "reverse-linear": "反向：" + REVERSE_FORMULAS["linear"],
    "reverse-ratio": "反向：" + REVERSE_FORMULAS["ratio"],
    "zero-target": "指标值为 0：A≤0 得满分，否则 0 分",
    "qualitative": "定性：评价组在所属档次内评定",
    "deduction": "扣分制：分值减去各项扣分，扣完为止",
    "survey-proportional": "满意度：" + SURVEY_FORMULAS["proportional"],
    "survey-threshold": "满意度：" + SURVEY_FORMULAS["threshold"],
}


@dataclass(frozen=True, eq=False, repr=False)
class Scorecard(Result):
    """The scored indicator system. Scores in points; rates (得分率) as fractions.

    ``indicators`` has one row per 三级指标 with the columns of the case table plus ``rule``
    (a rule id of :data:`RULE_TEXT`), ``score``, ``rate`` (score ÷ weight), ``band`` and ``note``.
    ``levels`` and ``sublevels`` hold the 一级 and 二级 subtotals (``weight``, ``score``, ``rate``).
    """

    scheme: Scheme
    total: float
    grade: str
    indicators: pd.DataFrame
    levels: pd.DataFrame
    sublevels: pd.DataFrame
    deductions: pd.DataFrame
    output_benefit_share: float | None      # 产出+效益 weight as % of the total
    notes: tuple[str, ...] = ()
    weighting: Any = None                   # report.analyses.DerivedWeights when the weights came from AHP

    def table(self) -> pd.DataFrame:
        """The per-indicator table."""
        return self.indicators

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers for ``results.json``."""
        return {
            "scheme": self.scheme.name,
            "score": self.total,
            "grade": self.grade,
            "subtotals": {r.level1: r.score for r in self.levels.itertuples()},
            "rates": {r.level1: r.rate for r in self.levels.itertuples()},
            "weights": {r.level1: r.weight for r in self.levels.itertuples()},
            "output_benefit_share": self.output_benefit_share,
            "lost_points": [
                {"code": r.code, "name": r.name, "weight": r.weight, "score": r.score}
                for r in self.indicators.itertuples() if r.score < r.weight
            ],
        }

    def _headline(self) -> dict[str, Any]:
        return {"total": self.total, "grade": self.grade, "indicators": len(self.indicators),
                "scheme": self.scheme.name}

    def _repr_html_(self) -> str:
        """The total, the grade and the 一级指标 table: 分值, 得分 and 得分率 as a percentage."""
        levels = pd.DataFrame({"一级指标": self.levels["level1"],
                               "分值": [f"{w:.2f}" for w in self.levels["weight"]],
                               "得分": [f"{s:.2f}" for s in self.levels["score"]],
                               "得分率": ["—" if r != r else f"{r * 100:.2f}%" for r in self.levels["rate"]]})
        return html_view("评分结果", {"总分": f"{self.total:.2f}", "等级": self.grade,
                                  "评分方案": self.scheme.name}, levels, self.notes)


def score(indicators: pd.DataFrame, *, scheme: str | Scheme = "mof-2020-key",
          deductions: pd.DataFrame | None = None, funding: Mapping[str, float] | None = None) -> Scorecard:
    """Score an indicator system: leaf scores, 一级/二级 subtotals, 得分率, total and grade.

    Parameters
    ----------
    indicators
        A canonical indicator table as :func:`evalkit.load_case` produces it (``Case.indicators``);
        to score a case with what its evidence derives (survey actuals, AHP weights) use
        :func:`evalkit.report.analyses.scorecard`.
    scheme
        A scheme name or object (default ``mof-2020-key``).
    deductions
        The 扣分明细 table (``code``, ``points``, ``reason``).
    funding
        ``planned``/``allocated``/``spent`` in 元, to derive 预算执行率 and 资金到位率 left empty.

    Returns
    -------
    Scorecard

    Raises
    ------
    InputError
        If the table cannot be scored: the message lists every problem with its row.

    Notes
    -----
    Formulas of the domain standard §4 (see ``docs/case-format.md`` §3); every leaf score is
    rounded half-up to ``scheme.decimals`` places and the total is their exact sum.
    Checked against: the hand-worked ``expected.json`` of each example case.

    Examples
    --------
    >>> t = pd.DataFrame({"code": ["C11", "D11"], "level1": ["产出", "效益"], "level2": ["数量", "效益"],
    ...     "name": ["完成率", "满意度"], "weight": [60.0, 40.0], "type": ["定量", "满意度"],
    ...     "direction": ["正向", ""], "target": [100.0, 90.0], "actual": [95.0, 81.0], "unit": ["%", "%"]})
    >>> card = score(t)
    >>> card.total, card.grade, list(card.indicators["score"])
    (93.0, '优', [57.0, 36.0])
    """
    if not isinstance(indicators, pd.DataFrame):
        raise InputError(f"score() 需要一个指标体系表（pandas.DataFrame），实际为 {type(indicators).__name__}"
                         "；为案例评分请用 evalkit.report.analyses.scorecard(case)")
    indicators = _complete(indicators)
    the_scheme = get_scheme(scheme)
    if deductions is None:
        deductions = pd.DataFrame({"code": [], "points": [], "reason": [], "evidence": []})
    problems = check_indicators(indicators, the_scheme, deductions=deductions, funding=funding)
    if problems:
        lines = [(f"第{p.row}行 " if p.row is not None else "") + (f"{p.column}：" if p.column else "") + p.message
                 for p in problems]
        raise InputError("指标体系无法评分：\n" + "\n".join(lines))
    return _score(indicators, the_scheme, deductions, funding)


def reweighted(indicators: pd.DataFrame, weights: pd.Series, scheme: Scheme) -> pd.DataFrame:
    """The indicator table with new leaf ``weights`` (points, aligned with its rows): a 定性 score
    given in the table's points keeps its share of the weight, inside its band after rounding; the
    stated 一级/二级 weights are dropped (they follow from the leaves)."""
    ratio = (weights / indicators["weight"]).where(indicators["weight"] > 0, 0.0)
    q = Decimal(1).scaleb(-scheme.decimals)
    rescaled = [_rescale(s, k, g, w, scheme, q) if t == "定性" and not _missing(s) else s
                for s, k, g, w, t in zip(indicators["score"], ratio, indicators["grade"], weights, indicators["type"])]
    return indicators.assign(weight=weights, score=rescaled, level1_weight=float("nan"), level2_weight=float("nan"))


def _rescale(score_: float, ratio: float, grade: str, weight: float, scheme: Scheme, q: Decimal) -> float:
    """A 定性 score moved to a new weight, kept inside its band after rounding."""
    from decimal import ROUND_CEILING, ROUND_FLOOR

    s = (_dec(score_) * _dec(ratio)).quantize(q, ROUND_HALF_UP)
    if grade in ("达成", "部分达成", "未达成"):
        lo, hi = _band_limits(grade, _dec(weight), scheme)
        top_open = grade != "达成"
        if s < lo:
            s = lo.quantize(q, ROUND_CEILING)
        if s > hi or (top_open and s >= hi):
            s = (hi - q if top_open and hi.quantize(q, ROUND_FLOOR) == hi else hi).quantize(q, ROUND_FLOOR)
    return float(s)


def _complete(df: pd.DataFrame) -> pd.DataFrame:
    """A bare table with the optional columns the scorer reads filled in."""
    df = df.copy()
    for col in ("direction", "unit", "grade", "basis", "description", "standard", "deviation"):
        if col not in df:
            df[col] = ""
    for col in ("target", "actual", "score", "level1_weight", "level2_weight"):
        if col not in df:
            df[col] = float("nan")
    if "code" not in df:
        df["code"] = [f"{i + 1}" for i in range(len(df))]
    return df


def _score(df: pd.DataFrame, scheme: Scheme, ded: pd.DataFrame,
           funding: Mapping[str, float] | None) -> Scorecard:
    q = Decimal(1).scaleb(-scheme.decimals)
    notes: list[str] = []
    out_rows = []
    ded_by_code = ded.groupby("code")["points"].apply(lambda s: sum(map(_dec, s), Decimal(0))).to_dict() \
        if len(ded) else {}
    for _row, r in df.iterrows():
        w = _dec(r["weight"])
        kind = r["type"]
        target = None if _missing(r.get("target")) else _dec(r["target"])
        actual = None if _missing(r.get("actual")) else _dec(r["actual"])
        note = ""
        if kind == "定量" and actual is None:          # derivable, checked above
            name = str(r["name"]).strip()
            base_key = scheme.budget_execution_base if DERIVED[name] == "spent" else "planned"
            base = _dec(funding[base_key])
            actual = (_dec(funding[DERIVED[name]]) / base * 100) if base else Decimal(0)
            note = (f"实际完成值按{'执行数' if DERIVED[name] == 'spent' else '到位数'} ÷ "
                    f"{BUDGET_BASES[base_key]}计算，为 {actual.quantize(Decimal('0.01'), ROUND_HALF_UP)}%")
            notes.append(f"{r['code']} {name}：{note}")
        if kind == "定量":
            rule, raw = _quantitative(r["direction"], w, target, actual, scheme)
            over = _overachieved(r["direction"], target, actual, scheme)
            if over:
                need = "已说明偏差原因" if not _missing(r.get("deviation")) else "尚未说明偏差原因"
                msg = f"实际完成值超过指标值的 {_fmt(_dec(scheme.overachievement_ratio) * 100)}%，{need}"
                note = "；".join(filter(None, [note, msg]))
                notes.append(f"{r['code']} {r['name']}：{msg}")
        elif kind == "满意度":
            rule = f"survey-{scheme.survey_formula}"
            if scheme.survey_formula == "threshold":
                raw = w if actual >= target else Decimal(0)
            else:
                raw = w * min(Decimal(1), actual / target)
        elif kind == "定性":
            rule, raw = "qualitative", _dec(r["score"])
        else:
            rule = "deduction"
            raw = max(Decimal(0), w - ded_by_code.get(r["code"], Decimal(0)))
        s = min(w, max(Decimal(0), raw)).quantize(q, ROUND_HALF_UP)
        rate = (s / w) if w else None
        band = r["grade"] if kind == "定性" else _band_of(rate, scheme)
        out_rows.append({**r.to_dict(), "actual": float(actual) if actual is not None else float("nan"),
                         "rule": rule, "score_dec": s, "rate": float(rate) if rate is not None else float("nan"),
                         "band": band, "note": note})
    ind = pd.DataFrame(out_rows, index=df.index)
    ind["level1"] = ind["level1"].map(lambda x: scheme.canonical_level1(x) or x)
    ind["score"] = ind["score_dec"].map(float)
    ind["weight_dec"] = ind["weight"].map(_dec)
    total = sum(ind["score_dec"], Decimal(0))
    levels = _subtotals(ind, ["level1"], order=scheme.level1)
    sublevels = _subtotals(ind, ["level1", "level2"], order=scheme.level1)
    share = None
    weight_total = sum(ind["weight_dec"], Decimal(0))
    if scheme.output_benefit and weight_total:
        ob = sum((d for l1, d in zip(ind["level1"], ind["weight_dec"]) if l1 in scheme.output_benefit),
                 Decimal(0))
        share = float(ob / weight_total * 100)
        if scheme.min_output_benefit is not None:
            notes.append(f"{'与'.join(scheme.output_benefit)}指标分值合计占 {share:.2f}%，"
                         f"符合不低于 {_fmt(_dec(scheme.min_output_benefit))}% 的要求")
    ind = ind.drop(columns=["score_dec", "weight_dec"])
    ded_out = ded.copy()
    return Scorecard(scheme=scheme, total=float(total), grade=scheme.grade(total), indicators=ind,
                     levels=levels, sublevels=sublevels, deductions=ded_out, output_benefit_share=share,
                     notes=tuple(notes))


def _subtotals(ind: pd.DataFrame, keys: list[str], order: tuple[str, ...]) -> pd.DataFrame:
    rows = []
    for key, g in ind.groupby(keys, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        w = sum(g["weight_dec"], Decimal(0))
        s = sum(g["score_dec"], Decimal(0))
        rows.append({**dict(zip(keys, key)), "weight": float(w), "score": float(s),
                     "rate": float(s / w) if w else float("nan"), "count": len(g)})
    out = pd.DataFrame(rows)
    rank = {name: i for i, name in enumerate(order)}
    out["_o"] = out["level1"].map(lambda x: rank.get(x, len(rank)))
    return out.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)


def _quantitative(direction: str, w: Decimal, t: Decimal, a: Decimal, scheme: Scheme) -> tuple[str, Decimal]:
    if direction in ("反向", "等于") and t == 0:
        return "zero-target", (w if a <= 0 else Decimal(0))
    if direction == "反向":
        if scheme.reverse_formula == "ratio":
            return "reverse-ratio", (w if a <= t else w * t / a)
        if a <= t:
            return "reverse-linear", w
        return "reverse-linear", (Decimal(0) if a >= 2 * t else w * (2 - a / t))
    if t == 0:
        return "positive", (w if a >= 0 else Decimal(0))
    return "positive", (w if a >= t else w * a / t)


def _overachieved(direction: str, t: Decimal | None, a: Decimal | None, scheme: Scheme) -> bool:
    if direction != "正向" or t is None or a is None:
        return False
    if t == 0:
        return a >= _dec(scheme.overachievement_zero_target)
    return a >= _dec(scheme.overachievement_ratio) * t


def _band_of(rate: Decimal | None, scheme: Scheme) -> str:
    if rate is None:
        return ""
    hi, lo = (Decimal(repr(b)) for b in scheme.qualitative_bands)
    return "达成" if rate >= hi else "部分达成" if rate >= lo else "未达成"


__all__ = ["RULE_TEXT", "Scorecard", "reweighted", "score"]
