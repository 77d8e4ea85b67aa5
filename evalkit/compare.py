"""比较法: plan against actual, this year against history, this project against its peers, two groups
against each other, and a difference-in-differences estimate where a policy had a comparison group.

Amounts as given; rates as fractions. Every result carries the sentences the report shows in
``notes`` or through ``sentence()``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _checks
from ._fmt import pvalue, value
from .errors import InputError, Problem

OVERACHIEVEMENT = 1.3      # domain standard §4.1 (Guangxi rule): A ≥ 1.3·T needs an explanation [U]


def _cn(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}"


# ----------------------------------------------------------------------------------------------
# Plan against actual


@dataclass(frozen=True, eq=False)
class PlanActualResult:
    """Completion of each quantitative indicator. ``table``: ``code``, ``name``, ``direction``, ``target``,
    ``actual``, ``unit``, ``completion`` (A / T), ``deviation`` (A − T), ``met``, ``flag`` (``""``,
    ``"未完成"`` or ``"超额需说明"``), ``explained`` (a deviation reason is on file)."""

    table_: pd.DataFrame
    threshold: float
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return self.table_

    @property
    def shortfalls(self) -> pd.DataFrame:
        return self.table_[self.table_["flag"] == "未完成"]

    @property
    def overachieved(self) -> pd.DataFrame:
        return self.table_[self.table_["flag"] == "超额需说明"]

    def plot(self) -> Any:
        from .report import charts

        t = self.table_.dropna(subset=["completion"])
        return charts.completion(list(t["name"]), list(t["completion"]), list(t["met"]), threshold=self.threshold)

    def _repr_html_(self) -> str:
        return self.table_.to_html(index=False)


def plan_vs_actual(indicators: pd.DataFrame, *, threshold: float = OVERACHIEVEMENT) -> PlanActualResult:
    """Completion rate, deviation and flags for every indicator with a numeric target and actual.

    Parameters
    ----------
    indicators
        Columns ``name``, ``target``, ``actual`` and optionally ``code``, ``direction`` (正向 / 反向 /
        等于; default 正向), ``unit``, ``deviation`` (the written reason). A case's indicator table or a
        scorecard's ``indicators`` serve as they are.
    threshold
        A 正向 indicator at or above ``threshold``·T is flagged for a written explanation (1.3 by
        default, domain standard §4.1).

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
    threshold = _checks.greater_than(threshold, "threshold", 1)
    df = indicators.copy()
    for col, default in (("code", ""), ("direction", "正向"), ("unit", ""), ("deviation", "")):
        if col not in df:
            df[col] = default
    df["target"] = pd.to_numeric(df["target"], errors="coerce")
    df["actual"] = pd.to_numeric(df["actual"], errors="coerce")
    df = df.dropna(subset=["target", "actual"])
    if df.empty:
        raise InputError("indicators 中没有同时填写指标值和实际完成值的指标")
    direction = df["direction"].replace("", "正向").fillna("正向")
    t, a = df["target"].to_numpy(float), df["actual"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        completion = np.where(t != 0, a / t, np.nan)
    met = np.where(direction == "反向", a <= t, np.where(direction == "等于", np.isclose(a, t), a >= t))
    over = (direction == "正向").to_numpy() & np.where(t > 0, a >= threshold * t, False)
    flag = np.where(~met, "未完成", np.where(over, "超额需说明", ""))
    out = pd.DataFrame({"code": df["code"].astype(str), "name": df["name"].astype(str), "direction": direction,
                        "target": t, "actual": a, "unit": df["unit"].fillna("").astype(str),
                        "completion": completion, "deviation": a - t, "met": met, "flag": flag,
                        "explained": df["deviation"].fillna("").astype(str).str.strip() != ""})
    out = out.reset_index(drop=True)
    n_short, n_over = int((flag == "未完成").sum()), int((flag == "超额需说明").sum())
    notes = [f"设定量目标的指标 {len(out)} 项，完成 {len(out) - n_short} 项，未完成 {n_short} 项。"]
    if n_over:
        missing = int((out["flag"].eq("超额需说明") & ~out["explained"]).sum())
        notes.append(f"{n_over} 项指标实际值达到目标值的 {threshold:.0%} 以上，需说明偏差原因"
                     + (f"，其中 {missing} 项尚未说明。" if missing else "，均已说明。"))
    return PlanActualResult(out, threshold, tuple(notes))


# ----------------------------------------------------------------------------------------------
# History


@dataclass(frozen=True, eq=False)
class TrendResult:
    """One measure over time. ``table``: ``period``, ``value``, ``change`` (against the previous
    period), ``growth`` (relative change). ``historical_standard`` is the mean of the periods before
    the current one (历史标准); ``cagr`` the average annual growth over the whole span."""

    measure: str
    unit: str
    table_: pd.DataFrame
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
        return self.table_

    def sentence(self) -> str:
        """e.g. ``2023年供水保证率为 92.3%，较上年提高 4.1 个百分点，高于历史平均水平（87.5%）。``"""
        u = self.unit
        s = f"{self.current_period}年{self.measure}为 {value(self.current)}{u}"
        if self.change is not None:
            up = self.change > 0
            if self.change == 0:
                s += "，与上年持平"
            elif u == "%":
                s += f"，较上年{'提高' if up else '下降'} {value(abs(self.change), 1)} 个百分点"
            elif self.growth is not None:
                s += f"，较上年{'增加' if up else '减少'} {abs(self.growth):.1%}"
        if self.historical_standard is not None:
            h = self.historical_standard
            if self.direction == "中性":
                rel = "高于" if self.current > h else "低于" if self.current < h else "等于"
            else:
                better = self.current >= h if self.direction != "反向" else self.current <= h
                rel = "优于" if better else "差于"
            s += f"，{rel}历史平均水平（{value(h)}{u}）"
        return s + "。"

    def plot(self) -> Any:
        from .report import charts

        return charts.trend(list(map(str, self.table_["period"])), list(self.table_["value"]),
                            title=f"{self.measure}变化趋势", unit=self.unit,
                            standard=self.historical_standard)


def trend(history: pd.DataFrame, *, measure: str, period: str = "period", value: str | None = None,
          current: Any = None, unit: str = "", direction: str = "正向") -> TrendResult:
    """Year-on-year change, average growth and the current period against the historical standard.

    Parameters
    ----------
    history
        Either wide (a ``period`` column and one column per measure) or long (``period``, ``measure``,
        ``value`` columns: pass ``value="value"`` and the measure's name).
    current
        The period judged; default the last one.
    direction
        正向 (higher is better), 反向 (lower is better) or 中性 (a level, neither better nor worse:
        the sentence says only higher or lower).

    Notes
    -----
    change = x_t − x_{t−1}; growth = change / x_{t−1}; CAGR = (x_last / x_first)^(1/(n−1)) − 1 for
    positive values; 历史标准 = mean of the periods before ``current``.
    Checked against: hand-computed series in tests/test_compare.py.

    Examples
    --------
    >>> h = pd.DataFrame({"period": [2020, 2021, 2022, 2023], "rate": [84.0, 86.5, 88.2, 92.3]})
    >>> trend(h, measure="rate", unit="%").sentence()
    '2023年rate为 92.3%，较上年提高 4.1 个百分点，优于历史平均水平（86.23%）。'
    """
    _checks.frame(history, "history")
    _checks.one_of(direction, "direction", ("正向", "反向", "中性"))
    if value is not None:
        _checks.columns(history, "history", (period, "measure", value))
        rows = history[history["measure"] == measure]
        if rows.empty:
            raise InputError(f"history 中没有指标「{measure}」（现有：{'、'.join(map(str, history['measure'].unique()))}）")
        series = rows[[period, value]].rename(columns={value: "value"})
    else:
        _checks.columns(history, "history", (period, measure))
        series = history[[period, measure]].rename(columns={measure: "value"})
    series = series.assign(value=pd.to_numeric(series["value"], errors="coerce")).dropna(subset=["value"])
    if series[period].duplicated().any():
        raise InputError(f"history 中指标「{measure}」的期间重复")
    series = series.sort_values(period).reset_index(drop=True)
    if len(series) < 2:
        raise InputError(f"history 中指标「{measure}」至少需要两个期间的数据")
    v = series["value"].to_numpy(float)
    table = pd.DataFrame({"period": series[period].to_numpy(), "value": v})
    table["period"] = [int(x) if float(x).is_integer() else x for x in table["period"]]
    table["change"] = table["value"].diff()
    with np.errstate(divide="ignore", invalid="ignore"):
        table["growth"] = table["change"] / table["value"].shift(1).where(table["value"].shift(1) != 0)
    cur = table["period"].iloc[-1] if current is None else current
    idx = table.index[table["period"] == cur]
    if len(idx) == 0:
        raise InputError(f"history 中指标「{measure}」没有期间 {cur} 的数据")
    i = int(idx[0])
    prior = table.iloc[:i]
    first, last = v[0], v[i]
    cagr = (last / first) ** (1 / i) - 1 if i > 0 and first > 0 and last > 0 else None
    g = table.loc[i, "growth"]
    return TrendResult(
        measure=measure, unit=unit, table_=table, current_period=cur, current=float(v[i]),
        previous=float(v[i - 1]) if i > 0 else None, change=float(table.loc[i, "change"]) if i > 0 else None,
        growth=None if i == 0 or g != g else float(g), cagr=cagr,
        historical_standard=float(prior["value"].mean()) if len(prior) else None,
        historical_best=(float(prior["value"].min() if direction == "反向" else prior["value"].max())
                         if len(prior) else None),
        direction=direction,
        notes=("历史标准取本期以前各期的平均值。",))


# ----------------------------------------------------------------------------------------------
# Peers


@dataclass(frozen=True, eq=False)
class PeerResult:
    """This project among its peers. ``table``: ``unit``, ``value``, ``rank`` (1 = best), ``percentile``
    (share of peers it does at least as well as), ``z``, ``is_self``."""

    measure: str
    unit_label: str
    table_: pd.DataFrame
    self_unit: str | None
    higher_is_better: bool
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return self.table_

    @property
    def self_row(self) -> pd.Series | None:
        rows = self.table_[self.table_["is_self"]]
        return rows.iloc[0] if len(rows) else None

    def sentence(self) -> str:
        """e.g. ``在 12 个区县中排第 3 位（前 25%），高于平均水平 1.2 个标准差。``"""
        r = self.self_row
        if r is None:
            return ""
        n = len(self.table_)
        z = r["z"]
        zs = ""
        if z == z and abs(z) >= 0.05:
            zs = f"，{'高于' if z > 0 else '低于'}平均水平 {abs(z):.1f} 个标准差"
            zs += "" if self.higher_is_better else "（该指标越低越好）"
        return f"{self.measure}为 {value(r['value'])}{self.unit_label}，在 {n} 个单位中排第 {int(r['rank'])} 位{zs}。"

    def plot(self) -> Any:
        from .report import charts

        t = self.table_.sort_values("rank")
        return charts.ranked_bars(list(t["unit"]), list(t["value"]), list(t["is_self"]),
                                  title=f"{self.measure}横向比较", unit=self.unit_label)


def peer_comparison(peers: pd.DataFrame, *, measure: str, per: str | None = None, unit: str = "unit",
                    self_unit: str | None = None, higher_is_better: bool = True,
                    unit_label: str = "") -> PeerResult:
    """Values (optionally per capita or per unit of ``per``), rank, percentile and z-score among peers.

    Parameters
    ----------
    peers
        One row per unit (region or project) with a ``unit`` name column and the measure columns;
        a boolean ``is_self`` column marks this project when ``self_unit`` is not given.

    Notes
    -----
    value = measure / per; rank by value (ties share the best rank); percentile = share of units whose
    value is no better; z = (value − mean) / sd (sample sd). Checked against: scipy.stats.zscore and
    scipy.stats.rankdata in tests/test_compare.py.

    Examples
    --------
    >>> p = pd.DataFrame({"unit": ["甲县", "乙县", "丙县"], "cost": [300.0, 200.0, 400.0], "people": [3.0, 2.5, 2.0]})
    >>> res = peer_comparison(p, measure="cost", per="people", self_unit="甲县", higher_is_better=False)
    >>> int(res.self_row["rank"]), float(res.self_row["value"])     # 乙县 spends 80 a head, 甲县 100
    (2, 100.0)
    """
    _checks.frame(peers, "peers")
    _checks.columns(peers, "peers", [unit, measure] + ([per] if per else []))
    df = peers.copy()
    if df[unit].duplicated().any():
        raise InputError(f"peers 列 {unit} 中单位名称重复")
    value = _checks.numeric(df, "peers", [measure])[:, 0]
    if per:
        denom = _checks.numeric(df, "peers", [per])[:, 0]
        if (denom <= 0).any():
            raise InputError(f"peers 列 {per} 必须大于 0（用作分母）")
        value = value / denom
    if len(df) < 2:
        raise InputError("peers 至少需要两个单位才能比较")
    sign = 1 if higher_is_better else -1
    order = (-sign * value).argsort(kind="stable")
    rank = np.empty(len(value), dtype=int)
    score = sign * value
    for i in range(len(value)):
        rank[i] = 1 + int((score > score[i]).sum())
    sd = value.std(ddof=1)
    z = (value - value.mean()) / sd if sd > 0 else np.zeros_like(value)
    pct = np.array([(score <= s).mean() for s in score])
    if self_unit is not None:
        if self_unit not in set(df[unit]):
            raise InputError(f"peers 中没有单位「{self_unit}」")
        is_self = (df[unit] == self_unit).to_numpy()
    else:
        is_self = df["is_self"].astype(bool).to_numpy() if "is_self" in df else np.zeros(len(df), bool)
    out = pd.DataFrame({"unit": df[unit].astype(str).to_numpy(), "value": value, "rank": rank, "percentile": pct,
                        "z": z, "is_self": is_self}).iloc[order].reset_index(drop=True)
    label = f"{measure}/{per}" if per else measure
    return PeerResult(measure=label, unit_label=unit_label, table_=out,
                      self_unit=str(df.loc[is_self, unit].iloc[0]) if is_self.any() else None,
                      higher_is_better=higher_is_better,
                      notes=("排序以数值越" + ("大" if higher_is_better else "小") + "越好；z 值以样本标准差计算。",))


# ----------------------------------------------------------------------------------------------
# Two groups


@dataclass(frozen=True, eq=False)
class GroupTestResult:
    """A two-group comparison: the test used, its statistic and p-value, an effect size and a
    confidence interval for the difference (``ci_low``/``ci_high`` at ``confidence``)."""

    kind: str                     # welch | mannwhitney | chi2
    statistic: float
    p_value: float
    df: float | None
    effect: float | None
    effect_name: str
    estimate: float | None        # mean difference, Hodges–Lehmann shift or proportion difference
    ci_low: float | None
    ci_high: float | None
    confidence: float
    n_a: int
    n_b: int
    summary: pd.DataFrame         # per group: n and mean/median or category shares
    sentence: str
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{"test": self.kind, "statistic": self.statistic, "df": self.df, "p_value": self.p_value,
                              "effect_name": self.effect_name, "effect": self.effect, "estimate": self.estimate,
                              "ci_low": self.ci_low, "ci_high": self.ci_high, "confidence": self.confidence}])


def _magnitude(kind: str, x: float) -> str:
    a = abs(x)
    cuts = {"d": (0.2, 0.5, 0.8), "r": (0.1, 0.3, 0.5), "v": (0.1, 0.3, 0.5)}[kind]
    return "可忽略" if a < cuts[0] else "小" if a < cuts[1] else "中等" if a < cuts[2] else "大"


def group_test(a: Sequence[Any], b: Sequence[Any], *, kind: str = "auto", confidence: float = 0.95,
               labels: tuple[str, str] = ("A组", "B组")) -> GroupTestResult:
    """Is the difference between two groups real? Welch's t-test, Mann-Whitney U or chi-square.

    ``kind="auto"`` picks chi-square for categories, Mann-Whitney for ordinal data (seven or fewer
    distinct values, such as Likert answers) or small samples that are not normal (Shapiro-Wilk
    p < 0.05 with fewer than 30 in a group), and Welch's t-test otherwise.

    Notes
    -----
    Welch: t = (x̄_a − x̄_b) / √(s_a²/n_a + s_b²/n_b), Welch–Satterthwaite df, CI of the mean
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
    conf = _checks.number(confidence, "confidence")
    if not 0 < conf < 1:
        raise InputError(f"confidence 应在 0 与 1 之间，实际为 {conf:g}")
    sa, sb = pd.Series(list(a)).dropna(), pd.Series(list(b)).dropna()
    if len(sa) < 2 or len(sb) < 2:
        raise InputError(f"两组各需至少 2 个有效值，实际为 {len(sa)} 和 {len(sb)}")
    numeric = pd.api.types.is_numeric_dtype(sa) and pd.api.types.is_numeric_dtype(sb) \
        and not pd.api.types.is_bool_dtype(sa)
    if kind == "auto":
        if not numeric:
            kind = "chi2"
        elif pd.concat([sa, sb]).nunique() <= 7 or min(len(sa), len(sb)) < 30 and min(stats.shapiro(sa).pvalue, stats.shapiro(sb).pvalue) < 0.05:
            kind = "mannwhitney"
        else:
            kind = "welch"
    if kind in ("welch", "mannwhitney") and not numeric:
        raise InputError(f"{kind} 检验需要数值数据；分类数据请用 kind='chi2'")
    la, lb = labels
    level = f"{conf:.0%}"
    if kind == "welch":
        x, y = sa.to_numpy(float), sb.to_numpy(float)
        res = stats.ttest_ind(x, y, equal_var=False)
        va, vb = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
        dfree = (va + vb) ** 2 / (va ** 2 / (len(x) - 1) + vb ** 2 / (len(y) - 1))
        diff = x.mean() - y.mean()
        half = stats.t.ppf((1 + conf) / 2, dfree) * math.sqrt(va + vb)
        pooled = math.sqrt(((len(x) - 1) * x.var(ddof=1) + (len(y) - 1) * y.var(ddof=1)) / (len(x) + len(y) - 2))
        d = diff / pooled if pooled > 0 else float("nan")
        summary = pd.DataFrame({"group": [la, lb], "n": [len(x), len(y)], "mean": [x.mean(), y.mean()],
                                "sd": [x.std(ddof=1), y.std(ddof=1)]})
        sig = "显著" if res.pvalue < 1 - conf else "不显著"
        sentence = (f"{la}均值 {x.mean():.3g}、{lb}均值 {y.mean():.3g}，差值 {diff:.3g}（{level} 置信区间 "
                    f"{diff - half:.3g}～{diff + half:.3g}）；Welch t 检验 t = {res.statistic:.2f}，p = {res.pvalue:.3g}，"
                    f"差异在 {1 - conf:.0%} 水平上{sig}，效应量 Cohen's d = {d:.2f}（{_magnitude('d', d)}）。")
        return GroupTestResult("welch", float(res.statistic), float(res.pvalue), float(dfree), float(d), "Cohen's d",
                               float(diff), float(diff - half), float(diff + half), conf, len(x), len(y), summary,
                               sentence)
    if kind == "mannwhitney":
        x, y = sa.to_numpy(float), sb.to_numpy(float)
        res = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic")
        n1, n2 = len(x), len(y)
        r = 2 * res.statistic / (n1 * n2) - 1
        diffs = np.sort(np.subtract.outer(x, y).ravel())
        shift = float(np.median(diffs))
        z = stats.norm.ppf((1 + conf) / 2)
        c = int(math.floor(n1 * n2 / 2 - z * math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)))
        lo, hi = (float(diffs[c]), float(diffs[n1 * n2 - c - 1])) if 0 <= c < n1 * n2 - c else (None, None)
        summary = pd.DataFrame({"group": [la, lb], "n": [n1, n2], "median": [np.median(x), np.median(y)],
                                "mean": [x.mean(), y.mean()]})
        sig = "显著" if res.pvalue < 1 - conf else "不显著"
        ci = f"（{level} 置信区间 {lo:.3g}～{hi:.3g}）" if lo is not None else ""
        sentence = (f"{la}中位数 {np.median(x):.3g}、{lb}中位数 {np.median(y):.3g}，位置差（Hodges–Lehmann）{shift:.3g}{ci}；"
                    f"Mann-Whitney U 检验 U = {res.statistic:.1f}，p = {res.pvalue:.3g}，差异在 {1 - conf:.0%} 水平上{sig}，"
                    f"效应量秩二列相关 r = {r:.2f}（{_magnitude('r', r)}）。")
        return GroupTestResult("mannwhitney", float(res.statistic), float(res.pvalue), None, float(r),
                               "rank-biserial r", shift, lo, hi, conf, n1, n2, summary, sentence)
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
    sig = "显著" if p < 1 - conf else "不显著"
    diff = (f"“{cats[0]}”比例差 {est:.1%}（{level} 置信区间 {lo:.1%}～{hi:.1%}）；" if est is not None else "")
    sentence = (f"{diff}卡方检验 χ² = {chi2:.2f}（自由度 {dof}），p = {p:.3g}，两组分布差异在 {1 - conf:.0%} 水平上{sig}，"
                f"效应量 Cramér's V = {v:.2f}（{_magnitude('v', v)}）。")
    return GroupTestResult("chi2", float(chi2), float(p), float(dof), float(v), "Cramér's V", est, lo, hi, conf,
                           len(sa), len(sb), summary, sentence)


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


@dataclass(frozen=True, eq=False)
class DiDResult:
    """Difference-in-differences estimate of a policy's effect on ``outcome``.

    ``estimate`` is the coefficient of treated × post; ``means`` the 2×2 table of group means;
    ``pretrend_p`` the p-value of a differential pre-period trend (None when it cannot be tested).
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
    pretrend_p: float | None
    pretrend_slope: float | None
    series: pd.DataFrame | None       # time, group means (for the chart)
    policy_time: Any
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{"estimate": self.estimate, "se": self.se, "p_value": self.p_value,
                              "ci_low": self.ci_low, "ci_high": self.ci_high, "confidence": self.confidence,
                              "n": self.n, "clustered": self.clustered, "pretrend_p": self.pretrend_p}])

    def sentence(self, unit: str = "") -> str:
        sig = "显著" if self.p_value < 1 - self.confidence else "不显著"
        s = (f"双重差分估计显示，政策使{self.outcome}平均{'增加' if self.estimate >= 0 else '减少'} "
             f"{value(abs(self.estimate))}{unit}（{self.confidence:.0%} 置信区间 {value(self.ci_low)}～"
             f"{value(self.ci_high)}{unit}，p {'= ' if self.p_value >= 0.001 else ''}{pvalue(self.p_value)}），"
             f"在 {1 - self.confidence:.0%} 水平上{sig}。")
        if self.pretrend_p is not None:
            ok = "未发现" if self.pretrend_p >= 0.05 else "发现"
            s += f"政策实施前两组趋势差异检验 p = {pvalue(self.pretrend_p)}，{ok}明显的事前趋势差异。"
        else:
            s += "政策实施前只有一期数据，无法检验平行趋势假设。"
        return s

    def plot(self) -> Any:
        from .report import charts

        if self.series is None:
            return None
        s = self.series
        return charts.did(list(map(str, s.index)), list(s["处理组"]), list(s["对照组"]), str(self.policy_time),
                          title=f"{self.outcome}：处理组与对照组")


def diff_in_diff(panel: pd.DataFrame, *, outcome: str, treated: str, post: str, cluster: str | None = None,
                 time: str | None = None, confidence: float = 0.95, cluster_label: str | None = None) -> DiDResult:
    """Difference-in-differences with statsmodels: outcome ~ treated + post + treated:post.

    Parameters
    ----------
    panel
        One row per unit and period; ``treated`` and ``post`` are 0/1 (or boolean) columns.
    cluster
        Column of cluster ids (e.g. the unit) for cluster-robust standard errors.
    time
        Period column: with two or more pre-policy periods, a pre-trend test regresses the outcome on
        treated × time in the pre-period (with unit fixed effects when ``cluster`` names the unit); it
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
    cols = [outcome, treated, post] + [c for c in (cluster, time) if c]
    _checks.columns(panel, "panel", cols)
    df = panel[cols].dropna().copy()
    y = _checks.numeric(df, "panel", [outcome])[:, 0]
    tr = _checks.numeric(df, "panel", [treated])[:, 0]
    po = _checks.numeric(df, "panel", [post])[:, 0]
    for name, v in ((treated, tr), (post, po)):
        if not set(np.unique(v)) <= {0.0, 1.0}:
            raise InputError(f"panel 列 {name} 只能取 0 或 1")
        if len(np.unique(v)) < 2:
            raise InputError(f"panel 列 {name} 需要同时有 0 和 1")
    cells = pd.crosstab(tr, po)
    if cells.shape != (2, 2) or (cells.to_numpy() == 0).any():
        raise InputError("panel 需要处理组和对照组在政策前后都有观测")
    X = sm.add_constant(np.column_stack([tr, po, tr * po]))
    model = sm.OLS(y, X)
    notes = []
    if cluster:
        groups = pd.factorize(df[cluster])[0]
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
        notes.append(f"标准误按{cluster_label or cluster}聚类（{len(set(groups))} 个聚类）稳健估计。")
        if len(set(groups)) < 20:
            notes.append("聚类数少于 20，聚类稳健标准误可能偏小，结论宜谨慎。")
    else:
        fit = model.fit()
    ci = fit.conf_int(alpha=1 - confidence)
    means = pd.DataFrame({"政策前": [y[(tr == 1) & (po == 0)].mean(), y[(tr == 0) & (po == 0)].mean()],
                          "政策后": [y[(tr == 1) & (po == 1)].mean(), y[(tr == 0) & (po == 1)].mean()]},
                         index=["处理组", "对照组"])
    means["变化"] = means["政策后"] - means["政策前"]
    pre_p = pre_slope = None
    series = None
    policy = None
    if time:
        t = _checks.numeric(df, "panel", [time])[:, 0]
        series = pd.DataFrame({"time": t, "y": y, "g": np.where(tr == 1, "处理组", "对照组")}) \
            .pivot_table(index="time", columns="g", values="y", aggfunc="mean")
        series.index = [int(v) if float(v).is_integer() else v for v in series.index]
        post_times = t[po == 1]
        policy = int(post_times.min()) if float(post_times.min()).is_integer() else post_times.min()
        pre = po == 0
        if len(np.unique(t[pre])) >= 2:
            yp, tp, trp = y[pre], t[pre], tr[pre]
            if cluster:     # unit fixed effects by the within transformation, cluster-robust errors
                g = pd.factorize(df[cluster])[0][pre]
                within = pd.DataFrame({"g": g, "y": yp, "t": tp, "tt": trp * tp}).groupby("g").transform("mean")
                Xp = np.column_stack([tp - within["t"], trp * tp - within["tt"]])
                fp = sm.OLS(yp - within["y"].to_numpy(), Xp).fit(cov_type="cluster", cov_kwds={"groups": g})
                pre_p, pre_slope = float(fp.pvalues[1]), float(fp.params[1])
            else:
                fp = sm.OLS(yp, sm.add_constant(np.column_stack([trp, tp, trp * tp]))).fit()
                pre_p, pre_slope = float(fp.pvalues[3]), float(fp.params[3])
    return DiDResult(outcome=outcome, estimate=float(fit.params[3]), se=float(fit.bse[3]), p_value=float(fit.pvalues[3]),
                     ci_low=float(ci[3, 0]), ci_high=float(ci[3, 1]), confidence=confidence, n=len(y),
                     clustered=bool(cluster), means=means, pretrend_p=pre_p, pretrend_slope=pre_slope, series=series,
                     policy_time=policy, notes=tuple(notes))


# ----------------------------------------------------------------------------------------------
# Case tables


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


def peers_wide(table: pd.DataFrame, period: Any = None) -> pd.DataFrame:
    """A case's long 标杆对比 table → one row per unit (``unit``, ``is_self``, a column per measure)."""
    rows = table if period is None else table[table["period"] == period]
    wide = rows.pivot_table(index="unit", columns="measure", values="value", aggfunc="first", sort=False)
    wide.columns.name = None
    wide = wide.reset_index()
    selfs = set(rows.loc[rows["self"] == "是", "unit"])
    wide["is_self"] = wide["unit"].isin(selfs)
    return wide


__all__ = ["DiDResult", "GroupTestResult", "PeerResult", "PlanActualResult", "TrendResult", "diff_in_diff",
           "group_test", "peer_comparison", "peers_wide", "plan_vs_actual", "trend"]
