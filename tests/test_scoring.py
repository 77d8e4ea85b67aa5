"""Scoring rules at their boundaries. Expected values are worked from the formulas of the domain
standard §4 in exact fractions here, independently of evalkit's decimal code path."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest

import evalkit as ek
from evalkit.errors import InputError
from evalkit.schemes import PARAMS, check_indicators

KEY = ek.get_scheme("mof-2020-key")


def table(*rows: dict, filler: bool = True) -> pd.DataFrame:
    """An indicator table; with ``filler`` a 定性 row tops the weights up to 100 (full marks)."""
    df = pd.DataFrame(list(rows))
    used = float(df["weight"].sum())
    if filler and used < 100:
        df = pd.concat([df, pd.DataFrame([{"level1": "效益", "level2": "效益", "name": "补足", "weight": 100 - used,
                                           "type": "定性", "grade": "达成", "score": 100 - used}])],
                       ignore_index=True)
    df.index = range(2, len(df) + 2)
    return df


def quant(w: float, t: float, a: float, direction: str = "正向", level1: str = "产出", **kw) -> dict:
    return {"level1": level1, "level2": "数量", "name": "指标", "weight": w, "type": "定量",
            "direction": direction, "target": t, "actual": a, "unit": "%", **kw}


def leaf(df: pd.DataFrame, scheme: ek.Scheme = KEY, **kw) -> float:
    return ek.score(df, scheme=scheme, **kw).indicators["score"].iloc[0]


def exact(x: Fraction) -> float:
    """Round half-up to 0.01, as the standard's worked figures are."""
    return float(Fraction(int(x * 100 + Fraction(1, 2)), 100))


# --- 正向 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("t, a", [(100, 100), (100, 130), (100, 99.99), (80, 61), (7, 3), (100, 0)])
def test_score_positive_is_weight_times_ratio_capped(t, a):
    want = exact(min(Fraction(1), Fraction(str(a)) / Fraction(str(t))) * 20)
    assert leaf(table(quant(20, t, a))) == want


def test_score_positive_zero_target_gives_full_marks_for_any_non_negative_actual():
    assert leaf(table(quant(10, 0, 5))) == 10


# --- 反向 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("t, a, want", [
    (50, 40, Fraction(10)),                      # A ≤ T
    (50, 50, Fraction(10)),                      # the edge itself
    (50, 60, 10 * (2 - Fraction(60, 50))),       # T < A < 2T
    (50, 99, 10 * (2 - Fraction(99, 50))),
    (50, 100, Fraction(0)),                      # A = 2T
    (50, 130, Fraction(0)),                      # beyond
])
def test_score_reverse_linear_formula(t, a, want):
    assert leaf(table(quant(10, t, a, "反向"))) == exact(want)


@pytest.mark.parametrize("t, a", [(50, 40), (50, 60), (3.14, 2.95), (2.95, 3.14), (60, 96), (50, 130)])
def test_score_reverse_ratio_formula(t, a):
    scheme = KEY.with_overrides({"reverse_formula": "ratio"})
    want = exact(10 * min(Fraction(1), Fraction(str(t)) / Fraction(str(a))))
    assert leaf(table(quant(10, t, a, "反向")), scheme) == want


@pytest.mark.parametrize("direction", ["反向", "等于"])
@pytest.mark.parametrize("a, want", [(0, 10.0), (-1, 10.0), (1, 0.0), (0.01, 0.0)])
def test_score_zero_target_is_all_or_nothing(direction, a, want):
    card = ek.score(table(quant(10, 0, a, direction)))
    assert card.indicators["score"].iloc[0] == want
    assert card.indicators["rule"].iloc[0] == "zero-target"


def test_score_equal_with_positive_target_scores_as_positive():
    card = ek.score(table(quant(10, 200, 150, "等于")))
    assert (card.indicators["rule"].iloc[0], card.indicators["score"].iloc[0]) == ("positive", 7.5)


# --- 满意度, 扣分, 定性 -------------------------------------------------------------------------

def survey(w: float, t: float, a: float) -> dict:
    return {"level1": "效益", "level2": "满意度", "name": "满意度", "weight": w, "type": "满意度",
            "target": t, "actual": a, "unit": "%"}


@pytest.mark.parametrize("t, a", [(90, 86.4), (90, 90), (95, 99), (80, 40)])
def test_score_survey_proportional(t, a):
    assert leaf(table(survey(10, t, a))) == exact(10 * min(Fraction(1), Fraction(str(a)) / Fraction(str(t))))


def test_score_survey_threshold_rule_is_selectable():
    scheme = KEY.with_overrides({"survey_formula": "threshold"})
    assert leaf(table(survey(10, 90, 89.9)), scheme) == 0
    assert leaf(table(survey(10, 90, 90)), scheme) == 10


def test_score_deductions_subtract_until_nothing_is_left():
    row = {"code": "B1", "level1": "过程", "level2": "管理", "name": "制度执行", "weight": 4, "type": "扣分"}
    ded = pd.DataFrame({"code": ["B1", "B1"], "points": [1.5, 0.25], "reason": ["合同未备案", "台账缺页"]})
    assert leaf(table(row), deductions=ded) == 2.25
    ded_all = pd.DataFrame({"code": ["B1", "B1"], "points": [3, 3], "reason": ["a", "b"]})
    assert leaf(table(row), deductions=ded_all) == 0


def test_score_deduction_without_reason_is_rejected():
    row = {"code": "B1", "level1": "过程", "level2": "管理", "name": "制度执行", "weight": 4, "type": "扣分"}
    ded = pd.DataFrame({"code": ["B1"], "points": [1], "reason": [""]})
    with pytest.raises(InputError, match="扣分原因"):
        ek.score(table(row), deductions=ded)


def qual(w: float, grade: str, s: float) -> dict:
    return {"level1": "决策", "level2": "立项", "name": "立项依据", "weight": w, "type": "定性", "grade": grade,
            "score": s}


@pytest.mark.parametrize("grade, s, ok", [
    ("达成", 2.4, True),        # exactly 0.8·w sits in 达成 (0.8 × 3 is 2.4000000000000004 in binary)
    ("达成", 3.0, True),
    ("达成", 2.39, False),
    ("部分达成", 2.4, False),   # 部分达成 is half-open at the top
    ("部分达成", 1.8, True),    # exactly 0.6·w
    ("部分达成", 1.79, False),
    ("未达成", 1.8, False),
    ("未达成", 0, True),
])
def test_score_qualitative_must_lie_in_its_band(grade, s, ok):
    df = table(qual(3, grade, s))
    if ok:
        assert leaf(df) == s
    else:
        with pytest.raises(InputError, match="不在"):
            ek.score(df)


def test_score_qualitative_bands_are_configurable():
    scheme = KEY.with_overrides({"qualitative_bands": [0.8, 0.5]})
    assert leaf(table(qual(10, "部分达成", 5)), scheme) == 5
    with pytest.raises(InputError):
        ek.score(table(qual(10, "部分达成", 5)))


# --- rounding, totals and grades ----------------------------------------------------------------

def test_score_rounds_each_leaf_half_up_before_summing():
    # 5 × 94.9 / 100 = 4.745 exactly: half-up gives 4.75 where float round() gives 4.74
    card = ek.score(table(quant(5, 100, 94.9)))
    assert card.indicators["score"].iloc[0] == 4.75
    assert card.total == 99.75


@pytest.mark.parametrize("total, grade", [(59.99, "差"), (60, "中"), (79.99, "中"), (80, "良"), (89.99, "良"),
                                          (90, "优"), (100, "优"), (0, "差")])
def test_grade_edges_are_half_open(total, grade):
    assert KEY.grade(total) == grade


LEVELS = ["决策"] * 5 + ["过程"] * 5 + ["产出"] * 8 + ["效益"] * 7      # 产出 + 效益 = 60 points


@pytest.mark.parametrize("points, grade", [(80, "良"), (79.99, "中"), (90, "优"), (89.99, "良"), (60, "中"),
                                           (59.99, "差")])
def test_score_total_reaching_a_grade_edge_exactly_gets_that_grade(points, grade):
    # 25 定性 indicators of 4 points: the given scores add up to `points` by hand; in binary
    # floating point such sums drift (0.8 × 3 …), in evalkit they must not
    lost = Fraction(str(points)) * -1 + 100
    rows = []
    for i in range(25):
        take = min(lost, Fraction(2))
        s = Fraction(4) - take
        lost -= take
        band = "达成" if s >= Fraction(16, 5) else "部分达成" if s >= Fraction(12, 5) else "未达成"
        rows.append({**qual(4, band, float(s)), "level1": LEVELS[i], "name": f"q{i}"})
    assert lost == 0
    card = ek.score(table(*rows, filler=False))
    assert (card.total, card.grade) == (points, grade)


def test_grade_table_is_configurable():
    scheme = KEY.with_overrides({"grades": {"优": 90, "良": 75, "合格": 60, "不合格": 0}})
    assert [scheme.grade(x) for x in (91, 76, 74.99, 10)] == ["优", "良", "合格", "不合格"]


def test_subtotals_and_rates_per_level():
    df = table(quant(40, 100, 90), quant(20, 10, 12, "反向", level1="效益"),
               qual(20, "达成", 17) | {"level1": "决策"}, filler=False)
    df = pd.concat([df, table(qual(20, "达成", 20) | {"level1": "过程"}, filler=False)])
    df.index = range(2, 6)
    card = ek.score(df)
    got = card.levels.set_index("level1")[["weight", "score", "rate"]]
    assert got.loc["产出"].tolist() == [40, 36, 0.9]
    assert got.loc["效益"].tolist() == [20, 16, 0.8]            # 20 × (2 − 12/10)
    assert got.loc["决策"].tolist() == [20, 17, 0.85]
    assert list(card.levels["level1"]) == ["决策", "过程", "产出", "效益"]      # report order
    assert card.total == 36 + 16 + 17 + 20


# --- checks -----------------------------------------------------------------------------------

def test_check_output_plus_benefit_share_at_least_sixty():
    df = table(qual(30, "达成", 30), qual(10, "达成", 10) | {"level1": "过程"},
               quant(60, 100, 100), filler=False)
    assert not check_indicators(df, KEY)
    df.loc[4, "weight"] = 58.0
    df.loc[2, "weight"] = 32.0
    df.loc[2, "score"] = 32.0
    msgs = [p.message for p in check_indicators(df, KEY)]
    assert any("占 58.00%" in m and "60%" in m for m in msgs)


def test_check_weights_must_add_up_to_the_total():
    df = table(quant(30, 100, 90), filler=False)
    with pytest.raises(InputError, match="合计为 30，应为 100"):
        ek.score(df)


def test_self_scheme_fixes_level1_weights():
    self_scheme = ek.get_scheme("mof-2020-self")
    rows = [quant(50, 100, 100, level1="产出指标"), quant(30, 100, 100, level1="效益"),
            survey(10, 90, 95) | {"level1": "满意度指标"}, quant(10, 100, 100, level1="预算执行率")]
    assert ek.score(table(*rows, filler=False), scheme=self_scheme).total == 100
    rows[0]["weight"], rows[1]["weight"] = 45, 35
    with pytest.raises(InputError, match="规定为 50"):
        ek.score(table(*rows, filler=False), scheme=self_scheme)


def test_overachievement_is_flagged_for_explanation():
    card = ek.score(table(quant(10, 100, 130)))
    assert "尚未说明偏差原因" in card.indicators["note"].iloc[0]
    card = ek.score(table(quant(10, 100, 129.9)))
    assert card.indicators["note"].iloc[0] == ""
    card = ek.score(table(quant(10, 100, 150, deviation="目标设定偏低")))
    assert "已说明偏差原因" in card.indicators["note"].iloc[0]


def test_budget_execution_is_derived_from_funding_with_the_scheme_base():
    row = quant(10, 100, float("nan")) | {"name": "预算执行率", "level1": "过程"}
    funding = {"planned": 2_000_000, "allocated": 1_600_000, "spent": 1_500_000}
    key = ek.score(table(row), funding=funding)
    assert key.indicators["actual"].iloc[0] == pytest.approx(93.75)             # spent / allocated
    assert key.indicators["score"].iloc[0] == exact(Fraction(10) * Fraction(1_500_000, 1_600_000))
    planned = ek.score(table(row), funding=funding, scheme=KEY.with_overrides({"budget_execution_base": "planned"}))
    assert planned.indicators["score"].iloc[0] == 7.5                         # 10 × 0.75


# --- the scheme as data ------------------------------------------------------------------------

def test_every_unverified_or_interpreted_rule_is_a_parameter_shown_in_rules():
    rules = KEY.rules()
    assert set(rules["parameter"]) == set(PARAMS)
    assert {"reverse_formula", "qualitative_bands", "grades", "survey_formula", "budget_execution_base",
            "overachievement_ratio"} <= set(rules.loc[rules["status"].isin(["U", "I"]), "parameter"])
    changed = KEY.with_overrides({"reverse_formula": "ratio"}).rules().set_index("parameter")
    assert changed.loc["reverse_formula", "overridden"]
    assert "ratio" in changed.loc["reverse_formula", "value"]


@pytest.mark.parametrize("overrides, fragment", [
    ({"reverse_formula": "cubic"}, "linear / ratio"),
    ({"no_such_rule": 1}, "没有「no_such_rule」"),
    ({"qualitative_bands": [0.5, 0.9]}, "qualitative_bands"),
    ({"decimals": 2.5}, "decimals"),
])
def test_bad_overrides_name_the_rule(overrides, fragment):
    with pytest.raises(InputError, match=fragment):
        KEY.with_overrides(overrides)


def test_unknown_scheme_lists_the_known_ones():
    with pytest.raises(InputError, match="mof-2020-key"):
        ek.get_scheme("mof-2099")


def test_scorecard_is_frozen():
    card = ek.score(table(quant(10, 100, 100)))
    with pytest.raises(AttributeError):
        card.total = 0  # type: ignore[misc]
