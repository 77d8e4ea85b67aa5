"""AHP, entropy weights and TOPSIS against Saaty's (1990) published matrices, published entropy-weight examples,
Hwang & Yoon's fighter-aircraft TOPSIS example, closed forms, and computations written out here element by
element, independently of evalkit.weights."""

from __future__ import annotations

import csv
import math
from fractions import Fraction
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.errors import InputError
from evalkit.weights import RI_TABLES, ahp, entropy_weights, topsis

REFERENCE = Path(__file__).parent / "reference"


def read(name):
    with (REFERENCE / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def frame(rows, labels=None, as_text=True):
    """A judgement matrix from rows of cells; strings stay strings (as typed in a case) unless as_text=False."""
    labels = labels or [f"C{i + 1}" for i in range(len(rows))]
    cells = [[c if as_text else float(Fraction(c)) for c in r] for r in rows]
    return pd.DataFrame(cells, index=labels, columns=labels, dtype=object if as_text else float)


def parse(text):
    return [r.split() for r in text.split("|")]


# --- AHP ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("row", read("weights_ahp_saaty1990.csv"), ids=lambda r: r["name"])
def test_ahp_matches_saaty_1990(row):
    res = ahp(frame(parse(row["matrix"])))
    want = [float(w) for w in row["weights"].split()]
    assert list(res.weights) == pytest.approx(want, abs=1.5e-3)
    assert res.weights.sum() == pytest.approx(1)
    if row["lambda_max"]:
        assert res.lambda_max == pytest.approx(float(row["lambda_max"]), abs=1e-3)
        assert res.ci == pytest.approx(float(row["ci"]), abs=1e-3)
        assert res.cr == pytest.approx(float(row["cr"]), abs=1e-3)
        assert res.consistent == (float(row["cr"]) < 0.10)


def test_ahp_house_criteria_fail_the_consistency_check_as_saaty_says():
    row = next(r for r in read("weights_ahp_saaty1990.csv") if r["name"] == "criteria")
    res = ahp(frame(parse(row["matrix"])))
    assert res.ri == 1.41 and res.ri_table == "cn"
    assert res.consistent is False and res.verdict == "未通过一致性检验"
    assert "Saaty" in res.notes[1] and "n = 8 时 RI = 1.41" in res.notes[1]


@settings(max_examples=60, deadline=None)
@given(a=st.sampled_from([1, 2, 3, 5, 7, 9, 1 / 2, 1 / 3, 1 / 5, 1 / 9]),
       b=st.sampled_from([1, 2, 4, 6, 8, 1 / 4, 1 / 6, 1 / 8]),
       c=st.sampled_from([1, 3, 5, 9, 1 / 3, 1 / 7]))
def test_ahp_lambda_max_of_a_3x3_matrix_has_a_closed_form(a, b, c):
    # For [[1, a, b], [1/a, 1, c], [1/b, 1/c, 1]] the characteristic polynomial is
    # (1 - λ)³ - 3(1 - λ) + k + 1/k with k = a·c/b, so λmax = 1 + k^(1/3) + k^(-1/3).
    m = pd.DataFrame([[1, a, b], [1 / a, 1, c], [1 / b, 1 / c, 1]], index=list("xyz"), columns=list("xyz"))
    k = a * c / b
    res = ahp(m)
    assert res.lambda_max == pytest.approx(1 + k ** (1 / 3) + k ** (-1 / 3), rel=1e-10)
    assert res.cr == pytest.approx(res.ci / 0.58)


weights_strategy = st.lists(st.floats(min_value=0.05, max_value=20), min_size=1, max_size=9)


@settings(max_examples=80, deadline=None)
@given(w=weights_strategy)
def test_ahp_of_a_consistent_matrix_returns_its_weights_with_cr_zero(w):
    w = np.array(w)
    labels = [f"指标{i}" for i in range(len(w))]
    m = pd.DataFrame(np.outer(w, 1 / w), index=labels, columns=labels)
    res = ahp(m)
    assert list(res.weights) == pytest.approx(list(w / w.sum()), rel=1e-9)
    assert res.lambda_max == pytest.approx(len(w), rel=1e-9)
    if len(w) > 2:
        assert res.ci == pytest.approx(0, abs=1e-12) and res.cr == pytest.approx(0, abs=1e-12)
        assert res.consistent is True and res.verdict == "通过一致性检验"
    else:
        assert res.cr is None and res.consistent is None and res.verdict == "无需检验"


@settings(max_examples=40, deadline=None)
@given(w=weights_strategy.filter(lambda v: len(v) >= 3), m=st.integers(2, 5), seed=st.integers(0, 1000))
def test_ahp_identical_experts_equal_one_expert(w, m, seed):
    rng = np.random.default_rng(seed)
    w = np.array(w)
    n = len(w)
    a = np.ones((n, n))
    for i in range(n):                                   # w_i / w_j perturbed, then made reciprocal
        for j in range(i + 1, n):
            a[i, j] = w[i] / w[j] * math.exp(rng.normal(0, 0.3))
            a[j, i] = 1 / a[i, j]
    labels = [f"c{i}" for i in range(n)]
    one = ahp(pd.DataFrame(a, index=labels, columns=labels))
    many = ahp([pd.DataFrame(a, index=labels, columns=labels)] * m)
    assert list(many.weights) == pytest.approx(list(one.weights), rel=1e-9)
    assert many.lambda_max == pytest.approx(one.lambda_max, rel=1e-12)
    assert many.cr == pytest.approx(one.cr, rel=1e-9, abs=1e-12)
    assert many.n_experts == m and many.expert_cr == pytest.approx([one.cr] * m, rel=1e-9, abs=1e-12)


def test_ahp_combines_experts_by_the_geometric_mean_of_each_cell():
    labels = ["经济", "社会", "生态"]
    a = frame([["1", "3", "5"], ["1/3", "1", "2"], ["1/5", "1/2", "1"]], labels)
    b = frame([["1", "1/2", "3"], ["2", "1", "4"], ["1/3", "1/4", "1"]], labels)
    # b in another row order: the labels, not the positions, are matched
    b = b.loc[["社会", "生态", "经济"], ["生态", "经济", "社会"]]
    res = ahp([a, b])
    fa = frame([["1", "3", "5"], ["1/3", "1", "2"], ["1/5", "1/2", "1"]], labels, as_text=False).to_numpy()
    fb = frame([["1", "1/2", "3"], ["2", "1", "4"], ["1/3", "1/4", "1"]], labels, as_text=False).to_numpy()
    assert res.matrix.to_numpy() == pytest.approx(np.sqrt(fa * fb))
    assert list(res.matrix.index) == labels
    assert res.expert_cr == pytest.approx((ahp(a).cr, ahp(b).cr))
    assert res.expert_weights.loc[2].to_numpy() == pytest.approx(ahp(b).weights[labels].to_numpy())
    assert "几何平均" in " ".join(res.notes)


def test_ahp_random_index_tables_are_named_and_used():
    m = frame([["1", "2", "4", "3"], ["1/2", "1", "3", "2"], ["1/4", "1/3", "1", "1/2"], ["1/3", "1/2", "2", "1"]])
    base = ahp(m)
    assert RI_TABLES["cn"][1] == RI_TABLES["saaty"][1] == (0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
    for name, ri4 in (("cn", 0.90), ("saaty", 0.90), ("cn-1000", 0.89), ("alonso-lamata", 0.8815)):
        res = ahp(m, ri_table=name)
        assert res.ri == ri4 and res.ri_table == name
        assert res.cr == pytest.approx(base.ci / ri4)
        assert f"RI = {ri4:g}" in res.notes[1]


def test_ahp_of_two_elements_needs_no_consistency_check():
    res = ahp(frame([["1", "3"], ["1/3", "1"]]))
    assert list(res.weights) == pytest.approx([0.75, 0.25])
    assert (res.cr, res.consistent, res.verdict) == (None, None, "无需检验")
    assert "无需一致性检验" in res.notes[2]
    single = ahp(pd.DataFrame([[1]], index=["唯一"], columns=["唯一"]))
    assert list(single.weights) == [1.0] and single.ci is None


def test_ahp_accepts_rounded_reciprocals_and_says_so():
    m = frame([["1", "3", "7"], ["0.33", "1", "3"], ["0.14", "0.33", "1"]], as_text=True)
    res = ahp(m)
    exact = ahp(frame([["1", "3", "7"], ["1/3", "1", "3"], ["1/7", "1/3", "1"]]))
    assert list(res.weights) == pytest.approx(list(exact.weights), abs=1e-12)
    assert "下三角按上三角的倒数取值" in res.notes[-1]
    assert ahp(frame([["1", "１／３"], ["3", "1"]])).weights.iloc[0] == pytest.approx(0.25)   # full-width


def test_ahp_names_the_cell_that_is_not_reciprocal():
    m = frame([["1", "3", "5"], ["1/3", "1", "2"], ["1/5", "2", "1"]], ["经济", "社会", "生态"])
    with pytest.raises(InputError, match=r"第 2 行（社会）第 3 列（生态）的值 '2' 与第 3 行（生态）第 2 列（社会）的值 '2' "
                                         r"不互为倒数"):
        ahp(m)
    with pytest.raises(InputError, match="第 2 位专家的判断矩阵第 2 行（社会）第 3 列（生态）"):
        ahp([frame([["1", "3", "5"], ["1/3", "1", "2"], ["1/5", "1/2", "1"]], ["经济", "社会", "生态"]), m])


def test_ahp_input_errors_are_in_chinese():
    ok = frame([["1", "3", "5"], ["1/3", "1", "2"], ["1/5", "1/2", "1"]], ["a", "b", "c"])
    with pytest.raises(InputError, match="对角线第 2 行（b）的值为 '2'，应为 1"):
        ahp(frame([["1", "3", "5"], ["1/3", "2", "2"], ["1/5", "1/2", "1"]], ["a", "b", "c"]))
    with pytest.raises(InputError, match="第 1 行（a）第 2 列（b）的值 '三' 应为正数"):
        ahp(frame([["1", "三"], ["1/3", "1"]], ["a", "b"]))
    with pytest.raises(InputError, match="的值 '-3' 应为正数"):
        ahp(frame([["1", "-3"], ["-1/3", "1"]], ["a", "b"]))
    with pytest.raises(InputError, match="应为方阵，实际为 3 行 2 列"):
        ahp(ok.iloc[:, :2])
    with pytest.raises(InputError, match="行标签与列标签应相同"):
        ahp(ok.set_axis(["a", "b", "x"], axis=1))
    with pytest.raises(InputError, match="第 2 位专家比较的对象"):
        ahp([ok, ok.set_axis(["a", "b", "x"], axis=0).set_axis(["a", "b", "x"], axis=1)])
    with pytest.raises(InputError, match="ri_table 应为 cn / saaty / cn-1000 / alonso-lamata 之一"):
        ahp(ok, ri_table="xu")
    big = pd.DataFrame(np.ones((11, 11)), index=range(11), columns=range(11))
    with pytest.raises(InputError, match="RI 表 cn（ri_table）只到 10 阶，判断矩阵为 11 阶；可改用 ri_table='cn-1000'"):
        ahp(big)
    with pytest.raises(InputError, match="matrix 应为判断矩阵"):
        ahp([[1, 2], [0.5, 1]])


# --- entropy weights ------------------------------------------------------------------------------

def entropy_examples():
    rows = read("weights_entropy_published.csv")
    out = []
    for source in dict.fromkeys(r["source"] for r in rows):
        mine = [r for r in rows if r["source"] == source]
        cols = ["c1", "c2", "c3", "c4"]
        data = pd.DataFrame([[float(r[c]) for c in cols] for r in mine if r["alternative"] != "weights"],
                            columns=cols, index=[r["alternative"] for r in mine if r["alternative"] != "weights"])
        want = [float(next(r for r in mine if r["alternative"] == "weights")[c]) for c in cols]
        out.append(pytest.param(data, want, id=source))
    return out


@pytest.mark.parametrize(("data", "want"), entropy_examples())
def test_entropy_weights_match_published_examples(data, want):
    res = entropy_weights(data, normalise="raw")
    assert [round(w, 4) for w in res.weights] == pytest.approx(want, abs=1e-12)
    assert res.weights.sum() == pytest.approx(1)
    assert "原始数据占比" in res.notes[0]


def entropy_by_hand(data, directions):
    """The textbook 熵权法 written out cell by cell."""
    m, cols = len(data), list(data.columns)
    weights_d = {}
    for c in cols:
        x = list(data[c])
        lo, hi = min(x), max(x)
        xn = [(v - lo) / (hi - lo) if directions.get(c, "正向") == "正向" else (hi - v) / (hi - lo) for v in x]
        total = sum(xn)
        e = -sum((v / total) * math.log(v / total) for v in xn if v > 0) / math.log(m)
        weights_d[c] = 1 - e
    s = sum(weights_d.values())
    return {c: d / s for c, d in weights_d.items()}


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), m=st.integers(2, 12), k=st.integers(1, 6), data=st.data())
def test_entropy_weights_minmax_recomputed_cell_by_cell(seed, m, k, data):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.uniform(-50, 200, (m, k)).round(2), columns=[f"x{j}" for j in range(k)])
    if (df.max() == df.min()).any():
        return
    directions = {c: data.draw(st.sampled_from(["正向", "反向"])) for c in df.columns}
    res = entropy_weights(df, directions=directions)
    want = entropy_by_hand(df, directions)
    assert res.weights.to_dict() == pytest.approx(want, abs=1e-12)
    assert res.diversity.to_dict() == pytest.approx((1 - res.entropy).to_dict())
    assert list(res.directions) == [directions[c] for c in df.columns]
    assert res.normalised.min().min() == pytest.approx(0) and res.normalised.max().max() == pytest.approx(1)


def test_entropy_weights_of_a_reversed_indicator_flip_its_normalised_values():
    data = pd.DataFrame({"产出": [80.0, 95.0, 60.0, 75.0], "成本": [30.0, 42.0, 25.0, 28.0]}, index=list("甲乙丙丁"))
    res = entropy_weights(data, directions={"成本": "反向"})
    assert list(res.normalised["成本"]) == pytest.approx([12 / 17, 0, 1, 14 / 17])
    same = entropy_weights(data, directions=["+", "-"])
    assert same.weights.to_dict() == pytest.approx(res.weights.to_dict())
    table = res.table()
    assert list(table.columns) == ["indicator", "direction", "entropy", "diversity", "weight"]
    assert list(table["direction"]) == ["正向", "反向"]
    raw = entropy_weights(data, directions={"成本": "反向"}, normalise="raw")
    assert "方向不影响熵值" in raw.notes[-1]


def test_entropy_weights_errors_are_in_chinese():
    data = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [5.0, 5.0, 5.0]})
    with pytest.raises(InputError, match="data 列 b 的值全部相同（5），极差为 0"):
        entropy_weights(data)
    ok = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [5.0, 6.0, 9.0]})
    with pytest.raises(InputError, match="directions 中列 b 的方向应为 正向 / 反向（或 \\+、-），实际为 '越小越好'"):
        entropy_weights(ok, directions={"b": "越小越好"})
    with pytest.raises(InputError, match="directions 中的 c 不是数据的列"):
        entropy_weights(ok, directions={"c": "反向"})
    with pytest.raises(InputError, match="normalise 应为 minmax / raw 之一，实际为 'zscore'"):
        entropy_weights(ok, normalise="zscore")
    with pytest.raises(InputError, match="data 列 a 第 1 行（0）为负数 -1"):
        entropy_weights(pd.DataFrame({"a": [-1.0, 2.0], "b": [1.0, 2.0]}), normalise="raw")
    with pytest.raises(InputError, match="至少需要 2 个评价对象"):
        entropy_weights(ok.iloc[:1])
    with pytest.raises(InputError, match="熵值均为 1"):
        entropy_weights(pd.DataFrame({"a": [2.0, 2.0], "b": [3.0, 3.0]}), normalise="raw")


# --- TOPSIS ---------------------------------------------------------------------------------------

def fighter():
    rows = read("weights_topsis_hwang_yoon.csv")
    cols = [f"X{i}" for i in range(1, 7)]
    alts = [r for r in rows if r["alternative"].startswith("A")]
    data = pd.DataFrame([[float(r[c]) for c in cols] for r in alts], columns=cols,
                        index=[r["alternative"] for r in alts])
    weights = {c: float(next(r for r in rows if r["alternative"] == "weights")[c]) for c in cols}
    directions = {c: next(r for r in rows if r["alternative"] == "direction")[c] for c in cols}
    return data, weights, directions, [float(r["closeness"]) for r in alts], [int(r["rank"]) for r in alts]


def test_topsis_matches_hwang_and_yoons_fighter_aircraft_example():
    data, weights, directions, closeness, ranks = fighter()
    res = topsis(data, weights=weights, directions=directions)
    t = res.table()
    # the book rounds its intermediate tables (A3: 0.6135 exactly, printed 0.613), hence 0.001
    assert list(t["closeness"]) == pytest.approx(closeness, abs=1e-3)
    assert list(t["rank"]) == ranks and res.best == "A1"
    assert list(t["unit"]) == ["A1", "A2", "A3", "A4"]
    assert res.ideal["X4"] == res.weighted["X4"].min()      # the cost attribute: lower is ideal


def topsis_by_hand(data, weights, directions, normalise):
    """TOPSIS written out element by element."""
    units, cols = list(data.index), list(data.columns)
    total_w = sum(weights[c] for c in cols)
    v = {}
    benefit = {}
    for c in cols:
        col = [float(data.loc[u, c]) for u in units]
        if normalise == "vector":
            norm = math.sqrt(sum(x * x for x in col))
            r = [x / norm for x in col]
            benefit[c] = directions.get(c, "正向") == "正向"
        else:
            lo, hi = min(col), max(col)
            r = [(x - lo) / (hi - lo) if directions.get(c, "正向") == "正向" else (hi - x) / (hi - lo) for x in col]
            benefit[c] = True
        v[c] = [weights[c] / total_w * x for x in r]
    best = {c: (max if benefit[c] else min)(v[c]) for c in cols}
    worst = {c: (min if benefit[c] else max)(v[c]) for c in cols}
    out = []
    for i in range(len(units)):
        dp = math.sqrt(sum((v[c][i] - best[c]) ** 2 for c in cols))
        dm = math.sqrt(sum((v[c][i] - worst[c]) ** 2 for c in cols))
        out.append((dp, dm, dm / (dp + dm)))
    return out


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), m=st.integers(2, 10), k=st.integers(1, 6),
       normalise=st.sampled_from(["vector", "minmax"]), data=st.data())
def test_topsis_recomputed_element_by_element(seed, m, k, normalise, data):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.uniform(1, 100, (m, k)).round(1), columns=[f"x{j}" for j in range(k)],
                      index=[f"单位{i}" for i in range(m)])
    if normalise == "minmax" and (df.max() == df.min()).any():
        return
    weights = {c: float(rng.uniform(0.1, 3)) for c in df.columns}
    directions = {c: data.draw(st.sampled_from(["正向", "反向"])) for c in df.columns}
    res = topsis(df, weights=weights, directions=directions, normalise=normalise)
    want = topsis_by_hand(df, weights, directions, normalise)
    t = res.table()
    assert list(t["d_plus"]) == pytest.approx([w[0] for w in want], abs=1e-12)
    assert list(t["d_minus"]) == pytest.approx([w[1] for w in want], abs=1e-12)
    good = ~t["closeness"].isna()
    assert list(t["closeness"][good]) == pytest.approx([w[2] for w, g in zip(want, good) if g], abs=1e-12)
    assert ((t["closeness"][good] >= 0) & (t["closeness"][good] <= 1)).all()
    assert res.weights.sum() == pytest.approx(1)


def test_topsis_accepts_weights_in_several_forms():
    data, weights, directions, _, _ = fighter()
    base = topsis(data, weights=weights, directions=directions).table()["closeness"]
    as_list = topsis(data, weights=list(weights.values()), directions=list(directions.values()))
    as_series = topsis(data, weights=pd.Series(weights) * 10, directions=directions)
    assert list(as_list.table()["closeness"]) == pytest.approx(list(base))
    assert list(as_series.table()["closeness"]) == pytest.approx(list(base))
    assert "已按比例换算为合计 1" in as_series.notes[-1]
    ent = entropy_weights(data, directions=directions)
    via_result = topsis(data, weights=ent, directions=directions)
    assert list(via_result.weights) == pytest.approx(list(ent.weights))


def test_topsis_minmax_normalisation_by_hand():
    data = pd.DataFrame({"产出": [80.0, 95.0, 60.0], "成本": [30.0, 42.0, 25.0]}, index=["甲", "乙", "丙"])
    res = topsis(data, weights={"产出": 0.6, "成本": 0.4}, directions={"成本": "反向"}, normalise="minmax")
    # r(产出) = (0.5714, 1, 0); r(成本) = (12/17, 0, 1); v = 0.6 r, 0.4 r; ideal (0.6, 0.4), anti-ideal (0, 0)
    r1, r2 = np.array([20 / 35, 1, 0]), np.array([12 / 17, 0, 1])
    dp = np.sqrt((0.6 * r1 - 0.6) ** 2 + (0.4 * r2 - 0.4) ** 2)
    dm = np.sqrt((0.6 * r1) ** 2 + (0.4 * r2) ** 2)
    assert list(res.table()["closeness"]) == pytest.approx(list(dm / (dp + dm)))
    assert list(res.ideal) == pytest.approx([0.6, 0.4]) and list(res.anti_ideal) == pytest.approx([0, 0])


def test_topsis_errors_are_in_chinese():
    data = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [5.0, 6.0, 9.0]})
    with pytest.raises(InputError, match="weights 应为 data 每一列一个权重：缺少 b；多出 c"):
        topsis(data, weights={"a": 0.5, "c": 0.5})
    with pytest.raises(InputError, match="weights 中列 b 的权重为负数 -0.2"):
        topsis(data, weights=[1.2, -0.2])
    with pytest.raises(InputError, match="weights 应有 2 个权重"):
        topsis(data, weights=[1.0])
    with pytest.raises(InputError, match="directions 中列 a 的方向应为 正向 / 反向"):
        topsis(data, weights=[0.5, 0.5], directions=["up", "正向"])
    with pytest.raises(InputError, match="normalise 应为 vector / minmax 之一，实际为 'sum'"):
        topsis(data, weights=[0.5, 0.5], normalise="sum")
    with pytest.raises(InputError, match="data 列 a 全部为 0"):
        topsis(pd.DataFrame({"a": [0.0, 0.0], "b": [1.0, 2.0]}), weights=[0.5, 0.5])
    with pytest.raises(InputError, match="data 列 a 的值全部相同"):
        topsis(pd.DataFrame({"a": [1.0, 1.0], "b": [1.0, 2.0]}), weights=[0.5, 0.5], normalise="minmax")
    with pytest.raises(InputError, match="data 列 b 第 2 个值不是有限的数字"):
        topsis(pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, None]}), weights=[0.5, 0.5])


# --- tables and charts ----------------------------------------------------------------------------

def test_results_have_tables_and_bar_charts():
    data, weights, directions, _, _ = fighter()
    criteria = read("weights_ahp_saaty1990.csv")[0]
    results = [ahp(frame(parse(criteria["matrix"]))), entropy_weights(data, directions=directions),
               topsis(data, weights=weights, directions=directions)]
    for res in results:
        fig = res.plot()
        ax = fig.axes[0]
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert len(labels) == len(ax.patches) and ax.get_title()
        plt.close(fig)
    assert list(results[0].table()["rank"])[7] == 1                     # financing weighs most
    fig = results[2].plot()
    ys = fig.axes[0].get_yticks()
    top = fig.axes[0].get_yticklabels()[int(np.argmax(ys))].get_text()
    assert top == "A1"
    plt.close(fig)


def test_topsis_of_identical_units_has_no_closeness_and_ties_are_noted():
    same = topsis(pd.DataFrame({"a": [2.0, 2.0], "b": [3.0, 3.0]}, index=["甲", "乙"]), weights=[0.5, 0.5])
    assert same.table()["closeness"].isna().all() and same.table()["rank"].isna().all()
    assert "相对贴近度为空" in " ".join(same.notes)
    tied = topsis(pd.DataFrame({"a": [1.0, 3.0, 1.0], "b": [2.0, 1.0, 2.0]}, index=["甲", "乙", "丙"]),
                  weights=[0.5, 0.5])
    t = tied.table().set_index("unit")
    assert t.loc["甲", "rank"] == t.loc["丙", "rank"] and "甲、丙 的相对贴近度相同，名次并列" in tied.notes[-1]
