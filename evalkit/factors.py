"""因素分析法: what drove the change of an indicator, and what drives an outcome across units.

Domain standard §6 lists 因素分析法 as weighing the factors that drove or hindered attainment; the
quantitative tools here are optional aids to that register:

- ``chain_substitution``: 连环替代法 (textbook chain substitution), with the spread of each factor's
  effect over every substitution order and the order-free Shapley split beside it;
- ``shapley_decomposition``: the average of chain substitution over all orders (exact);
- ``lmdi``: additive LMDI-I (Ang 2004, 2005), also for sums over sub-categories V = Σ_i Π_k x_k,i;
- ``drivers``: OLS of an outcome on predictors with standardised coefficients and the LMG (Shapley)
  split of R²;
- ``exploratory_factor_analysis``: KMO, Bartlett's test, Horn's parallel analysis, iterated
  principal-axis factoring with varimax or promax rotation.

An indicator is a product of factors (``form="product"``, y = x_1 · x_2 · … · x_n) or a ratio
(``form="ratio"``, y = x_1 / (x_2 · … · x_n): the first factor of ``base`` is the numerator).
Decompositions add up exactly (to floating-point precision) to current − base.

Hostile input: numbers in tables and numeric arguments are read strictly, by the shared readers of
``evalkit._checks`` (``read_number``): anything but a plain number is refused with an InputError that
names the column and position (or the argument), never guessed; so is a figure that would overflow.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import factorial
from typing import Any

import numpy as np
import pandas as pd

from . import _checks
from ._fmt import pvalue, value
from ._result import Result
from .errors import InputError

FORMS = ("product", "ratio")     # y = x_1 · … · x_n ; y = x_1 / (x_2 · … · x_n)
MAX_FACTORS = 8                 # 8! = 40,320 substitution orders; no 因素分析 needs more
MAX_PREDICTORS = 12             # 2^12 subset regressions for the LMG split
MAX_PARALLEL_DRAWS = 10_000     # random data sets for parallel analysis
PROMAX_POWER = 4                # R stats::promax and SPSS default (κ = 4)


# ----------------------------------------------------------------------------------------------
# Shared pieces


@dataclass(frozen=True)
class _Pair:
    names: tuple[str, ...]
    base: np.ndarray               # rows × factors
    current: np.ndarray
    rows: tuple[str, ...]          # sub-category labels; ("全部",) for a mapping
    exponents: np.ndarray          # +1 / −1 per factor

    def value(self, replaced: np.ndarray) -> float:
        """The aggregate with the factors flagged in ``replaced`` at their current values."""
        x = np.where(replaced, self.current, self.base)
        return float(np.prod(x ** self.exponents, axis=1).sum())

    def subset_values(self) -> np.ndarray:
        """The aggregate for every set of replaced factors, indexed by bit mask (bit k: factor k)."""
        k = len(self.names)
        bits = (np.arange(2 ** k)[:, None] >> np.arange(k)) & 1
        with np.errstate(all="ignore"):
            values = np.array([self.value(b.astype(bool)) for b in bits])
        self.finite(values)
        return values

    def finite(self, *arrays: Any) -> None:
        """Products of huge (or, in a ratio, tiny) values overflow a float: say so, naming the factors."""
        _checks.finite_result(np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays]),
                              f"因素（{'、'.join(self.names)}）的乘积或比值",
                              "base、current 中的数值过大或过小，请检查数值和单位")


def _mapping(values: Any, name: str) -> dict[str, float]:
    if isinstance(values, pd.DataFrame) or not isinstance(values, (Mapping, pd.Series)):
        raise InputError(f"{name} 应为「因素 → 数值」的映射（dict）或 pandas.Series，"
                         f"实际为 {type(values).__name__}")
    out = {}
    for k, v in values.items():
        if str(k) in out:
            raise InputError(f"{name} 中因素 {k} 重复")
        out[str(k)] = _checks.real(v, f"{name} 中因素 {k}")
    return out


def _same_factors(b: Sequence[str], c: Sequence[str]) -> None:
    missing = [f for f in b if f not in c]
    extra = [f for f in c if f not in b]
    if missing or extra:
        parts = ([f"current 缺少 {', '.join(missing)}"] if missing else []) + \
                ([f"current 多出 {', '.join(extra)}"] if extra else [])
        raise InputError(f"base 与 current 的因素不一致：{'；'.join(parts)}（两期应有相同的因素）")


def _pair(base: Any, current: Any, form: str, *, tables: bool) -> _Pair:
    _checks.one_of(form, "form", FORMS)
    if tables and isinstance(base, pd.DataFrame):
        if not isinstance(current, pd.DataFrame):
            raise InputError(f"base 为 DataFrame 时 current 也应为 DataFrame，实际为 {type(current).__name__}")
        _checks.frame(base, "base")
        _checks.frame(current, "current")
        names = tuple(str(c) for c in base.columns)
        _same_factors(names, [str(c) for c in current.columns])
        if len(base) != len(current) or not base.index.equals(current.index):
            raise InputError("base 与 current 的行（子类别）不一致：两表应有相同的行索引，"
                             f"实际为 {list(base.index)} 与 {list(current.index)}")
        if len(set(names)) != len(names):
            raise InputError(f"base 的列名重复：{', '.join(sorted({n for n in names if names.count(n) > 1}))}")
        b = _checks.numbers(base, "base", base.columns)
        c = _checks.numbers(current.rename(columns=str), "current", names)
        rows = tuple(str(i) for i in base.index)
    else:
        bm, cm = _mapping(base, "base"), _mapping(current, "current")
        names = tuple(bm)
        _same_factors(names, list(cm))
        b = np.array([[bm[f] for f in names]])
        c = np.array([[cm[f] for f in names]])
        rows = ("全部",)
    if len(names) < 2:
        raise InputError(f"至少需要两个因素，实际为 {len(names)} 个")
    if len(names) > MAX_FACTORS:
        raise InputError(f"因素过多：{len(names)} 个，最多 {MAX_FACTORS} 个"
                         "（所有替代顺序的个数为因素个数的阶乘）")
    exponents = np.ones(len(names))
    if form == "ratio":
        exponents[1:] = -1.0
        for k in range(1, len(names)):
            if (b[:, k] == 0).any() or (c[:, k] == 0).any():
                raise InputError(f"因素 {names[k]} 是分母，不能为 0")
    return _Pair(names, b, c, rows, exponents)


def _marginals(values: np.ndarray, k: int, j: int) -> tuple[np.ndarray, np.ndarray]:
    """Effect of factor j after each set S of the others (y(S ∪ j) − y(S)) and the Shapley weight of S,
    the share of the k! orders in which exactly S comes before j: |S|! (k − |S| − 1)! / k!."""
    masks = np.array([m for m in range(2 ** k) if not m >> j & 1])
    sizes = np.array([int(m).bit_count() for m in masks])
    weights = np.array([factorial(s) * factorial(k - s - 1) / factorial(k) for s in sizes])
    return values[masks | 1 << j] - values[masks], weights


def _formula(names: Sequence[str], form: str) -> str:
    if form == "product":
        return "指标 = " + " × ".join(names) + "。"
    rest = " × ".join(names[1:])
    return f"指标 = {names[0]} ÷ " + (f"({rest})" if len(names) > 2 else rest) + "。"


def _share(effect: np.ndarray, total: float) -> np.ndarray:
    return effect / total if total != 0 else np.full(len(effect), np.nan)


def _zero_total_note(total: float) -> list[str]:
    return ["指标总变动为 0，各因素的影响占比无法计算（为空）。"] if total == 0 else []


# ----------------------------------------------------------------------------------------------
# Chain substitution and Shapley


@dataclass(frozen=True, eq=False, repr=False)
class ChainSubstitutionResult(Result):
    """连环替代法: each factor's effect in the chosen order, its range over every order, and Shapley.

    ``effects``: one row per factor in the substitution order, ``factor``, ``base``, ``current``,
    ``after`` (the indicator once this factor and those before it are replaced), ``effect`` and
    ``share`` (of ``total_change``; NaN when that is 0). ``spread``: ``factor``, ``min``, ``max``,
    the extremes of the factor's effect over all orders. ``shapley``: factor → order-free effect.
    """

    base_value: float
    current_value: float
    total_change: float
    form: str
    order: tuple[str, ...]
    effects: pd.DataFrame
    spread: pd.DataFrame
    shapley: pd.Series
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return self.effects

    def plot(self) -> Any:
        from . import charts

        return charts.waterfall(list(self.effects["factor"]), list(self.effects["effect"]),
                                start=self.base_value, end=self.current_value)

    def _headline(self) -> dict[str, Any]:
        return {"base_value": self.base_value, "current_value": self.current_value,
                "total_change": self.total_change, "order": " → ".join(map(str, self.order))}


def chain_substitution(base: Mapping[str, float] | pd.Series, current: Mapping[str, float] | pd.Series, *,
                       order: Sequence[str] | None = None, form: str = "product") -> ChainSubstitutionResult:
    """连环替代法: replace the factors' base values by their current values one at a time.

    Parameters
    ----------
    base, current
        Factor → value, for the base (基期 / 计划) and current (报告期 / 实际) period, with the same
        factors. The order of ``base`` fixes the formula: for ``form="ratio"`` its first factor is
        the numerator.
    order
        The substitution order (default: the order of ``base``). Textbooks replace quantity factors
        before quality factors, physical before value ones.
    form
        ``"product"`` (y = x_1 · … · x_n) or ``"ratio"`` (y = x_1 / (x_2 · … · x_n)).

    Returns
    -------
    ChainSubstitutionResult

    Raises
    ------
    InputError
        If the factors of ``base`` and ``current`` differ, a value is not a number, a denominator is
        0, ``order`` is not a permutation of the factors, or there are more than 8 factors.

    Notes
    -----
    With y_0 = f(base) and y_j the indicator after replacing the first j factors of the order,
    effect_j = y_j − y_{j−1}; the effects telescope to y_n − y_0 = current − base exactly. The effect
    of a factor depends only on which factors were replaced before it, so ``spread`` takes the
    extremes over the 2^(n−1) such sets, which is the same as over all n! orders. ``shapley`` is the
    mean over all orders: φ_k = Σ_S |S|!(n − |S| − 1)!/n! · [f(S ∪ k) − f(S)].
    Checked against: published 连环替代法 examples (tests/reference/factors_chain_published.csv),
    all six orders worked by hand (tests/reference/factors_chain_hand.md) and brute force over
    ``itertools.permutations`` (tests/test_factors.py).

    Examples
    --------
    >>> res = chain_substitution({"产量": 100, "单耗": 8, "单价": 5}, {"产量": 110, "单耗": 7, "单价": 6})
    >>> res.total_change, res.effects["effect"].tolist()
    (620.0, [400.0, -550.0, 770.0])
    >>> res.spread.set_index("factor").loc["产量"].tolist()
    [350.0, 480.0]
    """
    p = _pair(base, current, form, tables=False)
    if order is None:
        order = p.names
    if isinstance(order, (str, bytes)) or not isinstance(order, (Sequence, np.ndarray, pd.Index)):
        raise InputError(f"order 应为因素名称的列表（如 {list(p.names)}），实际为 {order!r}")
    order = tuple(str(f) for f in order)
    if sorted(order) != sorted(p.names):
        problems = {"缺少": [f for f in p.names if f not in order], "多出": [f for f in order if f not in p.names],
                    "重复": sorted({f for f in order if order.count(f) > 1})}
        what = "；".join(f"{k} {', '.join(v)}" for k, v in problems.items() if v)
        raise InputError(f"order 应包含全部因素（{', '.join(p.names)}）各一次：{what}")
    k = len(p.names)
    values = p.subset_values()
    with np.errstate(all="ignore"):
        mask, rows = 0, []
        for f in order:
            j = p.names.index(f)
            before, mask = values[mask], mask | 1 << j
            rows.append({"factor": f, "base": float(p.base[0, j]), "current": float(p.current[0, j]),
                         "after": float(values[mask]), "effect": float(values[mask] - before)})
        base_value, current_value = float(values[0]), float(values[-1])
        total = current_value - base_value
        effects = pd.DataFrame(rows)
        effects["share"] = _share(effects["effect"].to_numpy(), total)
        spread, shapley = [], {}
        for j, f in enumerate(p.names):
            deltas, weights = _marginals(values, k, j)
            spread.append({"factor": f, "min": float(deltas.min()), "max": float(deltas.max())})
            shapley[f] = float(deltas @ weights)
    p.finite(np.r_[total, effects["effect"], [v for d in spread for v in d.values() if not isinstance(v, str)],
                   list(shapley.values()), effects["share"].dropna() if total else []])
    notes = [_formula(p.names, form),
             (f"替代顺序：{' → '.join(order)}。连环替代法的结果取决于替代顺序，换一种顺序各因素的影响额会不同；"
              f"所有 {factorial(k)} 种顺序下各因素影响额的范围见 spread，"
              "与顺序无关的 Shapley 分解（各顺序的平均）见 shapley。"),
             *_zero_total_note(total)]
    return ChainSubstitutionResult(base_value=base_value, current_value=current_value, total_change=total,
                                   form=form, order=order, effects=effects, spread=pd.DataFrame(spread),
                                   shapley=pd.Series(shapley, name="shapley"), notes=tuple(notes))


@dataclass(frozen=True, eq=False, repr=False)
class DecompositionResult(Result):
    """An order-free additive decomposition: ``effects`` has ``factor``, ``effect``, ``share`` (of
    ``total_change``; NaN when that is 0); ``by_row`` has ``row`` and one column of effects per
    factor, one row per sub-category (a single row ``全部`` for mapping inputs)."""

    base_value: float
    current_value: float
    total_change: float
    method: str                    # "shapley" or "lmdi"
    form: str
    effects: pd.DataFrame
    by_row: pd.DataFrame
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return self.effects

    def plot(self) -> Any:
        from . import charts

        return charts.waterfall(list(self.effects["factor"]), list(self.effects["effect"]),
                                start=self.base_value, end=self.current_value)

    def _headline(self) -> dict[str, Any]:
        return {"method": self.method, "base_value": self.base_value, "current_value": self.current_value,
                "total_change": self.total_change}


def _decomposition(p: _Pair, by_row: np.ndarray, method: str, form: str,
                   notes: list[str]) -> DecompositionResult:
    with np.errstate(all="ignore"):
        v0 = float(np.prod(p.base ** p.exponents, axis=1).sum())
        v1 = float(np.prod(p.current ** p.exponents, axis=1).sum())
        total = v1 - v0
        effect = by_row.sum(axis=0)
        share = _share(effect, total)
    p.finite(np.r_[v0, v1, total, effect, by_row.ravel(), share[np.isfinite(share) | (total != 0)]])
    effects = pd.DataFrame({"factor": list(p.names), "effect": effect, "share": share})
    rows = pd.DataFrame(by_row, columns=list(p.names))
    rows.insert(0, "row", list(p.rows))
    notes = (_formula(p.names, form), *notes, *_zero_total_note(total))
    return DecompositionResult(base_value=v0, current_value=v1, total_change=total, method=method, form=form,
                               effects=effects, by_row=rows, notes=notes)


def shapley_decomposition(base: Mapping[str, float] | pd.Series | pd.DataFrame,
                          current: Mapping[str, float] | pd.Series | pd.DataFrame, *,
                          form: str = "product") -> DecompositionResult:
    """Shapley decomposition: chain substitution averaged over every substitution order, exactly.

    Parameters
    ----------
    base, current
        Factor → value for each period; or DataFrames with one row per sub-category and one column
        per factor, the aggregate being the sum of the rows' products (V = Σ_i Π_k x_k,i).
    form
        ``"product"`` or ``"ratio"`` (see :func:`chain_substitution`).

    Returns
    -------
    DecompositionResult
        ``method="shapley"``.

    Raises
    ------
    InputError
        As :func:`chain_substitution`; for DataFrames also if the rows differ.

    Notes
    -----
    φ_k = Σ_{S ⊆ N∖{k}} |S|!(n − |S| − 1)!/n! · [f(S ∪ {k}) − f(S)], f(S) the aggregate with the factors
    in S at current values and the others at base values; Σ_k φ_k = f(N) − f(∅) (Shapley 1953; in
    index decomposition the "Shapley/Sun" method, Ang, Liu & Chew 2003). With two factors
    φ_a = Δa·(b_0 + b_1)/2, φ_b = Δb·(a_0 + a_1)/2. By-row effects are the Shapley effects of each
    row (the Shapley value is additive over rows).
    Checked against: the two-factor formula, the mean of chain substitution over
    ``itertools.permutations`` and the hand-worked example in tests/reference/factors_chain_hand.md.

    Examples
    --------
    >>> res = shapley_decomposition({"产量": 100, "单耗": 8, "单价": 5}, {"产量": 110, "单耗": 7, "单价": 6})
    >>> [round(x, 4) for x in res.effects["effect"]]
    [411.6667, -578.3333, 786.6667]
    """
    p = _pair(base, current, form, tables=True)
    k = len(p.names)
    by_row = np.zeros((len(p.rows), k))
    for i in range(len(p.rows)):
        row = _Pair(p.names, p.base[i:i + 1], p.current[i:i + 1], p.rows[i:i + 1], p.exponents)
        values = row.subset_values()
        with np.errstate(all="ignore"):
            for j in range(k):
                deltas, weights = _marginals(values, k, j)
                by_row[i, j] = deltas @ weights
    note = (f"Shapley 分解：各因素的影响为其在全部 {factorial(k)} 种替代顺序下连环替代影响额的平均，"
            "与顺序无关，合计等于指标总变动。")
    return _decomposition(p, by_row, "shapley", form, [note])


def _log_mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """L(a, b) = (a − b) / (ln a − ln b), L(a, a) = a; ln(a/b) by log1p when a ≈ b, where it is precise."""
    d = a - b
    with np.errstate(invalid="ignore", divide="ignore"):
        out = d / np.where(np.abs(d) < 0.5 * b, np.log1p(d / b), np.log(a / b))
    return np.where(d == 0, a, out)


def lmdi(base: Mapping[str, float] | pd.Series | pd.DataFrame,
         current: Mapping[str, float] | pd.Series | pd.DataFrame, *,
         form: str = "product") -> DecompositionResult:
    """Additive LMDI-I decomposition of the change of an aggregate into its factors, with no residual.

    Parameters
    ----------
    base, current
        Factor → value for each period; or DataFrames with one row per sub-category (sector,
        region, programme) and one column per factor, the aggregate being V = Σ_i Π_k x_k,i. A factor
        common to all rows (total activity Q in V = Σ_i Q · S_i · I_i) is repeated in every row.
    form
        ``"product"`` or ``"ratio"`` (ln of a denominator enters with a minus sign).

    Returns
    -------
    DecompositionResult
        ``method="lmdi"``.

    Raises
    ------
    InputError
        If a value is zero or negative (naming the factor), a product or ratio of the factors leaves
        the range of a float (its logarithm would be lost), or as :func:`shapley_decomposition`.

    Notes
    -----
    ΔV_k = Σ_i L(V_i^T, V_i^0) · ln(x_k,i^T / x_k,i^0), with L(a, b) = (a − b)/(ln a − ln b) and
    L(a, a) = a (Ang 2004, Energy Policy 32:1131; Ang 2005, Energy Policy 33:867, Table 1, additive
    LMDI-I). Because Σ_k ln(x_k,i^T / x_k,i^0) = ln(V_i^T / V_i^0), the effects add up to V^T − V^0.
    Zero values: the logarithms need strictly positive data. Ang & Liu (2007, Energy Policy 35:238)
    replace a zero by a small δ (10⁻¹⁰ to 10⁻²⁰), which converges to the limit of the formula; this
    function does not do so silently — substitute δ yourself and say so in the report, or use
    :func:`shapley_decomposition`, which accepts zeros.
    Checked against: the formula worked independently in tests/reference/factors_lmdi_hand.md and
    in the test, and exact additivity on random positive data (hypothesis).

    Examples
    --------
    >>> res = lmdi({"产量": 100, "单耗": 8, "单价": 5}, {"产量": 110, "单耗": 7, "单价": 6})
    >>> [round(x, 2) for x in res.effects["effect"]], round(res.total_change, 10)
    ([410.08, -574.53, 784.45], 620.0)
    """
    p = _pair(base, current, form, tables=True)
    for label, x in (("base", p.base), ("current", p.current)):
        bad = np.argwhere(~(x > 0))
        if len(bad):
            i, j = bad[0]
            where = f"第 {i + 1} 行（{p.rows[i]}）" if len(p.rows) > 1 else ""
            raise InputError(f"{label} 中因素 {p.names[j]} {where}的值为 {x[i, j]:g}：LMDI 要求所有数值"
                             "大于 0（零值可代以很小的正数并在报告中说明，或改用 shapley_decomposition）")
    with np.errstate(all="ignore"):
        v0 = np.prod(p.base ** p.exponents, axis=1)
        v1 = np.prod(p.current ** p.exponents, axis=1)
        by_row = _log_mean(v1, v0)[:, None] * p.exponents * np.log(p.current / p.base)
    tiny = np.finfo(float).tiny                 # below it the product has underflowed and its logarithm is lost
    if not ((v0 >= tiny) & (v1 >= tiny)).all():
        raise InputError(f"因素（{'、'.join(p.names)}）的乘积或比值过小（低于浮点数精度），LMDI 无法计算：base、current 中的数值"
                         "过大或过小，请检查数值和单位")
    p.finite(v0, v1, by_row)
    note = ("对数平均迪氏指数法（LMDI-I，加和分解）：各因素的影响 = Σ L(V_T, V_0)·ln(x_T / x_0)，"
            "合计等于指标总变动，无残差。")
    return _decomposition(p, by_row, "lmdi", form, [note])


# ----------------------------------------------------------------------------------------------
# Drivers across units


@dataclass(frozen=True, eq=False, repr=False)
class DriversResult(Result):
    """OLS of an outcome on predictors. ``coefficients``: one row per term (``常数项`` first):
    ``predictor``, ``coef``, ``se``, ``t``, ``p_value``, ``ci_low``, ``ci_high`` (at ``confidence``),
    ``beta`` (standardised coefficient), ``lmg`` (share of R² attributed to the predictor; the
    predictors' values add up to ``r2``) and ``lmg_share`` (lmg ÷ r2). Intercept: NaN beta and lmg."""

    n: int
    dropped: int
    r2: float
    adj_r2: float
    confidence: float
    outcome: str
    coefficients: pd.DataFrame
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return self.coefficients

    def _headline(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "n": self.n, "r2": self.r2, "adj_r2": self.adj_r2,
                "predictors": len(self.coefficients) - 1}


def _lmg(corr: np.ndarray) -> np.ndarray:
    """LMG: each predictor's R² increment averaged over all orders (Lindeman, Merenda & Gold 1980).
    ``corr`` is the correlation matrix of (outcome, predictors); R²(S) = r_Sy' R_SS⁻¹ r_Sy."""
    k = corr.shape[0] - 1
    r2 = np.zeros(2 ** k)
    for m in range(1, 2 ** k):
        s = [j for j in range(k) if m >> j & 1]
        r = corr[0, 1:][s]
        r2[m] = r @ np.linalg.solve(corr[1:, 1:][np.ix_(s, s)], r)
    out = np.empty(k)
    for j in range(k):
        deltas, weights = _marginals(r2, k, j)
        out[j] = deltas @ weights
    return out


def drivers(data: pd.DataFrame, *, outcome: str, predictors: Sequence[str],
            confidence: float = 0.95) -> DriversResult:
    """What goes with a higher outcome across units: OLS with standardised betas and the LMG split of R².

    Parameters
    ----------
    data
        One row per unit (project, county, year), with the outcome and predictor columns.
    outcome
        The column explained.
    predictors
        The explaining columns (at most 12); an intercept is added.
    confidence
        Level of the coefficient intervals, as a fraction.

    Returns
    -------
    DriversResult

    Raises
    ------
    InputError
        If a column is missing or not numeric, a column is constant, predictors are perfectly
        collinear or explain the outcome exactly (no residual), there are more than 12 predictors,
        or fewer than (predictors + 2) complete rows (the message names the columns with missing
        values). Blank text counts as missing.

    Notes
    -----
    y = b_0 + Σ b_j x_j + e by OLS (statsmodels); beta_j = b_j · sd(x_j) / sd(y). LMG_j = Σ_S
    |S|!(p − |S| − 1)!/p! · [R²(S ∪ j) − R²(S)] over subsets S of the other predictors (Lindeman,
    Merenda & Gold 1980; Grömping 2006, J. Stat. Softw. 17(1), R package relaimpo, type "lmg");
    Σ_j LMG_j = R². Rows with a missing value in any of the columns are dropped.
    Checked against: statsmodels' formula interface (smf.ols), a refit on z-scores, and the mean R²
    increment over all orders of entry (tests/test_factors.py).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x1, x2, e = rng.normal(size=(3, 60))
    >>> data = pd.DataFrame({"y": 2 * x1 + x2 + e, "x1": x1, "x2": x2})
    >>> res = drivers(data, outcome="y", predictors=["x1", "x2"])
    >>> round(res.r2, 3), round(float(res.coefficients["lmg"].sum()), 3)
    (0.775, 0.775)
    """
    import statsmodels.api as sm

    _checks.frame(data, "data")
    if isinstance(predictors, str):
        predictors = [predictors]
    if predictors is None or not isinstance(predictors, (Sequence, np.ndarray, pd.Index)):
        raise InputError(f"predictors 应为列名的列表，实际为 {predictors!r}")
    labels = list(predictors)                 # as in data.columns
    predictors = [str(c) for c in labels]     # as shown
    if not predictors:
        raise InputError("predictors 不能为空")
    if str(outcome) in predictors:
        raise InputError(f"outcome 列 {outcome} 不能同时是预测变量")
    dup = sorted({c for c in predictors if predictors.count(c) > 1})
    if dup:
        raise InputError(f"predictors 中的列重复：{', '.join(dup)}")
    if len(predictors) > MAX_PREDICTORS:
        raise InputError(f"预测变量过多：{len(predictors)} 个，最多 {MAX_PREDICTORS} 个"
                         "（LMG 需要对全部子集回归）")
    cols = [outcome, *labels]
    _checks.columns(data, "data", cols)
    conf = _checks.real(confidence, "confidence", above=0)
    if conf >= 1:
        raise InputError(f"confidence 必须小于 1，实际为 {conf:g}")
    for c in cols:
        if isinstance(data[c], pd.DataFrame):
            raise InputError(f"data 有多个名为 {c} 的列，列名应各不相同")
    blank = _checks.missing(data[cols])
    missing = blank.any(axis=1)
    kept = data.loc[~missing, cols]
    n, k = len(kept), len(predictors)
    if n < k + 2:
        where = "、".join(str(c) for c in cols if blank[c].any())
        raise InputError(f"data 删除缺失值后只有 {n} 行，至少需要 {k + 2} 行（预测变量个数 + 2）"
                         + (f"；有缺失值的列：{where}" if where else ""))
    m = _checks.numbers(kept, "data", cols)
    units = np.array([_checks.scale_of(m[:, j]) for j in range(m.shape[1])])
    m = m / units                             # exact rescaling: sums of squares cannot overflow
    sd = m.std(axis=0, ddof=1)
    flat = np.ptp(m, axis=0) == 0             # all equal (sd can be a rounding hair above 0)
    if flat.any():
        raise InputError(f"data 列 {cols[int(np.argmax(flat))]} 的值全部相同，无法回归")
    x = sm.add_constant(m[:, 1:], has_constant="add")
    if np.linalg.matrix_rank(x) < k + 1:
        raise InputError(f"predictors 完全共线（{', '.join(predictors)} 中有变量是其他变量的线性组合）")
    with warnings.catch_warnings(), np.errstate(all="ignore"):   # statsmodels computes lazily: all in here
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = sm.OLS(m[:, 0], x).fit()
        r2, adj_r2, ssr = float(fit.rsquared), float(fit.rsquared_adj), float(fit.ssr)
        tss = float(fit.centered_tss)
        params, bse, tvalues, pvalues = (np.asarray(v) for v in (fit.params, fit.bse, fit.tvalues, fit.pvalues))
        to_data = units[0] / np.r_[1.0, units[1:]]   # back to the data's units
        ci = np.asarray(fit.conf_int(alpha=1 - conf)) * to_data[:, None]
        table = pd.DataFrame({
            "predictor": ["常数项", *predictors], "coef": params * to_data, "se": bse * to_data,
            "t": tvalues, "p_value": pvalues, "ci_low": ci[:, 0], "ci_high": ci[:, 1],
            "beta": np.r_[np.nan, params[1:] * sd[1:] / sd[0]],
        })
    if not ssr > 1e-24 * tss:                 # a perfect fit, to rounding
        raise InputError(f"data 列 {outcome} 可由 predictors（{', '.join(predictors)}）完全线性表示（残差为 0），"
                         "无法估计标准误和显著性")
    table["lmg"] = np.r_[np.nan, _lmg(np.corrcoef(m, rowvar=False))]
    _checks.finite_result(table[["coef", "se", "t", "p_value", "ci_low", "ci_high"]].to_numpy(), "回归系数",
                          f"data 列 {', '.join(map(str, cols))} 的数值相差过大，请检查单位")
    table["lmg_share"] = table["lmg"] / r2 if r2 > 0 else np.nan
    notes = [(f"以 {outcome} 为因变量、{'、'.join(predictors)} 为自变量做最小二乘回归（含常数项），"
              f"样本 {n} 个，R² = {value(r2, 3)}；置信区间水平 {value(conf * 100, 1)}%。"),
             ("标准化系数 beta = 系数 × 自变量标准差 ÷ 因变量标准差；相对重要性（LMG）把 R² 按各自变量"
              "在所有进入顺序下的平均贡献分配，合计等于 R²，与变量顺序无关。"),
             "回归反映的是相关关系，不能直接解读为因果影响。"]
    if missing.any():
        notes.insert(0, f"删除含缺失值的 {int(missing.sum())} 行（共 {len(data)} 行）。")
    if not r2 > 0:
        notes.append("R² 为 0，各自变量的 R² 占比（lmg_share）无法计算（为空）。")
    dof_resid = n - k - 1
    if dof_resid < 10 * k:
        notes.append(f"样本量相对自变量个数偏小（残差自由度 {dof_resid}），估计不稳定，解读应谨慎。")
    return DriversResult(n=n, dropped=int(missing.sum()), r2=r2, adj_r2=adj_r2, confidence=conf, outcome=outcome,
                         coefficients=table.reset_index(drop=True), notes=tuple(notes))


# ----------------------------------------------------------------------------------------------
# Exploratory factor analysis


@dataclass(frozen=True, eq=False, repr=False)
class EFAResult(Result):
    """Exploratory factor analysis of survey or indicator items.

    ``kmo_items``: item → KMO (measure of sampling adequacy). ``eigenvalues``: ``component``,
    ``eigenvalue`` (of the correlation matrix), ``proportion``, ``cumulative``, ``threshold`` (95th
    percentile of random data's eigenvalues, Horn's parallel analysis). ``loadings``: items × factors
    ``F1`` … (for promax the pattern matrix). ``communalities``: item → h². ``factor_correlations``:
    the factors' correlations (identity for varimax and for one factor).
    """

    n: int
    n_factors: int
    suggested_factors: int            # by parallel analysis
    rotation: str | None              # as applied: None for one factor
    kmo: float
    kmo_items: pd.Series
    bartlett_chi2: float
    bartlett_dof: int
    bartlett_p_value: float
    eigenvalues: pd.DataFrame
    loadings: pd.DataFrame
    communalities: pd.Series
    factor_correlations: pd.DataFrame
    seed: int
    draws: int                        # random data sets of the parallel analysis
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        """One row per item: ``item``, the loadings, ``communality``, ``kmo``."""
        out = self.loadings.copy()
        out["communality"] = self.communalities
        out["kmo"] = self.kmo_items
        return out.rename_axis("item").reset_index()

    def plot(self) -> Any:
        from . import charts

        e = self.eigenvalues
        return charts.scree(list(e["eigenvalue"]), threshold=list(e["threshold"]))

    def _headline(self) -> dict[str, Any]:
        return {"n": self.n, "items": len(self.loadings), "n_factors": self.n_factors, "kmo": self.kmo,
                "rotation": self.rotation}


def _kmo(corr: np.ndarray) -> tuple[float, np.ndarray]:
    """Kaiser–Meyer–Olkin measure: Σ r² / (Σ r² + Σ q²) over pairs i ≠ j, q the partial correlations
    q_ij = −P_ij / √(P_ii P_jj), P = R⁻¹ (Kaiser 1970; Kaiser & Rice 1974). Overall and per item.

    >>> round(_kmo(np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]]))[0], 4)
    0.6279
    """
    prec = np.linalg.inv(corr)
    d = np.sqrt(np.diag(prec))
    q = -prec / np.outer(d, d)
    off = ~np.eye(len(corr), dtype=bool)
    r2, q2 = np.where(off, corr ** 2, 0.0), np.where(off, q ** 2, 0.0)
    return float(r2.sum() / (r2.sum() + q2.sum())), r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))


def _varimax(a: np.ndarray) -> np.ndarray:
    """Varimax with Kaiser normalisation (rows scaled to unit length, rotated, scaled back), as
    R ``stats::varimax`` and SPSS; statsmodels' ``rotate_factors`` does the rotation itself."""
    from statsmodels.multivariate.factor_rotation import rotate_factors

    h = np.sqrt((a ** 2).sum(axis=1, keepdims=True))
    rotated, _ = rotate_factors(a / h, "varimax", tol=1e-10, max_tries=5000)
    return rotated * h


def _promax(a: np.ndarray, power: int = PROMAX_POWER) -> tuple[np.ndarray, np.ndarray]:
    """Promax as R ``stats::promax``: target |v|^power / v from the normalised varimax v; least-squares
    (oblique) Procrustes U = argmin ‖A U − target‖, columns scaled so the factors have unit variance;
    pattern A U, factor correlations (U'U)⁻¹."""
    v = _varimax(a)
    target = v * np.abs(v) ** (power - 1)
    u = np.linalg.lstsq(a, target, rcond=None)[0]
    u = u * np.sqrt(np.diag(np.linalg.inv(u.T @ u)))
    return a @ u, np.linalg.inv(u.T @ u)


#: above this many cells (rows × items), parallel analysis draws each random data set's scatter matrix
#: from its Wishart distribution instead of generating the data (same distribution, O(p²) per data set)
WISHART_CELLS = 200_000


def _random_eigenvalues(n: int, p: int, sims: int, rng: np.random.Generator) -> np.ndarray:
    """Eigenvalues, largest first, of the correlation matrices of ``sims`` random standard-normal
    n × p data sets (one row per data set).

    Up to :data:`WISHART_CELLS` cells the data are generated and correlated. Above, the centred scatter
    matrix of n normal rows, which is Wishart(n − 1, I_p), is drawn by Bartlett's decomposition
    S = A Aᵀ, A lower triangular with A_ii² ~ χ²(n − 1 − i) (i = 0 … p − 1) and A_ij ~ N(0, 1) below
    the diagonal; its correlation matrix has exactly the distribution of the generated data's, at
    O(p²) instead of O(n·p) per data set, so 200,000 respondents cost no more than 200.
    """
    if n * p <= WISHART_CELLS:
        return np.array([np.linalg.eigvalsh(np.corrcoef(rng.standard_normal((n, p)), rowvar=False))[::-1]
                         for _ in range(sims)])
    a = np.tril(rng.standard_normal((sims, p, p)), -1)
    i = np.arange(p)
    a[:, i, i] = np.sqrt(rng.chisquare(n - 1 - i, size=(sims, p)))
    s = a @ a.transpose(0, 2, 1)
    d = np.sqrt(s[:, i, i])
    return np.linalg.eigvalsh(s / (d[:, :, None] * d[:, None, :]))[:, ::-1]


def exploratory_factor_analysis(items: pd.DataFrame, *, n_factors: int | None = None,
                                rotation: str | None = "varimax", draws: int = 100,
                                seed: int = _checks.DEFAULT_SEED) -> EFAResult:
    """KMO, Bartlett's test, parallel analysis and a rotated principal-axis factor solution.

    Parameters
    ----------
    items
        One row per respondent or unit, one numeric column per item (at least 3 items).
    n_factors
        Number of factors; by default the number parallel analysis suggests (at least 1).
    rotation
        ``"varimax"`` (orthogonal), ``"promax"`` (oblique, power 4) or None.
    draws, seed
        Random data sets for parallel analysis, and the seed that makes them reproducible.

    Returns
    -------
    EFAResult

    Raises
    ------
    InputError
        If a column is missing values only, not numeric or constant, there are fewer than 3 items,
        no more rows than items, the correlation matrix is singular, ``n_factors`` is not
        between 1 and the number of items − 1, ``draws`` is not a whole number from 1 to
        10,000 or ``seed`` not a whole number ≥ 0.

    Notes
    -----
    KMO = Σ_{i≠j} r_ij² / (Σ_{i≠j} r_ij² + Σ_{i≠j} q_ij²), q the partial correlations (Kaiser 1974).
    Bartlett (1951): χ² = −(n − 1 − (2p + 5)/6) · ln|R|, degrees of freedom p(p − 1)/2.
    Parallel analysis (Horn 1965): eigenvalues of the correlation matrices of ``draws`` random
    normal n × p data sets (above 200,000 cells drawn from the Wishart distribution of their scatter
    matrix, the same distribution at a fraction of the cost); the suggested number is the count of
    leading observed eigenvalues above the 95th percentile of the random ones. Extraction: iterated principal-axis factoring
    (statsmodels ``Factor(method="pa")``, initial communalities = squared multiple correlations,
    SPSS's 主轴因子法); it needs no random start, unlike ML. Rotation: varimax with Kaiser
    normalisation (statsmodels ``rotate_factors``; ``FactorResults.rotate`` omits the
    normalisation that SPSS and R apply); promax as R ``stats::promax`` (m = 4), coded here because
    ``FactorResults.rotate("promax")`` (statsmodels 0.15) uses the power 2, whose target
    |V|²/V is the varimax solution itself, so it returns varimax with uncorrelated factors, and its
    ``promax`` returns the structure rather than the pattern matrix. Factors are ordered by their
    sum of squared loadings and signed so that each column sums to a positive number.
    Checked against: KMO and Bartlett computed independently from regression residuals in the test;
    recovery of known loadings from data simulated from 2-factor models (orthogonal and correlated);
    varimax against an independent implementation of R's algorithm (tests/test_factors.py).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> true = np.array([[.8, .7, .6, 0, 0, 0], [0, 0, 0, .8, .7, .6]])
    >>> items = pd.DataFrame(rng.normal(size=(400, 2)) @ true + 0.6 * rng.normal(size=(400, 6)),
    ...                      columns=list("abcdef"))
    >>> res = exploratory_factor_analysis(items)
    >>> res.suggested_factors, res.n_factors, round(res.kmo, 3)
    (2, 2, 0.696)
    >>> print(res.loadings.round(2))
         F1    F2
    a -0.01  0.77
    b  0.01  0.75
    c  0.01  0.70
    d  0.83 -0.01
    e  0.77  0.00
    f  0.71  0.02
    """
    from scipy import stats
    from statsmodels.multivariate.factor import Factor

    _checks.frame(items, "items")
    if rotation not in ("varimax", "promax", None):
        raise InputError(f"rotation 应为 varimax / promax / None 之一，实际为 {rotation!r}")
    sims = _checks.whole(draws, "draws", at_least=1, at_most=MAX_PARALLEL_DRAWS)
    seed = _checks.whole(seed, "seed", at_least=0)
    names = [str(c) for c in items.columns]
    if len(set(names)) != len(names):
        raise InputError(f"items 的列名重复：{', '.join(sorted({c for c in names if names.count(c) > 1}))}")
    blank = _checks.missing(items)
    empty = [c for c in items.columns if blank[c].all()]
    if empty:
        raise InputError(f"items 列 {', '.join(map(str, empty))} 全部为缺失值")
    missing = blank.any(axis=1)
    kept = items.loc[~missing]
    n, p = len(kept), len(names)
    if p < 3:
        raise InputError(f"items 至少需要 3 列（题项），实际为 {p} 列")
    if n <= p:
        where = "、".join(str(c) for c in items.columns if blank[c].any())
        raise InputError(f"items 删除缺失值后只有 {n} 行，至少需要 {p + 1} 行（多于题项数 {p}）"
                         + (f"；有缺失值的列：{where}" if where else ""))
    x = _checks.numbers(kept, "items", kept.columns)
    x = x / np.array([_checks.scale_of(x[:, j]) for j in range(p)])   # exact: correlations do not change
    flat = np.ptp(x, axis=0) == 0             # all equal (sd can be a rounding hair above 0)
    if flat.any():
        raise InputError(f"items 列 {names[int(np.argmax(flat))]} 的值全部相同，无法计算相关系数")
    corr = np.corrcoef(x, rowvar=False)
    sign, logdet = np.linalg.slogdet(corr)
    if sign <= 0 or logdet < np.log(1e-12):
        raise InputError("items 的相关矩阵奇异（有题项是其他题项的线性组合，或行数太少），无法做因子分析")
    overall, per_item = _kmo(corr)
    chi2 = -(n - 1 - (2 * p + 5) / 6) * logdet
    dof = p * (p - 1) // 2
    eig = np.linalg.eigvalsh(corr)[::-1]
    rng = np.random.default_rng(seed)
    random_eig = _random_eigenvalues(n, p, sims, rng)
    threshold = np.percentile(random_eig, 95, axis=0)
    above = eig > threshold
    suggested = int(p if above.all() else np.argmin(above))
    notes = []
    if missing.any():
        notes.append(f"删除含缺失值的 {int(missing.sum())} 行（共 {len(items)} 行），用于分析的样本 {n} 个。")
    parallel = (f"平行分析（{sims} 组同样大小的随机数据，随机数种子 {seed}"
                + ("；随机数据的相关矩阵按 Wishart 分布直接抽取，与生成随机数据再求相关矩阵同分布" if n * p > WISHART_CELLS
                   else "") + "）："
                + (f"前 {suggested} 个特征值大于随机数据特征值的 95% 分位数" if suggested
                   else "没有特征值大于随机数据特征值的 95% 分位数"))
    if n_factors is None:
        k = max(1, suggested)
        notes.append(f"{parallel}，因子个数据此取 {k} 个。" if suggested else
                     f"{parallel}，数据中看不到公共因子，仍按 1 个因子给出结果。")
    else:
        k = int(_checks.real(n_factors, "n_factors"))
        if k != n_factors or not 1 <= k <= p - 1:
            raise InputError(f"n_factors 应为 1 到 {p - 1}（题项数 − 1）之间的整数，实际为 {n_factors!r}")
        if k != suggested:
            notes.append(f"因子个数按指定取 {k} 个；{parallel}。")
    fit = Factor(x, n_factor=k, method="pa", smc=True).fit(maxiter=200, tol=1e-8)
    a = np.asarray(fit.loadings)
    h2 = (a ** 2).sum(axis=1)
    phi = np.eye(k)
    rotation = rotation if k > 1 else None
    if rotation == "varimax":
        a = _varimax(a)
    elif rotation == "promax":
        a, phi = _promax(a)
    order = np.argsort(-(a ** 2).sum(axis=0), kind="stable")
    signs = np.where(a[:, order].sum(axis=0) < 0, -1.0, 1.0)
    a = a[:, order] * signs
    phi = phi[np.ix_(order, order)] * np.outer(signs, signs)
    cols = [f"F{i + 1}" for i in range(k)]
    notes.append("提取方法：迭代主轴因子法，初始共同度为复相关系数平方；旋转方法：" + {
        "varimax": "凯撒正态化最大方差法（varimax）。",
        "promax": f"凯撒正态化的 promax 斜交旋转（幂 {PROMAX_POWER}），载荷为模式矩阵，因子间相关见 factor_correlations。",
        None: "不旋转。" if k > 1 else "只有一个因子，无需旋转。"}[rotation])
    p_value = float(stats.chi2.sf(chi2, dof))
    notes.append(f"KMO = {value(overall, 3)}（Kaiser：低于 0.5 不宜做因子分析，0.7 以上较好）；"
                 f"Bartlett 球形检验 χ² = {value(chi2)}，自由度 {dof}，p {'= ' if p_value >= 0.001 else ''}"
                 f"{pvalue(p_value)}。")
    if overall < 0.5:
        notes.append("KMO 低于 0.5，题项间的共同变异不足，因子分析结果不宜采用。")
    if p_value >= 0.05:
        notes.append("Bartlett 球形检验不显著（p ≥ 0.05），不能否定相关矩阵为单位阵，不宜做因子分析。")
    heywood = [name for name, h in zip(names, h2) if h >= 1]
    if heywood:
        notes.append(f"题项 {', '.join(heywood)} 的共同度不小于 1（Heywood 情形），因子个数可能过多或样本不足。")
    eigen = pd.DataFrame({"component": np.arange(1, p + 1), "eigenvalue": eig, "proportion": eig / p,
                          "cumulative": np.cumsum(eig) / p, "threshold": threshold})
    return EFAResult(n=n, n_factors=k, suggested_factors=suggested, rotation=rotation, kmo=overall,
                     kmo_items=pd.Series(per_item, index=names, name="kmo"), bartlett_chi2=float(chi2),
                     bartlett_dof=int(dof), bartlett_p_value=p_value, eigenvalues=eigen,
                     loadings=pd.DataFrame(a, index=names, columns=cols),
                     communalities=pd.Series(h2, index=names, name="communality"),
                     factor_correlations=pd.DataFrame(phi, index=cols, columns=cols), seed=int(seed),
                     draws=sims, notes=tuple(notes))


# ----------------------------------------------------------------------------------------------
# The case's 因素分析 table


__all__ = ["ChainSubstitutionResult", "DecompositionResult", "DriversResult", "EFAResult", "chain_substitution",
           "drivers", "exploratory_factor_analysis", "lmdi", "shapley_decomposition"]
