"""比较法 against independent computations: scipy, statsmodels' formula interface and hand arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from evalkit.compare import diff_in_diff, group_test, peer_comparison, plan_vs_actual, trend
from evalkit.errors import InputError
from evalkit.report import sentences

# --- plan against actual ----------------------------------------------------------------------------

def test_plan_vs_actual_rates_flags_and_explanations():
    t = pd.DataFrame({"code": ["C11", "C12", "C41", "D11", "D12"],
                      "name": ["管网", "受益人口", "单位成本", "普及率", "事故"],
                      "direction": ["正向", "正向", "反向", "正向", "反向"],
                      "target": [120.0, 38000, 65, 95, 0], "actual": [118.4, 51200, 68.9, 96.1, 0],
                      "deviation": ["", "易地搬迁并入", "", "", ""]})
    res = plan_vs_actual(t).table().set_index("code")
    assert res.loc["C11", "completion"] == pytest.approx(118.4 / 120)
    assert res.loc["C11", "flag"] == "未完成" and res.loc["C41", "flag"] == "未完成"   # 68.9 > 65 for ≤
    assert res.loc["C12", "flag"] == "超额需说明" and res.loc["C12", "explained"]
    assert res.loc["D11", "flag"] == "" and res.loc["D12", "flag"] == ""            # 0 ≤ 0
    assert math.isnan(res.loc["D12", "completion"])
    assert res.loc["C41", "deviation"] == pytest.approx(3.9)


def test_plan_vs_actual_overachievement_ratio_is_configurable():
    t = pd.DataFrame({"name": ["a"], "target": [100.0], "actual": [125.0]})
    assert plan_vs_actual(t).table()["flag"].tolist() == [""]
    assert plan_vs_actual(t, overachievement_ratio=1.2).table()["flag"].tolist() == ["超额需说明"]


# --- trend --------------------------------------------------------------------------------------------

def test_trend_changes_growth_and_historical_standard():
    h = pd.DataFrame({"period": [2019, 2020, 2021, 2022, 2023], "v": [100.0, 104, 101, 110, 121]})
    r = trend(h, measure="v")
    assert r.change == 11 and r.growth == pytest.approx(0.1)
    assert r.cagr == pytest.approx((121 / 100) ** (1 / 4) - 1)
    assert r.historical_standard == pytest.approx((100 + 104 + 101 + 110) / 4)
    assert r.historical_best == 110
    assert "较上年增加 10.0%" in sentences.trend(r) and "优于历史平均水平" in sentences.trend(r)
    assert "2023年v为 121" in sentences.trend(r)
    assert "高于历史平均水平" in sentences.trend(trend(h, measure="v", direction="中性"))


def test_trend_percent_measures_speak_in_percentage_points_and_long_tables_work():
    long = pd.DataFrame({"period": [2022, 2023, 2022, 2023], "measure": ["普及率", "普及率", "投诉", "投诉"],
                         "value": [88.2, 92.3, 31, 27]})
    r = trend(long, measure="普及率", value="value", unit="%")
    assert "较上年提高 4.1 个百分点" in sentences.trend(r)
    c = trend(long, measure="投诉", value="value", direction="反向")
    assert "优于历史平均水平" in sentences.trend(c)           # 27 complaints < 31
    with pytest.raises(InputError, match="没有指标「水质」"):
        trend(long, measure="水质", value="value")


# --- peers --------------------------------------------------------------------------------------------

def test_peer_comparison_matches_scipy_rank_and_zscore():
    rng = np.random.default_rng(4)
    p = pd.DataFrame({"unit": [f"县{i}" for i in range(12)], "spend": rng.uniform(500, 900, 12),
                      "people": rng.uniform(2, 6, 12)})
    res = peer_comparison(p, measure="spend", per="people", self_unit="县3", direction="反向")
    t = res.table().set_index("unit")
    v = p["spend"] / p["people"]
    want_rank = stats.rankdata(v.to_numpy(), method="min")
    assert [int(t.loc[u, "rank"]) for u in p["unit"]] == list(want_rank)
    want_z = stats.zscore(v.to_numpy(), ddof=1)
    assert [t.loc[u, "z"] for u in p["unit"]] == pytest.approx(list(want_z))
    assert f"在 12 个单位中排第 {want_rank[3]} 位" in sentences.peer(res)


def test_peer_comparison_errors():
    p = pd.DataFrame({"unit": ["a", "a"], "x": [1.0, 2.0]})
    with pytest.raises(InputError, match="重复"):
        peer_comparison(p, measure="x")
    with pytest.raises(InputError, match="没有单位「b」"):
        peer_comparison(pd.DataFrame({"unit": ["a", "c"], "x": [1.0, 2.0]}), measure="x", self_unit="b")


# --- group tests --------------------------------------------------------------------------------------

def test_welch_agrees_with_scipy_and_the_ci_covers_the_difference():
    rng = np.random.default_rng(1)
    a, b = rng.normal(3.6, 0.8, 80), rng.normal(3.3, 1.1, 60)
    r = group_test(a, b, kind="welch")
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert (r.statistic, r.p_value) == pytest.approx((ref.statistic, ref.pvalue))
    ci = ref.confidence_interval(0.95)
    assert (r.ci_low, r.ci_high) == pytest.approx((ci.low, ci.high))
    pooled = math.sqrt(((80 - 1) * a.var(ddof=1) + (60 - 1) * b.var(ddof=1)) / 138)
    assert r.effect == pytest.approx((a.mean() - b.mean()) / pooled)
    assert "Welch t 检验" in sentences.group_test(r)


def test_mann_whitney_on_likert_answers_is_picked_automatically():
    rng = np.random.default_rng(2)
    a = rng.choice([1, 2, 3, 4, 5], 120, p=[.05, .1, .2, .35, .3])
    b = rng.choice([1, 2, 3, 4, 5], 90, p=[.1, .15, .3, .3, .15])
    r = group_test(a, b)
    assert r.kind == "mannwhitney"
    ref = stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic")
    assert (r.statistic, r.p_value) == pytest.approx((ref.statistic, ref.pvalue))
    assert r.effect == pytest.approx(2 * ref.statistic / (120 * 90) - 1)
    assert r.estimate == np.median(np.subtract.outer(a, b))
    assert r.notes == ("数据取值不超过 7 种（如量表评分），采用 Mann-Whitney U 检验（正态近似，含结校正）；"
                       "位置差为 Hodges–Lehmann 估计，效应量为秩二列相关 r = 2U/(n₁n₂) − 1。",)


def test_chi_square_agrees_with_scipy_and_gives_a_proportion_difference():
    a = ["满意"] * 70 + ["不满意"] * 30
    b = ["满意"] * 45 + ["不满意"] * 35
    r = group_test(a, b)
    table = np.array([[30, 35], [70, 45]])               # rows sorted: 不满意, 满意
    chi2, p, dof, _ = stats.chi2_contingency(table)
    assert r.kind == "chi2" and (r.statistic, r.p_value, r.dof) == pytest.approx((chi2, p, dof))
    assert r.effect == pytest.approx(math.sqrt(chi2 / 180))
    assert r.estimate == pytest.approx(30 / 100 - 35 / 80)       # share of 不满意
    assert r.ci_low < r.estimate < r.ci_high


def test_group_test_needs_two_values_each():
    with pytest.raises(InputError, match="至少 2 个"):
        group_test([1.0], [2.0, 3.0])


# --- difference in differences ----------------------------------------------------------------------

def panel(seed=0, effect=2.0):
    rng = np.random.default_rng(seed)
    rows = []
    for unit in range(30):
        treated = int(unit < 12)
        base = rng.normal(10, 2)
        for year in range(2018, 2024):
            post = int(year >= 2021)
            y = base + 0.5 * (year - 2018) + effect * treated * post + rng.normal(0, 0.7)
            rows.append({"unit": f"u{unit}", "year": year, "treated": treated, "post": post, "y": y})
    return pd.DataFrame(rows)


def test_did_equals_the_2x2_means_and_statsmodels_formula():
    p = panel()
    r = diff_in_diff(p, outcome="y", treated="treated", post="post", cluster="unit", period="year")
    m = p.groupby(["treated", "post"])["y"].mean()
    assert r.estimate == pytest.approx((m[1, 1] - m[1, 0]) - (m[0, 1] - m[0, 0]))
    ref = smf.ols("y ~ treated * post", data=p).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(p["unit"])[0]})
    assert r.se == pytest.approx(ref.bse["treated:post"])
    assert r.p_value == pytest.approx(ref.pvalues["treated:post"])
    assert r.ci_low < 2.0 < r.ci_high
    assert r.pretrend_p_value is not None and r.pretrend_p_value > 0.01       # parallel by construction
    assert "平行" not in sentences.did(r) and "事前趋势" in sentences.did(r)


def test_did_detects_a_diverging_pre_trend():
    p = panel()
    p.loc[(p["treated"] == 1), "y"] += 1.5 * (p["year"] - 2018)
    r = diff_in_diff(p, outcome="y", treated="treated", post="post", period="year", cluster="unit")
    assert r.pretrend_slope == pytest.approx(1.5, abs=0.3)
    assert r.pretrend_p_value < 0.001 and "发现明显的事前趋势差异" in sentences.did(r)


def test_did_requires_all_four_cells():
    p = panel()
    with pytest.raises(InputError, match="政策前后"):
        diff_in_diff(p[~((p["treated"] == 1) & (p["post"] == 0))], outcome="y", treated="treated", post="post")
