"""比较法: plan against actual, this year against history, this project against its peers, two groups
against each other, and a difference-in-differences estimate where a policy had a comparison group.

Amounts as given; rates as fractions. Every result holds numbers, tables and ``notes`` (caveats and
how it was computed); the sentences about them are the report's (:mod:`evalkit.report.sentences`).

Hostile input: numbers in tables and numeric arguments are read strictly, by the shared readers of
``evalkit._checks`` (``read_number``): anything but a plain number is refused with an InputError that
names the column and position (or the argument), never guessed; so is a figure that would overflow.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _checks
from ._result import Result
from .errors import InputError

OVERACHIEVEMENT = 1.3      # domain standard §4.1 (Guangxi rule): A ≥ 1.3·T needs an explanation [U]


def _cn(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}"


# ----------------------------------------------------------------------------------------------
# Plan against actual


@dataclass(frozen=True, eq=False, repr=False)
class PlanActualResult(Result):
    """Completion of each quantitative indicator. ``indicators`` (also ``table()``): ``code``, ``name``,
    ``direction``, ``target``, ``actual``, ``unit``, ``completion`` (A / T), ``deviation`` (A − T),
    ``met``, ``flag`` (``""``, ``"未完成"`` or ``"超额需说明"``), ``explained`` (a deviation reason is
    on file). ``skipped``: the indicators left out for a blank target or actual."""

    indicators: pd.DataFrame
    overachievement_ratio: float
    notes: tuple[str, ...] = ()
    skipped: int = 0

    def table(self) -> pd.DataFrame:
        return self.indicators

    def _headline(self) -> dict[str, Any]:
        flag = self.table()["flag"]
        return {"indicators": len(flag), "met": int(self.table()["met"].sum()),
                "shortfalls": int((flag == "未完成").sum()), "overachieved": int((flag == "超额需说明").sum()),
                "skipped": self.skipped}

    @property
    def shortfalls(self) -> pd.DataFrame:
        return self.indicators[self.indicators["flag"] == "未完成"]

    @property
    def overachieved(self) -> pd.DataFrame:
        return self.indicators[self.indicators["flag"] == "超额需说明"]

    def plot(self) -> Any:
        from . import charts

        t = self.indicators.dropna(subset=["completion"])
        return charts.completion(list(t["name"]), list(t["completion"]), list(t["met"]),
                                 overachievement_ratio=self.overachievement_ratio)


def plan_vs_actual(indicators: pd.DataFrame, *, overachievement_ratio: float = OVERACHIEVEMENT) -> PlanActualResult:
    """Completion rate, deviation and flags for every indicator with a numeric target and actual.

    Parameters
    ----------
    indicators
        Columns ``name``, ``target``, ``actual`` and optionally ``code``, ``direction`` (正向 / 反向 /
        等于, 正向 and 反向 in any spelling every method reads; blank for 正向), ``unit``, ``deviation`` (the written reason). A case's indicator table or a
        scorecard's ``indicators`` serve as they are. Rows with a blank target or actual (qualitative
        indicators) are left out, and the notes say how many; any other value must be a finite number
        or text spelling one in half-width digits: "85%", "1,200" or full-width digits are refused
        with what to write instead, never guessed.
    overachievement_ratio
        A 正向 indicator at or above ``overachievement_ratio``·T is flagged for a written explanation
        (1.3 by default, domain standard §4.1; the scheme rule of the same name).

    Raises
    ------
    InputError
        If a column is missing, a target or actual is not a number (naming the column and row), a
        direction is not 正向 / 反向 / 等于, no row has both, or ``overachievement_ratio`` is not above 1.

    Notes
    -----
    completion = A / T (undefined for T = 0); met: A ≥ T (正向), A ≤ T (反向), A = T (等于).
    Checked against: hand-computed rates in tests/test_compare.py.

    Examples
    --------
    >>> t = pd.DataFrame({"name": ["管网长度", "单位成本"], "direction": ["正向", "反向"],
    ...                   "target": [100.0, 50.0], "actual": [92.3, 48.0]})
    >>> res = plan_vs_actual(t)
    >>> [round(x, 3) for x in res.table()["completion"]], list(res.table()["flag"])
    ([0.923, 0.96], ['未完成', ''])
    """
    _checks.frame(indicators, "indicators")
    _checks.columns(indicators, "indicators", ("name", "target", "actual"))
    ratio = _checks.real(overachievement_ratio, "overachievement_ratio", above=1)
    df = indicators.copy()
    for col, default in (("code", ""), ("direction", "正向"), ("unit", ""), ("deviation", "")):
        if col not in df:
            df[col] = default
    for col in ("name", "target", "actual", "code", "direction", "unit", "deviation"):
        if isinstance(df[col], pd.DataFrame):
            raise InputError(f"indicators 有多个名为 {col} 的列，列名应各不相同")
    given = pd.DataFrame({c: ~df[c].map(_checks.blank).to_numpy() for c in ("target", "actual")}, index=df.index)
    df = df[given.all(axis=1).to_numpy()]
    if df.empty:
        raise InputError("indicators 中没有同时填写指标值（列 target）和实际完成值（列 actual）的指标")
    skipped = len(indicators) - len(df)
    unnamed = df["name"].map(_checks.blank).to_numpy()
    if unnamed.any():
        raise InputError(f"indicators 列 name 第 {int(np.argmax(unnamed)) + 1} 个填写了目标值和实际值的指标没有名称")
    t, a = (_checks.numbers(df, "indicators", [c])[:, 0] for c in ("target", "actual"))
    direction = pd.Series(["正向" if _checks.blank(v) else
                           _checks.direction(v, f"indicators 列 direction 第 {i + 1} 个（{n}）的方向", also=("等于",))
                           for i, (v, n) in enumerate(zip(df["direction"].array, df["name"].array))], index=df.index)
    with np.errstate(all="ignore"):
        completion = np.where(t != 0, a / t, np.nan)
        deviation = a - t
        met = np.where(direction == "反向", a <= t, np.where(direction == "等于", np.isclose(a, t), a >= t))
        over = (direction == "正向").to_numpy() & np.where(t > 0, a >= ratio * t, False)
    _checks.finite_result([*completion[t != 0], *deviation], "完成率或偏差",
                          "indicators 列 target 与 actual 的数值相差过大，请检查单位")
    flag = np.where(~met, "未完成", np.where(over, "超额需说明", ""))
    out = pd.DataFrame({"code": df["code"].astype(str), "name": df["name"].astype(str), "direction": direction,
                        "target": t, "actual": a, "unit": df["unit"].fillna("").astype(str),
                        "completion": completion, "deviation": deviation, "met": met, "flag": flag,
                        "explained": df["deviation"].fillna("").astype(str).str.strip() != ""})
    out = out.reset_index(drop=True)
    n_short, n_over = int((flag == "未完成").sum()), int((flag == "超额需说明").sum())
    notes = [f"设定量目标的指标 {len(out)} 项，完成 {len(out) - n_short} 项，未完成 {n_short} 项。"]
    if skipped:
        notes.append(f"另有 {skipped} 项指标未同时填写目标值和实际值，不参与比较。")
    if n_over:
        missing = int((out["flag"].eq("超额需说明") & ~out["explained"]).sum())
        notes.append(f"{n_over} 项指标实际值达到目标值的 {ratio:.0%} 以上，需说明偏差原因"
                     + (f"，其中 {missing} 项尚未说明。" if missing else "，均已说明。"))
    return PlanActualResult(out, ratio, tuple(notes), skipped=skipped)


# ----------------------------------------------------------------------------------------------
# History


@dataclass(frozen=True, eq=False, repr=False)
class TrendResult(Result):
    """One measure over time. ``series`` (also ``table()``): ``period``, ``value``, ``change`` (against the previous
    period), ``growth`` (relative change). ``historical_standard`` is the mean of the periods before
    the current one (历史标准); ``cagr`` the average annual growth over the whole span."""

    measure: str
    unit: str
    series: pd.DataFrame
    current_period: Any
    current: float
    previous: float | None
    change: float | None
    growth: float | None
    cagr: float | None
    historical_standard: float | None
    historical_best: float | None
    direction: str                  # 正向 / 反向 / 中性 (no better or worse: only higher or lower)
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return self.series

    def _headline(self) -> dict[str, Any]:
        return {"measure": self.measure, "current_period": self.current_period, "current": self.current,
                "change": self.change, "growth": self.growth, "historical_standard": self.historical_standard}

    def plot(self) -> Any:
        from . import charts

        return charts.trend(list(map(str, self.series["period"])), list(self.series["value"]),
                            title=f"{self.measure}变化趋势", unit=self.unit,
                            standard=self.historical_standard)


def trend(history: pd.DataFrame, *, measure: str, period: str = "period", value: str | None = None,
          current_period: Any = None, unit: str = "", direction: str = "正向") -> TrendResult:
    """Year-on-year change, average growth and the current period against the historical standard.

    Parameters
    ----------
    history
        Either wide (a ``period`` column and one column per measure) or long (``period``, ``measure``,
        ``value`` columns: pass ``value="value"`` and the measure's name).
        Periods may be numbers (years) or text ("2023年"), but not a mixture; a period without a
        value is left out (the notes say how many); a value must be a number (module notes).
    current_period
        The period judged; default the last one.
    direction
        正向 (higher is better), 反向 (lower is better) or 中性 (a level, neither better nor worse:
        the report says only higher or lower); 正向 and 反向 in any spelling every method reads
        (``"+"``/``"-"``, ``"max"``/``"min"``, ``"benefit"``/``"cost"``).

    Notes
    -----
    change = x_t − x_{t−1}; growth = change / x_{t−1}; CAGR = (x_last / x_first)^(1/(n−1)) − 1 for
    positive values; 历史标准 = mean of the periods before ``current_period``.
    Checked against: hand-computed series in tests/test_compare.py.

    Examples
    --------
    >>> h = pd.DataFrame({"period": [2020, 2021, 2022, 2023], "rate": [84.0, 86.5, 88.2, 92.3]})
    >>> r = trend(h, measure="rate", unit="%")
    >>> round(r.change, 2), round(r.historical_standard, 2)
    (4.1, 86.23)
    """
    _checks.frame(history, "history")
    direction = _checks.direction(direction, "direction ", also=("中性",))
    col = measure if value is None else value
    if col == period or (value is not None and "measure" in (period, value)):
        raise InputError(f"history 的期间列 period={period!r} 不能同时是数值列或指标名称列")
    if value is not None:
        _checks.columns(history, "history", (period, "measure", value))
        rows = history[history["measure"] == measure]
        if rows.empty:
            raise InputError(f"history 中没有指标「{measure}」（现有：{'、'.join(map(str, history['measure'].unique()))}）")
    else:
        _checks.columns(history, "history", (period, measure))
        rows = history
    for c in (period, col):
        if isinstance(rows[c], pd.DataFrame):
            raise InputError(f"history 有多个名为 {c} 的列，列名应各不相同")
    blank = rows[col].map(_checks.blank).to_numpy()
    rows = rows[~blank]
    v = _checks.numbers(rows, "history", [col])[:, 0]
    periods = list(rows[period])
    for k, p in enumerate(periods):
        if _checks.blank(p):
            raise InputError(f"history 列 {period} 第 {k + 1} 个期间为空（指标「{measure}」）")
        try:
            hash(p)
        except TypeError:
            p = None                          # a list or a dict is no period
        if p is None or isinstance(p, (bool, np.bool_)) or (isinstance(p, (float, np.floating)) and not math.isfinite(p)):
            raise InputError(f"history 列 {period} 第 {k + 1} 个期间 {periods[k]!r} 不是有效的期间（应为年份等数字或文字）")
    periods = [int(p) if isinstance(p, (float, np.floating)) and float(p).is_integer() else
               int(p) if isinstance(p, np.integer) else p for p in periods]
    seen: dict[Any, int] = {}
    for k, p in enumerate(periods):
        if p in seen:
            raise InputError(f"history 列 {period} 中指标「{measure}」的期间 {p} 重复（第 {seen[p] + 1} 个和第 {k + 1} 个）")
        seen[p] = k
    try:
        order = sorted(range(len(periods)), key=lambda k: periods[k])
    except TypeError:
        raise InputError(f"history 列 {period} 的期间无法排序（请统一为数字或同一格式的文字）") from None
    if len(periods) < 2:
        raise InputError(f"history 中指标「{measure}」至少需要两个期间的数据（列 {col} 有数值的期间只有 {len(periods)} 个）")
    v = v[order]
    table = pd.DataFrame({"period": [periods[k] for k in order], "value": v})
    with np.errstate(all="ignore"):          # overflow is caught below, with a message
        table["change"] = table["value"].diff()
        table["growth"] = table["change"] / table["value"].shift(1).where(table["value"].shift(1) != 0)
    if current_period is not None and (not pd.api.types.is_scalar(current_period) or _checks.blank(current_period)
                                       or isinstance(current_period, (bool, np.bool_))):
        raise InputError(f"current_period 应为一个期间，实际为 {current_period!r}")
    cur = table["period"].iloc[-1] if current_period is None else current_period
    idx = [k for k, p in enumerate(table["period"]) if p == cur]
    if len(idx) == 0:
        raise InputError(f"history 中指标「{measure}」没有期间 {cur} 的数据（current_period）")
    i = int(idx[0])
    prior = v[:i]
    first, last = v[0], v[i]
    with np.errstate(all="ignore"):          # the second forms only where the first overflows
        cagr = float((last / first) ** (1 / i) - 1) if i > 0 and first > 0 and last > 0 else None
        if cagr is not None and not math.isfinite(cagr):
            cagr = float(np.exp((np.log(last) - np.log(first)) / i) - 1)
        standard = float(prior.mean()) if len(prior) else None
        if standard is not None and not math.isfinite(standard):
            standard = float((prior / len(prior)).sum())
    g = table.loc[i, "growth"]
    _checks.finite_result([x for x in (*table["change"], *table["growth"], cagr) if x is not None and x == x],
                          "变化量或增长率", f"history 列 {col} 的数值相差过大，请检查单位")
    notes = ["历史标准取本期以前各期的平均值。"]
    if blank.any():
        notes.append(f"{int(blank.sum())} 个期间没有数值，未计入。")
    return TrendResult(
        measure=measure, unit=unit, series=table, current_period=cur, current=float(v[i]),
        previous=float(v[i - 1]) if i > 0 else None, change=float(table.loc[i, "change"]) if i > 0 else None,
        growth=None if i == 0 or g != g else float(g), cagr=cagr,
        historical_standard=standard,
        historical_best=(float(prior.min() if direction == "反向" else prior.max()) if len(prior) else None),
        direction=direction,
        notes=tuple(notes))


# ----------------------------------------------------------------------------------------------
# Peers


@dataclass(frozen=True, eq=False, repr=False)
class PeerResult(Result):
    """This project among its peers. ``ranking`` (also ``table()``), best first: ``unit``, ``value``, ``rank`` (1 = best), ``percentile``
    (share of peers it does at least as well as), ``z``, ``is_self``."""

    measure: str
    unit: str                       # the measure's unit of measurement (计量单位)
    ranking: pd.DataFrame
    self_unit: str | None
    direction: str                  # 正向 / 反向
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return self.ranking

    @property
    def self_row(self) -> pd.Series | None:
        rows = self.ranking[self.ranking["is_self"]]
        return rows.iloc[0] if len(rows) else None

    def _headline(self) -> dict[str, Any]:
        r = self.self_row
        return {"measure": self.measure, "units": len(self.table()), "self_unit": self.self_unit,
                "value": None if r is None else float(r["value"]), "rank": None if r is None else int(r["rank"])}

    def plot(self) -> Any:
        from . import charts

        t = self.ranking.sort_values("rank")
        return charts.ranked_bars(list(t["unit"]), list(t["value"]), list(t["is_self"]),
                                  title=f"{self.measure}横向比较", unit=self.unit)


def peer_comparison(peers: pd.DataFrame, *, measure: str, per: str | None = None, unit_col: str = "unit",
                    self_unit: str | None = None, direction: str = "正向", unit: str = "") -> PeerResult:
    """Values (optionally per capita or per unit of ``per``), rank, percentile and z-score among peers.

    Parameters
    ----------
    peers
        One row per unit (region or project) with a name column ``unit_col`` (present, distinct) and
        the measure columns; a boolean ``is_self`` column (True/False or 1/0; text such as "是" is
        refused rather than read) marks at most one unit as this project when ``self_unit`` is not
        given.
    measure, per
        The measure column, and the column it is divided by (per capita, per km …), if any.
    unit_col
        The column naming the units (default ``"unit"``).
    self_unit
        The name of this project's unit, instead of the ``is_self`` column.
    direction
        ``"正向"`` (higher is better, the default) or ``"反向"``; other spellings as every method reads
        them (``"+"``/``"-"``, ``"max"``/``"min"``, ``"benefit"``/``"cost"``).
    unit
        The measure's unit of measurement (计量单位) as text, shown after its values (``"%"``, ``"元"``).

    Notes
    -----
    value = measure / per; rank by value (ties share the best rank); percentile = share of units whose
    value is no better; z = (value − mean) / sd (sample sd). Checked against: scipy.stats.zscore and
    scipy.stats.rankdata in tests/test_compare.py.

    Examples
    --------
    >>> p = pd.DataFrame({"unit": ["甲县", "乙县", "丙县"], "cost": [300.0, 200.0, 400.0], "people": [3.0, 2.5, 2.0]})
    >>> res = peer_comparison(p, measure="cost", per="people", self_unit="甲县", direction="反向")
    >>> int(res.self_row["rank"]), float(res.self_row["value"])     # 乙县 spends 80 a head, 甲县 100
    (2, 100.0)
    """
    _checks.frame(peers, "peers")
    _checks.columns(peers, "peers", [unit_col, measure] + ([per] if per else []))
    direction = _checks.direction(direction, "direction ")
    df = peers.copy()
    _checks.labels(df, "peers", unit_col, "单位名称")
    value = _checks.numbers(df, "peers", [measure])[:, 0]
    if per:
        denom = _checks.numbers(df, "peers", [per])[:, 0]
        if (denom <= 0).any():
            i = int(np.argmax(denom <= 0))
            raise InputError(f"peers 列 {per} 必须大于 0（用作分母），第 {i + 1} 个单位（{df[unit_col].iloc[i]}）为 {denom[i]:g}")
        with np.errstate(all="ignore"):
            value = value / denom
        _checks.finite_result(value, f"{measure}/{per}", f"peers 列 {measure} 与 {per} 的数值相差过大，请检查单位")
    if len(df) < 2:
        raise InputError("peers 至少需要两个单位才能比较")
    sign = 1 if direction == "正向" else -1
    order = (-sign * value).argsort(kind="stable")
    rank = np.empty(len(value), dtype=int)
    score = sign * value
    for i in range(len(value)):
        rank[i] = 1 + int((score > score[i]).sum())
    with np.errstate(all="ignore"):          # z does not depend on the scale: rescale only on overflow
        sd = value.std(ddof=1)
        z = (value - value.mean()) / sd if sd > 0 else np.zeros_like(value)
        if not (np.isfinite(sd) and np.isfinite(z).all()):
            scaled = value / np.abs(value).max()
            sd = scaled.std(ddof=1)
            z = (scaled - scaled.mean()) / sd if sd > 0 else np.zeros_like(value)
    pct = np.array([(score <= s).mean() for s in score])
    if self_unit is not None:
        if not pd.api.types.is_scalar(self_unit) or self_unit not in set(df[unit_col]):
            raise InputError(f"peers 中没有单位「{self_unit}」（self_unit）")
        is_self = (df[unit_col] == self_unit).to_numpy()
    elif "is_self" in df:
        flags = df["is_self"]
        odd = [k for k, f in enumerate(flags.array) if not (isinstance(f, (bool, np.bool_)) or
                                                            (isinstance(f, (int, float, np.number)) and f in (0, 1)))]
        if odd:
            raise InputError(f"peers 列 is_self 第 {odd[0] + 1} 个值应为 True 或 False，实际为 {flags.iloc[odd[0]]!r}")
        is_self = flags.astype(bool).to_numpy()
        if is_self.sum() > 1:
            raise InputError(f"peers 列 is_self 标记了 {int(is_self.sum())} 个本项目单位"
                             f"（{'、'.join(map(str, df.loc[is_self, unit_col]))}），只能有一个")
    else:
        is_self = np.zeros(len(df), bool)
    out = pd.DataFrame({"unit": df[unit_col].astype(str).to_numpy(), "value": value, "rank": rank, "percentile": pct,
                        "z": z, "is_self": is_self}).iloc[order].reset_index(drop=True)
    label = f"{measure}/{per}" if per else measure
    return PeerResult(measure=label, unit=unit, ranking=out,
                      self_unit=str(df.loc[is_self, unit_col].iloc[0]) if is_self.any() else None,
                      direction=direction,
                      notes=("排序以数值越" + ("大" if direction == "正向" else "小") + "越好；z 值以样本标准差计算。",))


# ----------------------------------------------------------------------------------------------
# Two groups


@dataclass(frozen=True, eq=False, repr=False)
class GroupTestResult(Result):
    """A two-group comparison: the test used, its statistic and p-value, an effect size and a
    confidence interval for the difference (``ci_low``/``ci_high`` at ``confidence``)."""

    kind: str                     # welch | mannwhitney | chi2
    statistic: float
    p_value: float
    dof: float | None               # degrees of freedom (None for Mann-Whitney)
    effect: float | None
    effect_name: str
    estimate: float | None        # mean difference, Hodges–Lehmann shift or proportion difference
    ci_low: float | None
    ci_high: float | None
    confidence: float
    n_a: int
    n_b: int
    summary: pd.DataFrame         # per group: n and mean/median or category shares
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{"test": self.kind, "statistic": self.statistic, "dof": self.dof, "p_value": self.p_value,
                              "effect_name": self.effect_name, "effect": self.effect, "estimate": self.estimate,
                              "ci_low": self.ci_low, "ci_high": self.ci_high, "confidence": self.confidence}])

    def _headline(self) -> dict[str, Any]:
        return {"kind": self.kind, "statistic": self.statistic, "p_value": self.p_value, "effect": self.effect,
                "n_a": self.n_a, "n_b": self.n_b}


def _sample(x: Any, name: str) -> tuple[pd.Series, bool]:
    """One group's values without the missing ones, and whether they are numbers (else categories:
    text or booleans). A group mixing numbers with text is refused rather than read as categories."""
    if isinstance(x, (str, bytes, Mapping, pd.DataFrame)) or not isinstance(x, (Sequence, np.ndarray, pd.Series,
                                                                                 pd.Index)):
        raise InputError(f"{name} 应为一组观测值（列表、数组或 pandas.Series），实际为 {type(x).__name__}")
    if isinstance(x, np.ndarray) and x.ndim != 1:
        raise InputError(f"{name} 应为一维的观测值序列，实际为 {x.ndim} 维数组")
    values = [v for v in (x.tolist() if isinstance(x, np.ndarray) else list(x)) if not _checks.blank(v)]
    kinds = []
    for i, v in enumerate(values):
        if isinstance(v, (bool, np.bool_, str)):
            kinds.append("category")
        elif isinstance(v, (int, float, np.integer, np.floating)):
            values[i], why = _checks.read_number(v)
            if why is not None:
                raise InputError(f"{name} 第 {i + 1} 个有效值不是有限的数字：{why}")
            kinds.append("number")
        else:
            raise InputError(f"{name} 第 {i + 1} 个有效值 {str(v)[:30]}（{type(v).__name__}）既不是数字也不是类别文字")
    if len(set(kinds)) > 1:
        i = kinds.index("category")
        raise InputError(f"{name} 中既有数字又有文字或逻辑值（第 {i + 1} 个有效值 {values[i]!r}）："
                         "数值数据请全部填数字（文字如「1,200」请先转换），分类数据请全部填文字")
    numeric = bool(kinds) and kinds[0] == "number"
    return pd.Series(values, dtype=float if numeric else object), numeric


def _normal(sa: pd.Series, sb: pd.Series) -> bool:
    """Both groups look normal by Shapiro-Wilk (p ≥ 0.05); a group too small or constant to test does not."""
    from scipy import stats

    for s in (sa, sb):
        if len(s) < 3 or s.max() == s.min():
            return False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if not stats.shapiro(s.to_numpy(float)).pvalue >= 0.05:
                return False
    return True


def group_test(a: Sequence[Any], b: Sequence[Any], *, kind: str = "auto", confidence: float = 0.95,
               labels: tuple[str, str] = ("A组", "B组")) -> GroupTestResult:
    """Is the difference between two groups real? Welch's t-test, Mann-Whitney U or chi-square.

    ``kind="auto"`` picks chi-square for categories, Mann-Whitney for ordinal data (seven or fewer
    distinct values, such as Likert answers) or small samples that are not normal (Shapiro-Wilk
    p < 0.05 with fewer than 30 in a group; a group of fewer than 3 values or of one repeated value
    cannot be tested and counts as not normal), and Welch's t-test otherwise.

    ``a`` and ``b`` are sequences of numbers (numeric data) or of text / booleans (categories);
    missing values (None, NaN, blank text) are left out. A group that mixes numbers with text, such
    as a "1,200" among numbers, is refused rather than read as categories; so are ±inf, groups whose
    values are all the same, and groups of different kinds.

    Notes
    -----
    Welch: t = (x̄_a − x̄_b) / √(s_a²/n_a + s_b²/n_b), Welch–Satterthwaite degrees of freedom (``dof``), CI of the mean
    difference, Cohen's d with the pooled sd. Mann-Whitney: U of group a, normal approximation with
    tie correction (scipy), rank-biserial r = 2U/(n_a·n_b) − 1, Hodges–Lehmann shift with its
    distribution-free CI. Chi-square: Pearson's test on the contingency table (Yates' correction for
    2×2), Cramér's V, and for two categories the Newcombe–Wilson CI of the difference in proportions.
    Checked against: scipy.stats.ttest_ind(equal_var=False), mannwhitneyu, chi2_contingency.

    Examples
    --------
    >>> r = group_test([3.1, 2.9, 3.4, 3.8, 3.3, 3.6], [2.5, 2.7, 2.2, 2.9, 2.4, 2.8], kind="welch")
    >>> r.kind, round(r.statistic, 3), r.p_value < 0.01
    ('welch', 4.468, True)
    """
    from scipy import stats

    kind = _checks.one_of(kind, "kind", ("auto", "welch", "mannwhitney", "chi2"))
    conf = _checks.real(confidence, "confidence")
    if not 0 < conf < 1:
        raise InputError(f"confidence 应在 0 与 1 之间，实际为 {conf:g}")
    if isinstance(labels, (str, bytes)) or not isinstance(labels, (Sequence, np.ndarray)) or len(labels) != 2:
        raise InputError(f"labels 应为两组的名称（如 ('A组', 'B组')），实际为 {labels!r}")
    la, lb = (str(x) for x in labels)
    if la == lb:
        raise InputError(f"labels 中两组的名称相同（{la}），应各不相同")
    (sa, num_a), (sb, num_b) = _sample(a, "a"), _sample(b, "b")
    if len(sa) < 2 or len(sb) < 2:
        raise InputError(f"两组各需至少 2 个有效值，实际为 a {len(sa)} 个、b {len(sb)} 个")
    if num_a != num_b:
        raise InputError(f"{'a' if num_b else 'b'} 为分类数据（文字或逻辑值），{'b' if num_b else 'a'} 为数值数据，"
                         "两组应为同一种数据")
    numeric = num_a
    why = ""                              # why kind="auto" picked the test, for the notes
    if kind == "auto":
        if not numeric:
            kind, why = "chi2", "两组为分类数据，"
        elif pd.concat([sa, sb]).nunique() <= 7:
            kind, why = "mannwhitney", "数据取值不超过 7 种（如量表评分），"
        elif min(len(sa), len(sb)) < 30 and not _normal(sa, sb):
            kind, why = "mannwhitney", "样本较小（少于 30）且不服从正态分布（Shapiro-Wilk 检验），"
        else:
            kind, why = "welch", "两组为连续的数值数据，"
    if kind in ("welch", "mannwhitney") and not numeric:
        raise InputError(f"{kind} 检验需要数值数据；分类数据请用 kind='chi2'")
    if kind in ("welch", "mannwhitney"):
        x, y = sa.to_numpy(float), sb.to_numpy(float)
        unit = _checks.scale_of(np.concatenate([x, y]))     # exact rescaling: no overflow
        x, y = x / unit, y / unit
        if np.ptp(np.concatenate([x, y])) == 0:
            raise InputError(f"a 和 b（{la}、{lb}）的值全部相同，无法检验差异")
    if kind == "welch":
        if x.var(ddof=1) == 0 and y.var(ddof=1) == 0:
            raise InputError(f"a 和 b（{la}、{lb}）的数值各自全部相同（标准差为 0），Welch t 检验无法进行")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # precision loss on near-constant data
            res = stats.ttest_ind(x, y, equal_var=False)
        va, vb = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
        dfree = (va + vb) ** 2 / (va ** 2 / (len(x) - 1) + vb ** 2 / (len(y) - 1))
        diff = x.mean() - y.mean()
        half = stats.t.ppf((1 + conf) / 2, dfree) * math.sqrt(va + vb)
        pooled = math.sqrt(((len(x) - 1) * x.var(ddof=1) + (len(y) - 1) * y.var(ddof=1)) / (len(x) + len(y) - 2))
        d = diff / pooled
        with np.errstate(over="ignore"):
            means, sds = [x.mean() * unit, y.mean() * unit], [x.std(ddof=1) * unit, y.std(ddof=1) * unit]
            diff, half = diff * unit, half * unit
        _checks.finite_result([res.statistic, res.pvalue, d, *means, *sds, diff - half, diff + half],
                              "t 检验的结果", "a、b 的数值过大或相差过大，请检查单位")
        summary = pd.DataFrame({"group": [la, lb], "n": [len(x), len(y)], "mean": means, "sd": sds})
        note = (f"{why}采用 Welch t 检验（不假定两组方差相等）；效应量 Cohen's d 以合并标准差计算，"
                "0.2、0.5、0.8 为小、中、大效应的常用界限（Cohen 1988）。")
        return GroupTestResult("welch", float(res.statistic), float(res.pvalue), float(dfree), float(d), "Cohen's d",
                               float(diff), float(diff - half), float(diff + half), conf, len(x), len(y), summary,
                               notes=(note,))
    if kind == "mannwhitney":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            res = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic")
        n1, n2 = len(x), len(y)
        r = 2 * res.statistic / (n1 * n2) - 1
        diffs = np.sort(np.subtract.outer(x, y).ravel())
        shift = float(np.median(diffs))
        z = stats.norm.ppf((1 + conf) / 2)
        c = int(math.floor(n1 * n2 / 2 - z * math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)))
        lo, hi = (float(diffs[c]), float(diffs[n1 * n2 - c - 1])) if 0 <= c < n1 * n2 - c else (None, None)
        with np.errstate(over="ignore"):
            shift = shift * unit
            lo, hi = (None, None) if lo is None else (lo * unit, hi * unit)
            medians = [float(np.median(x)) * unit, float(np.median(y)) * unit]
            means = [float(x.mean()) * unit, float(y.mean()) * unit]
        _checks.finite_result([res.statistic, res.pvalue, shift, *medians, *means, *((lo, hi) if lo is not None else ())],
                              "Mann-Whitney 检验的结果", "a、b 的数值过大或相差过大，请检查单位")
        summary = pd.DataFrame({"group": [la, lb], "n": [n1, n2], "median": medians, "mean": means})
        note = (f"{why}采用 Mann-Whitney U 检验（正态近似，含结校正）；位置差为 Hodges–Lehmann 估计，"
                "效应量为秩二列相关 r = 2U/(n₁n₂) − 1。")
        return GroupTestResult("mannwhitney", float(res.statistic), float(res.pvalue), None, float(r),
                               "rank-biserial r", shift, lo, hi, conf, n1, n2, summary, notes=(note,))
    cats = sorted(set(sa.astype(str)) | set(sb.astype(str)))
    table = pd.DataFrame({la: sa.astype(str).value_counts(), lb: sb.astype(str).value_counts()}).reindex(cats).fillna(0)
    if len(cats) < 2:
        raise InputError("卡方检验至少需要两个类别")
    chi2, p, dof, _ = stats.chi2_contingency(table.to_numpy(), correction=True)
    n = table.to_numpy().sum()
    v = math.sqrt(chi2 / (n * (min(table.shape) - 1)))
    est = lo = hi = None
    if len(cats) == 2:
        k = cats[0]
        est, lo, hi = _newcombe(int(table.loc[k, la]), len(sa), int(table.loc[k, lb]), len(sb), conf)
    shares = table / table.sum()
    summary = shares.T.reset_index().rename(columns={"index": "group"})
    note = (f"{why}采用 Pearson 卡方检验（2×2 表含 Yates 连续性校正）；效应量为 Cramér's V"
            + ("，比例差的置信区间为 Newcombe–Wilson 法。" if est is not None else "。"))
    return GroupTestResult("chi2", float(chi2), float(p), float(dof), float(v), "Cramér's V", est, lo, hi, conf,
                           len(sa), len(sb), summary, notes=(note,))


def _wilson(k: int, n: int, conf: float) -> tuple[float, float]:
    from scipy import stats

    z = stats.norm.ppf((1 + conf) / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _newcombe(k1: int, n1: int, k2: int, n2: int, conf: float) -> tuple[float, float, float]:
    """Difference of two proportions with Newcombe's hybrid score interval (method 10)."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = _wilson(k1, n1, conf)
    l2, u2 = _wilson(k2, n2, conf)
    d = p1 - p2
    return d, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


# ----------------------------------------------------------------------------------------------
# Difference in differences


@dataclass(frozen=True, eq=False, repr=False)
class DiDResult(Result):
    """Difference-in-differences estimate of a policy's effect on ``outcome``.

    ``estimate`` is the coefficient of treated × post; ``means`` the 2×2 table of group means;
    ``pretrend_p_value`` the p value of a differential pre-period trend (None when it cannot be tested,
    and then the notes say why).
    """

    outcome: str
    estimate: float
    se: float
    p_value: float
    ci_low: float
    ci_high: float
    confidence: float
    n: int
    clustered: bool
    means: pd.DataFrame
    pretrend_p_value: float | None
    pretrend_slope: float | None
    series: pd.DataFrame | None       # group means by period (for the chart)
    policy_period: Any                # the first period after the policy
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{"estimate": self.estimate, "se": self.se, "p_value": self.p_value,
                              "ci_low": self.ci_low, "ci_high": self.ci_high, "confidence": self.confidence,
                              "n": self.n, "clustered": self.clustered, "pretrend_p_value": self.pretrend_p_value}])

    def _headline(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "estimate": self.estimate, "ci_low": self.ci_low, "ci_high": self.ci_high,
                "p_value": self.p_value, "n": self.n}

    def plot(self) -> Any:
        from . import charts

        if self.series is None:
            return None
        s = self.series
        return charts.did(list(map(str, s.index)), list(s["处理组"]), list(s["对照组"]), str(self.policy_period),
                          title=f"{self.outcome}：处理组与对照组")


def diff_in_diff(panel: pd.DataFrame, *, outcome: str, treated: str, post: str, cluster: str | None = None,
                 period: str | None = None, confidence: float = 0.95, cluster_label: str | None = None) -> DiDResult:
    """Difference-in-differences with statsmodels: outcome ~ treated + post + treated:post.

    Parameters
    ----------
    panel
        One row per unit and period; ``treated`` and ``post`` are 0/1 (or boolean) columns. Rows
        with a missing value in the columns used are left out, and the notes say how many. At
        least 5 observations with some variation within the four cells are needed for a standard
        error (a perfect fit is refused); with ``cluster``, at least 2 clusters.
    cluster
        Column of cluster ids (e.g. the unit) for cluster-robust standard errors.
    period
        The period column (as ``trend``'s and ``malmquist``'s): with two or more pre-policy periods, a
        pre-trend test regresses the outcome on treated × period in the pre-period (with unit fixed effects when ``cluster`` names the unit); it
        also gives the chart its x-axis.

    Notes
    -----
    δ = (ȳ_T,post − ȳ_T,pre) − (ȳ_C,post − ȳ_C,pre), equal to the OLS interaction coefficient.
    Checked against: the hand 2×2 computation and statsmodels' formula interface in tests/test_compare.py.

    Examples
    --------
    >>> p = pd.DataFrame({"y": [10, 11, 10, 14, 9, 10, 9, 10.5], "treated": [1, 1, 1, 1, 0, 0, 0, 0],
    ...                   "post": [0, 0, 1, 1, 0, 0, 1, 1]})
    >>> round(diff_in_diff(p, outcome="y", treated="treated", post="post").estimate, 3)   # (12 − 10.5) − (9.75 − 9.5)
    1.25
    """
    import statsmodels.api as sm

    _checks.frame(panel, "panel")
    conf = _checks.real(confidence, "confidence")
    if not 0 < conf < 1:
        raise InputError(f"confidence 应在 0 与 1 之间，实际为 {conf:g}")
    roles = {"outcome": outcome, "treated": treated, "post": post, "cluster": cluster, "period": period}
    cols = [c for c in roles.values() if c]
    if len(set(cols)) != len(cols):
        same = [k for k, c in roles.items() if c and cols.count(c) > 1]
        raise InputError(f"{'、'.join(same)} 指向同一列 {roles[same[0]]}，应为不同的列")
    _checks.columns(panel, "panel", cols)
    for c in cols:
        if isinstance(panel[c], pd.DataFrame):
            raise InputError(f"panel 有多个名为 {c} 的列，列名应各不相同")
    missing = _checks.missing(panel[cols]).any(axis=1).to_numpy()
    df = panel.loc[~missing, cols]
    y = _checks.numbers(df, "panel", [outcome])[:, 0]
    tr = _checks.numbers(df, "panel", [treated])[:, 0]
    po = _checks.numbers(df, "panel", [post])[:, 0]
    for name, v in ((treated, tr), (post, po)):
        if not set(np.unique(v)) <= {0.0, 1.0}:
            raise InputError(f"panel 列 {name} 只能取 0 或 1")
        if len(np.unique(v)) < 2:
            raise InputError(f"panel 列 {name} 需要同时有 0 和 1")
    cells = pd.crosstab(tr, po)
    if cells.shape != (2, 2) or (cells.to_numpy() == 0).any():
        raise InputError("panel 需要处理组和对照组在政策前后都有观测")
    if len(y) <= 4:
        raise InputError(f"panel 只有 {len(y)} 个有效观测（处理组和对照组政策前后各一个），无法估计标准误，至少需要 5 个")
    unit = _checks.scale_of(y)                 # exact rescaling: sums of squares cannot overflow
    ys = y / unit
    X = sm.add_constant(np.column_stack([tr, po, tr * po]))
    model = sm.OLS(ys, X)
    notes = []
    if missing.any():
        notes.append(f"删除含缺失值的 {int(missing.sum())} 行（共 {len(panel)} 行）。")
    if cluster:
        for label, v in zip(df.index, df[cluster].array):
            try:
                hash(v)
            except TypeError:
                raise InputError(f"panel 列 {cluster}（索引 {label}）的值 {str(v)[:30]} 不能作为聚类标识，"
                                 "应为文字或数字") from None
        groups = pd.factorize(df[cluster])[0]
        if len(set(groups)) < 2:
            raise InputError(f"panel 列 {cluster} 只有 {len(set(groups))} 个聚类，聚类稳健标准误至少需要 2 个")
        notes.append(f"标准误按{cluster_label or cluster}聚类（{len(set(groups))} 个聚类）稳健估计。")
        if len(set(groups)) < 20:
            notes.append("聚类数少于 20，聚类稳健标准误可能偏小，结论宜谨慎。")
    with warnings.catch_warnings(), np.errstate(all="ignore"):   # statsmodels computes lazily: all in here
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups}) if cluster else model.fit()
        params, bse, pvalues = np.asarray(fit.params), np.asarray(fit.bse), np.asarray(fit.pvalues)
        ci = np.asarray(fit.conf_int(alpha=1 - conf)) * unit
        exact = not float(fit.ssr) > 1e-24 * float(fit.centered_tss)      # a perfect fit, to rounding
    if exact or not (bse[3] > 0 and np.isfinite(bse[3]) and np.isfinite(pvalues[3])):
        raise InputError(f"panel 列 {outcome} 在处理组和对照组的政策前后都没有组内差异（残差为 0），无法估计标准误")
    with np.errstate(over="ignore"):
        est, se = float(params[3]) * unit, float(bse[3]) * unit
        cell = [[ys[(tr == g) & (po == p)].mean() * unit for p in (0, 1)] for g in (1, 0)]
        means = pd.DataFrame({"政策前": [cell[0][0], cell[1][0]], "政策后": [cell[0][1], cell[1][1]]},
                             index=["处理组", "对照组"])
        means["变化"] = means["政策后"] - means["政策前"]
    _checks.finite_result([est, se, *ci[3], *means.to_numpy().ravel()], "双重差分估计",
                          f"panel 列 {outcome} 的数值过大或相差过大，请检查单位")
    pre_p = pre_slope = None
    series = None
    policy = None
    if period:
        t = _checks.numbers(df, "panel", [period])[:, 0]
        series = pd.DataFrame({"time": t, "y": y, "g": np.where(tr == 1, "处理组", "对照组")}) \
            .pivot_table(index="time", columns="g", values="y", aggfunc="mean")
        series.index = [int(v) if float(v).is_integer() else v for v in series.index]
        post_times = t[po == 1]
        policy = int(post_times.min()) if float(post_times.min()).is_integer() else post_times.min()
        pre = po == 0
        if len(np.unique(t[pre])) >= 2:
            yp, tp, trp = ys[pre], t[pre], tr[pre]
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                if cluster:     # unit fixed effects by the within transformation, cluster-robust errors
                    g = pd.factorize(df[cluster])[0][pre]
                    within = pd.DataFrame({"g": g, "y": yp, "t": tp, "tt": trp * tp}).groupby("g").transform("mean")
                    Xp = np.column_stack([tp - within["t"], trp * tp - within["tt"]])
                    k, yw = 1, yp - within["y"].to_numpy()
                else:
                    Xp = sm.add_constant(np.column_stack([trp, tp, trp * tp]), has_constant="add")
                    k, yw = 3, yp
                if np.isfinite(Xp).all() and np.linalg.matrix_rank(Xp) == Xp.shape[1] and len(yw) > Xp.shape[1]:
                    fp = sm.OLS(yw, Xp).fit(**({"cov_type": "cluster", "cov_kwds": {"groups": g}} if cluster else {}))
                    pv, slope = float(np.asarray(fp.pvalues)[k]), float(np.asarray(fp.params)[k])
                    if np.isfinite(pv) and np.isfinite(slope):
                        pre_p, pre_slope = pv, slope * unit
            if pre_p is None:
                notes.append("政策实施前各组的观测不足以估计趋势差异（如处理组只有一期或各单位只有一期），无法检验平行趋势假设。")
        else:
            notes.append("政策实施前只有一期数据，无法检验平行趋势假设。")
    else:
        notes.append("未给出期间列（period），未检验平行趋势假设。")
    return DiDResult(outcome=outcome, estimate=est, se=se, p_value=float(pvalues[3]),
                     ci_low=float(ci[3, 0]), ci_high=float(ci[3, 1]), confidence=conf, n=len(y),
                     clustered=bool(cluster), means=means, pretrend_p_value=pre_p, pretrend_slope=pre_slope, series=series,
                     policy_period=policy, notes=tuple(notes))


# ----------------------------------------------------------------------------------------------
# Case tables


__all__ = ["DiDResult", "GroupTestResult", "PeerResult", "PlanActualResult", "TrendResult", "diff_in_diff",
           "group_test", "peer_comparison", "plan_vs_actual", "trend"]
