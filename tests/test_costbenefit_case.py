"""The 成本效益 / 风险分布 / 备选方案 tables in a case, and the report's method sections."""

from __future__ import annotations

import re

import numpy as np
import pytest

import evalkit as ek
from evalkit.report import document

from .helpers import base_meta, find, only, write_case, write_csv

CF_COLUMNS = ["year", "item", "kind", "amount", "analysis"]


def flows_rows(years=range(2023, 2028)):
    rows = []
    for i, y in enumerate(years):
        rows.append({"year": y, "item": "建设投资", "kind": "投资", "amount": 1_000_000 if i == 0 else 0})
        rows.append({"year": y, "item": "运行维护费", "kind": "成本", "amount": 0 if i == 0 else 20_000})
        rows.append({"year": y, "item": "水费收入", "kind": "效益", "amount": 0 if i == 0 else 180_000})
        rows.append({"year": y, "item": "健康收益", "kind": "效益", "amount": 0 if i == 0 else 150_000,
                     "analysis": "经济"})
    return rows


def cb_case(tmp_path, *, rows=None, dists=None, alts=None, parameters=None):
    meta = base_meta()
    if parameters is not None:
        meta["evaluation"]["parameters"] = parameters
    folder = write_case(tmp_path, meta=meta)
    tables = {"indicators": "indicators.csv", "deductions": "deductions.csv", "budget": "budget.csv"}
    if rows is not None:
        write_csv(folder / "cashflows.csv", rows, CF_COLUMNS)
        tables["cashflows"] = "cashflows.csv"
    if dists is not None:
        write_csv(folder / "distributions.csv", dists, ["item", "distribution", "low", "mode", "high", "mean", "sd"])
        tables["distributions"] = "distributions.csv"
    if alts is not None:
        write_csv(folder / "alternatives.csv", alts, ["name", "cost", "effect", "unit", "chosen"])
        tables["alternatives"] = "alternatives.csv"
    import yaml

    data = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    data["tables"] = tables
    (folder / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


# --- validation ---------------------------------------------------------------------------------------

def test_cashflows_problems_name_row_and_column(tmp_path):
    rows = flows_rows()
    rows[1]["amount"] = -5                       # row 3 of the CSV
    rows[2]["kind"] = "收入款"                    # row 4
    rows[6]["kind"] = "成本"                      # 水费收入 also a 成本 → inconsistent
    rows[7]["year"] = "二〇二四"                  # row 9
    issues = ek.validate_case(cb_case(tmp_path, rows=rows))
    neg = only(issues, "金额不能为负数")
    assert (neg.file, neg.row, neg.column) == ("cashflows.csv", 3, "amount")
    bad_kind = only(issues, "「收入款」不是有效的类别")
    assert (bad_kind.row, bad_kind.column) == (4, "kind") and "成本/投资/效益" in bad_kind.message
    assert only(issues, "类别不一致").column == "kind"
    assert only(issues, "必须为数字").row == 9


def test_cashflows_with_a_missing_year_is_reported(tmp_path):
    rows = [r for r in flows_rows() if r["year"] != 2025]
    assert only(ek.validate_case(cb_case(tmp_path, rows=rows)), "缺少 2025").file == "cashflows.csv"


def test_distribution_problems(tmp_path):
    dists = [{"item": "建设投资", "distribution": "三角分布", "low": 1.2, "mode": 1.0, "high": 1.3},
             {"item": "人工费", "distribution": "均匀分布", "low": 0.9, "high": 1.1},
             {"item": "水费收入", "distribution": "正态分布", "mean": 1.0}]
    issues = ek.validate_case(cb_case(tmp_path, rows=flows_rows(), dists=dists))
    assert only(issues, "下限 ≤ 最可能值 ≤ 上限").row == 2
    assert only(issues, "没有项目「人工费」").row == 3
    assert only(issues, "正态分布需要均值和标准差").column == "sd"


def test_alternatives_problems(tmp_path):
    alts = [{"name": "A", "cost": 100, "effect": 0, "unit": "万平方米"},
            {"name": "A", "cost": 80, "effect": 5, "unit": "公顷"}]
    issues = ek.validate_case(cb_case(tmp_path, alts=alts))
    assert only(issues, "效果必须大于 0").row == 2
    assert only(issues, "方案「A」重复").row == 3
    assert only(issues, "效果单位不一致").column == "unit"


@pytest.mark.parametrize("params, fragment", [
    ({"social_discount_rate": 8}, "社会折现率应为 0 到 1 之间"),
    ({"discount": 0.08}, "未知的参数「discount」"),
    ({"long_lived": "maybe"}, "应为 是/否"),
    ({"convention": "mid-year"}, "end-of-year"),
    ({"risk_draws": 10}, "不小于 100"),
])
def test_parameters_are_checked(tmp_path, params, fragment):
    issues = ek.validate_case(cb_case(tmp_path, parameters=params))
    assert find(issues, fragment), issues


def test_parameters_accept_percent_text(tmp_path):
    case = ek.load_case(cb_case(tmp_path, parameters={"social_discount_rate": "6%", "long_lived": "是"}))
    assert case.evaluation["parameters"] == {"social_discount_rate": 0.06, "long_lived": True}


# --- the report sections --------------------------------------------------------------------------

def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_cost_benefit_section_states_rate_convention_figures_and_verdicts(tmp_path):
    case = cb_case(tmp_path, rows=flows_rows(), parameters={"benchmark_rate": 0.06},
                   dists=[{"item": "水费收入", "distribution": "三角分布", "low": 0.8, "mode": 1.0, "high": 1.1}])
    rep = ek.Report.from_case(case)
    text = plain(rep.cost_benefit()._repr_html_())
    d = 1.08 ** -np.arange(1, 6)
    eco = np.array([-1_000_000] + [180_000 + 150_000 - 20_000] * 4)
    fin = np.array([-1_000_000] + [180_000 - 20_000] * 4)
    enpv, fnpv = eco @ d, fin @ (1.06 ** -np.arange(1, 6))
    assert "以 8% 的社会折现率" in text and "年末" in text
    assert f"经济净现值（ENPV）为 {enpv / 1e4:,.2f} 万元" in text
    assert f"财务净现值（FNPV）为 {fnpv / 1e4:,.2f} 万元" in text
    assert ("按经济分析判据，项目可行" in text) is bool(enpv >= 0)
    assert ("按财务分析判据，项目不可行" in text) is bool(fnpv < 0)
    assert "以行业基准收益率 6% 进行财务分析" in text
    assert "临界变化幅度" in text and "蒙特卡洛模拟 10,000 次" in text
    assert "<svg" in rep.cost_benefit()._repr_html_()
    res = rep.results()["cost_benefit"]
    assert res["enpv"] == pytest.approx(enpv) and res["fnpv"] == pytest.approx(fnpv)
    assert res["risk_seed"] == ek.report.analyses.seed(rep.case)


def test_a_method_without_its_evidence_gets_no_section_and_is_not_listed(tmp_path):
    rep = ek.Report.from_case(cb_case(tmp_path))
    assert rep.cost_benefit().nodes == () and rep.least_cost().nodes == ()
    text = rep.document().text
    assert "成本效益分析" not in text and "最低成本" not in text and "备选方案" not in text
    assert "成本效益分析法" not in "、".join(ek.report.sections.applied_methods(rep.case, rep.card))
    assert rep.results()["cost_benefit"] is None and rep.results()["least_cost"] is None


def test_least_cost_section_compares_the_chosen_option_with_the_cheapest(tmp_path):
    alts = [{"name": "整体外包", "cost": 6_000_000, "effect": 300, "unit": "万平方米", "chosen": "是"},
            {"name": "分片招标", "cost": 5_400_000, "effect": 300, "unit": "万平方米"},
            {"name": "自行养护", "cost": 6_600_000, "effect": 280, "unit": "万平方米"}]
    rep = ek.Report.from_case(cb_case(tmp_path, alts=alts))
    text = plain(rep.least_cost()._repr_html_())
    assert "成本最低的方案为“分片招标”" in text
    assert f"比最低成本方案高 {6_000_000 / 5_400_000 - 1:.1%}" in text
    assert "强劣势" in text                            # 自行养护: costs more, maintains less
    assert rep.results()["least_cost"]["chosen"] == "整体外包"


def test_sections_keep_hostile_item_names_inert(tmp_path):
    rows = flows_rows()
    for r in rows:
        if r["item"] == "水费收入":
            r["item"] = "<img src=x onerror=alert(1)>"
    html = ek.Report.from_case(cb_case(tmp_path, rows=rows)).cost_benefit()._repr_html_()
    assert "<img" not in html.replace("<img src=x onerror=alert(1)>", "")  # never raw
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert document.esc("<b>") == "&lt;b&gt;"
