"""A case's scorecard (report.analyses.scorecard): 满意度 from the survey, weights from experts' AHP judgements."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

import evalkit as ek

from .helpers import base_indicators, base_meta, only, write_case, write_csv

QUESTIONS = ["column", "text", "kind", "scale", "satisfied", "indicator"]
JUDGEMENTS = ["expert", "parent", "a", "b", "value"]


def case_with(tmp_path, *, survey=None, questions=None, judgements=None, parameters=None, indicators=None):
    meta = base_meta()
    if parameters:
        meta["evaluation"]["parameters"] = parameters
    folder = write_case(tmp_path, meta=meta, **({"indicators": indicators} if indicators is not None else {}))
    data = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    if survey is not None:
        cols = list(survey[0])
        write_csv(folder / "survey.csv", survey, cols)
        data["tables"]["survey"] = "survey.csv"
    if questions is not None:
        write_csv(folder / "questions.csv", questions, QUESTIONS)
        data["tables"]["questions"] = "questions.csv"
    if judgements is not None:
        write_csv(folder / "judgements.csv", judgements, JUDGEMENTS)
        data["tables"]["judgements"] = "judgements.csv"
    (folder / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def survey_rows():
    rng = np.random.default_rng(5)
    rows = []
    for i in range(120):
        rows.append({"respondent": f"R{i:03d}", "街道": "东街" if i % 2 else "西街",
                     "Q1": int(rng.choice([2, 3, 4, 5], p=[.1, .2, .4, .3])),
                     "Q2": int(rng.choice([1, 3, 4, 5], p=[.1, .2, .4, .3])) if i % 17 else None})
    return rows


def questions_rows(indicator="D11"):
    return [{"column": "Q1", "text": "绿地整洁", "kind": "量表", "scale": 5, "satisfied": "4、5", "indicator": indicator},
            {"column": "Q2", "text": "设施完好", "kind": "量表", "scale": 5, "satisfied": "4、5", "indicator": indicator},
            {"column": "街道", "kind": "分组"}]


def satisfaction_indicators():
    ind = base_indicators()
    d11 = next(r for r in ind if r["code"] == "D11")
    d11.update({"type": "满意度", "direction": None, "target": 90, "actual": None, "unit": "%"})
    return ind


def test_survey_feeds_an_empty_satisfaction_indicator(tmp_path):
    rows = survey_rows()
    case = ek.load_case(case_with(tmp_path, survey=rows, questions=questions_rows(), indicators=satisfaction_indicators()))
    card = ek.scorecard(case)
    answers = [r[q] for r in rows for q in ("Q1", "Q2") if r[q] is not None]
    rate = 100 * sum(a >= 4 for a in answers) / len(answers)
    d11 = card.indicators.set_index("code").loc["D11"]
    assert d11["actual"] == pytest.approx(rate)
    w = d11["weight"]
    assert d11["score"] == pytest.approx(round(w * min(1, rate / 90) + 1e-9, 2))
    assert any("由问卷计算" in n for n in card.notes)


def test_survey_index_measure_is_a_scheme_rule(tmp_path):
    rows = survey_rows()
    folder = case_with(tmp_path, survey=rows, questions=questions_rows(), indicators=satisfaction_indicators())
    data = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    data["evaluation"]["scoring"] = {"survey_measure": "index", "satisfaction_levels": [0, 25, 50, 75, 100]}
    (folder / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    card = ek.scorecard(ek.load_case(folder))
    answers = [r[q] for r in rows for q in ("Q1", "Q2") if r[q] is not None]
    index = float(np.mean([(a - 1) * 25 for a in answers]))
    assert card.indicators.set_index("code").loc["D11", "actual"] == pytest.approx(index)


def test_survey_problems_name_row_and_column(tmp_path):
    rows = survey_rows()
    rows[3]["Q1"] = 7
    rows[4]["Q2"] = "很好"
    qs = questions_rows() + [{"column": "Q9", "kind": "量表", "scale": 5, "indicator": "A11"}]
    issues = ek.validate_case(case_with(tmp_path, survey=rows, questions=qs, indicators=satisfaction_indicators()))
    bad = only(issues, "实际为「7」")
    assert (bad.file, bad.row, bad.column) == ("survey.csv", 5, "Q1")
    assert only(issues, "实际为「很好」").row == 6
    assert only(issues, "没有列「Q9」").file == "questions.csv"
    assert only(issues, "问卷只能对应满意度指标").row == 5


def judgement_rows(experts=(("甲", [3, "1/2", "1/3", "1/5", "1/4", 2]), ("乙", [2, "1/3", "1/3", "1/4", "1/4", 1]))):
    # upper triangle of 决策, 过程, 产出, 效益
    pairs = [("决策", "过程"), ("决策", "产出"), ("决策", "效益"), ("过程", "产出"), ("过程", "效益"), ("产出", "效益")]
    return [{"expert": e, "parent": "一级指标", "a": a, "b": b, "value": v}
            for e, values in experts for (a, b), v in zip(pairs, values)]


def test_ahp_weights_replace_the_table_weights(tmp_path):
    folder = case_with(tmp_path, judgements=judgement_rows(), parameters={"weighting": "ahp"})
    case = ek.load_case(folder)
    card = ek.scorecard(case)
    # independent: geometric mean of the two experts, principal eigenvector
    names = ["决策", "过程", "产出", "效益"]
    mats = []
    for _, values in (("甲", [3, 1 / 2, 1 / 3, 1 / 5, 1 / 4, 2]), ("乙", [2, 1 / 3, 1 / 3, 1 / 4, 1 / 4, 1])):
        m = np.ones((4, 4))
        k = 0
        for i in range(4):
            for j in range(i + 1, 4):
                m[i, j], m[j, i] = values[k], 1 / values[k]
                k += 1
        mats.append(m)
    g = np.sqrt(mats[0] * mats[1])
    vals, vecs = np.linalg.eig(g)
    w = np.abs(vecs[:, np.argmax(vals.real)].real)
    w = w / w.sum()
    got = card.levels.set_index("level1")["weight"]
    assert sum(got) == pytest.approx(100)
    for name, share in zip(names, w):
        assert got[name] == pytest.approx(100 * share, abs=0.02)     # leaves are rounded to 0.01
    a11 = card.indicators.set_index("code").loc["A11"]                   # 定性 18 of 20 keeps its 90 %
    assert a11["score"] == pytest.approx(0.9 * a11["weight"], abs=0.006)
    html = ek.Report(case).evaluation_work()._repr_html_()
    assert "层次分析法" in html and "CR =" in html and "通过一致性检验" in html


def test_judgement_problems_are_named(tmp_path):
    rows = judgement_rows()
    rows[0]["value"] = "10"
    rows[1]["b"] = "成本"
    rows = rows[:-1]                                   # 乙 lacks 产出/效益
    issues = ek.validate_case(case_with(tmp_path, judgements=rows, parameters={"weighting": "ahp"}))
    assert only(issues, "标度应为 1～9").row == 2
    assert only(issues, "「成本」不是「一级指标」的下级指标").column == "b"
    assert only(issues, "专家「乙」对「一级指标」的判断不完整").file == "judgements.csv"


def test_ahp_weighting_needs_judgements(tmp_path):
    issues = ek.validate_case(case_with(tmp_path, parameters={"weighting": "ahp"}))
    assert only(issues, "没有专家判断表")
