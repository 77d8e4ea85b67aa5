"""The report's 标杆分析 section and 问卷调查分析 annex, from case tables, without a kernel."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

import evalkit as ek

from .conftest import ROOT
from .test_case_scorecard import case_with as survey_case
from .test_case_scorecard import questions_rows, satisfaction_indicators, survey_rows
from .test_compare_case import case_with


def plain(text):
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def peers_rows():
    data = {"甲县": (60, 92, 90), "乙县": (50, 95, 93), "丙县": (80, 90, 88), "丁县": (45, 85, 91),
            "戊县": (70, 97, 95)}
    rows = []
    for unit, (spend, cover, quality) in data.items():
        for measure, v, role in (("人均投资", spend, "投入"), ("普及率", cover, "产出"), ("水质合格率", quality, "产出")):
            rows.append({"unit": unit, "measure": measure, "value": v, "period": 2023, "role": role,
                         "self": "是" if unit == "甲县" else "否"})
    return rows


def test_benchmarking_section_matches_the_methods(tmp_path):
    rep = ek.Report.from_case(case_with(tmp_path, peers=peers_rows()))
    text = plain(rep.benchmarking()._repr_html_())
    wide = pd.DataFrame([(r["unit"], r["measure"], r["value"]) for r in peers_rows()],
                        columns=["unit", "measure", "value"]).pivot(index="unit", columns="measure", values="value")
    d = ek.dea(wide[["人均投资"]], wide[["普及率", "水质合格率"]], super_efficiency=True)
    assert f"甲县的综合效率为 {d.efficiency['甲县']:.3f}" in text
    # the gap to the best 普及率 (戊县 97): (97 − 92) / 97
    assert f"{(97 - 92) / 97:.1%}" in text
    # an input is a cost among peers, as DEA treats it: lower is better in TOPSIS too
    directions = {"人均投资": "反向", "普及率": "正向", "水质合格率": "正向"}
    t = ek.topsis(wide, weights=ek.entropy_weights(wide, directions=directions).weights, directions=directions)
    mine = t.table().set_index("unit").loc["甲县"]
    assert f"甲县的贴近度为 {mine['closeness']:.3f}，在 5 个单位中排第 {int(mine['rank'])} 位" in text
    assert rep.results()["benchmark"]["dea_efficiency"] == pytest.approx(d.efficiency["甲县"])


def test_benchmarking_without_roles_says_why_no_dea(tmp_path):
    rows = [dict(r, role="其他") for r in peers_rows()]
    text = plain(ek.Report.from_case(case_with(tmp_path, peers=rows)).benchmarking()._repr_html_())
    assert "数据包络分析" not in text and "TOPSIS" in text         # a method not applied is not mentioned


def test_survey_annex_reports_sample_reliability_and_groups(tmp_path):
    rows = survey_rows()
    rep = ek.Report.from_case(survey_case(tmp_path, survey=rows, questions=questions_rows(),
                                          indicators=satisfaction_indicators(),
                                          parameters={"survey_approached": 150, "survey_population": 5000}))
    text = plain(rep.survey_annex()._repr_html_())
    answers = pd.DataFrame(rows)[["Q1", "Q2"]].astype(float)
    alpha = ek.cronbach_alpha(answers)
    assert f"Cronbach's α 系数为 {alpha.alpha:.3f}" in text
    assert "回收有效问卷 120 份（发放 150 份，有效回收率 80.00%）" in text
    assert "按街道分组的总体满意度" in text and "东街" in text
    assert "个百分点" in text and "nan" not in text


def test_survey_annex_uses_the_survey_the_case_states(tmp_path):
    """demo-water gives its survey as totals (600 questionnaires, 574 valid) and the 满意度 actual: the annex
    reports those, and does not say there was no survey."""
    rep = ek.Report.from_case(ROOT / "cases" / "demo-water")
    text = plain(rep.survey_annex()._repr_html_())
    assert "发放问卷 600 份，回收有效问卷 574 份，有效回收率 95.67%" in text
    assert "受益群众满意度（D31）≥90%86.40%" in text.replace(" ", "")
    assert "未提供" not in text


def test_survey_annex_left_out_without_a_survey(tmp_path):
    rep = ek.Report.from_case(case_with(tmp_path, peers=peers_rows()))
    assert rep.survey_annex().nodes == ()
    assert "问卷调查分析" not in rep.document().text
