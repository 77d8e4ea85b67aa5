"""公众评判法 against Newcombe's published Wilson intervals, statsmodels, the pingouin documentation's Cronbach's
alpha, Krejcie & Morgan's sample-size table, and quantities recomputed here from their formulas, independently
of evalkit.survey."""

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
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from evalkit.errors import InputError
from evalkit.report import sentences
from evalkit.survey import cronbach_alpha, sample_size, satisfaction

REFERENCE = Path(__file__).parent / "reference"


def read(name):
    with (REFERENCE / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def one_item(k, n, name="Q"):
    """n answers of one item, k of them 很满意 (5) and the rest 很不满意 (1)."""
    return pd.DataFrame({name: [5] * k + [1] * (n - k)})


def wilson_by_hand(p, n, conf):
    z = stats.norm.ppf(0.5 + conf / 2)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@pytest.fixture
def survey():
    """Twelve respondents, three items (5 levels, blanks as NaN), a region column."""
    return pd.DataFrame({
        "态度": [5, 4, 4, 3, 5, 2, 4, np.nan, 5, 4, 1, 3],
        "效率": [4, 4, 3, 3, 5, 1, 5, 4, 5, 3, 2, 3],
        "环境": [5, 5, 4, 2, 4, np.nan, 4, 5, 4, 4, 2, np.nan],
        "区域": ["城镇"] * 6 + ["农村"] * 6,
    })


# --- Wilson intervals -----------------------------------------------------------------------------

@pytest.mark.parametrize("row", read("survey_wilson_newcombe.csv"), ids=lambda r: f"{r['k']}/{r['n']}")
def test_satisfaction_interval_matches_newcombes_worked_examples(row):
    k, n = int(row["k"]), int(row["n"])
    res = satisfaction(one_item(k, n), items=["Q"], confidence=float(row["confidence"]))
    item = res.items.iloc[0]
    assert (item["n"], item["satisfied"]) == (n, k)
    assert (round(item["ci_low"], 4), round(item["ci_high"], 4)) == (float(row["ci_low"]), float(row["ci_high"]))
    assert (res.overall.ci_low, res.overall.ci_high) == pytest.approx((item["ci_low"], item["ci_high"]), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 400), data=st.data(), conf=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_satisfaction_interval_equals_statsmodels_wilson(n, data, conf):
    k = data.draw(st.integers(0, n))
    res = satisfaction(one_item(k, n), items=["Q"], confidence=conf)
    lo, hi = proportion_confint(k, n, alpha=1 - conf, method="wilson")
    item = res.items.iloc[0]
    assert (item["ci_low"], item["ci_high"]) == pytest.approx((lo, hi), abs=1e-12)
    assert item["ci_low"] <= item["rate"] <= item["ci_high"]
    assert res.confidence == conf


# --- rates, index, distribution --------------------------------------------------------------------

def test_satisfaction_per_item_counts_rates_and_index_by_hand(survey):
    res = satisfaction(survey, items=["态度", "效率", "环境"])
    t = res.items.set_index("item")
    # 态度: 11 answers (one blank); 4 or 5: 5,4,4,5,4,5,4 = 7; scores 100,80,80,60,100,40,80,100,80,20,60
    assert (t.loc["态度", "n"], t.loc["态度", "missing"], t.loc["态度", "satisfied"]) == (11, 1, 7)
    assert t.loc["态度", "rate"] == pytest.approx(7 / 11)
    assert t.loc["态度", "index"] == pytest.approx(800 / 11)
    assert t.loc["态度", "mean"] == pytest.approx(40 / 11)
    assert [t.loc["态度", f"level_{k}"] for k in range(1, 6)] == [1, 1, 2, 4, 3]
    # 环境: 10 answers; satisfied 5,5,4,4,4,5,4,4 = 8
    assert (t.loc["环境", "n"], t.loc["环境", "satisfied"]) == (10, 8)
    assert np.isnan(t.loc["态度", "margin"])
    assert res.respondents == 12 and res.scale == 5 and res.satisfied == (4, 5)
    table = res.table()
    assert list(table["item"]) == ["态度", "效率", "环境", "总体"]
    assert table.iloc[-1]["n"] == res.overall.n == 33
    assert "满意率" in res.notes[0] and "20" in res.notes[1]


def test_satisfaction_level_scores_are_a_parameter(survey):
    default = satisfaction(survey, items=["效率"])
    assert default.level_scores == {1: 20.0, 2: 40.0, 3: 60.0, 4: 80.0, 5: 100.0}
    as_map = satisfaction(survey, items=["效率"], level_scores={1: 0, 2: 25, 3: 50, 4: 75, 5: 100})
    as_seq = satisfaction(survey, items=["效率"], level_scores=[0, 25, 50, 75, 100])
    answers = survey["效率"].to_numpy()
    assert as_map.items.loc[0, "index"] == pytest.approx(np.mean((answers - 1) * 25))
    assert as_seq.items.loc[0, "index"] == as_map.items.loc[0, "index"]
    assert default.items.loc[0, "index"] == pytest.approx(np.mean(answers * 20))
    assert "很不满意 0" in as_map.notes[1]


def test_satisfaction_satisfied_levels_and_other_scales():
    data = pd.DataFrame({"q": [1, 2, 3, 4, 5, 6, 7, 7, 6, 5]})
    res = satisfaction(data, items=["q"], scale=7, satisfied=(6, 7))
    assert res.items.loc[0, "satisfied"] == 4 and res.items.loc[0, "index"] == pytest.approx(np.mean(data["q"]) * 100 / 7)
    top = satisfaction(pd.DataFrame({"q": [5, 4, 5, 3]}), items=["q"], satisfied=[5])
    assert top.items.loc[0, "rate"] == 0.5


# --- the overall rate ------------------------------------------------------------------------------

def test_pooled_overall_uses_the_ratio_variance_over_respondents(survey):
    items = ["态度", "效率", "环境"]
    res = satisfaction(survey, items=items)
    x = survey[items].to_numpy(dtype=float)
    valid = ~np.isnan(x)
    s = ((x >= 4) & valid).sum(axis=1).astype(float)
    a = valid.sum(axis=1).astype(float)
    p = s.sum() / a.sum()
    v = np.sum((s - p * a) ** 2) / a.sum() ** 2            # written out again, not via evalkit
    n_eff = p * (1 - p) / v
    o = res.overall
    assert (o.definition, o.n, o.satisfied) == ("pooled", 33, int(s.sum()))
    assert o.rate == pytest.approx(p) and o.effective_n == pytest.approx(n_eff)
    assert (o.ci_low, o.ci_high) == pytest.approx(wilson_by_hand(p, n_eff, 0.95), abs=1e-12)
    scores = np.where(valid, np.nan_to_num(x) * 20, np.nan)
    assert o.index == pytest.approx(np.nanmean(scores))
    assert o.n > o.effective_n                              # answers of one person go together


def test_respondent_overall_counts_people_whose_mean_answer_reaches_the_satisfied_level(survey):
    items = ["态度", "效率", "环境"]
    res = satisfaction(survey, items=items, overall="respondent")
    means = survey[items].mean(axis=1)                      # pandas skips NaN
    flags = means >= 4
    o = res.overall
    assert (o.definition, o.n, o.satisfied) == ("respondent", 12, int(flags.sum()))
    assert (o.ci_low, o.ci_high) == pytest.approx(proportion_confint(int(flags.sum()), 12, method="wilson"))
    assert o.index == pytest.approx((survey[items] * 20).mean(axis=1).mean())
    assert res.alternative.definition == "pooled"
    assert res.alternative.rate == pytest.approx(satisfaction(survey, items=items).overall.rate)
    assert "以受访者为单位" in res.notes[2]


def test_pooled_interval_reduces_to_the_ordinary_one_with_one_answer_each():
    data = pd.DataFrame({"a": [5, 4, np.nan, 2, np.nan, 1, 5], "b": [np.nan, np.nan, 4, np.nan, 3, np.nan, np.nan]})
    res = satisfaction(data, items=["a", "b"])
    k, n = 4, 7
    assert res.overall.effective_n == pytest.approx(n)
    assert (res.overall.ci_low, res.overall.ci_high) == pytest.approx(proportion_confint(k, n, method="wilson"))


def test_pooled_interval_of_identical_answers_per_person_counts_people_once():
    person = [5, 4, 2, 1, 5, 3, 4, 4]
    data = pd.DataFrame({"a": person, "b": person, "c": person})
    res = satisfaction(data, items=["a", "b", "c"])
    assert res.overall.n == 24
    assert res.overall.effective_n == pytest.approx(8)
    assert (res.overall.ci_low, res.overall.ci_high) == pytest.approx(proportion_confint(5, 8, method="wilson"))


def test_margin_response_rate_and_population(survey):
    res = satisfaction(survey, items=["效率"], population=500, approached=20, overall="respondent")
    p, n, N = 6 / 12, 12, 500
    z = stats.norm.ppf(0.975)
    assert res.overall.margin == pytest.approx(z * math.sqrt(p * (1 - p) / n) * math.sqrt((N - n) / (N - 1)))
    assert res.items.loc[0, "margin"] == pytest.approx(res.overall.margin)
    assert res.response_rate == pytest.approx(12 / 20) and res.approached == 20 and res.population == 500
    text = " ".join(res.notes)
    assert "回收率 60%" in text and "N = 500" in text


def test_margin_at_the_planned_sample_size_is_within_the_target():
    n = sample_size(2_000, margin=0.05)
    data = pd.DataFrame({"q": [5] * (n // 2) + [1] * (n - n // 2)})
    res = satisfaction(data, items=["q"], population=2_000)
    assert res.overall.margin <= 0.05


def test_respondents_without_any_answer_are_left_out_and_said_so():
    data = pd.DataFrame({"a": [5, np.nan, 4], "b": [4, np.nan, ""]})
    res = satisfaction(data, items=["a", "b"])
    assert res.respondents == 2 and res.overall.n == 3
    assert "1 份问卷没有回答任何题目" in res.notes[0]


# --- groups --------------------------------------------------------------------------------------

def test_groups_rates_and_chi_square_match_scipy(survey):
    res = satisfaction(survey, items=["态度", "效率", "环境"], groups=["区域"])
    g = res.by_group.set_index(["level", "item"])
    town = survey[survey["区域"] == "城镇"]["态度"].dropna()
    assert g.loc[("城镇", "态度"), "n"] == len(town)
    assert g.loc[("城镇", "态度"), "rate"] == pytest.approx((town >= 4).mean())
    assert set(res.by_group["item"]) == {"态度", "效率", "环境", "总体"}
    sub = survey.dropna(subset=["效率"])
    crosstab = pd.crosstab(sub["效率"] >= 4, sub["区域"])
    chi2, p, dof, _ = stats.chi2_contingency(crosstab.to_numpy(), correction=True)
    test = res.group_tests.set_index("item").loc["效率"]
    assert (test["chi2"], test["p_value"], test["dof"]) == pytest.approx((chi2, p, dof))
    counts = res.test_counts[res.test_counts["item"] == "效率"].set_index("level")
    assert counts["satisfied"].to_dict() == crosstab.loc[True].to_dict()
    assert counts["n"].to_dict() == crosstab.sum().to_dict()
    said = sentences.survey_group_test(res, "区域", "效率")
    assert "按区域分组" in said and "城镇" in said and "农村" in said
    assert ("差异显著" in said) == (p < 0.05)


def test_group_overall_test_uses_respondents(survey):
    items = ["态度", "效率", "环境"]
    res = satisfaction(survey, items=items, groups=["区域"])
    flags = survey[items].mean(axis=1) >= 4
    chi2, p, _, _ = stats.chi2_contingency(pd.crosstab(flags, survey["区域"]).to_numpy(), correction=True)
    row = res.group_tests.set_index("item").loc["总体"]
    assert (row["chi2"], row["p_value"]) == pytest.approx((chi2, p))
    assert "以受访者为单位" in res.notes[-1]


def test_group_test_is_skipped_when_every_group_is_fully_satisfied():
    data = pd.DataFrame({"q": [5, 4, 5, 4], "组": ["甲", "甲", "乙", "乙"]})
    res = satisfaction(data, items=["q"], groups=["组"])
    row = res.group_tests.iloc[0]
    said = sentences.survey_group_test(res, row["group"], row["item"])
    assert np.isnan(row["chi2"]) and "100%" in said and "无需检验" in said


# --- the chart ---------------------------------------------------------------------------------

def test_plot_is_a_diverging_likert_chart_centred_on_the_neutral_level(survey):
    res = satisfaction(survey, items=["态度", "效率"])
    fig = res.plot()
    ax = fig.axes[0]
    labels = {round(y): t.get_text() for y, t in zip(ax.get_yticks(), ax.get_yticklabels())}
    assert labels == {1: "态度", 0: "效率"}                      # the first item on top
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["很不满意", "不满意", "一般", "满意", "很满意"]
    patches = {c.get_label(): c.patches for c in ax.containers}
    share_3 = 2 / 11 * 100                                   # 态度: two answers of 3 out of 11
    neutral = patches["一般"][0]                              # 态度, the first item, drawn at y = 1
    assert neutral.get_x() == pytest.approx(-share_3 / 2) and neutral.get_width() == pytest.approx(share_3)
    assert neutral.get_y() + neutral.get_height() / 2 == pytest.approx(1)
    assert patches["不满意"][0].get_x() + patches["不满意"][0].get_width() == pytest.approx(-share_3 / 2)
    assert patches["很不满意"][0].get_x() + patches["很不满意"][0].get_width() == pytest.approx(patches["不满意"][0].get_x())
    assert patches["满意"][0].get_x() == pytest.approx(share_3 / 2)
    assert patches["很满意"][0].get_x() == pytest.approx(share_3 / 2 + 4 / 11 * 100)
    assert ax.get_title() == "满意度调查：各题回答分布"
    plt.close(fig)


# --- input errors ---------------------------------------------------------------------------------

def test_satisfaction_names_the_column_and_row_of_an_answer_outside_the_scale(survey):
    bad = survey.astype({"效率": object})
    bad.loc[3, "效率"] = 6
    with pytest.raises(InputError, match="responses 列 效率 第 4 行的回答为 6，应为 1～5 的整数（空值表示未作答）"):
        satisfaction(bad, items=["态度", "效率"])
    bad.loc[3, "效率"] = 3.5
    with pytest.raises(InputError, match="效率 第 4 行.*3.5"):
        satisfaction(bad, items=["效率"])
    bad.loc[3, "效率"] = "满意"
    with pytest.raises(InputError, match="回答为「满意」"):
        satisfaction(bad, items=["效率"])
    with pytest.raises(InputError, match="第 1 行的回答为 0"):
        satisfaction(pd.DataFrame({"q": [0, 1]}), items=["q"])


def test_satisfaction_checks_its_arguments(survey):
    with pytest.raises(InputError, match="responses 缺少列 卫生"):
        satisfaction(survey, items=["态度", "卫生"])
    for bad in ((4, 6), (4.5, 5), ("满意",), 5, ()):
        with pytest.raises(InputError, match="satisfied 应为 1～5 中的一个或多个等级"):
            satisfaction(survey, items=["态度"], satisfied=bad)
    with pytest.raises(InputError, match="level_scores 应有 5 个分值"):
        satisfaction(survey, items=["态度"], level_scores=[20, 40, 60, 80])
    with pytest.raises(InputError, match="缺少等级 5"):
        satisfaction(survey, items=["态度"], level_scores={1: 0, 2: 25, 3: 50, 4: 75})
    with pytest.raises(InputError, match="overall 应为 pooled / respondent"):
        satisfaction(survey, items=["态度"], overall="mean")
    with pytest.raises(InputError, match="responses 缺少列 性别"):
        satisfaction(survey, items=["态度"], groups=["性别"])
    with pytest.raises(InputError, match="population 为 10，少于有回答的受访者数 11"):
        satisfaction(survey, items=["态度"], population=10)
    with pytest.raises(InputError, match="confidence 必须小于 1"):
        satisfaction(survey, items=["态度"], confidence=95)
    with pytest.raises(InputError, match="scale 应为 2～11"):
        satisfaction(survey, items=["态度"], scale=1)
    with pytest.raises(InputError, match="写成 \\['态度'\\]"):
        satisfaction(survey, items="态度")
    with pytest.raises(InputError, match="没有任何有效回答"):
        satisfaction(pd.DataFrame({"q": [np.nan, np.nan]}), items=["q"])


# --- Cronbach's alpha -----------------------------------------------------------------------------

def pingouin_example():
    path = REFERENCE / "survey_alpha_pingouin.csv"
    expected = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("# expected:"))
    want = dict(kv.split("=") for kv in expected.removeprefix("# expected:").split())
    return pd.read_csv(path, comment="#", index_col=0), {k: float(v) for k, v in want.items()}


def test_cronbach_alpha_matches_the_pingouin_documentation_example():
    data, want = pingouin_example()
    res = cronbach_alpha(data, confidence=want["confidence"])
    assert round(res.alpha, 6) == want["alpha"]
    assert (round(res.ci_low, 3), round(res.ci_high, 3)) == (want["ci_low"], want["ci_high"])
    assert (res.n, res.k, res.dropped) == (15, 10, 0)
    assert "Feldt" in res.notes[0]


def alpha_by_hand(df):
    """Cronbach's alpha from the item variances and the variance of the totals (the pingouin formula)."""
    k = df.shape[1]
    return k / (k - 1) * (1 - df.var(ddof=1).sum() / df.sum(axis=1).var(ddof=1))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(5, 60), k=st.integers(3, 7),
       conf=st.sampled_from([0.9, 0.95, 0.99]))
def test_cronbach_alpha_item_statistics_and_feldt_interval_recomputed(seed, n, k, conf):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 1))
    df = pd.DataFrame(np.clip(np.round(3 + latent + rng.normal(size=(n, k))), 1, 5),
                      columns=[f"q{i}" for i in range(k)])
    if (df.std() == 0).any() or df.sum(axis=1).var() == 0:
        return
    res = cronbach_alpha(df, confidence=conf)
    a = alpha_by_hand(df)
    assert res.alpha == pytest.approx(a, abs=1e-12)
    g = 1 - conf
    f_hi, f_lo = stats.f.isf(g / 2, n - 1, (n - 1) * (k - 1)), stats.f.isf(1 - g / 2, n - 1, (n - 1) * (k - 1))
    assert (res.ci_low, res.ci_high) == pytest.approx((1 - (1 - a) * f_hi, 1 - (1 - a) * f_lo), abs=1e-12)
    t = res.item_stats.set_index("item")
    for c in df.columns:
        rest = df.drop(columns=c)
        assert t.loc[c, "item_total"] == pytest.approx(df[c].corr(rest.sum(axis=1)), abs=1e-12)
        assert t.loc[c, "alpha_if_deleted"] == pytest.approx(alpha_by_hand(rest), abs=1e-12)
        assert t.loc[c, "mean"] == pytest.approx(df[c].mean())


def test_cronbach_alpha_drops_incomplete_rows_and_flags_reversed_items():
    data, _ = pingouin_example()
    data = data.copy()
    data["反向题"] = 8 - data["Q3"]
    data.iloc[2, 0] = np.nan
    res = cronbach_alpha(data)
    complete = data.dropna()
    assert (res.n, res.dropped) == (14, 1)
    assert res.alpha == pytest.approx(alpha_by_hand(complete))
    assert res.item_stats.set_index("item").loc["反向题", "item_total"] < 0
    text = " ".join(res.notes)
    assert "删除含缺失回答的 1 行" in text and "反向题" in text and "反向计分" in text
    assert list(res.table().columns) == ["item", "mean", "sd", "item_total", "alpha_if_deleted"]


def test_cronbach_alpha_errors_are_in_chinese():
    with pytest.raises(InputError, match="items 至少需要 2 列（题项），实际为 1 列"):
        cronbach_alpha(pd.DataFrame({"q1": [1, 2, 3]}))
    with pytest.raises(InputError, match="总分方差为 0"):
        cronbach_alpha(pd.DataFrame({"q1": [1, 2, 3], "q2": [3, 2, 1]}))
    with pytest.raises(InputError, match="至少需要 2 行"):
        cronbach_alpha(pd.DataFrame({"q1": [1, np.nan], "q2": [3, 2]}))
    with pytest.raises(InputError, match="items 列 q2 第 2 个值不是有限的数字"):
        cronbach_alpha(pd.DataFrame({"q1": [1, 2, 3], "q2": [3, "x", 1]}))


# --- sample size ----------------------------------------------------------------------------------

@pytest.mark.parametrize("row", read("survey_sample_size_krejcie_morgan.csv"), ids=lambda r: r["N"])
def test_sample_size_matches_krejcie_and_morgan(row):
    N, s = int(row["N"]), int(row["S"])
    chi2 = 3.841                                             # the table's X², as the article prints it
    exact = chi2 * N * 0.25 / (0.05 ** 2 * (N - 1) + chi2 * 0.25)
    assert round(exact) == s                                 # the table rounds to the nearest person
    got = sample_size(N, margin=0.05)
    assert got in (s, s + 1)
    z2 = stats.norm.ppf(0.975) ** 2
    n0 = z2 * 0.25 / 0.05 ** 2
    assert got == min(N, math.ceil(n0 / (1 + (n0 - 1) / N)))


def test_sample_size_worked_values():
    assert sample_size(10_000, margin=0.05) == 370
    assert sample_size(None, margin=0.05) == 385
    assert sample_size(None, margin=0.03, confidence=0.99, proportion=0.5) == math.ceil(stats.norm.ppf(0.995) ** 2 * 0.25 / 0.03 ** 2)
    assert sample_size(50, margin=0.01) == 50                # never more than the population
    assert sample_size(10_000, margin=0.05, proportion=0.8) < sample_size(10_000, margin=0.05)


def test_sample_size_errors():
    with pytest.raises(InputError, match="margin 必须小于 1"):
        sample_size(1000, margin=5)
    with pytest.raises(InputError, match="margin 必须大于 0"):
        sample_size(1000, margin=0)
    with pytest.raises(InputError, match="population 应为正整数"):
        sample_size(100.5, margin=0.05)
    with pytest.raises(InputError, match="proportion 必须小于 1"):
        sample_size(100, margin=0.05, proportion=1)
