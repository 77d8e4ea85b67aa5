"""标杆管理法 against DEAP 2.1's printed examples, examples worked by hand, and linear programmes written
here independently of evalkit.benchmark (the multiplier form, the second phase, super-efficiency)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from evalkit.benchmark import benchmark_gaps, dea, malmquist
from evalkit.errors import InputError

REFERENCE = Path(__file__).parent / "reference"


def read(name):
    with (REFERENCE / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def num(text):
    return float(text) if text not in ("", None) else math.nan


# --- independent linear programmes ----------------------------------------------------------------

def multiplier(X, Y, o, *, returns, orientation):
    """The multiplier (dual) form, written out here. Variables v (inputs), u (outputs) and, for VRS, a
    free u0. Input:  max u·y_o − u0  s.t. v·x_o = 1, u·y_j − v·x_j − u0 ≤ 0 → θ.
    Output: min v·x_o + v0  s.t. u·y_o = 1, u·y_j − v·x_j − v0 ≤ 0 → φ; efficiency = 1/φ."""
    n, m = X.shape
    s = Y.shape[1]
    vrs = returns == "vrs"
    k = m + s + (1 if vrs else 0)
    a_ub = np.hstack([-X, Y] + ([-np.ones((n, 1))] if vrs else []))
    bounds = [(0, None)] * (m + s) + ([(None, None)] if vrs else [])
    if orientation == "input":
        c = np.r_[np.zeros(m), -Y[o], [1.0] if vrs else []]
        a_eq = np.r_[X[o], np.zeros(s), [0.0] if vrs else []][None]
    else:
        c = np.r_[X[o], np.zeros(s), [1.0] if vrs else []]
        a_eq = np.r_[np.zeros(m), Y[o], [0.0] if vrs else []][None]
    assert len(c) == k
    r = linprog(c, A_ub=a_ub, b_ub=np.zeros(n), A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs")
    assert r.status == 0, r.message
    return -r.fun if orientation == "input" else 1.0 / r.fun


def envelopment(X, Y, o, *, returns, orientation, leave_out=False):
    """θ (or 1/φ) with the full unit set, dense, one unit at a time; NaN when infeasible."""
    keep = np.arange(len(X)) != o if leave_out else np.ones(len(X), bool)
    Xr, Yr = X[keep], Y[keep]
    n, m, s = len(Xr), X.shape[1], Y.shape[1]
    if orientation == "input":
        c = np.r_[1.0, np.zeros(n)]
        a = np.block([[-X[o][:, None], Xr.T], [np.zeros((s, 1)), -Yr.T]])
        b = np.r_[np.zeros(m), -Y[o]]
    else:
        c = np.r_[-1.0, np.zeros(n)]
        a = np.block([[np.zeros((m, 1)), Xr.T], [Y[o][:, None], -Yr.T]])
        b = np.r_[X[o], np.zeros(s)]
    kw = {"A_eq": np.r_[0.0, np.ones(n)][None], "b_eq": [1.0]} if returns == "vrs" else {}
    r = linprog(c, A_ub=a, b_ub=b, bounds=[(0, None)] * (n + 1), method="highs", **kw)
    if r.status == 2:
        return math.nan
    assert r.status == 0, r.message
    return r.x[0] if orientation == "input" else 1.0 / r.x[0]


def max_slack_sum(X, Y, o, level, *, returns, orientation):
    """Phase 2 written out: with θ* (φ*) fixed, max Σ s⁻_i/x̄_i + Σ s⁺_r/ȳ_r over λ, s⁻, s⁺ ≥ 0 with
    X λ + s⁻ = θ* x_o, Y λ − s⁺ = y_o (output: X λ + s⁻ = x_o, Y λ − s⁺ = φ* y_o)."""
    n, m, s = len(X), X.shape[1], Y.shape[1]
    xbar, ybar = X.mean(axis=0), Y.mean(axis=0)
    c = np.r_[np.zeros(n), -1 / xbar, -1 / ybar]
    a_eq = np.block([[X.T, np.eye(m), np.zeros((m, s))], [Y.T, np.zeros((s, m)), -np.eye(s)]])
    if orientation == "input":
        b_eq = np.r_[level * X[o], Y[o]]
    else:
        b_eq = np.r_[X[o], level * Y[o]]
    if returns == "vrs":
        a_eq = np.vstack([a_eq, np.r_[np.ones(n), np.zeros(m + s)]])
        b_eq = np.r_[b_eq, 1.0]
    r = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * (n + m + s), method="highs")
    assert r.status == 0, r.message
    return -r.fun


def random_units(seed, n, m, s, zeros=0.0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(1, 20, (n, m)) * rng.uniform(0.5, 50, m)      # columns of different magnitudes
    Y = rng.uniform(1, 20, (n, s)) * rng.uniform(0.5, 50, s)
    if zeros:
        X[:, 1:][rng.random((n, m - 1)) < zeros] = 0.0
    return X, Y


def grid_units(seed, n, m, s):
    """Small integers: ties and degenerate optima, where several λ reach θ* and only a real second phase
    finds the largest slacks."""
    rng = np.random.default_rng(seed)
    return rng.integers(1, 5, (n, m)).astype(float), rng.integers(1, 4, (n, s)).astype(float)


def frames(X, Y):
    return (pd.DataFrame(X, columns=[f"x{i + 1}" for i in range(X.shape[1])]),
            pd.DataFrame(Y, columns=[f"y{r + 1}" for r in range(Y.shape[1])]))


# --- benchmark_gaps -------------------------------------------------------------------------------

COUNTIES = pd.DataFrame({"unit": ["甲县", "乙县", "丙县", "丁县"], "覆盖率": [0.80, 0.95, 0.60, 0.90],
                         "单位成本": [120.0, 100.0, 150.0, 110.0]})
DIRS = {"单位成本": "反向"}


@pytest.mark.parametrize(("kind", "method"), [("best", ""), ("percentile", "linear"), ("percentile", "lower"),
                                              ("standard", "")])
def test_benchmark_gaps_match_the_hand_worked_table(kind, method):
    want = [r for r in read("benchmark_gaps_hand.csv") if r["kind"] == kind and r["method"] == method]
    kw = {"percentile": 0.75, "percentile_method": method} if kind == "percentile" else {}
    if kind == "standard":
        kw["standard"] = {"覆盖率": 0.85, "单位成本": 115.0}
    res = benchmark_gaps(COUNTIES, measures=["覆盖率", "单位成本"], directions=DIRS, benchmark=kind, **kw)
    got = res.table().set_index(["unit", "measure"])
    assert len(got) == len(want) == 8
    for r in want:
        row = got.loc[(r["unit"], r["measure"])]
        assert row["value"] == pytest.approx(float(r["value"]))
        assert row["benchmark"] == pytest.approx(float(r["benchmark"]), abs=1e-12)
        assert row["gap"] == pytest.approx(float(r["gap"]), abs=1e-9)
        assert row["rank"] == int(r["rank"])
    assert res.benchmark == kind
    assert (res.percentile, res.percentile_method) == ((0.75, method) if kind == "percentile" else (None, None))
    assert dict(zip(got.reset_index()["measure"], got["direction"])) == {"覆盖率": "正向", "单位成本": "反向"}


def test_benchmark_gaps_name_the_best_unit_and_the_percentile():
    res = benchmark_gaps(COUNTIES, measures=["覆盖率", "单位成本"], directions=DIRS)
    assert list(res.benchmarks["basis"]) == ["最优值（乙县）", "最优值（乙县）"]
    res = benchmark_gaps(COUNTIES, measures=["覆盖率"], benchmark="percentile", percentile=0.9)
    assert res.benchmarks["basis"].iloc[0] == "第 90 百分位（linear）"
    assert "第 90 百分位" in res.notes[1] and "method='linear'" in res.notes[1]


def test_benchmark_gaps_percentile_is_taken_in_the_better_direction():
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"unit": [f"u{i}" for i in range(15)], "a": rng.normal(100, 20, 15), "b": rng.normal(50, 5, 15)})
    for method in ("linear", "weibull", "nearest"):
        res = benchmark_gaps(d, measures=["a", "b"], directions={"b": "反向"}, benchmark="percentile",
                             percentile=0.8, percentile_method=method)
        b = res.benchmarks.set_index("measure")["benchmark"]
        assert b["a"] == pytest.approx(np.quantile(d["a"], 0.8, method=method))
        assert b["b"] == pytest.approx(np.quantile(d["b"], 0.2, method=method))


def test_benchmark_gaps_cannot_divide_by_a_benchmark_that_is_not_positive():
    d = pd.DataFrame({"unit": ["a", "b"], "投诉数": [0.0, 3.0]})
    res = benchmark_gaps(d, measures=["投诉数"], directions={"投诉数": "反向"})
    assert res.table()["gap"].isna().all()
    assert "不为正数" in res.notes[-1]


def test_benchmark_gaps_plot_shows_every_unit_smallest_gap_on_top():
    res = benchmark_gaps(COUNTIES, measures=["覆盖率", "单位成本"], directions=DIRS)
    fig = res.plot("单位成本")
    top = sorted(zip((t.get_position()[1] for t in fig.axes[0].get_yticklabels()),
                     (t.get_text() for t in fig.axes[0].get_yticklabels())), reverse=True)
    assert [label for _, label in top] == ["乙县", "丁县", "甲县", "丙县"]
    assert fig.axes[0].get_title() == "单位成本与标杆的差距"
    plt.close(fig)
    with pytest.raises(InputError, match="measure 应为 覆盖率, 单位成本 之一"):
        res.plot("满意度")


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"directions": {"覆盖率": "越大越好"}}, "directions 中列 覆盖率 的方向应为 正向 / 反向（或 \\+、-），实际为 '越大越好'"),
    ({"directions": {"满意度": "正向"}}, "directions 中的 满意度 不在 measures 中"),
    ({"benchmark": "median"}, "benchmark 应为 best / percentile / standard 之一"),
    ({"benchmark": "percentile", "percentile": 90}, "percentile 应为 \\(0, 1\\] 之间"),
    ({"benchmark": "percentile", "percentile_method": "excel"}, "percentile_method 应为"),
    ({"benchmark": "standard"}, "需要 standard"),
    ({"benchmark": "standard", "standard": {"覆盖率": 0.9}}, "standard 缺少指标 单位成本"),
    ({"standard": {"覆盖率": 0.9, "单位成本": 1}}, "standard 仅在 benchmark='standard' 时使用"),
])
def test_benchmark_gaps_reject_bad_arguments_in_chinese(kwargs, match):
    with pytest.raises(InputError, match=match):
        benchmark_gaps(COUNTIES, measures=["覆盖率", "单位成本"], **kwargs)


def test_benchmark_gaps_reject_bad_data_naming_the_column():
    with pytest.raises(InputError, match="data 缺少列 满意度"):
        benchmark_gaps(COUNTIES, measures=["满意度"])
    bad = COUNTIES.assign(覆盖率=[0.8, "九成", 0.6, 0.9])
    with pytest.raises(InputError, match="data 列 覆盖率 第 2 个值不是有限的数字"):
        benchmark_gaps(bad, measures=["覆盖率"])
    with pytest.raises(InputError, match="单位名称重复：甲县"):
        benchmark_gaps(COUNTIES.assign(unit=["甲县", "甲县", "丙县", "丁县"]), measures=["覆盖率"])
    with pytest.raises(InputError, match="至少需要两个单位"):
        benchmark_gaps(COUNTIES.head(1), measures=["覆盖率"])


# --- DEA: published and hand-worked examples ----------------------------------------------------------

def test_dea_matches_deap_example_1_scores_slacks_peers_and_targets():
    rows = read("benchmark_dea_deap_eg1.csv")
    firms = [int(r["firm"]) for r in rows]
    x = pd.DataFrame({"x1": [num(r["x1"]) for r in rows], "x2": [num(r["x2"]) for r in rows]}, index=firms)
    y = pd.DataFrame({"y": [num(r["y"]) for r in rows]}, index=firms)
    res = dea(x, y, returns="crs", orientation="input")
    tol = 5e-4
    for r in rows:
        f = int(r["firm"])
        assert res.efficiency[f] == pytest.approx(num(r["te"]), abs=tol)
        assert res.input_slacks.loc[f].tolist() == pytest.approx([num(r["slack_x1"]), num(r["slack_x2"])], abs=tol)
        assert res.output_slacks.loc[f, "y"] == pytest.approx(num(r["slack_y"]), abs=tol)
        assert res.targets.loc[f, ["x1", "x2", "y"]].tolist() == pytest.approx(
            [num(r["target_x1"]), num(r["target_x2"]), num(r["target_y"])], abs=tol)
        want = dict(zip(map(int, r["peers"].split(";")), map(float, r["weights"].split(";"))))
        got = dict(res.peers[f])
        assert set(got) == set(want)
        assert [got[p] for p in want] == pytest.approx(list(want.values()), abs=tol)
    assert res.status.to_dict() == {1: "非DEA有效", 2: "DEA有效", 3: "非DEA有效", 4: "非DEA有效", 5: "DEA有效"}


def test_dea_matches_deap_example_4_crs_and_vrs_scores_in_both_years():
    rows = read("benchmark_malmquist_deap_eg4.csv")
    for year in ("1", "2"):
        rs = [r for r in rows if r["year"] == year and r["firm"] != "mean"]
        x = pd.DataFrame({"x": [num(r["x"]) for r in rs]})
        y = pd.DataFrame({"y": [num(r["y"]) for r in rs]})
        crs = [num(r["crs_t"]) for r in rs]
        for orientation in ("input", "output"):           # CRS: the two orientations agree
            assert dea(x, y, orientation=orientation).efficiency.tolist() == pytest.approx(crs, abs=6e-4)
        res = dea(x, y, returns="vrs", orientation="output")
        assert res.efficiency.tolist() == pytest.approx([num(r["vrs_te"]) for r in rs], abs=6e-4)
        assert res.crs_efficiency.tolist() == pytest.approx(crs, abs=6e-4)


def test_dea_two_input_example_finds_the_weakly_efficient_unit_and_its_slack():
    rows = [r for r in read("benchmark_dea_hand.csv") if r["example"] == "cst"]
    units = [r["unit"] for r in rows]
    x = pd.DataFrame({"x1": [num(r["x1"]) for r in rows], "x2": [num(r["x2"]) for r in rows]}, index=units)
    y = pd.DataFrame({"y": [num(r["y"]) for r in rows]}, index=units)
    res = dea(x, y, super_efficiency=True)
    for r in rows:
        u = r["unit"]
        assert res.efficiency[u] == pytest.approx(num(r["efficiency"]), abs=1e-9)
        assert res.input_slacks.loc[u].tolist() == pytest.approx([num(r["slack_x1"]), num(r["slack_x2"])], abs=1e-9)
        assert res.super_efficiency[u] == pytest.approx(num(r["super"]), abs=1e-9)
        assert res.scale_efficiency[u] == pytest.approx(num(r["scale"]), abs=1e-9)
        assert res.returns_to_scale[u] == r["rts"]
        want = {p.split(":")[0]: float(p.split(":")[1]) for p in r["peers"].split(";")}
        assert dict(res.peers[u]) == pytest.approx(want, abs=1e-9)
    assert res.efficiency["F"] == 1.0 and res.status["F"] == "弱DEA有效"
    assert res.targets.loc["F"].tolist() == pytest.approx([8.0, 1.0, 1.0])
    assert res.status[["C", "D", "E"]].tolist() == ["DEA有效"] * 3
    assert (res.super_efficiency[["C", "D", "E"]] > 1).all()
    assert res.table().set_index("unit")["rank"].to_dict() == {"E": 1, "D": 2, "C": 3, "F": 4, "A": 5, "B": 6}


def test_dea_vrs_scores_scale_efficiency_returns_to_scale_and_infeasible_super_efficiency():
    rows = [r for r in read("benchmark_dea_hand.csv") if r["example"] == "deap1"]
    x = pd.DataFrame({"x": [num(r["x1"]) for r in rows]})
    y = pd.DataFrame({"y": [num(r["y"]) for r in rows]})
    res = dea(x, y, returns="vrs", super_efficiency=True, names=[r["unit"] for r in rows])
    assert res.efficiency.tolist() == pytest.approx([num(r["efficiency"]) for r in rows], abs=1e-9)
    assert res.scale_efficiency.tolist() == pytest.approx([num(r["scale"]) for r in rows], abs=1e-9)
    assert res.returns_to_scale.tolist() == [r["rts"] for r in rows]
    assert res.lambda_sum.tolist() == pytest.approx([1 / 3, 2 / 3, 1, 4 / 3, 5 / 3], abs=1e-9)
    want = [num(r["super"]) for r in rows]
    got = res.super_efficiency.tolist()
    assert np.isnan(got[4]) and np.isnan(want[4])
    assert got[:4] == pytest.approx(want[:4], abs=1e-9)
    assert any("单位 5 的超效率线性规划无可行解" in n for n in res.notes)
    crs = dea(x, y, super_efficiency=True)
    assert crs.super_efficiency.tolist() == pytest.approx([0.5, 0.5, 1.2, 0.8, 5 / 6], abs=1e-9)


# --- DEA: independent formulations ----------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), n=st.integers(8, 30), m=st.integers(1, 3), s=st.integers(1, 3),
       returns=st.sampled_from(["crs", "vrs"]), orientation=st.sampled_from(["input", "output"]))
def test_dea_equals_the_multiplier_form(seed, n, m, s, returns, orientation):
    n = max(n, m + s + 1)
    X, Y = (grid_units if seed % 3 == 0 else random_units)(seed, n, m, s)
    res = dea(*frames(X, Y), returns=returns, orientation=orientation)
    want = [multiplier(X, Y, o, returns=returns, orientation=orientation) for o in range(n)]
    assert res.efficiency.tolist() == pytest.approx(want, abs=1e-7)
    assert (res.efficiency <= 1).all() and (res.efficiency > 0).all()
    if returns == "crs":                       # CRS: input efficiency = output efficiency
        other = dea(*frames(X, Y), orientation="output" if orientation == "input" else "input")
        assert res.efficiency.tolist() == pytest.approx(other.efficiency.tolist(), abs=1e-7)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), returns=st.sampled_from(["crs", "vrs"]),
       orientation=st.sampled_from(["input", "output"]), data=st.sampled_from(["grid", "zeros", "continuous"]))
def test_dea_slacks_reach_the_maximum_of_an_independent_second_phase(seed, returns, orientation, data):
    X, Y = grid_units(seed, 20, 3, 2) if data == "grid" else random_units(seed, 20, 3, 2, zeros=0.2 * (data == "zeros"))
    res = dea(*frames(X, Y), returns=returns, orientation=orientation)
    xbar, ybar = X.mean(axis=0), Y.mean(axis=0)
    sm, sp = res.input_slacks.to_numpy(), res.output_slacks.to_numpy()
    lam = res.lambdas.reindex(columns=res.efficiency.index, fill_value=0.0).to_numpy()
    eff = res.efficiency.to_numpy()
    level = eff if orientation == "input" else 1 / eff
    for o in range(len(X)):
        want = max_slack_sum(X, Y, o, level[o], returns=returns, orientation=orientation)
        assert (sm[o] / xbar).sum() + (sp[o] / ybar).sum() == pytest.approx(want, abs=1e-6)
    # the slacks, λ and targets fit together: target = X'λ = θx − s⁻ (or x − s⁻), Y'λ = y + s⁺ (or φy + s⁺)
    assert res.targets[res.input_slacks.columns].to_numpy() == pytest.approx(lam @ X, rel=1e-7, abs=1e-6)
    assert res.targets[res.output_slacks.columns].to_numpy() == pytest.approx(lam @ Y, rel=1e-7, abs=1e-6)
    assert (sm >= 0).all() and (sp >= 0).all()
    if returns == "vrs":
        assert lam.sum(axis=1) == pytest.approx(np.ones(len(X)), abs=1e-7)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), returns=st.sampled_from(["crs", "vrs"]),
       orientation=st.sampled_from(["input", "output"]))
def test_dea_super_efficiency_equals_leaving_the_unit_out(seed, returns, orientation):
    X, Y = random_units(seed, 18, 2, 2)
    res = dea(*frames(X, Y), returns=returns, orientation=orientation, super_efficiency=True)
    eff = res.efficiency.to_numpy()
    want = np.array([envelopment(X, Y, o, returns=returns, orientation=orientation, leave_out=True)
                     for o in range(len(X))])
    got = res.super_efficiency.to_numpy()
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    assert got[ok] == pytest.approx(want[ok], abs=1e-7)
    assert got[eff < 1] == pytest.approx(eff[eff < 1])                   # the inefficient keep their score
    assert (got[(eff == 1) & ok] >= 1 - 1e-9).all()
    if returns == "crs":
        assert ok.all()


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), orientation=st.sampled_from(["input", "output"]))
def test_dea_scale_efficiency_is_crs_over_vrs_and_at_most_one(seed, orientation):
    X, Y = random_units(seed, 25, 2, 2)
    res = dea(*frames(X, Y), orientation=orientation)
    vrs = dea(*frames(X, Y), returns="vrs", orientation=orientation)
    assert res.vrs_efficiency.tolist() == pytest.approx(vrs.efficiency.tolist(), abs=1e-12)
    assert res.crs_efficiency.tolist() == pytest.approx(res.efficiency.tolist(), abs=1e-12)
    se = res.scale_efficiency.to_numpy()
    assert se == pytest.approx(res.crs_efficiency / res.vrs_efficiency)
    assert (se <= 1 + 1e-12).all() and (se > 0).all()
    rts = res.returns_to_scale.to_numpy()
    constant = se >= 1 - 1e-7
    assert (rts[constant] == "规模报酬不变").all()
    assert (rts[~constant & (res.lambda_sum.to_numpy() < 1)] == "规模报酬递增").all()
    assert (rts[~constant & (res.lambda_sum.to_numpy() > 1)] == "规模报酬递减").all()


def test_dea_projections_are_efficient_when_added_as_units():
    X, Y = random_units(11, 25, 3, 2)
    res = dea(*frames(X, Y))
    t = res.targets.to_numpy()
    ext = dea(*frames(np.vstack([X, t[:, :3]]), np.vstack([Y, t[:, 3:]])))
    assert (ext.efficiency.to_numpy()[25:] == 1).all()
    assert set(ext.status.to_numpy()[25:]) == {"DEA有效"}


def test_dea_many_units_in_several_batches_agree_with_one_unit_at_a_time_and_repeat_exactly():
    X, Y = random_units(5, 260, 3, 3, zeros=0.05)
    for returns, orientation in (("crs", "input"), ("vrs", "output")):
        res = dea(*frames(X, Y), returns=returns, orientation=orientation)
        want = [envelopment(X, Y, o, returns=returns, orientation=orientation) for o in range(len(X))]
        assert res.efficiency.tolist() == pytest.approx(want, abs=1e-7)
        again = dea(*frames(X, Y), returns=returns, orientation=orientation)
        assert again.lambdas.equals(res.lambdas) and again.input_slacks.equals(res.input_slacks)
    assert any("数据中有 0 值" in n for n in res.notes)


def test_dea_second_phase_falls_back_when_the_solver_calls_theta_infeasible(monkeypatch):
    import evalkit.benchmark as bm

    X, Y = grid_units(8, 15, 2, 2)
    want = dea(*frames(X, Y))
    real = bm._envelope

    def tight(*args, **kw):                      # the first phase-2 solve reports every unit infeasible
        out = real(*args, **kw)
        if kw["phase"] == 2 and len(args[2]) > 1:
            return bm._Solved(out.level, out.lam * 0, np.zeros(len(args[2]), bool), out.active)
        return out

    monkeypatch.setattr(bm, "_envelope", tight)
    got = dea(*frames(X, Y))
    assert got.input_slacks.to_numpy() == pytest.approx(want.input_slacks.to_numpy(), abs=1e-6)
    assert got.status.equals(want.status)


def test_dea_notes_name_the_model_orientation_and_convention():
    X, Y = random_units(2, 12, 2, 1)
    res = dea(*frames(X, Y), returns="vrs", orientation="output")
    assert res.notes[0].startswith("模型：BCC 模型（规模报酬可变，Σλ = 1），产出导向。")
    assert "报告的效率为 1/φ*" in res.notes[0]
    assert (res.returns, res.orientation) == ("vrs", "output")
    assert any("两阶段法" in n for n in res.notes)
    assert dea(*frames(X, Y)).notes[0].startswith("模型：CCR 模型（规模报酬不变），投入导向。")


def test_dea_table_and_plot():
    X, Y = random_units(4, 12, 2, 2)
    res = dea(*frames(X, Y), super_efficiency=True)
    t = res.table()
    assert list(t.columns) == ["unit", "efficiency", "rank", "status", "crs_efficiency", "vrs_efficiency",
                               "scale_efficiency", "lambda_sum", "returns_to_scale", "super_efficiency", "peers"]
    assert t.sort_values("rank")["super_efficiency"].is_monotonic_decreasing
    fig = res.plot()
    top = sorted(((tk.get_position()[1], tk.get_text()) for tk in fig.axes[0].get_yticklabels()), reverse=True)
    assert [label for _, label in top] == [str(u) for u in res.efficiency.sort_values(ascending=False, kind="stable").index]
    assert fig.axes[0].get_title() == "DEA 效率（CCR，投入导向）"
    plt.close(fig)
    assert "<table" in res._repr_html_()


@pytest.mark.parametrize(("change", "match"), [
    (lambda x, y: (x.assign(x1=-x["x1"]), y), "inputs 列 x1 单位 0 为负数 -"),
    (lambda x, y: (x, y.assign(y1=[*y["y1"][:-1], "很多"])), "outputs 列 y1 第 8 个值不是有限的数字"),
    (lambda x, y: (x, y.set_index(y.index + 1)), "inputs 与 outputs 的行索引不一致"),
    (lambda x, y: (x.head(3), y.head(3)), "共有 3 个单位，不够：单位数至少应为投入与产出指标数之和加一（2 \\+ 2 \\+ 1 = 5）"),
    (lambda x, y: (x.assign(x2=0.0), y), "inputs 列 x2 全部为 0"),
    (lambda x, y: (x, y.assign(y1=[0.0, *y["y1"][1:]], y2=[0.0, *y["y2"][1:]])), "单位 0 的产出全部为 0"),
    (lambda x, y: (x, y.rename(columns={"y1": "x1"})), "列 x1 不能既是投入又是产出"),
    (lambda x, y: (x.to_numpy(), y), "inputs 应为 pandas.DataFrame"),
])
def test_dea_rejects_bad_data_in_chinese(change, match):
    x, y = frames(*random_units(1, 8, 2, 2))
    with pytest.raises(InputError, match=match):
        dea(*change(x, y))


def test_dea_rejects_unknown_options_and_bad_names():
    x, y = frames(*random_units(1, 8, 2, 2))
    with pytest.raises(InputError, match="returns 应为 crs / vrs 之一，实际为 'ccr'"):
        dea(x, y, returns="ccr")
    with pytest.raises(InputError, match="orientation 应为 input / output 之一"):
        dea(x, y, orientation="投入")
    with pytest.raises(InputError, match="names 有 2 个名称，单位有 8 个"):
        dea(x, y, names=["a", "b"])
    with pytest.raises(InputError, match="单位名称重复：a"):
        dea(x, y, names=["a"] * 8)


# --- Malmquist ------------------------------------------------------------------------------------

def eg4_panel():
    rows = [r for r in read("benchmark_malmquist_deap_eg4.csv") if r["firm"] != "mean"]
    return pd.DataFrame({"unit": [int(r["firm"]) for r in rows], "period": [int(r["year"]) for r in rows],
                         "x": [num(r["x"]) for r in rows], "y": [num(r["y"]) for r in rows]})


@pytest.mark.parametrize("orientation", ["output", "input"])
def test_malmquist_matches_deap_example_4(orientation):
    rows = read("benchmark_malmquist_deap_eg4.csv")
    res = malmquist(eg4_panel(), inputs=["x"], outputs=["y"], orientation=orientation)
    t = res.table().set_index(["to", "unit"])
    tol = 6e-4
    for r in rows:
        year = int(r["year"])
        if year == 1:
            continue
        if r["firm"] == "mean":
            got = res.means.set_index("to").loc[year]
            assert [got["ec"], got["tc"], got["m"]] == pytest.approx(
                [num(r["effch"]), num(r["techch"]), num(r["tfpch"])], abs=tol)
            if orientation == "output":
                assert [got["pech"], got["sech"]] == pytest.approx([num(r["pech"]), num(r["sech"])], abs=tol)
            continue
        got = t.loc[(year, int(r["firm"]))]
        assert [got["ec"], got["tc"], got["m"]] == pytest.approx(
            [num(r["effch"]), num(r["techch"]), num(r["tfpch"])], abs=tol)
        assert [got["e11"], got["e10"]] == pytest.approx([num(r["crs_t"]), num(r["crs_prev"])], abs=tol)
        if orientation == "output":             # DEAP splits effch with output-oriented VRS scores
            assert [got["pech"], got["sech"]] == pytest.approx([num(r["pech"]), num(r["sech"])], abs=tol)
    prev = {(int(r["year"]), int(r["firm"])): num(r["crs_next"]) for r in rows if r["firm"] != "mean"}
    for (to, unit), row in t.iterrows():
        assert row["e01"] == pytest.approx(prev[(to - 1, unit)], abs=tol)   # from-year data, to-year frontier


def hand_panel():
    rows = read("benchmark_malmquist_hand.csv")
    out = []
    for r in rows:
        for p in (0, 1):
            out.append({"unit": r["unit"], "period": p, "x1": num(r[f"x1_{p}"]), "x2": num(r[f"x2_{p}"]), "y": 1.0})
    return rows, pd.DataFrame(out)


def test_malmquist_two_period_hand_worked_example_and_the_inverse_convention():
    rows, panel = hand_panel()
    res = malmquist(panel, inputs=["x1", "x2"], outputs=["y"])
    t = res.table().set_index("unit")
    for r in rows:
        got = t.loc[r["unit"]]
        for k in ("e00", "e01", "e10", "e11", "ec", "tc", "m"):
            assert got[k] == pytest.approx(num(r[k]), abs=1e-9), (r["unit"], k)
    assert t["m"].to_numpy() == pytest.approx((t["ec"] * t["tc"]).to_numpy(), rel=1e-12)
    assert (t["from"] == 0).all() and (t["to"] == 1).all()
    inv = malmquist(panel, inputs=["x1", "x2"], outputs=["y"], convention="inverse").table().set_index("unit")
    for k in ("ec", "tc", "m", "pech", "sech"):
        assert inv[k].to_numpy() == pytest.approx(1 / t[k].to_numpy(), rel=1e-12)
    for k in ("e00", "e01", "e10", "e11"):
        assert inv[k].to_numpy() == pytest.approx(t[k].to_numpy())
    assert res.convention == "deap" and "大于 1 表示改善" in res.notes[1]
    inverse = malmquist(panel, inputs=["x1", "x2"], outputs=["y"], convention="inverse")
    assert "Benchmarking" in inverse.notes[1] and "产出导向" in inverse.notes[1]


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), returns=st.sampled_from(["crs", "vrs"]),
       orientation=st.sampled_from(["input", "output"]))
def test_malmquist_is_ec_times_tc_and_uses_the_right_cross_period_efficiencies(seed, returns, orientation):
    rng = np.random.default_rng(seed)
    n = 12
    X0, Y0 = random_units(seed, n, 2, 2)
    X1, Y1 = X0 * rng.uniform(0.7, 1.1, X0.shape), Y0 * rng.uniform(0.9, 1.4, Y0.shape)
    panel = pd.DataFrame(np.vstack([np.hstack([X0, Y0]), np.hstack([X1, Y1])]), columns=["a", "b", "p", "q"])
    panel["unit"] = list(range(n)) * 2
    panel["period"] = [2023] * n + [2024] * n
    res = malmquist(panel, inputs=["a", "b"], outputs=["p", "q"], returns=returns, orientation=orientation)
    t = res.table()
    ok = t["m"].notna().to_numpy()
    assert t["m"][ok].to_numpy() == pytest.approx((t["ec"] * t["tc"])[ok].to_numpy(), rel=1e-12)

    def cross(Xr, Yr, Xe, Ye):
        """Each point of one period appended to the other period's units and left out of the reference."""
        return np.array([envelopment(np.vstack([Xr, Xe[o]]), np.vstack([Yr, Ye[o]]), n, returns=returns,
                                     orientation=orientation, leave_out=True) for o in range(n)])

    for col, want in (("e01", cross(X1, Y1, X0, Y0)), ("e10", cross(X0, Y0, X1, Y1))):
        got = t[col].to_numpy()
        assert np.array_equal(np.isnan(got), np.isnan(want))
        assert got[~np.isnan(want)] == pytest.approx(want[~np.isnan(want)], abs=1e-7)
    if returns == "vrs":
        assert t["pech"].isna().all() and t["sech"].isna().all()
    else:
        assert t["sech"].to_numpy() * t["pech"].to_numpy() == pytest.approx(t["ec"].to_numpy())


def test_malmquist_vrs_cross_period_infeasibility_is_nan_with_a_note():
    p = pd.DataFrame({"unit": list("ABCDE") * 2, "period": [1] * 5 + [2] * 5,
                      "x": [2, 4, 3, 5, 6, 2, 4, 3, 5, 5], "y": [1, 2, 3, 4, 5, 1, 3, 4, 3, 9]})
    res = malmquist(p, inputs=["x"], outputs=["y"], returns="vrs")
    t = res.table().set_index("unit")
    assert np.isnan(t.loc["E", "e10"]) and np.isnan(t.loc["E", "m"]) and np.isnan(t.loc["E", "tc"])
    assert t.drop(index="E")["m"].notna().all()
    assert any("单位 E 的跨期线性规划无可行解" in n for n in res.notes)


def test_malmquist_given_periods_and_unbalanced_panels():
    panel = eg4_panel()
    res = malmquist(panel, inputs=["x"], outputs=["y"], periods=(1, 3), orientation="output")
    assert res.table()[["from", "to"]].drop_duplicates().values.tolist() == [[1, 3]]
    assert res.table()["m"].tolist() == pytest.approx([1.0, 1.5, 4 / 3, 0.75, 1.2], abs=1e-9)
    short = panel[~((panel["unit"] == 5) & (panel["period"] == 2))]
    res = malmquist(short, inputs=["x"], outputs=["y"])
    assert res.table().groupby("to")["unit"].count().to_dict() == {2: 4, 3: 4}
    assert any("单位 5 只在其中一期出现" in n for n in res.notes)


def test_malmquist_plot_shows_the_last_pair():
    res = malmquist(eg4_panel(), inputs=["x"], outputs=["y"])
    fig = res.plot()
    assert fig.axes[0].get_title() == "Malmquist 生产率指数（2 → 3）"
    plt.close(fig)
    fig = res.plot(to=2)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["1", "2", "3", "4", "5"]
    plt.close(fig)
    with pytest.raises(InputError, match="to 应为 2, 3 之一"):
        res.plot(to=7)


@pytest.mark.parametrize(("change", "kwargs", "match"), [
    (lambda p: pd.concat([p, p.head(1)]), {}, "单位 1 在期间 1 出现不止一次"),
    (lambda p: p[p["period"] == 1], {}, "panel 只有 1 个期间，Malmquist 指数至少需要两期"),
    (lambda p: p, {"periods": (1, 9)}, "panel 中没有期间 9"),
    (lambda p: p, {"convention": "r"}, "convention 应为 deap / inverse 之一"),
    (lambda p: p, {"returns": "drs"}, "returns 应为 crs / vrs 之一"),
    (lambda p: p.assign(x=-p["x"]), {}, "panel 列 x 单位 1 期间 1 为负数"),
    (lambda p: p.drop(columns="y"), {}, "panel 缺少列 y"),
    (lambda p: p[p["unit"] <= 2], {}, "1 → 2 两期共有 2 个单位，不够"),
])
def test_malmquist_rejects_bad_input_in_chinese(change, kwargs, match):
    with pytest.raises(InputError, match=match):
        malmquist(change(eg4_panel()), inputs=["x"], outputs=["y"], **kwargs)
