"""因素分析法 against published 连环替代法 examples, hand-worked tables, statsmodels' formula interface and
quantities recomputed here from their formulas, independently of evalkit.factors."""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from evalkit.errors import InputError
from evalkit.factors import (
    chain_substitution,
    drivers,
    exploratory_factor_analysis,
    lmdi,
    shapley_decomposition,
)

REFERENCE = Path(__file__).parent / "reference"


def read(name):
    with (REFERENCE / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


# --- chain substitution -------------------------------------------------------------------------

def published_examples():
    rows = read("factors_chain_published.csv")
    return [pytest.param([r for r in rows if r["source"] == s], id=s) for s in dict.fromkeys(r["source"] for r in rows)]


@pytest.mark.parametrize("rows", published_examples())
def test_chain_substitution_matches_published_examples(rows):
    by_position = sorted(rows, key=lambda r: int(r["position"]))
    by_step = sorted(rows, key=lambda r: int(r["step"]))
    base = {r["factor"]: float(r["base"]) for r in by_position}
    current = {r["factor"]: float(r["current"]) for r in by_position}
    res = chain_substitution(base, current, order=[r["factor"] for r in by_step])
    assert list(res.effects["factor"]) == [r["factor"] for r in by_step]
    assert list(res.effects["effect"]) == pytest.approx([float(r["effect"]) for r in by_step], abs=1e-6)
    assert res.total_change == pytest.approx(sum(float(r["effect"]) for r in rows), abs=1e-6)


CASE_BASE = {"产量": 100.0, "单耗": 8.0, "单价": 5.0}
CASE_CURRENT = {"产量": 110.0, "单耗": 7.0, "单价": 6.0}


def test_chain_substitution_every_order_matches_the_hand_worked_table():
    rows = read("factors_chain_orders.csv")
    orders = {}
    for r in rows:
        orders.setdefault(r["order"], {})[r["factor"]] = float(r["effect"])
    shapley = orders.pop("shapley")
    assert len(orders) == 6
    for order, want in orders.items():
        res = chain_substitution(CASE_BASE, CASE_CURRENT, order=order.split())
        assert dict(zip(res.effects["factor"], res.effects["effect"])) == pytest.approx(want, abs=1e-9)
        assert res.order == tuple(order.split())
    spread = res.spread.set_index("factor")
    for f in CASE_BASE:
        seen = [want[f] for want in orders.values()]
        assert (spread.loc[f, "min"], spread.loc[f, "max"]) == pytest.approx((min(seen), max(seen)))
    assert res.shapley.to_dict() == pytest.approx(shapley, abs=1e-9)
    dec = shapley_decomposition(CASE_BASE, CASE_CURRENT)
    assert dict(zip(dec.effects["factor"], dec.effects["effect"])) == pytest.approx(shapley, abs=1e-9)
    assert dec.method == "shapley" and dec.total_change == pytest.approx(620.0)


def test_chain_substitution_notes_name_the_order_and_say_it_matters():
    res = chain_substitution(CASE_BASE, CASE_CURRENT, order=["单价", "单耗", "产量"])
    text = " ".join(res.notes)
    assert "单价 → 单耗 → 产量" in text and "取决于替代顺序" in text
    assert list(res.effects["after"]) == [4800.0, 4200.0, 4620.0]
    assert list(res.effects["share"]) == pytest.approx([800 / 620, -600 / 620, 420 / 620])


def test_chain_substitution_of_a_ratio_worked_by_hand():
    # 人均经费 = 经费 ÷ 人数: 1000/10 = 100 → 1320/11 = 120. 经费 first: 1320/10 − 100 = 32; then 120 − 132 = −12.
    res = chain_substitution({"经费": 1000, "人数": 10}, {"经费": 1320, "人数": 11}, form="ratio")
    assert (res.base_value, res.current_value) == pytest.approx((100.0, 120.0))
    assert list(res.effects["effect"]) == pytest.approx([32.0, -12.0])
    other = chain_substitution({"经费": 1000, "人数": 10}, {"经费": 1320, "人数": 11}, form="ratio",
                               order=["人数", "经费"])
    assert list(other.effects["effect"]) == pytest.approx([1000 / 11 - 100, 120 - 1000 / 11])


values = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False).filter(lambda v: abs(v) > 1e-3)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), k=st.integers(min_value=2, max_value=6), form=st.sampled_from(["product", "ratio"]))
def test_chain_substitution_effects_add_up_exactly(data, k, form):
    names = [f"x{i}" for i in range(k)]
    base = dict(zip(names, data.draw(st.lists(values, min_size=k, max_size=k))))
    current = dict(zip(names, data.draw(st.lists(values, min_size=k, max_size=k))))
    order = data.draw(st.permutations(names))
    res = chain_substitution(base, current, order=order, form=form)
    scale = max(abs(res.base_value), abs(res.current_value), *res.effects["after"].abs(),  # every partial value
                *res.spread[["min", "max"]].abs().to_numpy().ravel())
    assert res.effects["effect"].sum() == pytest.approx(res.total_change, abs=1e-12 * scale)
    assert res.shapley.sum() == pytest.approx(res.total_change, abs=1e-11 * scale)
    spread = res.spread.set_index("factor")
    for f, e in zip(res.effects["factor"], res.effects["effect"]):
        assert spread.loc[f, "min"] - 1e-12 * scale <= e <= spread.loc[f, "max"] + 1e-12 * scale
        assert spread.loc[f, "min"] - 1e-12 * scale <= res.shapley[f] <= spread.loc[f, "max"] + 1e-12 * scale


def test_spread_and_shapley_equal_brute_force_over_all_permutations():
    rng = np.random.default_rng(7)
    names = ["a", "b", "c", "d"]
    base = dict(zip(names, rng.uniform(0.5, 2, 4)))
    current = dict(zip(names, rng.uniform(0.5, 2, 4)))
    effects = {f: [] for f in names}
    for order in itertools.permutations(names):
        y, done = math.prod(base.values()), set()
        for f in order:                          # chain substitution written out, not via evalkit
            done.add(f)
            after = math.prod(current[g] if g in done else base[g] for g in names)
            effects[f].append(after - y)
            y = after
    res = chain_substitution(base, current)
    spread = res.spread.set_index("factor")
    for f in names:
        assert spread.loc[f, "min"] == pytest.approx(min(effects[f]), rel=1e-12)
        assert spread.loc[f, "max"] == pytest.approx(max(effects[f]), rel=1e-12)
        assert res.shapley[f] == pytest.approx(np.mean(effects[f]), rel=1e-12)
    dec = shapley_decomposition(base, current)
    assert list(dec.effects["effect"]) == pytest.approx([np.mean(effects[f]) for f in names], rel=1e-12)


positive = st.floats(min_value=0.01, max_value=1e4)


@settings(max_examples=100, deadline=None)
@given(a0=positive, a1=positive, b0=positive, b1=positive)
def test_shapley_of_two_factors_is_the_symmetric_split(a0, a1, b0, b1):
    res = shapley_decomposition({"a": a0, "b": b0}, {"a": a1, "b": b1})
    want = [(a1 - a0) * (b0 + b1) / 2, (b1 - b0) * (a0 + a1) / 2]
    assert list(res.effects["effect"]) == pytest.approx(want, rel=1e-9, abs=1e-9 * a1 * b1)


def test_shapley_of_sectors_is_the_sum_of_each_sectors_shapley():
    base = pd.DataFrame({"Q": [100.0, 100.0], "S": [0.6, 0.4], "I": [2.0, 5.0]}, index=["工业", "服务业"])
    cur = pd.DataFrame({"Q": [120.0, 120.0], "S": [0.7, 0.3], "I": [1.8, 5.5]}, index=["工业", "服务业"])
    res = shapley_decomposition(base, cur)
    rows = [shapley_decomposition(base.iloc[i], cur.iloc[i]).effects["effect"].to_numpy() for i in range(2)]
    assert list(res.effects["effect"]) == pytest.approx(list(rows[0] + rows[1]))
    assert list(res.by_row["row"]) == ["工业", "服务业"]
    assert res.effects["effect"].sum() == pytest.approx(349.2 - 320)


def test_decompositions_plot_a_waterfall():
    for res in (chain_substitution(CASE_BASE, CASE_CURRENT, order=["单价", "产量", "单耗"]),
                lmdi(CASE_BASE, CASE_CURRENT)):
        fig = res.plot()
        labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
        assert labels == ["基期", *res.effects["factor"], "报告期"]
        plt.close(fig)


def test_chain_substitution_names_the_mismatched_factors():
    with pytest.raises(InputError, match="因素不一致.*缺少 单价.*多出 价格"):
        chain_substitution(CASE_BASE, {"产量": 110, "单耗": 7, "价格": 6})


def test_chain_substitution_refuses_more_than_eight_factors():
    nine = {f"x{i}": 1.0 for i in range(9)}
    with pytest.raises(InputError, match="因素过多：9 个，最多 8 个"):
        chain_substitution(nine, nine)
    with pytest.raises(InputError, match="因素过多"):
        shapley_decomposition(nine, nine)


def test_chain_substitution_checks_order_form_and_denominators():
    with pytest.raises(InputError, match="order.*缺少 单价"):
        chain_substitution(CASE_BASE, CASE_CURRENT, order=["产量", "单耗"])
    with pytest.raises(InputError, match="重复 产量"):
        chain_substitution(CASE_BASE, CASE_CURRENT, order=["产量", "产量", "单耗"])
    with pytest.raises(InputError, match="form"):
        chain_substitution(CASE_BASE, CASE_CURRENT, form="sum")
    with pytest.raises(InputError, match="人数.*分母"):
        chain_substitution({"经费": 1, "人数": 0}, {"经费": 1, "人数": 2}, form="ratio")
    with pytest.raises(InputError, match="base 中因素 单价"):
        chain_substitution({**CASE_BASE, "单价": "五元"}, CASE_CURRENT)
    with pytest.raises(InputError, match="映射"):
        chain_substitution(pd.DataFrame([CASE_BASE]), pd.DataFrame([CASE_CURRENT]))


# --- LMDI ---------------------------------------------------------------------------------------

def lmdi_example():
    data = pd.DataFrame(read("factors_lmdi_data.csv"))
    data[["Q", "S", "I"]] = data[["Q", "S", "I"]].astype(float)
    base = data[data["period"] == "0"].set_index("sector")[["Q", "S", "I"]]
    cur = data[data["period"] == "T"].set_index("sector")[["Q", "S", "I"]]
    return base, cur


def test_lmdi_matches_the_hand_worked_example():
    base, cur = lmdi_example()
    res = lmdi(base, cur)
    want = {r["factor"]: r for r in read("factors_lmdi_expected.csv")}
    for f, e in zip(res.effects["factor"], res.effects["effect"]):
        assert e == pytest.approx(float(want[f]["effect"]), rel=1e-10)
    by_row = res.by_row.set_index("row")
    for f in ("Q", "S", "I"):
        for sector in ("工业", "服务业"):
            assert by_row.loc[sector, f] == pytest.approx(float(want[f][sector]), rel=1e-10)
    assert (res.base_value, res.current_value) == pytest.approx((320.0, 349.2))
    assert res.effects["effect"].sum() == pytest.approx(29.2, rel=1e-13)


def test_lmdi_matches_the_formula_computed_here():
    base, cur = lmdi_example()
    want = {f: 0.0 for f in base.columns}
    for sector in base.index:
        v0, v1 = math.prod(base.loc[sector]), math.prod(cur.loc[sector])
        weight = (v1 - v0) / (math.log(v1) - math.log(v0))
        for f in base.columns:
            want[f] += weight * math.log(cur.loc[sector, f] / base.loc[sector, f])
    res = lmdi(base, cur)
    assert dict(zip(res.effects["factor"], res.effects["effect"])) == pytest.approx(want, rel=1e-12)
    assert res.method == "lmdi" and any("LMDI-I" in n for n in res.notes)


def test_lmdi_of_a_ratio_and_of_an_unchanged_row():
    # y = a / b: effects L·ln(a1/a0) and −L·ln(b1/b0); a row with V_T = V_0 uses L(a, a) = a.
    res = lmdi({"a": 200.0, "b": 4.0}, {"a": 300.0, "b": 5.0}, form="ratio")
    weight = (60 - 50) / math.log(60 / 50)
    assert list(res.effects["effect"]) == pytest.approx([weight * math.log(1.5), -weight * math.log(1.25)])
    same = lmdi(pd.DataFrame({"x": [2.0, 3.0], "y": [5.0, 1.0]}), pd.DataFrame({"x": [4.0, 3.0], "y": [2.5, 1.0]}))
    assert list(same.effects["effect"]) == pytest.approx([10 * math.log(2), 10 * math.log(0.5)])
    assert same.total_change == 0 and same.effects["share"].isna().all()


tables = st.integers(min_value=1, max_value=4).flatmap(
    lambda rows: st.integers(min_value=2, max_value=5).flatmap(
        lambda k: st.tuples(*[st.lists(st.floats(min_value=1e-3, max_value=1e3), min_size=rows * k,
                                       max_size=rows * k).map(lambda v, k=k: np.reshape(v, (-1, k)))
                              for _ in range(2)])))


@settings(max_examples=150, deadline=None)
@given(pair=tables)
def test_lmdi_effects_add_up_exactly_and_reverse_with_time(pair):
    b, c = (pd.DataFrame(x, columns=[f"x{j}" for j in range(x.shape[1])]) for x in pair)
    res = lmdi(b, c)
    scale = max(res.base_value, res.current_value, res.by_row.iloc[:, 1:].abs().to_numpy().sum())
    assert res.effects["effect"].sum() == pytest.approx(res.current_value - res.base_value, abs=1e-10 * scale)
    back = lmdi(c, b)                           # time-reversal: swapping the periods negates every effect
    assert list(back.effects["effect"]) == pytest.approx(list(-res.effects["effect"]), abs=1e-10 * scale)


def test_lmdi_refuses_non_positive_values_naming_the_factor():
    with pytest.raises(InputError, match="current 中因素 单耗.*0.*大于 0"):
        lmdi(CASE_BASE, {**CASE_CURRENT, "单耗": 0})
    base, cur = lmdi_example()
    cur.loc["服务业", "S"] = -0.3
    with pytest.raises(InputError, match=r"因素 S 第 2 行（服务业）的值为 -0.3"):
        lmdi(base, cur)
    with pytest.raises(InputError, match="行（子类别）不一致"):
        lmdi(base, cur.iloc[:1])


# --- drivers ------------------------------------------------------------------------------------

def survey(n=80, seed=3):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(10, 2, n)
    x2 = 0.5 * x1 + rng.normal(0, 1, n)
    x3 = rng.normal(0, 5, n)
    y = 3 + 1.5 * x1 + 2.0 * x2 + 0.3 * x3 + rng.normal(0, 2, n)
    return pd.DataFrame({"满意度": y, "资金到位率": x1, "人员": x2, "宣传": x3})


PREDICTORS = ["资金到位率", "人员", "宣传"]


def test_drivers_agree_with_the_statsmodels_formula_interface():
    data = survey()
    res = drivers(data, outcome="满意度", predictors=PREDICTORS)
    ref = smf.ols("y ~ x1 + x2 + x3", data=data.set_axis(["y", "x1", "x2", "x3"], axis=1)).fit()
    t = res.coefficients
    assert list(t["predictor"]) == ["常数项", *PREDICTORS]
    assert list(t["coef"]) == pytest.approx(list(ref.params), rel=1e-10)
    assert list(t["se"]) == pytest.approx(list(ref.bse), rel=1e-10)
    assert list(t["t"]) == pytest.approx(list(ref.tvalues), rel=1e-10)
    assert list(t["p_value"]) == pytest.approx(list(ref.pvalues), rel=1e-8)
    ci = ref.conf_int(0.05)
    assert list(t["ci_low"]) == pytest.approx(list(ci[0]), rel=1e-10)
    assert list(t["ci_high"]) == pytest.approx(list(ci[1]), rel=1e-10)
    assert (res.n, res.r2, res.adj_r2, res.confidence) == pytest.approx((80, ref.rsquared, ref.rsquared_adj, 0.95))


def test_drivers_standardised_betas_equal_a_refit_on_z_scores():
    data = survey()
    z = (data - data.mean()) / data.std(ddof=1)
    ref = smf.ols("y ~ x1 + x2 + x3", data=z.set_axis(["y", "x1", "x2", "x3"], axis=1)).fit()
    res = drivers(data, outcome="满意度", predictors=PREDICTORS)
    assert list(res.coefficients["beta"].iloc[1:]) == pytest.approx(list(ref.params.iloc[1:]), rel=1e-10)


def test_drivers_lmg_is_the_mean_r2_increment_over_all_orders_of_entry():
    data = survey().set_axis(["y", "x1", "x2", "x3"], axis=1)
    names = ["x1", "x2", "x3"]

    def r2(cols):
        return smf.ols("y ~ " + " + ".join(cols), data=data).fit().rsquared if cols else 0.0

    want = {f: 0.0 for f in names}
    orders = list(itertools.permutations(names))
    for order in orders:
        for i, f in enumerate(order):
            want[f] += (r2(order[:i + 1]) - r2(order[:i])) / len(orders)
    res = drivers(data, outcome="y", predictors=names)
    lmg = res.coefficients.set_index("predictor")["lmg"]
    assert lmg[names].to_dict() == pytest.approx(want, rel=1e-9)
    assert lmg.sum() == pytest.approx(res.r2, rel=1e-12)
    assert res.coefficients["lmg_share"].sum() == pytest.approx(1.0)


def test_drivers_two_predictor_lmg_closed_form():
    data = survey()[["满意度", "资金到位率", "人员"]]
    r = data.corr().to_numpy()
    res = drivers(data, outcome="满意度", predictors=["资金到位率", "人员"])
    r1, r2_, r12 = r[0, 1], r[0, 2], r[1, 2]
    full = (r1 ** 2 + r2_ ** 2 - 2 * r1 * r2_ * r12) / (1 - r12 ** 2)
    want = [(r1 ** 2 + full - r2_ ** 2) / 2, (r2_ ** 2 + full - r1 ** 2) / 2]
    assert list(res.coefficients["lmg"].iloc[1:]) == pytest.approx(want, rel=1e-10)


def test_drivers_a_pure_noise_predictor_gets_almost_no_importance():
    rng = np.random.default_rng(11)
    n = 400
    x = rng.normal(size=n)
    data = pd.DataFrame({"y": 2 * x + rng.normal(size=n), "x": x, "noise": rng.normal(size=n)})
    res = drivers(data, outcome="y", predictors=["x", "noise"])
    lmg = res.coefficients.set_index("predictor")["lmg"]
    assert res.r2 > 0.75 and lmg["noise"] < 0.01 and lmg["x"] > 0.75


def test_drivers_drop_rows_with_missing_values_and_say_how_many():
    data = survey()
    data.loc[[3, 10], "人员"] = np.nan
    data.loc[5, "满意度"] = None
    res = drivers(data, outcome="满意度", predictors=PREDICTORS)
    assert (res.n, res.dropped) == (77, 3)
    assert "删除含缺失值的 3 行" in res.notes[0]
    ref = drivers(data.dropna(), outcome="满意度", predictors=PREDICTORS)
    assert list(res.coefficients["coef"]) == pytest.approx(list(ref.coefficients["coef"]))


def test_drivers_errors_name_the_column_in_chinese():
    data = survey()
    with pytest.raises(InputError, match="缺少列 效果"):
        drivers(data, outcome="效果", predictors=PREDICTORS)
    with pytest.raises(InputError, match="缺少列 培训"):
        drivers(data, outcome="满意度", predictors=["资金到位率", "培训"])
    with pytest.raises(InputError, match="只有 4 行，至少需要 5 行"):
        drivers(data.head(4), outcome="满意度", predictors=PREDICTORS)
    with pytest.raises(InputError, match="预测变量过多：13 个"):
        wide = pd.DataFrame(np.random.default_rng(0).normal(size=(40, 14)), columns=[f"c{i}" for i in range(14)])
        drivers(wide, outcome="c0", predictors=[f"c{i}" for i in range(1, 14)])
    with pytest.raises(InputError, match="列 宣传 的值全部相同"):
        drivers(data.assign(宣传=1.0), outcome="满意度", predictors=PREDICTORS)
    with pytest.raises(InputError, match="完全共线"):
        drivers(data.assign(宣传=2 * data["人员"]), outcome="满意度", predictors=PREDICTORS)
    with pytest.raises(InputError, match="列 人员 第 1 个值不是有限的数字"):
        drivers(data.astype({"人员": object}).assign(人员=["多"] + [1.0] * 79), outcome="满意度", predictors=PREDICTORS)


# --- exploratory factor analysis ----------------------------------------------------------------

TRUE = np.array([[0.8, 0.0], [0.7, 0.0], [0.6, 0.1], [0.0, 0.8], [0.1, 0.7], [0.0, 0.6], [0.5, 0.0]])


def simulate(loadings, n, seed, phi=None):
    """Items from a factor model: x = Λ f + e, Var(f) = Φ, Var(x_j) = 1."""
    rng = np.random.default_rng(seed)
    k = loadings.shape[1]
    phi = np.eye(k) if phi is None else phi
    f = rng.multivariate_normal(np.zeros(k), phi, size=n)
    unique = 1 - np.einsum("ij,jk,ik->i", loadings, phi, loadings)
    x = f @ loadings.T + rng.normal(size=(n, len(loadings))) * np.sqrt(unique)
    return pd.DataFrame(x, columns=[f"q{i + 1}" for i in range(len(loadings))])


def match(found, true):
    """Found loadings reordered and re-signed to best fit the true ones."""
    best = None
    for perm in itertools.permutations(range(true.shape[1])):
        cand = found[:, perm]
        cand = cand * np.where((cand * true).sum(axis=0) < 0, -1, 1)
        err = np.abs(cand - true).max()
        if best is None or err < best[0]:
            best = (err, cand)
    return best


def test_efa_kmo_and_bartlett_equal_the_formulas_computed_here():
    items = simulate(TRUE, 300, seed=1)
    res = exploratory_factor_analysis(items)
    x, (n, p) = items.to_numpy(), items.shape
    r = np.corrcoef(x, rowvar=False)
    partial = np.eye(p)                         # partial correlations from regression residuals
    for i, j in itertools.combinations(range(p), 2):
        rest = np.column_stack([np.ones(n), np.delete(x, [i, j], axis=1)])
        ei = x[:, i] - rest @ np.linalg.lstsq(rest, x[:, i], rcond=None)[0]
        ej = x[:, j] - rest @ np.linalg.lstsq(rest, x[:, j], rcond=None)[0]
        partial[i, j] = partial[j, i] = np.corrcoef(ei, ej)[0, 1]
    off = ~np.eye(p, dtype=bool)
    r2, q2 = (r ** 2) * off, (partial ** 2) * off
    assert res.kmo == pytest.approx(r2.sum() / (r2.sum() + q2.sum()), rel=1e-9)
    assert list(res.kmo_items) == pytest.approx(list(r2.sum(0) / (r2.sum(0) + q2.sum(0))), rel=1e-9)
    chi2 = -(n - 1 - (2 * p + 5) / 6) * np.sum(np.log(np.linalg.eigvalsh(r)))
    assert (res.bartlett_chi2, res.bartlett_dof) == (pytest.approx(chi2, rel=1e-10), p * (p - 1) // 2)
    assert res.bartlett_p_value == pytest.approx(stats.chi2.sf(chi2, 21), rel=1e-9, abs=1e-300)
    assert list(res.eigenvalues["eigenvalue"]) == pytest.approx(sorted(np.linalg.eigvalsh(r), reverse=True))


def test_efa_kmo_of_three_items_by_the_partial_correlation_formula():
    # r12·3 = (r12 − r13 r23)/√((1 − r13²)(1 − r23²)) and so on, for a 3 × 3 correlation matrix
    items = simulate(np.array([[0.8], [0.6], [0.5]]), 200, seed=5)
    r = items.corr().to_numpy()
    q = [(r[a, b] - r[a, c] * r[b, c]) / math.sqrt((1 - r[a, c] ** 2) * (1 - r[b, c] ** 2))
         for a, b, c in ((0, 1, 2), (0, 2, 1), (1, 2, 0))]
    rr = [r[0, 1], r[0, 2], r[1, 2]]
    want = sum(v ** 2 for v in rr) / (sum(v ** 2 for v in rr) + sum(v ** 2 for v in q))
    res = exploratory_factor_analysis(items, n_factors=1)
    assert res.kmo == pytest.approx(want, rel=1e-10)
    assert res.rotation is None and any("只有一个因子" in n for n in res.notes)


def test_efa_recovers_the_loadings_of_a_known_two_factor_model():
    res = exploratory_factor_analysis(simulate(TRUE, 3000, seed=2))
    assert (res.suggested_factors, res.n_factors) == (2, 2)
    err, _ = match(res.loadings.to_numpy(), TRUE)
    assert err < 0.06
    assert list(res.communalities) == pytest.approx(list((TRUE ** 2).sum(axis=1)), abs=0.06)
    assert np.allclose(res.factor_correlations, np.eye(2))


def test_efa_promax_recovers_pattern_and_factor_correlation_of_correlated_factors():
    # Promax approximates simple structure: on a model with exact simple structure it recovers Φ (at n =
    # 100,000: 0.392 for 0.4); with cross-loadings (TRUE) it overstates it (0.463), a property of promax.
    simple = np.array([[0.8, 0.0], [0.7, 0.0], [0.6, 0.0], [0.0, 0.8], [0.0, 0.7], [0.0, 0.6]])
    phi = np.array([[1.0, 0.4], [0.4, 1.0]])
    res = exploratory_factor_analysis(simulate(simple, 3000, seed=4, phi=phi), n_factors=2, rotation="promax")
    err, _ = match(res.loadings.to_numpy(), simple)
    assert err < 0.05
    assert abs(res.factor_correlations.iloc[0, 1]) == pytest.approx(0.4, abs=0.05)
    varimax = exploratory_factor_analysis(simulate(simple, 3000, seed=4, phi=phi), n_factors=2)
    assert match(varimax.loadings.to_numpy(), simple)[0] > 0.1      # an orthogonal rotation cannot fit it
    assert any("模式矩阵" in n for n in res.notes)


def r_varimax(x):
    """R's stats::varimax (normalize = TRUE) transcribed: SVD iterations on Kaiser-normalised rows. R stops
    when the criterion gains less than eps = 1e-5, which leaves the rotation converged to ~1e-5 only;
    here it iterates until the rotation matrix stops changing."""
    h = np.sqrt((x ** 2).sum(axis=1, keepdims=True))
    x = x / h
    p, k = x.shape
    t = np.eye(k)
    for _ in range(20000):
        z = x @ t
        u, _, vt = np.linalg.svd(x.T @ (z ** 3 - z @ np.diag((z ** 2).sum(axis=0)) / p))
        t, last = u @ vt, t
        if np.abs(t - last).max() < 1e-13:
            break
    return (x @ t) * h


def test_efa_varimax_equals_rs_algorithm_on_the_unrotated_solution():
    items = simulate(TRUE, 500, seed=6)
    rotated = exploratory_factor_analysis(items, n_factors=2)
    plain = exploratory_factor_analysis(items, n_factors=2, rotation=None)
    err, _ = match(rotated.loadings.to_numpy(), r_varimax(plain.loadings.to_numpy()))
    assert err < 1e-7
    assert list(rotated.communalities) == pytest.approx(list((rotated.loadings ** 2).sum(axis=1)))


def test_efa_parallel_analysis_counts_three_factors_and_is_reproducible():
    true = np.zeros((9, 3))
    for j in range(3):
        true[3 * j:3 * j + 3, j] = [0.8, 0.7, 0.6]
    items = simulate(true, 500, seed=8)
    a = exploratory_factor_analysis(items, seed=1)
    b = exploratory_factor_analysis(items, seed=1)
    assert a.suggested_factors == 3 and a.n_factors == 3
    assert a.eigenvalues["threshold"].equals(b.eigenvalues["threshold"])
    assert not a.eigenvalues["threshold"].equals(exploratory_factor_analysis(items, seed=2).eigenvalues["threshold"])
    assert a.eigenvalues["threshold"].iloc[0] > 1        # random data's first eigenvalue exceeds 1 by chance


def test_efa_on_noise_suggests_no_factor_and_says_so():
    items = pd.DataFrame(np.random.default_rng(9).normal(size=(300, 6)), columns=list("abcdef"))
    res = exploratory_factor_analysis(items)
    assert res.suggested_factors == 0 and res.n_factors == 1
    assert any("看不到公共因子" in n for n in res.notes)


def test_efa_drops_missing_rows_and_plots_a_scree_with_the_threshold():
    items = simulate(TRUE, 300, seed=10)
    items.iloc[[0, 5], 2] = np.nan
    res = exploratory_factor_analysis(items)
    assert res.n == 298 and "删除含缺失值的 2 行" in res.notes[0]
    assert list(res.table().columns) == ["item", "F1", "F2", "communality", "kmo"]
    fig = res.plot()
    assert len(fig.axes[0].lines) >= 2             # eigenvalues and the parallel-analysis threshold
    plt.close(fig)


def test_efa_errors_in_chinese():
    items = simulate(TRUE, 300, seed=11)
    with pytest.raises(InputError, match="只有 7 行，至少需要 8 行"):
        exploratory_factor_analysis(items.head(7))
    with pytest.raises(InputError, match="列 q3 的值全部相同"):
        exploratory_factor_analysis(items.assign(q3=2.0))
    with pytest.raises(InputError, match="n_factors 应为 1 到 6"):
        exploratory_factor_analysis(items, n_factors=7)
    with pytest.raises(InputError, match="至少需要 3 列"):
        exploratory_factor_analysis(items[["q1", "q2"]])
    with pytest.raises(InputError, match="相关矩阵奇异"):
        exploratory_factor_analysis(items.assign(q8=items["q1"] + items["q2"]))
    with pytest.raises(InputError, match="rotation"):
        exploratory_factor_analysis(items, rotation="oblimin")
