"""Every method result keeps one protocol (docs/architecture.md, "a method's result"): a frozen
dataclass with ``table()``, ``notes``, a one-line ``repr()`` and ``_repr_html_()`` of its headline
figures, and no sentence; the report writes every sentence from the numbers and never splits a
method's text."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import math
import re
import shutil
import typing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evalkit as ek
from evalkit import benchmark, compare, costbenefit, factors, scoring, survey, weights
from evalkit._result import Result
from evalkit.report import Block, Report, analyses, document, sentences

from .test_architecture import PARTS

METHODS = (scoring, costbenefit, compare, factors, benchmark, survey, weights)
#: exported dataclasses that are no result: an input of risk(), and a part of SatisfactionResult
NOT_RESULTS = {costbenefit.Distribution, survey.OverallSatisfaction}
REPORT = Path(__file__).resolve().parent.parent / "evalkit" / "report"


# ----------------------------------------------------------------------------------------------
# Small real inputs, from the functions' docstring examples


def _flows():
    return pd.DataFrame({"year": [2024, 2025, 2026], "cost": [100.0, 10.0, 10.0], "benefit": [0.0, 70.0, 70.0]})


def _indicators():
    return pd.DataFrame({"code": ["C11", "D11"], "level1": ["产出", "效益"], "level2": ["数量", "效益"],
                         "name": ["完成率", "满意度"], "weight": [60.0, 40.0], "type": ["定量", "满意度"],
                         "direction": ["正向", ""], "target": [100.0, 90.0], "actual": [95.0, 81.0], "unit": ["%", "%"]})


def _did_panel():
    return pd.DataFrame({"y": [10, 11, 10, 14, 9, 10, 9, 10.5], "treated": [1, 1, 1, 1, 0, 0, 0, 0],
                         "post": [0, 0, 1, 1, 0, 0, 1, 1]})


def _efa_items():
    rng = np.random.default_rng(0)
    true = np.array([[.8, .7, .6, 0, 0, 0], [0, 0, 0, .8, .7, .6]])
    return pd.DataFrame(rng.normal(size=(400, 2)) @ true + 0.6 * rng.normal(size=(400, 6)), columns=list("abcdef"))


def _drivers_data():
    rng = np.random.default_rng(1)
    x1, x2, e = rng.normal(size=(3, 60))
    return pd.DataFrame({"y": 2 * x1 + x2 + e, "x1": x1, "x2": x2})


BASE, CURRENT = {"产量": 100, "单耗": 8, "单价": 5}, {"产量": 110, "单耗": 7, "单价": 6}
AHP_LABELS = ["A", "B", "C"]

#: function → (a call on a small real input, the headline figure, that figure as the result shows it)
CALLS = {
    "score": (lambda: scoring.score(_indicators()), lambda r: r.total, "93"),
    "cost_benefit": (lambda: costbenefit.cost_benefit(_flows(), discount_rate=0.08), lambda r: r.npv, "6.478"),
    "appraise": (lambda: costbenefit.appraise(_flows()), lambda r: r.main.npv, "6.478"),
    "sensitivity": (lambda: costbenefit.sensitivity(_flows(), discount_rate=0.08), lambda r: r.base_npv, "6.478"),
    "risk": (lambda: costbenefit.risk(_flows(), discount_rate=0.08, draws=1234, seed=1,
                                      distributions={"benefit": {"distribution": "uniform", "low": 0.8, "high": 1.2}}),
             lambda r: r.draws, "1234"),
    "least_cost": (lambda: costbenefit.least_cost(pd.DataFrame({"name": ["A", "B", "C"], "cost": [123.4, 150.0, 160.0],
                                                                "effect": [10.0, 12.0, 11.0]})),
                   lambda r: r.table()["cost_per_effect"].min(), "12.34"),
    "plan_vs_actual": (lambda: compare.plan_vs_actual(pd.DataFrame({
        "name": [f"指标{i}" for i in range(13)], "target": [100.0] * 13, "actual": [92.3] * 4 + [100.0] * 9})),
        lambda r: len(r.table()), "13"),
    "trend": (lambda: compare.trend(pd.DataFrame({"period": [2020, 2021, 2022, 2023], "rate": [84.0, 86.5, 88.2, 92.3]}),
                                    measure="rate", unit="%"), lambda r: r.current, "92.3"),
    "peer_comparison": (lambda: compare.peer_comparison(pd.DataFrame({
        "unit": ["甲县", "乙县", "丙县"], "cost": [312.0, 200.0, 400.0], "people": [3.0, 2.5, 2.0]}),
        measure="cost", per="people", self_unit="甲县"), lambda r: r.self_row["value"], "104"),
    "group_test": (lambda: compare.group_test([3.1, 2.9, 3.4, 3.8, 3.3, 3.6], [2.5, 2.7, 2.2, 2.9, 2.4, 2.8],
                                              kind="welch"), lambda r: r.statistic, "4.468"),
    "diff_in_diff": (lambda: compare.diff_in_diff(_did_panel(), outcome="y", treated="treated", post="post"),
                     lambda r: r.estimate, "1.25"),
    "chain_substitution": (lambda: factors.chain_substitution(BASE, CURRENT), lambda r: r.total_change, "620"),
    "shapley_decomposition": (lambda: factors.shapley_decomposition(BASE, CURRENT), lambda r: r.current_value, "4620"),
    "lmdi": (lambda: factors.lmdi(BASE, CURRENT), lambda r: r.base_value, "4000"),
    "drivers": (lambda: factors.drivers(_drivers_data(), outcome="y", predictors=["x1", "x2"]), lambda r: r.r2, "0.775"),
    "exploratory_factor_analysis": (lambda: factors.exploratory_factor_analysis(_efa_items()), lambda r: r.kmo, "0.6957"),
    "benchmark_gaps": (lambda: benchmark.benchmark_gaps(pd.DataFrame({
        "unit": ["甲县", "乙县", "丙县"], "覆盖率": [0.8, 0.9, 0.6], "单位成本": [120.0, 100.0, 150.0]}),
        measures=["覆盖率", "单位成本"], directions={"单位成本": "反向"}), lambda r: r.table()["gap"].max(), "0.5"),
    "dea": (lambda: benchmark.dea(pd.DataFrame({"x1": [2, 2, 6, 3, 6], "x2": [5, 4, 6, 2, 2]}, index=list("ABCDE")),
                                  pd.DataFrame({"y": [1, 2, 3, 1, 2]}, index=list("ABCDE"))),
            lambda r: r.efficiency.mean(), "0.8095"),
    "malmquist": (lambda: benchmark.malmquist(pd.DataFrame({
        "unit": list("ABCDE") * 2, "period": [1] * 5 + [2] * 5, "x": [2, 4, 3, 5, 6, 2, 4, 3, 5, 5],
        "y": [1, 2, 3, 4, 5, 1, 3, 4, 3, 5]}), inputs=["x"], outputs=["y"]), lambda r: r.means["m"].iloc[-1], "1.125"),
    "satisfaction": (lambda: survey.satisfaction(pd.DataFrame({"服务态度": [5, 4, 4, 3, 5, 2, 4, None],
                                                               "办事效率": [4, 4, 3, 3, 5, 1, 5, 4]}),
                                                 items=["服务态度", "办事效率"]), lambda r: r.overall.rate, "0.6667"),
    "cronbach_alpha": (lambda: survey.cronbach_alpha(pd.DataFrame({"q1": [4, 5, 3, 4, 2, 5], "q2": [4, 4, 3, 5, 2, 4],
                                                                   "q3": [3, 5, 2, 4, 3, 5]})), lambda r: r.alpha, "0.8754"),
    "ahp": (lambda: weights.ahp(pd.DataFrame([[1, 7, "1/5"], ["1/7", 1, "1/8"], [5, 8, 1]], index=AHP_LABELS,
                                             columns=AHP_LABELS)), lambda r: r.lambda_max, "3.247"),
    "entropy_weights": (lambda: weights.entropy_weights(pd.DataFrame(
        {"产出": [80.0, 95.0, 60.0, 75.0], "成本": [30.0, 42.0, 25.0, 28.0]}, index=["甲", "乙", "丙", "丁"]),
        directions={"成本": "反向"}), lambda r: r.weights.max(), "0.5414"),
    "topsis": (lambda: weights.topsis(pd.DataFrame({"产出": [80.0, 95.0, 60.0], "成本": [30.0, 42.0, 25.0]},
                                                   index=["甲", "乙", "丙"]),
                                      weights={"产出": 0.6, "成本": 0.4}, directions={"成本": "反向"}),
               lambda r: r.table()["closeness"].max(), "0.62"),
}


def result_functions() -> dict[str, type]:
    """Every public function of the method modules that returns a dataclass → that class."""
    out = {}
    for module in METHODS:
        for name in module.__all__:
            fn = getattr(module, name)
            if inspect.isfunction(fn):
                returned = typing.get_type_hints(fn).get("return")
                if inspect.isclass(returned) and dataclasses.is_dataclass(returned):
                    out[name] = returned
    return out


def exported_dataclasses() -> set[type]:
    return {obj for module in METHODS for obj in (getattr(module, n) for n in module.__all__)
            if inspect.isclass(obj) and dataclasses.is_dataclass(obj)}


# ----------------------------------------------------------------------------------------------
# The protocol


def test_the_calls_cover_every_result_function_and_every_result_class():
    assert {m.__name__.split(".")[-1] for m in METHODS} == PARTS["methods"]
    functions = result_functions()
    assert set(CALLS) == set(functions), "a public function returning a result has no call here (or the reverse)"
    results = set(functions.values())
    assert exported_dataclasses() - NOT_RESULTS == results, "an exported result class no public function returns"
    assert {type(call()) for call, _, _ in CALLS.values()} == results
    lacking = sorted(c.__name__ for c in results if not issubclass(c, Result) or c.__dataclass_params__.repr)
    assert lacking == [], "result classes without the protocol (inherit _result.Result, declare repr=False)"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_result_keeps_the_protocol(name):
    call, headline, shown = CALLS[name]
    res = call()
    assert isinstance(res, result_functions()[name])
    assert dataclasses.is_dataclass(res) and type(res).__dataclass_params__.frozen
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.notes = ()
    figure = float(headline(res))
    assert math.isclose(figure, float(shown), rel_tol=5e-4, abs_tol=1e-9), (figure, shown)
    t = res.table()
    assert isinstance(t, pd.DataFrame) and len(t) and len(t.columns)
    assert isinstance(res.notes, tuple) and all(isinstance(n, str) for n in res.notes)
    html = res._repr_html_()
    assert isinstance(html, str) and shown in html.replace(",", ""), html[:500]
    text = repr(res)
    assert "\n" not in text and len(text) < 200 and text.startswith(type(res).__name__ + "("), text
    assert shown in text, text


def test_no_result_carries_a_sentence():
    with_sentence = []
    for name, (call, _, _) in sorted(CALLS.items()):
        res = call()
        frames = [v for v in vars(res).values() if isinstance(v, pd.DataFrame)]
        if hasattr(res, "sentence") or any("sentence" in f.columns for f in frames):
            with_sentence.append(name)
    assert with_sentence == [], "the report writes sentences (evalkit.report.sentences)"


def test_a_result_with_a_long_table_shows_its_first_rows_and_says_how_many():
    res = compare.plan_vs_actual(pd.DataFrame({"name": [f"指标{i}" for i in range(45)], "target": [100.0] * 45,
                                               "actual": [90.0 + i for i in range(45)]}))
    html = res._repr_html_()
    assert "指标19" in html and "指标20" not in html and "共 45 行" in html
    assert repr(res) == "PlanActualResult(indicators=45, met=35, shortfalls=10, overachieved=5, skipped=0)"


# ----------------------------------------------------------------------------------------------
# Case, Scorecard, Report and Block


@pytest.fixture(scope="module")
def water():
    return Report.from_case(ek.example_case("demo-water"))


def test_case_repr_is_one_line_of_its_id_project_and_size(water):
    assert repr(water.case) == ("Case(id='demo-water', project='2023年农村饮水安全巩固提升工程', form='folder', "
                                "indicators=22, evidence=7)")


def test_scorecard_repr_names_total_grade_size_and_scheme(water):
    card = water.card
    text = repr(card)
    assert text == f"Scorecard(total={card.total:g}, grade='{card.grade}', indicators={len(card.indicators)}, " \
                   f"scheme='{card.scheme.name}')"
    assert text == "Scorecard(total=86.64, grade='良', indicators=22, scheme='mof-2020-key')"


def test_report_and_block_reprs(water):
    assert repr(water) == "Report(case='demo-water', total=86.64, grade='良')"
    cover = water.cover()
    assert repr(cover) == f"Block(cover: {len(cover.nodes)} node)"
    assert repr(Block([document.Para.of("x"), document.Para.of("y")])) == "Block(2 nodes)"
    assert "\n" not in repr(water.comparison()) and repr(water.comparison()).startswith("Block(comparison: ")


def test_scorecard_html_shows_total_grade_and_each_level_rate_as_a_percent(water):
    card = water.card
    html = card._repr_html_()
    assert f"{card.total:.2f}" in html and card.grade in html
    for header in ("一级指标", "分值", "得分", "得分率"):
        assert f"<th>{header}</th>" in html
    for level in card.levels.itertuples():
        percent = f"{level.score / level.weight * 100:.2f}%"          # 得分率 from the points, independently
        row = re.search(rf"<td>{level.level1}</td>(.*?)</tr>", html, re.S)
        assert row and percent in row.group(1), (level.level1, percent)
    assert "C13" not in html.split("<ul>")[0]                           # levels, not the indicator table


# ----------------------------------------------------------------------------------------------
# Sentences are written from numbers


def _copied(tmp_path, case_id: str) -> Path:
    folder = tmp_path / case_id
    shutil.copytree(Path(ek.example_case(case_id)), folder)
    return folder


def _set_peer_value(folder: Path, unit: str, measure: str, value: float) -> None:
    path = folder / "peers.csv"
    peers = pd.read_csv(path, dtype=str, keep_default_na=False)
    hit = (peers["unit"] == unit) & (peers["measure"] == measure)
    assert hit.sum() >= 1
    latest = peers.loc[hit, "period"].max()
    peers.loc[hit & (peers["period"] == latest), "value"] = str(value)
    peers.to_csv(path, index=False)


def _peer_sentence(folder: Path) -> str:
    case = ek.load_case(folder)
    comps = analyses.comparisons(case, analyses.scorecard(case))
    html = Report(case).comparison()._repr_html_()
    para = re.search(r"<p>(\d+年与同类单位比较：.*?)</p>", html)
    assert para, "no peer paragraph"
    return para.group(1), comps


def test_the_peer_sentence_is_written_from_the_peer_numbers(tmp_path):
    folder = _copied(tmp_path, "demo-water")
    case = ek.load_case(folder)
    peers = case.table("peers")
    me = peers.loc[peers["self"] == "是", "unit"].iloc[0]
    measure = "人均饮水工程投资"
    before, comps = _peer_sentence(folder)
    # with the history of the same year: its change joins the rank, and the year is said once
    assert before.startswith("2023年与同类单位比较：农村自来水普及率为 93.5%，较上年提高 3.9 个百分点，在 12 个单位中排第 4 位")
    assert "2023年农村自来水普及率" not in before
    r = next(r for r in comps.peers if r.measure == measure)
    n = len(r.table())
    assert f"{measure}为 65.9元/人，在 {n} 个单位中排第 {int(r.self_row['rank'])} 位" in before
    best = float(r.table()["value"].max())
    _set_peer_value(folder, me, measure, best + 10)               # now the highest of all
    after, comps = _peer_sentence(folder)
    r = next(r for r in comps.peers if r.measure == measure)
    z = float(r.self_row["z"])
    # an input is ranked as a cost, lowest first, as DEA treats it: the highest spending ranks last
    assert (f"{measure}为 {best + 10:g}元/人，在 {n} 个单位中排第 {n} 位（投入指标，按越低越好排序），"
            f"高于平均值 {z:.1f} 个标准差。") in after
    assert after != before


def test_a_peer_sentence_joins_the_history_only_when_it_speaks_of_the_same_value(tmp_path):
    folder = _copied(tmp_path, "demo-water")
    case = ek.load_case(folder)
    me = case.table("peers").loc[case.table("peers")["self"] == "是", "unit"].iloc[0]
    _set_peer_value(folder, me, "农村自来水普及率", 96.0)             # the peers' figure now differs from the history
    after, comps = _peer_sentence(folder)
    r = next(r for r in comps.peers if r.measure == "农村自来水普及率")
    assert f"农村自来水普及率为 96%，在 12 个单位中排第 {int(r.self_row['rank'])} 位" in after
    assert "93.5%" not in after and "较上年提高 3.9 个百分点，在" not in after


def test_the_trend_sentence_is_written_from_the_trend_numbers():
    h = pd.DataFrame({"period": [2021, 2022, 2023], "v": [80.0, 90.0, 90.0]})
    assert sentences.trend(compare.trend(h, measure="v", unit="%")) == "2023年v为 90%，与上年持平，优于历史平均水平（85%）。"
    h["v"] = [80.0, 90.0, 81.5]
    assert sentences.trend(compare.trend(h, measure="v", unit="%")) == \
        "2023年v为 81.5%，较上年下降 8.5 个百分点，差于历史平均水平（85%）。"
    text = compare.trend(pd.DataFrame({"period": ["2022年", "2023年"], "v": [4.0, 5.0]}), measure="v", unit="件")
    assert sentences.trend(text) == "2023年v为 5件，较上年增加 25.0%，优于历史平均水平（4件）。"     # not 2023年年


def test_the_did_sentence_is_written_from_the_estimate():
    res = compare.diff_in_diff(_did_panel().rename(columns={"y": "收入"}), outcome="收入", treated="treated", post="post")
    said = sentences.did(res, "元")
    assert said.startswith(f"双重差分估计显示，政策使收入平均增加 1.25元（95% 置信区间 {ek._fmt.value(res.ci_low)}～")
    low = dataclasses.replace(res, estimate=-3.5, p_value=0.2)
    assert "平均减少 3.5元" in sentences.did(low, "元") and "在 5% 水平上不显著" in sentences.did(low, "元")
    assert "趋势" not in said and any("未检验平行趋势假设" in n for n in res.notes)


def test_the_survey_group_sentence_is_written_from_the_counts():
    data = pd.DataFrame({"q": [5, 4, 2, 1, 5, 4, 4, 1] * 10, "区域": ["城镇"] * 40 + ["农村"] * 40})
    res = survey.satisfaction(data, items=["q"], groups=["区域"])
    counts = res.test_counts[res.test_counts["item"] == "总体"].set_index("level")
    rates = {lv: f"{100 * r.satisfied / r.n:.1f}".rstrip("0").rstrip(".") for lv, r in counts.iterrows()}
    said = sentences.survey_group_test(res, "区域")
    assert said.startswith(f"按区域分组，总体满意率差异不显著（城镇 {rates['城镇']}%、农村 {rates['农村']}%；χ² = ")
    more = res.test_counts.assign(satisfied=res.test_counts["n"])       # everyone satisfied: nothing to test
    assert "在各组均为 100%（城镇 100%、农村 100%），无需检验" in sentences.survey_group_test(
        dataclasses.replace(res, test_counts=more), "区域")


def test_the_plan_sentence_is_written_from_the_table():
    res = compare.plan_vs_actual(pd.DataFrame({"name": ["a", "b", "c", "d"], "target": [100.0, 100, 100, None],
                                               "actual": [90.0, 140, 100, 5], "deviation": ["", "", "", ""]}))
    assert sentences.plan(res) == ("设定量目标的指标 3 项，完成 2 项，未完成 1 项。另有 1 项指标未同时填写目标值和实际值，不参与比较。"
                                   "1 项指标实际值达到目标值的 130% 以上，需说明偏差原因，其中 1 项尚未说明。")


def test_the_group_test_sentence_is_written_from_the_numbers():
    r = compare.group_test([3.1, 2.9, 3.4, 3.8, 3.3, 3.6], [2.5, 2.7, 2.2, 2.9, 2.4, 2.8], kind="welch",
                           labels=("甲组", "乙组"))
    said = sentences.group_test(r)
    assert said.startswith(f"甲组均值 {r.summary['mean'].iloc[0]:.3g}、乙组均值 {r.summary['mean'].iloc[1]:.3g}，"
                           f"差值 {r.estimate:.3g}")
    assert f"Welch t 检验 t = {r.statistic:.2f}，p = {r.p_value:.3f}" in said and "（大）" in said
    chi = compare.group_test(["是"] * 30 + ["否"] * 10, ["是"] * 15 + ["否"] * 25)
    assert sentences.group_test(chi).startswith(f"“否”比例差 {chi.estimate:.1%}")
    assert f"自由度 {int(chi.dof)}）" in sentences.group_test(chi)


def test_the_ahp_sentence_says_the_consistency_from_the_ratio():
    m = pd.DataFrame([[1, 7, "1/5"], ["1/7", 1, "1/8"], [5, 8, 1]], index=AHP_LABELS, columns=AHP_LABELS)
    res = weights.ahp(m)
    said = sentences.ahp("项目", res)
    assert said.startswith(f"“项目”下各指标：1 位专家的判断矩阵合并后 λmax = {res.lambda_max:.4f}，CR = {res.cr:.4f}，"
                           f"未通过一致性检验（随机一致性指标 RI = {res.ri:.2f}，取Saaty 的平均随机一致性指标表）")
    assert "cn" not in said                            # the table by its name, not its id
    assert "，通过一致性检验（" in sentences.ahp("项目", dataclasses.replace(res, consistent=True))
    assert "，无需检验（" in sentences.ahp("项目", dataclasses.replace(res, consistent=None, cr=None))


# ----------------------------------------------------------------------------------------------
# Nothing in the report reads a method's text back


SPLITTING = {"split", "rsplit", "partition", "rpartition", "splitlines"}


def text_splits(source: str) -> list[int]:
    """Lines where ``source`` splits text: ``x.split(…)`` and its kin on anything but the ``re`` module
    (``re.split`` takes a pattern, and the report uses it on the case's own text)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SPLITTING
                and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "re")):
            lines.append(node.lineno)
    return lines


def test_no_report_module_splits_text():
    # the check sees a split wherever it is written, and leaves re.split (a pattern over case text) alone
    assert text_splits('s = r.sentence()\nrank = s.split("，", 1)[1]\n') == [2]
    assert text_splits('x = t.sentence().rstrip("。").split("，优于")[0]\n') == [1]
    assert text_splits('head, _, tail = note.partition("：")\n') == [1]
    assert text_splits('codes = re.split(r"[、，]", text)\n') == []
    found = {path.name: text_splits(path.read_text(encoding="utf-8")) for path in sorted(REPORT.glob("*.py"))}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_no_report_module_asks_a_result_for_a_sentence():
    for path in sorted(REPORT.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        asked = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "sentence"]
        assert asked == [], (path.name, asked)
