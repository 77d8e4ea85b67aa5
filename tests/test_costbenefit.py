"""成本效益分析法 and 最低成本法 against published examples, numpy-financial and hand-worked tables."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.costbenefit import (
    appraise,
    cost_benefit,
    irr_all,
    least_cost,
    risk,
    sensitivity,
    unit_cost,
)
from evalkit.errors import InputError

REFERENCE = Path(__file__).parent / "reference" / "costbenefit_published.csv"


def net_flows(values, start=2020):
    """Net values as cost (negative part) and benefit (positive part) columns."""
    v = np.asarray(values, dtype=float)
    return pd.DataFrame({"year": range(start, start + len(v)), "cost": np.where(v < 0, -v, 0.0),
                         "benefit": np.where(v > 0, v, 0.0)})


def published():
    with REFERENCE.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(line for line in fh if not line.startswith("#"))]
    return [pytest.param(r, id=f"{r['source']}:{r['flows']}") for r in rows]


@pytest.mark.parametrize("row", published())
def test_published_examples(row):
    values = [float(x) for x in row["flows"].split()]
    tol = float(row["tolerance"])
    if row["kind"] == "npv":
        res = cost_benefit(net_flows(values), discount_rate=float(row["rate"]))
        assert res.npv == pytest.approx(float(row["expected"]), abs=tol)
    elif row["kind"] == "irr":
        res = cost_benefit(net_flows(values), discount_rate=0.05)
        assert res.irr == pytest.approx(float(row["expected"]), abs=tol)
    else:
        want = [float(x) for x in row["expected"].split()]
        assert irr_all(values) == pytest.approx(want, abs=tol)
        res = cost_benefit(net_flows(values), discount_rate=0.1)
        assert res.irr is None and res.irrs == pytest.approx(want, abs=tol)
        assert any("多个内部收益率" in n for n in res.notes)


def test_no_sign_change_means_no_irr_and_a_note():
    res = cost_benefit(net_flows([100, 200, 300]), discount_rate=0.08)
    assert res.irr is None and res.irrs == ()
    assert any("内部收益率不存在" in n for n in res.notes)


# --- numpy-financial on random flows ------------------------------------------------------------

amounts = st.floats(min_value=1, max_value=1e8, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(invest=st.lists(amounts, min_size=1, max_size=3), returns=st.lists(amounts, min_size=1, max_size=30),
       rate=st.floats(min_value=0.0, max_value=0.3))
def test_npv_and_irr_agree_with_numpy_financial(invest, returns, rate):
    values = [-x for x in invest] + returns
    end = cost_benefit(net_flows(values), discount_rate=rate)
    zero = cost_benefit(net_flows(values), discount_rate=rate, convention="year-0")
    ref = npf.npv(rate, values)                        # numpy-financial: first value undiscounted
    scale = sum(abs(v) for v in values)
    assert zero.npv == pytest.approx(ref, abs=1e-9 * scale)
    assert end.npv == pytest.approx(ref / (1 + rate), abs=1e-9 * scale)
    want = npf.irr(values)
    if math.isfinite(want) and -0.99 < want < 10:
        assert end.irr == pytest.approx(want, abs=1e-7)
        assert zero.irr == end.irr                     # IRR does not depend on the convention


# --- payback: a hand-worked table -----------------------------------------------------------------

def test_payback_static_and_dynamic_against_a_hand_worked_table():
    # year  net     cumulative   factor@10%   discounted   cumulative discounted
    # 1    -1000    -1000        0.909091     -909.09       -909.09
    # 2     -800    -1800        0.826446     -661.16      -1570.25
    # 3      500    -1300        0.751315      375.66      -1194.59
    # 4      600     -700        0.683013      409.81       -784.78
    # 5      700        0        0.620921      434.64       -350.14
    # 6      700      700        0.564474      395.13         45.00
    # static: cumulative reaches 0 in year 5 → (5 − 1) + 700/700 = 5.00
    # dynamic: turns positive in year 6 → (6 − 1) + 350.14/395.13 = 5.886
    res = cost_benefit(net_flows([-1000, -800, 500, 600, 700, 700]), discount_rate=0.10)
    assert res.payback == pytest.approx(5.0)
    d = [(1.1) ** -t for t in range(1, 7)]
    disc = [v * f for v, f in zip([-1000, -800, 500, 600, 700, 700], d)]
    cum5 = sum(disc[:5])
    assert res.discounted_payback == pytest.approx(5 + abs(cum5) / disc[5])
    assert res.discounted_payback == pytest.approx(5.886, abs=5e-4)


def test_payback_in_the_year_0_convention_counts_from_period_zero():
    res = cost_benefit(net_flows([-100, 60, 60]), discount_rate=0.0, convention="year-0")
    assert res.payback == pytest.approx(1 + 40 / 60)
    res = cost_benefit(net_flows([-100, 60, 60]), discount_rate=0.0)
    assert res.payback == pytest.approx(2 + 40 / 60)


def test_payback_never_reached_is_none_with_a_note():
    res = cost_benefit(net_flows([-1000, 100, 100]), discount_rate=0.05)
    assert res.payback is None and res.discounted_payback is None
    assert any("未能回收" in n for n in res.notes)


# --- B/C, items, conventions ----------------------------------------------------------------------

def test_items_are_summed_and_kept_and_modified_bcr_uses_investment():
    flows = pd.DataFrame({"year": [2021, 2022, 2023], "build": [1000.0, 0, 0], "om": [0, 50.0, 50.0],
                          "fees": [0, 400.0, 400.0], "health": [0, 300.0, 300.0]})
    res = cost_benefit(flows, discount_rate=0.08, costs=["build", "om"], benefits=["fees", "health"],
                       investment=["build"])
    d = np.array([1.08 ** -1, 1.08 ** -2, 1.08 ** -3])
    pv_b = 700 * d[1] + 700 * d[2]
    pv_om = 50 * d[1] + 50 * d[2]
    pv_i = 1000 * d[0]
    assert res.pv_benefit == pytest.approx(pv_b) and res.pv_cost == pytest.approx(pv_i + pv_om)
    assert res.bcr == pytest.approx(pv_b / (pv_i + pv_om))
    assert res.modified_bcr == pytest.approx((pv_b - pv_om) / pv_i)
    items = res.items.set_index("item")
    assert items.loc["health", "pv"] == pytest.approx(300 * (d[1] + d[2]))
    assert items.loc["build", "kind"] == "投资"
    assert any("《建设项目经济评价方法与参数》" in n for n in res.notes)


@pytest.mark.parametrize("bad, fragment", [
    (pd.DataFrame({"year": [2020, 2020], "cost": [1.0, 1], "benefit": [0.0, 2]}), "年份重复"),
    (pd.DataFrame({"year": [2020, 2022], "cost": [1.0, 1], "benefit": [0.0, 2]}), "逐年连续"),
    (pd.DataFrame({"year": [2020, 2021], "cost": [1.0, -1], "benefit": [0.0, 2]}), "负数"),
    (pd.DataFrame({"year": [2020, 2021], "cost": [1.0, "x"], "benefit": [0.0, 2]}), "不是有限的数字"),
    (pd.DataFrame({"year": [2020, 2021], "cost": [1.0, 1]}), "缺少列 benefit"),
])
def test_cost_benefit_rejects_bad_flows_in_chinese(bad, fragment):
    with pytest.raises(InputError, match=fragment):
        cost_benefit(bad, discount_rate=0.08)


def test_unknown_convention_is_named():
    with pytest.raises(InputError, match="end-of-year / year-0"):
        cost_benefit(net_flows([-1, 2]), discount_rate=0.08, convention="mid-year")


# --- appraisal ------------------------------------------------------------------------------------

def test_economic_appraisal_judges_each_rule_and_adds_6_percent_for_long_lived_projects():
    flows = net_flows([-1000] + [85] * 30)
    res = appraise(flows, long_lived=True)
    assert [r.discount_rate for r in res.runs] == [0.08, 0.06]
    v = res.verdicts.set_index(["indicator", "discount_rate"])
    enpv8 = sum(85 * 1.08 ** -t for t in range(2, 32)) - 1000 / 1.08
    assert v.loc[("ENPV", 0.08), "value"] == pytest.approx(enpv8)
    assert bool(v.loc[("ENPV", 0.08), "passed"]) is (enpv8 >= 0)
    assert bool(v.loc[("ENPV", 0.06), "passed"]) is True          # 85/yr over 30 years pays at 6 %
    assert not res.accepted                                         # but not at 8 %
    assert v.loc[("EIRR", 0.08), "value"] == pytest.approx(npf.irr([-1000] + [85] * 30))


def test_financial_appraisal_needs_a_benchmark_rate():
    with pytest.raises(InputError, match="行业基准收益率"):
        appraise(net_flows([-100, 60, 60]), kind="financial")
    res = appraise(net_flows([-100, 60, 60]), kind="financial", discount_rate=0.06, payback_benchmark=2)
    assert list(res.verdicts["indicator"]) == ["FNPV", "FIRR", "静态投资回收期"]
    assert res.verdicts.iloc[2]["passed"] == (res.main.payback <= 2)


# --- sensitivity ----------------------------------------------------------------------------------

def test_switching_values_bring_npv_to_zero():
    flows = pd.DataFrame({"year": range(2021, 2031), "build": [5000.0] + [0] * 9, "om": [0.0] + [100] * 9,
                          "fees": [0.0] + [600] * 9, "health": [0.0] + [350] * 9})
    kw = dict(costs=["build", "om"], benefits=["fees", "health"])
    s = sensitivity(flows, discount_rate=0.08, **kw)
    sw = s.switching.set_index("variable")
    assert set(sw.index) == {"build", "om", "fees", "health", "全部成本", "全部效益"}
    for item in ("build", "om", "fees", "health"):
        x = sw.loc[item, "switching_value"]
        moved = flows.copy()
        moved[item] = moved[item] * (1 + x)
        assert cost_benefit(moved, discount_rate=0.08, **kw).npv == pytest.approx(0, abs=1e-6)
    x = sw.loc["全部效益", "switching_value"]
    moved = flows.assign(fees=flows["fees"] * (1 + x), health=flows["health"] * (1 + x))
    assert cost_benefit(moved, discount_rate=0.08, **kw).npv == pytest.approx(0, abs=1e-6)
    # the table: NPV at each change recomputed independently
    row = s.results.set_index(["variable", "change"]).loc[("fees", -0.2)]
    assert row["npv"] == pytest.approx(cost_benefit(flows.assign(fees=flows["fees"] * 0.8), discount_rate=0.08,
                                                    **kw).npv)


def test_sensitivity_unknown_variable_is_named():
    with pytest.raises(InputError, match="wages"):
        sensitivity(net_flows([-1, 2]), discount_rate=0.08, variables=["wages"])


# --- risk -----------------------------------------------------------------------------------------

def risky():
    flows = pd.DataFrame({"year": range(2021, 2051), "build": [8000.0] + [0] * 29, "om": [0.0] + [120] * 29,
                          "fees": [0.0] + [700] * 29})
    dists = {"build": {"distribution": "triangular", "low": 0.95, "mode": 1.0, "high": 1.3},
             "fees": {"distribution": "pert", "low": 0.7, "mode": 1.0, "high": 1.1},
             "om": {"distribution": "normal", "mean": 1.0, "sd": 0.1}}
    return flows, dists, dict(costs=["build", "om"], benefits=["fees"])


def test_risk_is_reproducible_with_the_seed_and_changes_without_it():
    flows, dists, kw = risky()
    a = risk(flows, discount_rate=0.08, distributions=dists, draws=5000, seed=7, **kw)
    b = risk(flows, discount_rate=0.08, distributions=dists, draws=5000, seed=7, **kw)
    c = risk(flows, discount_rate=0.08, distributions=dists, draws=5000, seed=8, **kw)
    assert np.array_equal(a.npvs, b.npvs) and (a.mean, a.p5) == (b.mean, b.p5)
    assert not np.array_equal(a.npvs, c.npvs)


def test_risk_mean_converges_to_the_analytic_mean():
    flows, dists, kw = risky()
    r = risk(flows, discount_rate=0.08, distributions=dists, draws=200_000, seed=3, **kw)
    d = 1.08 ** -np.arange(1, 31)
    pv = {k: float(flows[k].to_numpy() @ d) for k in ("build", "om", "fees")}
    analytic = pv["fees"] * (0.7 + 4 + 1.1) / 6 - pv["build"] * (0.95 + 1 + 1.3) / 3 - pv["om"] * 1.0
    assert r.expected_npv == pytest.approx(analytic)
    assert abs(r.mean - analytic) < 4 * r.sd / math.sqrt(r.draws)
    assert r.p5 < r.p50 < r.p95
    assert r.prob_negative == pytest.approx(float((r.npvs < 0).mean()))


@pytest.mark.parametrize("spec, fragment", [
    ({"build": {"distribution": "triangular", "low": 1.2, "mode": 1.0, "high": 1.3}}, "下限 ≤ 最可能值"),
    ({"build": {"distribution": "normal", "mean": 1.0}}, "标准差"),
    ({"build": {"distribution": "gamma", "low": 1}}, "未知的分布"),
    ({"wages": {"distribution": "uniform", "low": 0.9, "high": 1.1}}, "wages"),
])
def test_risk_rejects_bad_distributions(spec, fragment):
    flows, _, kw = risky()
    with pytest.raises(InputError, match=fragment):
        risk(flows, discount_rate=0.08, distributions=spec, draws=10, **kw)


# --- least cost -------------------------------------------------------------------------------------

def test_least_cost_ranks_flags_dominance_and_computes_icers():
    alt = pd.DataFrame({"name": ["A", "B", "C", "D", "E"],
                        "cost": [100.0, 180.0, 200.0, 260.0, 400.0],
                        "effect": [10.0, 12.0, 20.0, 18.0, 30.0]})
    res = least_cost(alt).table().set_index("name")
    assert res["cost_per_effect"].to_dict() == pytest.approx({"A": 10, "B": 15, "C": 10, "D": 260 / 18,
                                                              "E": 400 / 30})
    assert res.loc["A", "rank"] == 1 and res.loc["C", "rank"] == 1 and res.loc["B", "rank"] == 5
    assert res.loc["D", "dominated"] == "强劣势"                  # C costs less and does more
    # frontier by effect: A(10) → B(12) → C(20) → E(30); ICERs 40, 2.5, 20 → B is extendedly dominated
    assert res.loc["B", "dominated"] == "扩展劣势"
    assert res.loc["C", "icer"] == pytest.approx((200 - 100) / (20 - 10))
    assert res.loc["E", "icer"] == pytest.approx((400 - 200) / (30 - 20))
    assert res.loc["C", "gap"] == 0 and res.loc["E", "gap"] == pytest.approx((400 / 30) / 10 - 1)


def test_least_cost_rejects_zero_effect_and_duplicates():
    with pytest.raises(InputError, match="必须大于 0"):
        least_cost(pd.DataFrame({"name": ["A"], "cost": [1.0], "effect": [0.0]}))
    with pytest.raises(InputError, match="重复"):
        least_cost(pd.DataFrame({"name": ["A", "A"], "cost": [1.0, 2], "effect": [1.0, 2]}))


def test_unit_cost():
    assert unit_cost(1_000_000, 250) == 4000
    with pytest.raises(InputError, match="output"):
        unit_cost(1, 0)


def test_switching_value_is_nan_when_a_small_benefit_cannot_turn_npv():
    flows = pd.DataFrame({"year": [2021, 2022, 2023], "cost": [100.0, 0, 0], "fees": [0, 80.0, 80.0],
                          "tiny": [0, 1.0, 1.0]})
    s = sensitivity(flows, discount_rate=0.05, benefits=["fees", "tiny"])
    sw = s.switching.set_index("variable")["switching_value"]
    assert math.isnan(sw["tiny"])                  # even losing all of it keeps NPV positive
    assert sw["fees"] == pytest.approx(-s.base_npv / (80 / 1.05 ** 2 + 80 / 1.05 ** 3))
