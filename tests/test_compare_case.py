"""The 历史数据 / 标杆对比 / 因素分析 tables in a case and the report's comparison and cause sections."""

from __future__ import annotations

import re

import pytest
import yaml

import evalkit as ek

from .helpers import base_meta, only, write_case, write_csv

HIST = ["period", "measure", "value", "unit", "direction"]
PEERS = ["unit", "measure", "value", "period", "measure_unit", "role", "direction", "self", "group"]
DRIVERS = ["factor", "subject", "base", "current", "form", "side", "effect", "evidence", "indicators"]


def case_with(tmp_path, *, history=None, peers=None, drivers=None, parameters=None):
    meta = base_meta()
    if parameters:
        meta["evaluation"]["parameters"] = parameters
    folder = write_case(tmp_path, meta=meta)
    data = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    for name, rows, cols in (("history", history, HIST), ("peers", peers, PEERS), ("drivers", drivers, DRIVERS)):
        if rows is not None:
            write_csv(folder / f"{name}.csv", rows, cols)
            data["tables"][name] = f"{name}.csv"
    (folder / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def plain(html):
    return re.sub(r"<[^>]+>", "", html)


def hist_rows():
    return [{"period": y, "measure": "普及率", "value": v, "unit": "%"}
            for y, v in ((2021, 85.0), (2022, 88.4), (2023, 92.3))]


def peer_rows():
    vals = {"甲县": 92.3, "乙县": 95.0, "丙县": 90.1, "丁县": 93.0}
    return [{"unit": u, "measure": "普及率", "value": v, "period": 2023, "measure_unit": "%",
             "self": "是" if u == "甲县" else "否"} for u, v in vals.items()]


def test_history_and_peer_problems_are_named(tmp_path):
    hist = hist_rows() + [{"period": 2023, "measure": "普及率", "value": 1, "unit": "%"},
                          {"period": 2022, "measure": "投诉", "value": 3, "unit": "件"},
                          {"period": 2023, "measure": "投诉", "value": 4, "unit": "次"}]
    peers = peer_rows() + [{"unit": "乙县", "measure": "普及率", "value": 1, "period": 2023, "self": "是"}]
    issues = ek.validate_case(case_with(tmp_path, history=hist, peers=peers))
    assert only(issues, "在 2023 年重复").row == 5
    assert only(issues, "单位不一致").file == "history.csv"
    assert only(issues, "「乙县」的「普及率」重复").row == 6
    assert only(issues, "本项目的单位不止一个").column == "self"


def test_driver_problems_are_named(tmp_path):
    drivers = [{"factor": "长度", "subject": "投资", "base": 126, "current": 118.4},
               {"factor": "单价", "subject": "投资", "base": 6.5},
               {"factor": "人手不足", "side": "内部", "indicators": "B21、Z99"},
               {"factor": "价格", "subject": "收入", "base": 1, "current": -2}]
    issues = ek.validate_case(case_with(tmp_path, drivers=drivers))
    assert only(issues, "缺报告期值").row == 3
    assert only(issues, "影响（促进/制约）").row == 4
    assert only(issues, "没有编码为「Z99」").column == "indicators"
    assert only(issues, "必须大于 0").row == 5
    assert only(issues, "「收入」只有一个因素").file == "drivers.csv"


def test_comparison_section_joins_trend_and_rank_in_one_sentence(tmp_path):
    rep = ek.Report.from_case(case_with(tmp_path, history=hist_rows(), peers=peer_rows()))
    text = plain(rep.comparison()._repr_html_())
    # 92.3 − 88.4 = 3.9 points; 甲县 ranks 3rd of 4 (95.0, 93.0 ahead); the year is said once
    assert "2023年与同类单位比较：普及率为 92.3%，较上年提高 3.9 个百分点，在 4 个单位中排第 3 位" in text
    assert "优于历史平均水平（86.7%）" in text                     # (85 + 88.4) / 2
    assert "双重差分" not in text                       # no policy year: the estimate is not made, nor mentioned
    res = rep.results()["compare"]
    assert res["peer_ranks"] == {"普及率": 3} and res["trend_change"]["普及率"] == pytest.approx(3.9)


def test_comparison_section_lists_only_the_comparisons_made(tmp_path):
    text = plain(ek.Report.from_case(case_with(tmp_path)).comparison()._repr_html_())
    assert "与计划标准比较" in text
    assert "历史" not in text and "同类单位" not in text and "案例" not in text


def test_did_runs_from_a_grouped_panel_and_the_policy_year(tmp_path):
    rows = []
    for i, unit in enumerate("ABCDEFGH"):
        for year in range(2019, 2024):
            treated = i < 4
            v = 100 + 5 * (year - 2019) + i + (20 if treated and year >= 2021 else 0)
            rows.append({"unit": unit, "measure": "收入", "value": v, "period": year, "measure_unit": "元",
                         "group": "处理组" if treated else "对照组"})
    rep = ek.Report.from_case(case_with(tmp_path, peers=rows, parameters={"policy_year": 2021}))
    text = plain(rep.comparison()._repr_html_())
    assert "政策使收入平均增加 20元" in text
    assert rep.results()["compare"]["did"]["收入"]["estimate"] == 20.000000000000004 or \
        abs(rep.results()["compare"]["did"]["收入"]["estimate"] - 20) < 1e-9


def test_cause_section_ties_factors_to_lost_points_and_decomposes(tmp_path):
    drivers = [{"factor": "长度", "subject": "管网投资", "base": 126, "current": 118.4},
               {"factor": "单位成本", "subject": "管网投资", "base": 6.5, "current": 6.89},
               {"factor": "人手不足", "side": "内部", "effect": "制约", "evidence": "仅2人", "indicators": "B21"}]
    rep = ek.Report.from_case(case_with(tmp_path, drivers=drivers))
    text = plain(rep.lessons_and_problems()._repr_html_())
    assert "共 1 项：内部因素 1 项、外部因素 0 项" in text
    lost = rep.card.indicators
    untied = [c for c, w, s in zip(lost["code"], lost["weight"], lost["score"]) if s < w and c != "B21"]
    assert all(c in text.split("尚未登记制约因素")[0] for c in untied)
    # 126 × 6.5 = 819 → 118.4 × 6.89 = 815.776; in the row order: 长度 −7.6 × 6.5 = −49.4, 成本 0.39 × 118.4 = +46.176
    assert "按 长度 → 单位成本 的顺序连环替代：长度-49.4，单位成本+46.18" in text
    assert "管网投资由计划 819 变为实际 815.78，差额 -3.22" in text
    assert rep.results()["factors"]["管网投资"]["shapley"]["长度"] == pytest.approx(-7.6 * (6.5 + 6.89) / 2)
