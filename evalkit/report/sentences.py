"""The sentence the report writes about a method's result, from the result's numbers.

Methods return numbers, tables and ``notes``; one function here per kind of result writes what the
report says about it. Nothing here reads a method's text: every word comes from a number, a count or
a category of the result (:mod:`evalkit.report.sections` places the sentences in the chapters).

>>> import pandas as pd
>>> from evalkit.compare import trend as history
>>> h = pd.DataFrame({"period": [2020, 2021, 2022, 2023], "rate": [84.0, 86.5, 88.2, 92.3]})
>>> trend(history(h, measure="rate", unit="%"))
'2023年rate为 92.3%，较上年提高 4.1 个百分点，优于历史平均水平（86.23%）。'
"""

from __future__ import annotations

import math
from numbers import Number

from .._fmt import pvalue, value
from ..compare import DiDResult, GroupTestResult, PeerResult, PlanActualResult, TrendResult
from ..survey import SatisfactionResult
from ..weights import AHPResult

#: effect-size name → the bounds of 小, 中等 and 大 (Cohen 1988 for d; the usual ones for r and V)
MAGNITUDES = {"Cohen's d": (0.2, 0.5, 0.8), "rank-biserial r": (0.1, 0.3, 0.5), "Cramér's V": (0.1, 0.3, 0.5)}


def _p(p: float) -> str:
    """``p = 0.012`` or ``p < 0.001``."""
    return f"p {'= ' if p >= 0.001 else ''}{pvalue(p)}"


def period(p: object) -> str:
    """A period as a sentence names it: ``2023`` → ``2023年``; a period written as text (``2023年``,
    ``2023Q4``) as written, a year given as digits (``"2023"``) with 年."""
    if isinstance(p, Number) and not isinstance(p, bool):
        return f"{p}年"
    text = str(p)
    return f"{text}年" if text.isdigit() else text


# ----------------------------------------------------------------------------------------------
# 比较法


def plan(res: PlanActualResult) -> str:
    """e.g. ``设定量目标的指标 14 项，完成 5 项，未完成 9 项。1 项指标实际值达到目标值的 130% 以上，需说明偏差原因，均已说明。``"""
    t = res.table()
    short = int((t["flag"] == "未完成").sum())
    over = t["flag"] == "超额需说明"
    s = f"设定量目标的指标 {len(t)} 项，完成 {len(t) - short} 项，未完成 {short} 项。"
    if res.skipped:
        s += f"另有 {res.skipped} 项指标未同时填写目标值和实际值，不参与比较。"
    if over.any():
        missing = int((over & ~t["explained"].astype(bool)).sum())
        s += (f"{int(over.sum())} 项指标实际值达到目标值的 {res.overachievement_ratio:.0%} 以上，需说明偏差原因"
              + (f"，其中 {missing} 项尚未说明。" if missing else "，均已说明。"))
    return s


def _change(t: TrendResult) -> str:
    """``，较上年提高 4.1 个百分点`` (a rate in %), ``，较上年增加 10.0%``, ``，与上年持平`` or nothing."""
    if t.change is None:
        return ""
    if t.change == 0:
        return "，与上年持平"
    up = t.change > 0
    if t.unit == "%":
        return f"，较上年{'提高' if up else '下降'} {value(abs(t.change), 1)} 个百分点"
    if t.growth is not None:
        return f"，较上年{'增加' if up else '减少'} {abs(t.growth):.1%}"
    return ""


def _against_history(t: TrendResult) -> str:
    """``，优于历史平均水平（87.5%）``; for a 中性 measure only 高于 / 低于 / 等于."""
    h = t.historical_standard
    if h is None:
        return ""
    if t.direction == "中性":
        rel = "高于" if t.current > h else "低于" if t.current < h else "等于"
    else:
        better = t.current >= h if t.direction != "反向" else t.current <= h
        rel = "优于" if better else "差于"
    return f"，{rel}历史平均水平（{value(h)}{t.unit}）"


def trend(t: TrendResult) -> str:
    """e.g. ``2023年供水保证率为 92.3%，较上年提高 4.1 个百分点，优于历史平均水平（87.5%）。``"""
    return f"{period(t.current_period)}{t.measure}为 {value(t.current)}{t.unit}{_change(t)}{_against_history(t)}。"


def direction_words(r: PeerResult, role: str = "") -> str:
    """How a peer measure is ranked, in words: 越高越好, 越低越好, or, for an input, 投入指标（越低越好）."""
    if role == "投入":
        return "投入指标，越低越好"
    return "越高越好" if r.direction == "正向" else "越低越好"


def peer(r: PeerResult, history: TrendResult | None = None, *, role: str = "") -> str | None:
    """e.g. ``普及率为 92.3%，较上年提高 3.9 个百分点，在 12 个单位中排第 3 位，高于平均水平 1.2 个标准差。``

    ``history``: the same measure over time, with the peers' year as its current period; its change
    from the year before joins the sentence when its current value is the one ranked among the peers.
    ``role``: the measure's role among the peers; an input (投入) is ranked as a cost, lowest first, as
    data envelopment analysis treats it, and the sentence says so. None when no unit is this project.
    """
    me = r.self_row
    if me is None:
        return None
    mine = float(me["value"])
    change = ""
    if history is not None and math.isclose(history.current, mine, rel_tol=1e-9, abs_tol=1e-12):
        change = _change(history)
    z = float(me["z"])
    zs = ""
    if z == z and abs(z) >= 0.05:
        zs = f"，{'高于' if z > 0 else '低于'}平均值 {abs(z):.1f} 个标准差"
    how = "（投入指标，按越低越好排序）" if role == "投入" else "" if r.direction == "正向" else "（该指标越低越好）"
    return (f"{r.measure}为 {value(mine)}{r.unit}{change}，在 {len(r.table())} 个单位中排第 {int(me['rank'])} 位"
            f"{how}{zs}。")


def magnitude(effect_name: str, x: float) -> str:
    """The size of an effect in words: 可忽略, 小, 中等 or 大 (:data:`MAGNITUDES`)."""
    cuts, a = MAGNITUDES[effect_name], abs(x)
    return "可忽略" if a < cuts[0] else "小" if a < cuts[1] else "中等" if a < cuts[2] else "大"


def group_test(r: GroupTestResult) -> str:
    """The test, its p value, the difference with its interval and the effect size, e.g.
    ``A组均值 3.35、B组均值 2.58，差值 0.767（95% 置信区间 0.385～1.15）；Welch t 检验 t = 4.47，p = 0.001，…``"""
    la, lb = (str(g) for g in r.summary["group"])
    level = f"{r.confidence:.0%}"
    sig = f"在 {1 - r.confidence:.0%} 水平上{'显著' if r.p_value < 1 - r.confidence else '不显著'}"
    effect = f"{r.effect:.2f}（{magnitude(r.effect_name, r.effect)}）"
    if r.kind == "welch":
        m = r.summary["mean"]
        return (f"{la}均值 {m.iloc[0]:.3g}、{lb}均值 {m.iloc[1]:.3g}，差值 {r.estimate:.3g}（{level} 置信区间 "
                f"{r.ci_low:.3g}～{r.ci_high:.3g}）；Welch t 检验 t = {r.statistic:.2f}，{_p(r.p_value)}，差异{sig}，"
                f"效应量 Cohen's d = {effect}。")
    if r.kind == "mannwhitney":
        m = r.summary["median"]
        ci = f"（{level} 置信区间 {r.ci_low:.3g}～{r.ci_high:.3g}）" if r.ci_low is not None else ""
        return (f"{la}中位数 {m.iloc[0]:.3g}、{lb}中位数 {m.iloc[1]:.3g}，位置差（Hodges–Lehmann）{r.estimate:.3g}{ci}；"
                f"Mann-Whitney U 检验 U = {r.statistic:.1f}，{_p(r.p_value)}，差异{sig}，效应量秩二列相关 r = {effect}。")
    first = str(r.summary.columns[1])          # the categories follow the group column, sorted
    diff = (f"“{first}”比例差 {r.estimate:.1%}（{level} 置信区间 {r.ci_low:.1%}～{r.ci_high:.1%}）；"
            if r.estimate is not None else "")
    return (f"{diff}卡方检验 χ² = {r.statistic:.2f}（自由度 {int(r.dof)}），{_p(r.p_value)}，两组分布差异{sig}，"
            f"效应量 Cramér's V = {effect}。")


def did(d: DiDResult, unit: str = "") -> str:
    """e.g. ``双重差分估计显示，政策使收入平均增加 20元（95% 置信区间 …，p < 0.001），在 5% 水平上显著。``
    and, when the pre-policy trends could be compared, what the test found (when they could not, the
    result's notes say why)."""
    sig = "显著" if d.p_value < 1 - d.confidence else "不显著"
    s = (f"双重差分估计显示，政策使{d.outcome}平均{'增加' if d.estimate >= 0 else '减少'} "
         f"{value(abs(d.estimate))}{unit}（{d.confidence:.0%} 置信区间 {value(d.ci_low)}～"
         f"{value(d.ci_high)}{unit}，{_p(d.p_value)}），在 {1 - d.confidence:.0%} 水平上{sig}。")
    if d.pretrend_p_value is not None:
        found = "未发现" if d.pretrend_p_value >= 0.05 else "发现"
        s += f"政策实施前两组趋势差异检验 p = {pvalue(d.pretrend_p_value)}，{found}明显的事前趋势差异。"
    return s


# ----------------------------------------------------------------------------------------------
# 公众评判法 and weights


def survey_group_test(res: SatisfactionResult, group: str, item: str = "总体") -> str:
    """The satisfaction rate of each level of ``group`` and the chi-square test across them, e.g.
    ``按街道分组，总体满意率差异显著（新华街道 68.1%、城南街道 40%；χ² = 25.23，自由度 1，p < 0.001）。``"""
    tests = res.group_tests
    row = tests[(tests["group"] == group) & (tests["item"] == item)].iloc[0]
    c = res.test_counts
    counts = c[(c["group"] == group) & (c["item"] == item)]
    what = f"按{group}分组，{item}满意率"
    rates = "、".join(f"{lv} {value(100 * y / n, 1)}%" for lv, y, n in zip(counts["level"], counts["satisfied"], counts["n"]))
    if len(counts) < 2:
        return f"{what}：有回答的组少于 2 个，无法比较。"
    yes, total = int(counts["satisfied"].sum()), int(counts["n"].sum())
    if yes in (0, total):
        return f"{what}在各组均为 {'0' if yes == 0 else '100'}%（{rates}），无需检验。"
    sig = "差异显著" if row["p_value"] < 1 - res.confidence else "差异不显著"
    caveat = "；部分期望频数小于 5，检验结果仅供参考" if row["min_expected"] < 5 else ""
    return f"{what}{sig}（{rates}；χ² = {row['chi2']:.2f}，自由度 {int(row['dof'])}，{_p(row['p_value'])}{caveat}）。"


def consistency(res: AHPResult) -> str:
    """通过一致性检验, 未通过一致性检验, or 无需检验 (two elements are always consistent)."""
    return {True: "通过一致性检验", False: "未通过一致性检验"}.get(res.consistent, "无需检验")


def ahp(parent: str, res: AHPResult) -> str:
    """e.g. ``“一级指标”下各指标：3 位专家的判断矩阵合并后 λmax = 4.0124，CR = 0.0046，通过一致性检验（…）；…``"""
    crs = "、".join("—" if c is None else f"{c:.3f}" for c in res.expert_cr)
    cr = "—" if res.cr is None else f"{res.cr:.4f}"
    return (f"“{parent}”下各指标：{res.n_experts} 位专家的判断矩阵合并后 λmax = {res.lambda_max:.4f}，CR = {cr}，"
            f"{consistency(res)}（随机一致性指标 RI = {res.ri:.2f}，取{ri_table_name(res.ri_table)}）；各专家 CR 分别为 {crs}。")


#: the random index tables of :data:`evalkit.weights.RI_TABLES` as a report names them
RI_NAMES = {"cn": "Saaty 的平均随机一致性指标表", "saaty": "Saaty 的平均随机一致性指标表",
            "cn-1000": "1～15 阶各 1000 个随机矩阵的平均随机一致性指标表",
            "alonso-lamata": "Alonso 与 Lamata（2006）的平均随机一致性指标表"}


def ri_table_name(name: str) -> str:
    """The random index table as a report names it: ``cn`` → Saaty 的平均随机一致性指标表."""
    return RI_NAMES.get(name, "平均随机一致性指标表")


__all__ = ["MAGNITUDES", "ahp", "consistency", "did", "direction_words", "group_test", "magnitude", "peer", "period", "plan",
           "survey_group_test", "trend"]
