"""公众评判法: satisfaction surveys — rates with Wilson intervals, a composite index, group comparisons,
Cronbach's alpha for the questionnaire, and the sample size a survey needs.

Domain standard §4.5 and §6: a satisfaction rate is satisfied ÷ valid answers; with several levels
(很不满意 … 很满意) a composite index is needed and practice varies, so the level scores
(default 20/40/60/80/100, [U]) are a parameter; the regime sets no sample-size rule, so the
standard proportion formula with a finite-population correction is used and named.

Conventions that change answers, and the options offered:

- a rate counts the answers in ``satisfied`` (default 4 and 5: 满意、很满意); a blank answer (NaN) is
  no answer and leaves that item only;
- the overall rate is ``overall="pooled"`` (default: all valid answers of all items together, the
  common 有效答案 reading) or ``"respondent"`` (a respondent is satisfied when the mean of his or her
  answers is at least min(satisfied)); both are computed, the other is in ``alternative``;
- intervals are Wilson score intervals; for the pooled rate the answers of one respondent are not
  independent, so the interval uses the effective sample size n_eff = p(1 − p) / v, v the variance
  of the ratio Σ s_i / Σ a_i linearised over respondents (s_i satisfied and a_i valid answers of
  respondent i). With one answer per respondent n_eff = n and the ordinary interval results.

Hostile input: numbers in tables and numeric arguments are read strictly, by the shared readers of
``evalkit._checks`` (``read_number``): anything but a plain number is refused with an InputError that
names the column and position (or the argument), never guessed; so is a figure that would overflow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _checks
from ._fmt import value
from ._result import Result
from .errors import InputError

OVERALL = {
    "pooled": "全部题目的有效答案合并计算",
    "respondent": "以受访者为单位，其各题回答的平均值达到满意档下限即计为满意",
}
LABELS_5 = ("很不满意", "不满意", "一般", "满意", "很满意")
MAX_SCALE = 11
MAX_SCORE = 1e6                  # a level score beyond it is a typing error
MAX_SAMPLE = 1e15                # a sample size beyond it means a margin typed wrong


# ----------------------------------------------------------------------------------------------
# Shared pieces


def _z(confidence: float) -> float:
    from scipy import stats

    return float(stats.norm.ppf(0.5 + confidence / 2))


def _confidence(confidence: Any) -> float:
    conf = _checks.real(confidence, "confidence", above=0)
    if conf >= 1:
        raise InputError(f"confidence 必须小于 1，实际为 {conf:g}")
    return conf


def _wilson(p: float, n: float, z: float) -> tuple[float, float]:
    """Wilson (1927) score interval for a proportion p observed on n trials (n may be an effective,
    non-integer sample size): (p + z²/2n ± z·√(p(1 − p)/n + z²/4n²)) / (1 + z²/n)."""
    if not n > 0 or not math.isfinite(p):
        return math.nan, math.nan
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(max(p * (1 - p), 0.0) / n + z * z / (4 * n * n)) / denom
    lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    return (0.0 if p <= 0 else lo), (1.0 if p >= 1 else hi)     # exact at the ends, where rounding bites


def _fpc(population: int | None, n: float) -> float:
    """Finite-population correction √((N − n)/(N − 1)); 1 when N is unknown."""
    if population is None:
        return 1.0
    return math.sqrt((population - n) / (population - 1)) if population > 1 else 0.0


def _labels(scale: int) -> tuple[str, ...]:
    return LABELS_5 if scale == 5 else tuple(str(k) for k in range(1, scale + 1))


def _level_scores(level_scores: Any, scale: int) -> dict[int, float]:
    if level_scores is None:
        return {k: 100.0 * k / scale for k in range(1, scale + 1)}
    if isinstance(level_scores, Mapping):
        keys = {}
        for k, v in level_scores.items():
            f, why = _checks.read_number(k)
            if why is not None or f != int(f):
                raise InputError(f"level_scores 的键应为 1～{scale} 的等级，实际有 {k!r}")
            kk = int(f)
            keys[kk] = _score(v, f"level_scores 中等级 {kk} 的分值")
        missing = [k for k in range(1, scale + 1) if k not in keys]
        extra = sorted(k for k in keys if not 1 <= k <= scale)
        if missing or extra:
            what = "；".join(([f"缺少等级 {', '.join(map(str, missing))}"] if missing else [])
                            + ([f"多出等级 {', '.join(map(str, extra))}"] if extra else []))
            raise InputError(f"level_scores 应为 1～{scale} 每个等级一个分值：{what}")
        return {k: keys[k] for k in range(1, scale + 1)}
    if isinstance(level_scores, (str, bytes)) or not isinstance(level_scores, (Sequence, np.ndarray)):
        raise InputError(f"level_scores 应为「等级 → 分值」的映射或按等级 1～{scale} 排列的序列，"
                         f"实际为 {type(level_scores).__name__}")
    if len(level_scores) != scale:
        raise InputError(f"level_scores 应有 {scale} 个分值（等级 1～{scale}），实际为 {len(level_scores)} 个")
    return {k + 1: _score(v, f"level_scores 第 {k + 1} 个分值") for k, v in enumerate(level_scores)}


def _hashable(v: Any) -> bool:
    try:
        hash(v)
    except TypeError:
        return False
    return True


def _score(v: Any, name: str) -> float:
    """A level score: a finite number within ±MAX_SCORE (an index beyond it is a typing error)."""
    x = _checks.real(v, name)
    if abs(x) > MAX_SCORE:
        raise InputError(f"{name}为 {x:g}，超出合理范围（绝对值应不超过 {MAX_SCORE:,.0f}）")
    return x


def _answers(responses: pd.DataFrame, items: Sequence[str], scale: int) -> np.ndarray:
    """The item columns as a float matrix, NaN for no answer; every answer an integer 1 … scale."""
    out = []
    for c in items:
        raw = responses[c]
        blank = raw.isna()
        if not pd.api.types.is_numeric_dtype(raw):          # numbers cannot be blank text: no per-cell look
            blank = blank | raw.map(lambda v: isinstance(v, str) and not v.strip())
        num = None
        if raw.dtype.kind in "iufO":
            try:
                num = pd.to_numeric(raw.where(~blank), errors="coerce")
            except (OverflowError, TypeError, ValueError):
                pass
        if num is None or num.dtype.kind not in "iuf" or (raw.dtype.kind == "O" and
                                                          raw.map(type).isin([bool, np.bool_]).any()):
            # booleans, complex or huge numbers: each cell read exactly (True is no answer 1)
            num = pd.Series([math.nan if b else _checks.read_number(v)[0] for v, b in zip(raw.array, blank)],
                            index=raw.index, dtype=float)
        bad = (~blank & (num.isna() | (num % 1 != 0) | (num < 1) | (num > scale))).to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            v = raw.iloc[i]
            f, why = _checks.read_number(v)
            shown = f"「{v}」" if isinstance(v, str) else f" {f:g}" if why is None else f" {why}"
            raise InputError(f"responses 列 {c} 第 {i + 1} 行的回答为{shown}，应为 1～{scale} 的整数"
                             "（空值表示未作答）")
        out.append(num.to_numpy(dtype=float))
    return np.column_stack(out)


@dataclass(frozen=True)
class _Stats:
    n: int
    satisfied: int
    rate: float
    ci_low: float
    ci_high: float
    index: float
    effective_n: float
    margin: float | None


def _binary(flags: np.ndarray, scores: np.ndarray, z: float, population: int | None) -> _Stats:
    """Rate, Wilson interval, index and margin of independent yes/no outcomes."""
    n = len(flags)
    k = int(flags.sum())
    p = k / n if n else math.nan
    lo, hi = _wilson(p, n, z)
    margin = z * math.sqrt(p * (1 - p) / n) * _fpc(population, n) if population is not None and n else None
    return _Stats(n, k, p, lo, hi, float(scores.mean()) if n else math.nan, float(n), margin)


def _pooled(sat: np.ndarray, valid: np.ndarray, scores: np.ndarray, z: float, population: int | None) -> _Stats:
    """All valid answers together; the interval uses the effective n of the ratio over respondents.

    ``sat`` and ``valid``: respondents × items booleans; ``scores``: level scores (NaN for no answer).
    """
    keep = valid.any(axis=1)
    s, a = sat[keep].sum(axis=1).astype(float), valid[keep].sum(axis=1).astype(float)
    total, k = float(a.sum()), int(s.sum())
    if total == 0:
        return _Stats(0, 0, math.nan, math.nan, math.nan, math.nan, 0.0, None)
    p = k / total
    v = float(((s - p * a) ** 2).sum() / total ** 2)       # ratio linearisation over respondents
    n_eff = min(p * (1 - p) / v, total) if v > 0 else float(keep.sum())
    lo, hi = _wilson(p, n_eff, z)
    margin = z * math.sqrt(p * (1 - p) / n_eff) * _fpc(population, int(keep.sum())) \
        if population is not None else None
    return _Stats(int(total), k, p, lo, hi, float(np.nanmean(scores[keep])), float(n_eff), margin)


def _respondent(x: np.ndarray, scores: np.ndarray, threshold: int, z: float, population: int | None) -> _Stats:
    keep = ~np.isnan(x).all(axis=1)
    flags = np.nanmean(x[keep], axis=1) >= threshold if keep.any() else np.zeros(0, bool)
    person = np.nanmean(scores[keep], axis=1) if keep.any() else np.zeros(0)
    return _binary(flags, person, z, population)


# ----------------------------------------------------------------------------------------------
# Satisfaction


@dataclass(frozen=True)
class OverallSatisfaction:
    """The overall satisfaction under one definition (``"pooled"`` or ``"respondent"``).

    ``n`` is the number of valid answers (pooled) or of respondents with at least one answer
    (respondent); ``effective_n`` the sample size the Wilson interval used; ``index`` the mean level
    score; ``margin`` the margin of error z·√(p(1 − p)/n_eff)·√((N − n)/(N − 1)) when the sampling
    frame size N is known, else None.
    """

    definition: str
    n: int
    satisfied: int
    rate: float
    ci_low: float
    ci_high: float
    index: float
    effective_n: float
    respondents: int
    margin: float | None


@dataclass(frozen=True, eq=False, repr=False)
class SatisfactionResult(Result):
    """Satisfaction by item and overall. Rates are fractions, the index is on the level-score scale.

    ``items``: one row per item — ``item``, ``n`` (valid answers), ``missing``, ``satisfied``,
    ``rate``, ``ci_low``, ``ci_high``, ``index``, ``mean`` (mean answer), ``margin`` (NaN without
    ``population``) and ``level_1`` … ``level_k`` (answers per level). ``by_group``: ``group``
    (the column), ``level`` (its value), ``item`` (an item or ``总体``), ``n``, ``satisfied``,
    ``rate``, ``ci_low``, ``ci_high``, ``index``. ``group_tests``: ``group``, ``item``, ``chi2``,
    ``dof``, ``p_value``, ``min_expected`` (Pearson's chi-square of satisfied / not satisfied across the
    group's levels; the ``总体`` row uses respondents, which are independent; NaN where fewer than two
    levels have answers or every answer is on one side). ``test_counts``: what each test compares,
    ``group``, ``item``, ``level``, ``satisfied``, ``n`` (levels without an answer left out).
    """

    items: pd.DataFrame
    overall: OverallSatisfaction
    alternative: OverallSatisfaction
    by_group: pd.DataFrame
    group_tests: pd.DataFrame
    scale: int
    satisfied: tuple[int, ...]
    level_scores: dict[int, float]
    confidence: float
    respondents: int
    approached: int | None
    response_rate: float | None
    population: int | None
    test_counts: pd.DataFrame
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        """One row per item and a last row ``总体`` (the chosen overall definition): ``item``, ``n``,
        ``satisfied``, ``rate``, ``ci_low``, ``ci_high``, ``index``."""
        cols = ["item", "n", "satisfied", "rate", "ci_low", "ci_high", "index"]
        o = self.overall
        last = pd.DataFrame([{"item": "总体", "n": o.n, "satisfied": o.satisfied, "rate": o.rate,
                              "ci_low": o.ci_low, "ci_high": o.ci_high, "index": o.index}])
        return pd.concat([self.items[cols], last], ignore_index=True)

    def plot(self, labels: dict[str, str] | None = None) -> Any:
        """Diverging stacked bars of the answer shares per item (a Likert chart): dissatisfied levels
        to the left, the neutral level centred on 0, satisfied levels to the right. ``labels`` names
        the items on the chart (item column → question text); an item without one shows its column."""
        counts = self.items[[f"level_{k}" for k in range(1, self.scale + 1)]].to_numpy(dtype=float)
        totals = counts.sum(axis=1, keepdims=True)
        shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
        from . import charts

        names = [(labels or {}).get(i, i) for i in self.items["item"]]
        return charts.likert(names, shares, list(_labels(self.scale)))

    def _headline(self) -> dict[str, Any]:
        o = self.overall
        return {"respondents": self.respondents, "items": len(self.items), "rate": o.rate, "ci_low": o.ci_low,
                "ci_high": o.ci_high, "index": o.index}


def _group_stats(x: np.ndarray, scores: np.ndarray, sat: np.ndarray, items: list[str], threshold: int,
                 definition: str, z: float) -> list[dict[str, Any]]:
    rows = []
    valid = ~np.isnan(x)
    for j, item in enumerate(items):
        v = valid[:, j]
        s = _binary(sat[v, j], scores[v, j], z, None)
        rows.append({"item": item, "n": s.n, "satisfied": s.satisfied, "rate": s.rate, "ci_low": s.ci_low,
                     "ci_high": s.ci_high, "index": s.index})
    o = _pooled(sat, valid, scores, z, None) if definition == "pooled" else _respondent(x, scores, threshold, z, None)
    rows.append({"item": "总体", "n": o.n, "satisfied": o.satisfied, "rate": o.rate, "ci_low": o.ci_low,
                 "ci_high": o.ci_high, "index": o.index})
    return rows


def _chi2(group: str, item: str, levels: list[str], yes: np.ndarray, no: np.ndarray) -> dict[str, Any]:
    """Pearson's chi-square of satisfied / not satisfied across the levels that have answers; the
    row also holds the counts compared (``counts``: (level, satisfied, n) per level)."""
    from scipy import stats

    keep = (yes + no) > 0
    levels = [lv for lv, k in zip(levels, keep) if k]
    yes, no = yes[keep], no[keep]
    row = {"group": group, "item": item, "chi2": math.nan, "dof": math.nan, "p_value": math.nan,
           "min_expected": math.nan, "counts": [(lv, int(y), int(y + n)) for lv, y, n in zip(levels, yes, no)]}
    if len(levels) < 2 or yes.sum() == 0 or no.sum() == 0:
        return row
    chi2, p, dof, expected = stats.chi2_contingency(np.vstack([yes, no]), correction=True)
    row.update(chi2=float(chi2), dof=float(dof), p_value=float(p), min_expected=float(expected.min()))
    return row


def satisfaction(responses: pd.DataFrame, *, items: Sequence[str], scale: int = 5,
                 satisfied: Sequence[int] = (4, 5), level_scores: Mapping[int, float] | Sequence[float] | None = None,
                 groups: Sequence[str] | None = None, population: int | None = None,
                 approached: int | None = None, confidence: float = 0.95,
                 overall: str = "pooled") -> SatisfactionResult:
    """Satisfaction rate, Wilson interval and composite index per item and overall, by group if asked.

    Parameters
    ----------
    responses
        One row per respondent; each item column holds integer answers 1 … ``scale`` (1 = 很不满意,
        ``scale`` = 很满意); NaN or a blank string means no answer and is left out of that item.
    items
        The item columns.
    scale
        Number of answer levels (2 to 11).
    satisfied
        The levels that count as satisfied (default 4 and 5: 满意、很满意).
    level_scores
        Score of each level for the composite index: a mapping level → score or a sequence for
        levels 1 … ``scale``. Default 100·level/scale (20/40/60/80/100 on a 5-level scale).
    groups
        Columns describing respondents (区域, 身份 …): rates per level of each, with a chi-square test.
    population
        Size N of the sampling frame, for the margin of error with the finite-population correction.
    approached
        Number of people asked, for the response rate (respondents with at least one answer ÷
        ``approached``).
    confidence
        Level of the intervals, as a fraction.
    overall
        ``"pooled"`` (default) or ``"respondent"``; see the module notes. Both are computed.

    Returns
    -------
    SatisfactionResult

    Raises
    ------
    InputError
        If a column is missing, an answer is not an integer 1 … ``scale`` (naming the column and row;
        text "4" is read as 4, but True, "４" and "满意" are refused), a level score is beyond
        ±1,000,000,
        ``satisfied`` or ``level_scores`` do not fit the scale, no answer is given at all, or
        ``population`` / ``approached`` are smaller than the number of respondents.

    Notes
    -----
    rate = Σ[answer ∈ satisfied] / n; index = Σ score(answer) / n; Wilson interval
    (p + z²/2n ± z·√(p(1 − p)/n + z²/4n²)) / (1 + z²/n) (Wilson 1927; Newcombe 1998, method 3);
    margin = z·√(p(1 − p)/n)·√((N − n)/(N − 1)). Pooled overall: p = Σ s_i / Σ a_i over respondents i,
    v = Σ (s_i − p·a_i)² / (Σ a_i)², n_eff = p(1 − p)/v (at most Σ a_i; n_eff = respondents when
    p is 0 or 1). Group tests: scipy ``chi2_contingency`` (Yates' correction when there are two levels).
    Checked against: Newcombe's (1998) worked intervals (tests/reference/survey_wilson_newcombe.csv),
    statsmodels ``proportion_confint(method="wilson")``, the pooled variance and the chi-square
    recomputed independently in tests/test_survey.py.

    Examples
    --------
    >>> data = pd.DataFrame({"服务态度": [5, 4, 4, 3, 5, 2, 4, None],
    ...                      "办事效率": [4, 4, 3, 3, 5, 1, 5, 4]})
    >>> res = satisfaction(data, items=["服务态度", "办事效率"])
    >>> res.items[["item", "n", "satisfied", "rate", "index"]].round(3)
       item  n  satisfied   rate   index
    0  服务态度  7          5  0.714  77.143
    1  办事效率  8          5  0.625  72.500
    >>> o = res.overall
    >>> o.definition, o.n, o.satisfied, round(o.rate, 4), round(o.ci_low, 4), round(o.ci_high, 4)
    ('pooled', 15, 10, 0.6667, 0.3542, 0.8794)
    >>> round(o.effective_n, 6), o.respondents
    (9.0, 8)
    >>> res.alternative.definition, res.alternative.n, round(res.alternative.rate, 3)
    ('respondent', 8, 0.625)
    """
    _checks.frame(responses, "responses")
    if isinstance(items, str):
        raise InputError(f"items 应为题目列名的列表，实际为字符串 {items!r}（一个题目也请写成 [{items!r}]）")
    if not isinstance(items, (Sequence, np.ndarray, pd.Index)):
        raise InputError(f"items 应为题目列名的列表，实际为 {items!r}")
    items = list(items)
    if not items:
        raise InputError("items 至少需要一个题目列")
    dup = sorted({str(c) for c in items if items.count(c) > 1})
    if dup:
        raise InputError(f"items 中的列重复：{', '.join(dup)}")
    _checks.columns(responses, "responses", items)
    k_scale, why = _checks.read_number(scale)
    if why is not None or k_scale != int(k_scale) or not 2 <= k_scale <= MAX_SCALE:
        raise InputError(f"scale 应为 2～{MAX_SCALE} 的整数，实际为 {scale!r}")
    scale = int(k_scale)
    read = [_checks.read_number(s) for s in satisfied] \
        if isinstance(satisfied, (Sequence, np.ndarray, set, frozenset)) and not isinstance(satisfied, str) else []
    sat_levels = tuple(sorted({int(v) for v, why in read if why is None and v == int(v)}))
    if not sat_levels or len(sat_levels) != len(read) or not all(1 <= s <= scale for s in sat_levels):
        raise InputError(f"satisfied 应为 1～{scale} 中的一个或多个等级（各不相同），实际为 {satisfied!r}")
    scores_map = _level_scores(level_scores, scale)
    conf = _confidence(confidence)
    _checks.one_of(overall, "overall", OVERALL)
    if isinstance(groups, str) or not isinstance(groups, (Sequence, np.ndarray, pd.Index, type(None))):
        raise InputError(f"groups 应为分组列名的列表，实际为 {groups!r}（一个分组列也请写成 [{groups!r}]）")
    groups = list(groups or [])
    dup = sorted({str(g) for g in groups if groups.count(g) > 1})
    if dup:
        raise InputError(f"groups 中的列重复：{', '.join(dup)}")
    _checks.columns(responses, "responses", groups)
    twice = [c for c in (*items, *groups) if isinstance(responses[c], pd.DataFrame)]
    if twice:
        raise InputError(f"responses 有多个名为 {twice[0]} 的列，列名应各不相同")
    clash = [g for g in groups if g in items]
    if clash:
        raise InputError(f"groups 中的列 {', '.join(clash)} 同时是题目列")
    z = _z(conf)

    x = _answers(responses, items, scale)
    valid = ~np.isnan(x)
    answered = valid.any(axis=1)
    respondents = int(answered.sum())
    if respondents == 0:
        raise InputError(f"responses 的题目列（{', '.join(map(str, items))}）没有任何有效回答")
    for name, v in (("population", population), ("approached", approached)):
        if v is not None:
            iv = _checks.whole(v, name, at_least=1)
            if iv < respondents:
                raise InputError(f"{name} 为 {iv}，少于有回答的受访者数 {respondents}")
    population = int(population) if population is not None else None
    approached = int(approached) if approached is not None else None
    lookup = np.array([math.nan, *(scores_map[k] for k in range(1, scale + 1))])
    scores = np.where(valid, lookup[np.nan_to_num(x, nan=0).astype(int)], np.nan)
    sat = valid & np.isin(np.nan_to_num(x, nan=0), sat_levels)
    threshold = min(sat_levels)

    names = [str(c) for c in items]
    rows = []
    for j, item in enumerate(names):
        v = valid[:, j]
        s = _binary(sat[v, j], scores[v, j], z, population)
        row = {"item": item, "n": s.n, "missing": int((~v).sum()), "satisfied": s.satisfied, "rate": s.rate,
               "ci_low": s.ci_low, "ci_high": s.ci_high, "index": s.index,
               "mean": float(x[v, j].mean()) if s.n else math.nan,
               "margin": s.margin if s.margin is not None else math.nan}
        for level in range(1, scale + 1):
            row[f"level_{level}"] = int((x[v, j] == level).sum())
        rows.append(row)
    table = pd.DataFrame(rows)

    def summary(definition: str) -> OverallSatisfaction:
        st = (_pooled(sat, valid, scores, z, population) if definition == "pooled"
              else _respondent(x, scores, threshold, z, population))
        return OverallSatisfaction(definition=definition, n=int(st.n), satisfied=int(st.satisfied),
                                   rate=float(st.rate), ci_low=float(st.ci_low), ci_high=float(st.ci_high),
                                   index=float(st.index), effective_n=float(st.effective_n), respondents=respondents,
                                   margin=None if st.margin is None else float(st.margin))

    chosen = summary(overall)
    other = summary("respondent" if overall == "pooled" else "pooled")

    labels = _labels(scale)
    sat_text = "、".join(f"{k}（{labels[k - 1]}）" if scale == 5 else str(k) for k in sat_levels)
    score_text = "、".join(f"{labels[k - 1] if scale == 5 else k} {value(scores_map[k])}" for k in range(1, scale + 1))
    notes = [f"满意率 = 回答为{sat_text}的有效答案数 ÷ 该题有效答案数；未作答（空白）不计入该题。",
             (f"满意度指数 = 各有效答案等级分值的平均（{score_text}）；等级分值为常见做法，未见统一规定，"
              "可通过 level_scores 调整。"),
             (f"置信区间为 Wilson 得分区间（置信水平 {value(conf * 100, 1)}%）。总体满意率口径：{OVERALL[overall]}"
              + ("；同一受访者对各题的回答并不相互独立，总体满意率的区间按受访者计算的有效样本量"
                 f"（{value(chosen.effective_n, 1)}）求得。" if overall == "pooled" else "。")
              + f"另一口径（{OVERALL[other.definition]}）的满意率为 {value(100 * other.rate, 2)}%。")]
    if respondents < len(responses):
        notes.insert(0, f"{len(responses) - respondents} 份问卷没有回答任何题目，不计入（共 {len(responses)} 份，"
                        f"有效 {respondents} 份）。")
    empty = [item for item, n in zip(table["item"], table["n"]) if n == 0]
    if empty:
        notes.append(f"题目 {', '.join(empty)} 没有有效答案，满意率为空。")
    response_rate = respondents / approached if approached else None
    if approached:
        notes.append(f"共发放（接触）{approached} 人，有效回答 {respondents} 人，回收率 {value(100 * response_rate, 2)}%。")
    if population is not None:
        notes.append(f"抽样框总体 N = {population:,}；抽样误差（边际误差）= z·√(p(1 − p)/n)·√((N − n)/(N − 1))，"
                     f"总体满意率的抽样误差为 ±{value(100 * chosen.margin, 2)} 个百分点。")

    group_rows, test_rows = [], []
    alpha = 1 - conf
    flags = np.zeros(len(x), bool)            # respondent-level: the mean answer reaches the satisfied levels
    if groups:
        flags[answered] = np.nanmean(x[answered], axis=1) >= threshold
    for g in groups:
        # each distinct value is looked at once, not each respondent's cell: a level is the value as
        # text; empty and blank values are no level
        try:
            codes, uniques = pd.factorize(responses[g], use_na_sentinel=True)
        except TypeError:                     # a list or a dict in the column
            i = next(i for i, v in enumerate(responses[g].array) if not _hashable(v))
            raise InputError(f"responses 列 {g} 第 {i + 1} 行的分组值 {str(responses[g].iloc[i])[:30]} 无效"
                             "（应为文字或数字）") from None
        blank = [isinstance(u, str) and not u.strip() for u in uniques]
        levels = list(dict.fromkeys(str(u) for u, b in zip(uniques, blank) if not b))
        level_of = np.array([-1 if b else levels.index(str(u)) for u, b in zip(uniques, blank)] + [-1], np.int64)
        row_level = level_of[codes]                     # code −1 (missing) takes the last entry, −1
        known = row_level >= 0
        if (~known & answered).any():
            notes.append(f"分组列 {g} 有 {int((~known & answered).sum())} 位受访者未填，不参与按{g}的分组比较。")
        yes_by, tot_by = np.zeros((len(names), len(levels)), np.int64), np.zeros((len(names), len(levels)), np.int64)
        yes, tot = np.zeros(len(levels), np.int64), np.zeros(len(levels), np.int64)
        for k, lv in enumerate(levels):
            m = row_level == k
            yes_by[:, k], tot_by[:, k] = sat[m].sum(axis=0), valid[m].sum(axis=0)
            yes[k], tot[k] = (flags & answered & m).sum(), (answered & m).sum()
            for r in _group_stats(x[m], scores[m], sat[m], names, threshold, overall, z):
                group_rows.append({"group": g, "level": lv, **r})
        for j, item in enumerate(names):
            test_rows.append(_chi2(g, item, levels, yes_by[j], tot_by[j] - yes_by[j]))
        test_rows.append(_chi2(g, "总体", levels, yes, tot - yes))
    if groups:
        notes.append(f"组间比较为 Pearson 卡方检验（两组时含 Yates 连续性校正），显著性水平 {value(alpha, 2)}；"
                     "“总体”的检验以受访者为单位（其各题回答平均值达到满意档下限计为满意），因为同一受访者的各题回答不独立。")
    by_group = pd.DataFrame(group_rows, columns=["group", "level", "item", "n", "satisfied", "rate", "ci_low",
                                                 "ci_high", "index"])
    group_tests = pd.DataFrame(test_rows, columns=["group", "item", "chi2", "dof", "p_value", "min_expected"])
    test_counts = pd.DataFrame([{"group": r["group"], "item": r["item"], "level": lv, "satisfied": y, "n": n}
                                for r in test_rows for lv, y, n in r["counts"]],
                               columns=["group", "item", "level", "satisfied", "n"])
    return SatisfactionResult(items=table, overall=chosen, alternative=other, by_group=by_group,
                              group_tests=group_tests, scale=scale, satisfied=sat_levels, level_scores=scores_map,
                              confidence=conf, respondents=respondents, approached=approached,
                              response_rate=response_rate, population=population, test_counts=test_counts,
                              notes=tuple(notes))


# ----------------------------------------------------------------------------------------------
# Reliability


@dataclass(frozen=True, eq=False, repr=False)
class AlphaResult(Result):
    """Cronbach's alpha of a set of items. ``item_stats``: one row per item — ``item``, ``mean``,
    ``sd``, ``item_total`` (corrected item-total correlation: the item against the sum of the other
    items; NaN for a constant item) and ``alpha_if_deleted`` (NaN with two items)."""

    alpha: float
    ci_low: float
    ci_high: float
    confidence: float
    n: int                        # complete rows used
    k: int                        # items
    dropped: int                  # rows left out for a missing answer
    item_stats: pd.DataFrame
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return self.item_stats

    def _headline(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "ci_low": self.ci_low, "ci_high": self.ci_high, "k": self.k, "n": self.n}


def _alpha(x: np.ndarray) -> float:
    k = x.shape[1]
    total = x.sum(axis=1).var(ddof=1)
    return k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total) if np.ptp(x.sum(axis=1)) > 0 else math.nan


def cronbach_alpha(items: pd.DataFrame, *, confidence: float = 0.95) -> AlphaResult:
    """Cronbach's alpha with Feldt's confidence interval, corrected item-total correlations and alpha
    if an item is deleted.

    Parameters
    ----------
    items
        One row per respondent, one numeric column per item (at least 2). Rows with a missing
        answer are left out (listwise deletion).
    confidence
        Level of the interval, as a fraction.

    Returns
    -------
    AlphaResult

    Raises
    ------
    InputError
        If there are fewer than 2 items or 2 complete rows, a value is not a number, every row
        has the same total (alpha undefined), or the items' magnitudes differ by more than 1e8 (the
        small items would be lost in the totals: a unit or typing error).

    Notes
    -----
    α = k/(k − 1) · (1 − Σ s_i² / s_T²), s_i² the item variances and s_T² the variance of the row
    totals (Cronbach 1951). Feldt's interval (Feldt, Woodruff & Salih 1987): (1 − α)/(1 − α̂) ~ F with
    (n − 1, (n − 1)(k − 1)) degrees of freedom, so the limits are 1 − (1 − α̂)·F_{1−γ/2} and
    1 − (1 − α̂)·F_{γ/2}, γ = 1 − confidence.
    Checked against: the pingouin documentation example (α = 0.591719, 95 % interval 0.195 to 0.84;
    tests/reference/survey_alpha_pingouin.csv) and the formulas recomputed independently with
    pandas and scipy in tests/test_survey.py.

    Examples
    --------
    >>> data = pd.DataFrame({"q1": [4, 5, 3, 4, 2, 5], "q2": [4, 4, 3, 5, 2, 4], "q3": [3, 5, 2, 4, 3, 5]})
    >>> res = cronbach_alpha(data)
    >>> round(res.alpha, 4), round(res.ci_low, 4), round(res.ci_high, 4)
    (0.8754, 0.4724, 0.9812)
    >>> res.item_stats[["item", "item_total", "alpha_if_deleted"]].round(3)
      item  item_total  alpha_if_deleted
    0   q1       0.899             0.690
    1   q2       0.686             0.889
    2   q3       0.717             0.868
    """
    from scipy import stats

    _checks.frame(items, "items")
    names = [str(c) for c in items.columns]
    k = len(names)
    if k < 2:
        raise InputError(f"items 至少需要 2 列（题项），实际为 {k} 列")
    conf = _confidence(confidence)
    missing = items.isna().any(axis=1)
    kept = items.loc[~missing]
    n = len(kept)
    if n < 2:
        raise InputError(f"items 删除缺失值后只有 {n} 行，至少需要 2 行完整的回答")
    x = _checks.numbers(kept, "items", kept.columns)
    _checks.same_scale(x, "items", names)
    unit = _checks.scale_of(x)
    x = x / unit                           # exact: α and correlations do not change, squares cannot overflow
    if np.ptp(x.sum(axis=1)) == 0:
        raise InputError("items 各行的总分全部相同，总分方差为 0，无法计算 α")
    alpha = float(_alpha(x))
    df1, df2 = n - 1, (n - 1) * (k - 1)
    g = 1 - conf
    lo = 1 - (1 - alpha) * stats.f.ppf(1 - g / 2, df1, df2)
    hi = 1 - (1 - alpha) * stats.f.ppf(g / 2, df1, df2)
    total = x.sum(axis=1)
    rows = []
    for j, name in enumerate(names):
        rest = total - x[:, j]
        r = float(np.corrcoef(x[:, j], rest)[0, 1]) if np.ptp(x[:, j]) > 0 and np.ptp(rest) > 0 else math.nan
        drop = float(_alpha(np.delete(x, j, axis=1))) if k > 2 else math.nan
        rows.append({"item": name, "mean": float(x[:, j].mean()) * unit, "sd": float(x[:, j].std(ddof=1)) * unit,
                     "item_total": r, "alpha_if_deleted": drop})
    stats_table = pd.DataFrame(rows)
    notes = [(f"Cronbach's α = {value(alpha, 3)}（{k} 个题项，{n} 份完整回答）；{value(conf * 100, 1)}% 置信区间 "
              f"{value(lo, 3)}～{value(hi, 3)}（Feldt 法，F 分布）。"),
             "α 不低于 0.7 通常视为内部一致性可以接受（Nunnally 1978 的常用经验标准，并非统一规定）。"]
    if missing.any():
        notes.insert(0, f"删除含缺失回答的 {int(missing.sum())} 行（共 {len(items)} 行）。")
    negative = [nm for nm, r in zip(names, stats_table["item_total"]) if r < 0]
    if negative:
        notes.append(f"题项 {', '.join(negative)} 与其余题项总分负相关，可能是反向计分题，应先反向编码。")
    constant = [nm for j, nm in enumerate(names) if np.ptp(x[:, j]) == 0]
    if constant:
        notes.append(f"题项 {', '.join(constant)} 的回答全部相同，其题总相关无法计算。")
    flat_rest = [nm for nm, r in zip(names, stats_table["item_total"]) if r != r and nm not in constant]
    if flat_rest:
        notes.append(f"除题项 {', '.join(flat_rest)} 外其余题项的总分全部相同，其题总相关无法计算。")
    undefined = [nm for nm, a in zip(names, stats_table["alpha_if_deleted"]) if a != a] if k > 2 else []
    if undefined:
        notes.append(f"删除题项 {', '.join(undefined)} 后其余题项的总分全部相同，α 无法计算（为空）。")
    if k == 2:
        notes.append("只有 2 个题项，删除一项后无法计算 α。")
    if alpha < 0:
        notes.append("α 为负数：题项间平均协方差为负，题项可能方向不一致或并不测量同一概念。")
    return AlphaResult(alpha=alpha, ci_low=float(lo), ci_high=float(hi), confidence=conf, n=n, k=k,
                       dropped=int(missing.sum()), item_stats=stats_table, notes=tuple(notes))


# ----------------------------------------------------------------------------------------------
# Sample size


def sample_size(population: int | None, *, margin: float, confidence: float = 0.95, proportion: float = 0.5) -> int:
    """Sample size for estimating a proportion within ± ``margin``, with the finite-population correction.

    Parameters
    ----------
    population
        Size N of the sampling frame; None for a very large (infinite) population.
    margin
        The margin of error e as a fraction: ``0.05`` means ± 5 percentage points.
    confidence
        Confidence level, as a fraction.
    proportion
        The expected proportion p; 0.5 (default) gives the largest, safe sample.

    Returns
    -------
    int
        n rounded up, at most N.

    Raises
    ------
    InputError
        If ``margin``, ``confidence`` or ``proportion`` is not strictly between 0 and 1, N is not a positive
        integer, or (without N) ``margin`` is so small that n exceeds 10¹⁵. The result is at least 1.

    Notes
    -----
    n0 = z²·p(1 − p)/e²; n = n0 / (1 + (n0 − 1)/N) (Cochran 1977, §4.4), the formula of Krejcie &
    Morgan's (1970) table (s = χ²NP(1 − P) / (d²(N − 1) + χ²P(1 − P)), the same expression). Their
    table rounds to the nearest integer, so it is one lower than this function in some rows
    (N = 500: 217 against 218).
    Checked against: Krejcie & Morgan (1970), Table 1 (tests/reference/survey_sample_size_krejcie_morgan.csv).

    Examples
    --------
    >>> sample_size(10_000, margin=0.05), sample_size(None, margin=0.05), sample_size(1_000, margin=0.03)
    (370, 385, 517)
    """
    e = _checks.real(margin, "margin", above=0)
    if e >= 1:
        raise InputError(f"margin 必须小于 1（以小数表示，0.05 即 ±5 个百分点），实际为 {e:g}")
    conf = _confidence(confidence)
    pp = _checks.real(proportion, "proportion", above=0)
    if pp >= 1:
        raise InputError(f"proportion 必须小于 1，实际为 {pp:g}")
    n0 = _z(conf) ** 2 * pp * (1 - pp) / e ** 2 if e ** 2 > 0 else math.inf
    if population is None:
        if not n0 < MAX_SAMPLE:
            raise InputError(f"margin 为 {e:g}，过小：所需样本量 {n0:.3g} 超出合理范围，请检查 margin（以小数表示）")
        return max(1, int(math.ceil(round(n0, 9))))
    big_n, why = _checks.read_number(population)
    if why is not None or not big_n >= 1 or big_n != int(big_n):
        raise InputError(f"population 应为正整数，实际为 {population!r}")
    n = big_n if math.isinf(n0) else n0 / (1 + (n0 - 1) / big_n)       # n → N as n0 → ∞
    return int(min(big_n, max(1, math.ceil(round(n, 9)))))


__all__ = ["AlphaResult", "OverallSatisfaction", "SatisfactionResult", "cronbach_alpha", "sample_size",
           "satisfaction"]
