"""Tests of evalkit.case: load_case, validate_case, new_case and the Case they produce.

Cases are built in tmp_path from Python data (tests/helpers.py); the demo cases are only read.
Row numbers count the header as row 1; the base indicator table has rows A11=2, B11=3, B21=4,
C11=5, D11=6.
"""

from __future__ import annotations

import csv
import os

import openpyxl
import pandas as pd
import pytest
import yaml

from evalkit.case import load_case, new_case, validate_case
from evalkit.errors import CaseError, InputError, Issue

from .helpers import (
    CASES,
    DEMO_CASES,
    ZH_HEADERS,
    base_budget,
    base_deductions,
    base_indicators,
    base_meta,
    find,
    folder_to_workbook,
    only,
    write_case,
    write_csv,
    yaml_line,
)


def header(column: str, zh: bool, table: str = "indicators") -> str:
    """The header text a case written with (zh) Chinese or English headers uses for ``column``."""
    return ZH_HEADERS[table][column] if zh else column


both_header_languages = pytest.mark.parametrize("zh", [False, True], ids=["english", "chinese"])


# ----------------------------------------------------------------------------------------------
# Sanity: the helper's base case and the demo cases are valid


def test_validate_case_base_case_has_no_issues(tmp_path):
    folder = write_case(tmp_path)
    assert validate_case(folder) == []
    case = load_case(folder)
    assert case.id == "tiny-case"
    assert case.form == "folder"
    assert list(case.indicators.index) == [2, 3, 4, 5, 6]
    assert list(case.indicators["code"]) == ["A11", "B11", "B21", "C11", "D11"]
    assert case.funding == {"planned": 1000000.0, "allocated": 900000.0, "spent": 855000.0}


@pytest.mark.parametrize("path", DEMO_CASES, ids=lambda p: p.parent.name if p.suffix else p.name)
def test_validate_case_demo_cases_have_no_issues(path):
    assert validate_case(path) == []
    case = load_case(path)
    assert case.form == ("workbook" if path.suffix == ".xlsx" else "folder")
    assert case.id == (path.parent.name if path.suffix == ".xlsx" else path.name)
    assert case.indicators["weight"].sum() == pytest.approx(100)
    assert case.notes == ()


# ----------------------------------------------------------------------------------------------
# Metadata errors


def test_validate_case_missing_required_meta_field(tmp_path):
    meta = base_meta()
    del meta["project"]["department"]
    folder = write_case(tmp_path, meta=meta)
    issues = validate_case(folder)
    assert issues == [Issue("case.yaml", "缺少必填字段「主管部门」（project.department）", None, None,
                            "project.department")]


def test_validate_case_empty_required_meta_field_points_at_its_line(tmp_path):
    meta = base_meta()
    meta["evaluation"]["evaluator"] = "  "
    folder = write_case(tmp_path, meta=meta)
    issue = only(validate_case(folder), "缺少必填字段「评价机构」")
    assert (issue.file, issue.row, issue.column) == ("case.yaml", yaml_line(folder, "evaluator:"),
                                                    "evaluation.evaluator")


@pytest.mark.parametrize("bad_id", ["Demo_Water", "demo_water", "DEMO", "../x", "-demo", "demo-"])
def test_validate_case_bad_id(tmp_path, bad_id):
    meta = base_meta()
    meta["id"] = bad_id
    folder = write_case(tmp_path, meta=meta)
    issue = only(validate_case(folder), f"案例编号「{bad_id}」")
    assert "只能由小写字母、数字和 - 组成" in issue.message
    assert issue.file == "case.yaml"
    assert issue.row == yaml_line(folder, "id:") == 2
    assert issue.column == "id"


def test_validate_case_negative_money(tmp_path):
    meta = base_meta()
    meta["funding"]["planned"] = -5
    folder = write_case(tmp_path, meta=meta, budget=None)
    issues = validate_case(folder)
    issue = only(issues, "金额不能为负数")
    assert "-5" in issue.message
    assert (issue.file, issue.row, issue.column) == ("case.yaml", yaml_line(folder, "planned:"),
                                                    "funding.planned")


def test_validate_case_text_money_is_rejected(tmp_path):
    meta = base_meta()
    meta["funding"]["spent"] = "八十五万"
    folder = write_case(tmp_path, meta=meta, budget=None)
    issue = only(validate_case(folder), "必须为数字，实际为「八十五万」")
    assert issue.message.startswith("金额")
    assert (issue.row, issue.column) == (yaml_line(folder, "spent:"), "funding.spent")


def test_validate_case_yaml_syntax_error_reports_line(tmp_path):
    folder = write_case(tmp_path)
    lines = (folder / "case.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[2].startswith("title:")
    lines[2] = "title: 某县: 报告"          # "mapping values are not allowed here" on line 3
    (folder / "case.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    issues = validate_case(folder)
    assert len(issues) == 1
    assert issues[0].file == "case.yaml"
    assert issues[0].row == 3
    assert issues[0].message.startswith("这一行的冒号（:）位置不对")        # in Chinese, with the way out


def test_validate_case_yaml_syntax_error_later_line(tmp_path):
    folder = write_case(tmp_path)
    text = (folder / "case.yaml").read_text(encoding="utf-8")
    line = yaml_line(folder, "evaluator:")
    text = text.replace("evaluator: 某评价机构", "evaluator: [未闭合的列表")
    (folder / "case.yaml").write_text(text, encoding="utf-8")
    issues = validate_case(folder)
    assert len(issues) == 1 and "YAML 格式错误" in issues[0].message
    assert issues[0].row is not None and issues[0].row >= line


# ----------------------------------------------------------------------------------------------
# Indicator table: cells


@both_header_languages
def test_validate_case_text_in_number_column(tmp_path, zh):
    ind = base_indicators()
    ind[1]["weight"] = "十"
    folder = write_case(tmp_path, indicators=ind, zh=zh)
    issues = validate_case(folder)
    issue = only(issues, "必须为数字，实际为「十」")
    assert (issue.file, issue.sheet, issue.row, issue.column) == ("indicators.csv", None, 3,
                                                                 header("weight", zh))
    # the NaN left behind is not reported a second time as an empty weight
    assert find(issues, "分值不能为空") == []


@both_header_languages
def test_validate_case_unknown_indicator_type(tmp_path, zh):
    ind = base_indicators()
    ind[2]["type"] = "定额"
    folder = write_case(tmp_path, indicators=ind, zh=zh)
    issue = only(validate_case(folder), "「定额」不是有效的指标类型")
    assert "定量/定性/扣分/满意度" in issue.message
    assert (issue.file, issue.row, issue.column) == ("indicators.csv", 4, header("type", zh))


@both_header_languages
def test_validate_case_empty_indicator_type(tmp_path, zh):
    ind = base_indicators()
    ind[0]["type"] = ""
    folder = write_case(tmp_path, indicators=ind, zh=zh)
    issue = only(validate_case(folder), "指标类型不能为空")
    assert (issue.row, issue.column) == (2, header("type", zh))


@both_header_languages
@pytest.mark.parametrize(("column", "fragment"), [
    ("target", "定量指标必须填写指标值"),
    ("unit", "定量指标必须填写计量单位"),
    ("direction", "定量指标必须填写指标方向"),
    ("actual", "定量指标必须填写实际完成值"),
])
def test_validate_case_quantitative_row_missing_field(tmp_path, zh, column, fragment):
    ind = base_indicators()
    ind[3][column] = None                       # C11, row 5
    folder = write_case(tmp_path, indicators=ind, zh=zh)
    issues = validate_case(folder)
    issue = only(issues, fragment)
    assert (issue.file, issue.row, issue.column) == ("indicators.csv", 5, header(column, zh))
    assert len(issues) == 1, issues


def test_validate_case_derived_actual_may_be_empty(tmp_path):
    ind = base_indicators()
    ind[1]["actual"] = None                     # 预算执行率: computed from funding
    folder = write_case(tmp_path, indicators=ind)
    assert validate_case(folder) == []


def test_validate_case_bad_direction(tmp_path):
    ind = base_indicators()
    ind[3]["direction"] = "越大越好"
    folder = write_case(tmp_path, indicators=ind, zh=True)
    issue = only(validate_case(folder), "「越大越好」不是有效的指标方向")
    assert (issue.row, issue.column) == (5, "指标方向")


@both_header_languages
def test_validate_case_qualitative_row_without_grade(tmp_path, zh):
    ind = base_indicators()
    ind[0]["grade"] = None
    folder = write_case(tmp_path, indicators=ind, zh=zh)
    issue = only(validate_case(folder), "定性指标必须填写定性等级")
    assert (issue.file, issue.row, issue.column) == ("indicators.csv", 2, header("grade", zh))


@both_header_languages
def test_validate_case_qualitative_row_without_score(tmp_path, zh):
    ind = base_indicators()
    ind[0]["score"] = None
    folder = write_case(tmp_path, indicators=ind, zh=zh)
    issue = only(validate_case(folder), "定性指标必须填写评分")
    assert (issue.row, issue.column) == (2, header("score", zh))


@both_header_languages
def test_validate_case_partly_achieved_score_at_upper_bound_rejected(tmp_path, zh):
    # w = 20: 部分达成 is [12, 16) — half-open, so exactly 0.8·w = 16 is outside it
    ind = base_indicators()
    ind[0].update(grade="部分达成", score=16)
    folder = write_case(tmp_path, indicators=ind, zh=zh)
    issue = only(validate_case(folder), "评分 16 不在「部分达成」档范围")
    assert "[12, 16)" in issue.message
    assert (issue.file, issue.row, issue.column) == ("indicators.csv", 2, header("score", zh))


@pytest.mark.parametrize(("grade", "score"), [
    ("达成", 16), ("达成", 20), ("部分达成", 12), ("部分达成", 15.99), ("未达成", 0), ("未达成", 11.99),
    ("达成年度指标", 16), ("部分达成年度指标并具有一定效果", 12),
])
def test_validate_case_qualitative_score_inside_band_accepted(tmp_path, grade, score):
    ind = base_indicators()
    ind[0].update(grade=grade, score=score)
    assert validate_case(write_case(tmp_path, indicators=ind)) == []


@pytest.mark.parametrize(("grade", "score", "fragment"), [
    ("达成", 15.99, "「达成」档范围 [16, 20]"),
    ("达成", 20.5, "「达成」档范围 [16, 20]"),
    ("部分达成", 11.99, "「部分达成」档范围 [12, 16)"),
    ("未达成", 12, "「未达成」档范围 [0, 12)"),
])
def test_validate_case_qualitative_score_outside_band_rejected(tmp_path, grade, score, fragment):
    ind = base_indicators()
    ind[0].update(grade=grade, score=score)
    issue = only(validate_case(write_case(tmp_path, indicators=ind)), fragment)
    assert (issue.row, issue.column) == (2, "score")


def test_validate_case_percent_value_with_other_unit(tmp_path):
    ind = base_indicators()
    ind[3].update(unit="个", actual="95%")
    folder = write_case(tmp_path, indicators=ind, zh=True)
    issues = validate_case(folder)
    issue = only(issues, "数值「95%」带 %，但计量单位不是 %")
    assert (issue.file, issue.row, issue.column) == ("indicators.csv", 5, "实际完成值")
    assert find(issues, "必须填写实际完成值") == []      # not reported twice


def test_load_case_percent_value_with_percent_unit(tmp_path):
    ind = base_indicators()
    ind[3].update(unit="%", actual="95%", target="１００%")
    case = load_case(write_case(tmp_path, indicators=ind))
    assert case.indicators.loc[5, "actual"] == 95.0
    assert case.indicators.loc[5, "target"] == 100.0


# ----------------------------------------------------------------------------------------------
# Indicator table: whole-table checks


@both_header_languages
def test_validate_case_weights_not_adding_to_100(tmp_path, zh):
    ind = base_indicators()
    ind[2]["weight"] = 7.5                      # total 97.5
    folder = write_case(tmp_path, indicators=ind, zh=zh)
    issues = validate_case(folder)
    issue = only(issues, "全部三级指标分值合计为")
    assert "97.5" in issue.message and "应为 100" in issue.message
    assert (issue.file, issue.row, issue.column) == ("indicators.csv", None, header("weight", zh))
    assert len(issues) == 1, issues


def test_validate_case_negative_weight(tmp_path):
    ind = base_indicators()
    ind[2]["weight"] = -10
    ind[3]["weight"] = 50
    issue = only(validate_case(write_case(tmp_path, indicators=ind)), "分值必须为非负数")
    assert "-10" in issue.message
    assert (issue.row, issue.column) == (4, "weight")


def _with_level_weights(rows):
    l1 = {"决策": 20, "过程": 20, "产出": 30, "效益": 30}
    l2 = {"项目立项": 20, "资金管理": 10, "组织实施": 10, "产出数量": 30, "满意度": 30}
    for r in rows:
        r["level1_weight"] = l1[r["level1"]]
        r["level2_weight"] = l2[r["level2"]]
    return rows


def test_validate_case_consistent_level_weights_accepted(tmp_path):
    folder = write_case(tmp_path, indicators=_with_level_weights(base_indicators()))
    assert validate_case(folder) == []
    assert list(load_case(folder).indicators["level1_weight"]) == [20, 20, 20, 30, 30]


@both_header_languages
def test_validate_case_level1_weight_differs_between_rows(tmp_path, zh):
    ind = _with_level_weights(base_indicators())
    ind[2]["level1_weight"] = 25                # B21 says 过程 = 25, B11 said 20
    folder = write_case(tmp_path, indicators=ind, zh=zh)
    issues = validate_case(folder)
    issue = only(issues, "一级指标「过程」的分值 25 与前面的行（20）不一致")
    assert (issue.file, issue.row, issue.column) == ("indicators.csv", 4, header("level1_weight", zh))


@both_header_languages
def test_validate_case_level1_weight_not_matching_children(tmp_path, zh):
    ind = _with_level_weights(base_indicators())
    ind[0]["level1_weight"] = 25                # 决策 = 25 but its only row weighs 20
    folder = write_case(tmp_path, indicators=ind, zh=zh)
    issue = only(validate_case(folder), "一级指标「决策」分值为 25，其下三级指标合计为 20")
    assert (issue.row, issue.column) == (None, header("level1_weight", zh))


@both_header_languages
def test_validate_case_level2_weight_not_matching_children(tmp_path, zh):
    ind = _with_level_weights(base_indicators())
    ind[1]["level2_weight"] = 15                # 过程／资金管理 = 15 but B11 weighs 10
    folder = write_case(tmp_path, indicators=ind, zh=zh)
    issues = validate_case(folder)
    issue = only(issues, "二级指标「过程／资金管理」分值为 15，其下三级指标合计为 10")
    assert (issue.file, issue.row, issue.column) == ("indicators.csv", None, header("level2_weight", zh))


def test_validate_case_level1_weight_missing_on_one_row(tmp_path):
    ind = _with_level_weights(base_indicators())
    ind[4]["level1_weight"] = None
    issue = only(validate_case(write_case(tmp_path, indicators=ind)), "一级指标分值为空")
    assert (issue.row, issue.column) == (6, "level1_weight")


@both_header_languages
def test_validate_case_output_and_benefit_below_60_percent(tmp_path, zh):
    ind = base_indicators()
    ind[0].update(weight=30, score=27)          # 决策 30
    ind[3]["weight"] = 20                       # 产出 20 + 效益 30 = 50 %
    folder = write_case(tmp_path, indicators=ind, zh=zh)
    issues = validate_case(folder)
    issue = only(issues, "产出与效益指标分值合计占 50.00%，低于规定的 60%")
    assert (issue.file, issue.row, issue.column) == ("indicators.csv", None, header("weight", zh))
    assert len(issues) == 1, issues


def test_validate_case_output_and_benefit_exactly_60_percent_accepted(tmp_path):
    # the base case has 产出 30 + 效益 30 = 60 exactly
    assert validate_case(write_case(tmp_path)) == []


@both_header_languages
def test_validate_case_duplicate_code(tmp_path, zh):
    ind = base_indicators()
    ind[4]["code"] = "C11"
    folder = write_case(tmp_path, indicators=ind, zh=zh)
    issue = only(validate_case(folder), "指标编码「C11」重复")
    assert (issue.file, issue.row, issue.column) == ("indicators.csv", 6, header("code", zh))


def test_load_case_generates_missing_codes(tmp_path):
    ind = base_indicators()
    for r in ind:
        r["code"] = None
    case = load_case(write_case(tmp_path, indicators=ind, deductions=None))
    assert list(case.indicators["code"]) == ["A1", "B1", "B2", "C1", "D1"]


def test_validate_case_empty_indicator_table(tmp_path):
    folder = write_case(tmp_path, indicators=[], deductions=None)
    issue = only(validate_case(folder), "指标体系没有任何指标")
    assert (issue.file, issue.row) == ("indicators.csv", 2)


# ----------------------------------------------------------------------------------------------
# Deductions and budget


@both_header_languages
def test_validate_case_deduction_unknown_code(tmp_path, zh):
    ded = base_deductions() + [{"code": "ZZ9", "points": 1, "reason": "找不到的指标"}]
    folder = write_case(tmp_path, deductions=ded, zh=zh)
    issue = only(validate_case(folder), "指标体系中没有编码为「ZZ9」的指标")
    assert (issue.file, issue.row, issue.column) == ("deductions.csv", 3, header("code", zh, "deductions"))


@both_header_languages
def test_validate_case_deduction_on_non_deduction_indicator(tmp_path, zh):
    ded = [{"code": "A11", "points": 1, "reason": "扣在定性指标上"}]
    folder = write_case(tmp_path, deductions=ded, zh=zh)
    issue = only(validate_case(folder), "指标「A11」的类型是定性，不是扣分指标")
    assert (issue.file, issue.row, issue.column) == ("deductions.csv", 2, header("code", zh, "deductions"))


@both_header_languages
def test_validate_case_deduction_without_reason(tmp_path, zh):
    ded = base_deductions() + [{"code": "B21", "points": 0.5, "reason": "", "evidence": "GZ-02"}]
    folder = write_case(tmp_path, deductions=ded, zh=zh)
    issue = only(validate_case(folder), "每条扣分必须写明扣分原因")
    assert (issue.file, issue.row, issue.column) == ("deductions.csv", 3, header("reason", zh, "deductions"))


def test_validate_case_deduction_points_not_positive(tmp_path):
    ded = [{"code": "B21", "points": 0, "reason": "零分扣分"}]
    issue = only(validate_case(write_case(tmp_path, deductions=ded)), "扣分必须为正数")
    assert (issue.file, issue.row, issue.column) == ("deductions.csv", 2, "points")


@both_header_languages
def test_validate_case_budget_not_adding_up_to_funding(tmp_path, zh):
    budget = base_budget()
    budget[1]["spent"] = 370000                 # rows add to 850,000, funding.spent is 855,000
    folder = write_case(tmp_path, budget=budget, zh=zh)
    issues = validate_case(folder)
    issue = only(issues, "各行合计 850,000.00 元")
    assert "执行数（元） 855,000.00 元不符" in issue.message
    assert (issue.file, issue.row, issue.column) == ("budget.csv", None, header("spent", zh, "budget"))
    assert len(issues) == 1, issues


# ----------------------------------------------------------------------------------------------
# Files and columns


def test_validate_case_table_path_with_dotdot(tmp_path):
    (tmp_path / "x.csv").write_text("code\n", encoding="utf-8")
    folder = write_case(tmp_path, tables={"indicators": "../x.csv"})
    issues = validate_case(folder)
    issue = only(issues, "表格文件「../x.csv」必须位于案例文件夹内")
    assert (issue.file, issue.row, issue.column) == ("case.yaml", yaml_line(folder, "indicators:"),
                                                    "tables.indicators")


def test_validate_case_table_path_absolute(tmp_path):
    outside = tmp_path / "abs.csv"
    outside.write_text("code\n", encoding="utf-8")
    folder = write_case(tmp_path, tables={"indicators": str(outside)})
    issue = only(validate_case(folder), "必须位于案例文件夹内（不能用绝对路径或 ..）")
    assert str(outside) in issue.message
    assert (issue.row, issue.column) == (yaml_line(folder, "indicators:"), "tables.indicators")


def test_validate_case_table_path_symlink_outside(tmp_path):
    outside = tmp_path / "outside.csv"
    write_csv(outside, base_indicators(), ["code", "level1", "level2", "name", "weight", "type"])
    folder = write_case(tmp_path, tables={"indicators": "link.csv"}, deductions=None, budget=None)
    os.symlink(outside, folder / "link.csv")
    issue = only(validate_case(folder), "表格文件「link.csv」指向案例文件夹之外")
    assert (issue.file, issue.row, issue.column) == ("case.yaml", yaml_line(folder, "indicators:"),
                                                    "tables.indicators")


def test_validate_case_table_path_symlink_inside_accepted(tmp_path):
    folder = write_case(tmp_path, tables={"indicators": "link.csv"}, deductions=None, budget=None)
    os.symlink(folder / "indicators.csv", folder / "link.csv")
    assert validate_case(folder) == []


def test_validate_case_missing_table_file(tmp_path):
    folder = write_case(tmp_path, tables={"indicators": "nope.csv"})
    issue = only(validate_case(folder), "找不到表格文件「nope.csv」")
    assert issue.column == "tables.indicators"


def test_validate_case_missing_indicators_table(tmp_path):
    folder = write_case(tmp_path, tables={"deductions": "deductions.csv", "budget": "budget.csv"})
    issues = validate_case(folder)
    issue = only(issues, "缺少必需的表格「指标体系」（tables.indicators）")
    assert (issue.file, issue.row, issue.column) == ("case.yaml", yaml_line(folder, "tables:"), "tables")
    assert len(issues) == 1, issues


def test_validate_case_no_tables_key(tmp_path):
    folder = write_case(tmp_path)
    meta = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    del meta["tables"]
    (folder / "case.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    issue = only(validate_case(folder), "缺少必需的表格「指标体系」")
    assert issue.file == "case.yaml"


@both_header_languages
def test_validate_case_missing_required_column(tmp_path, zh):
    folder = write_case(tmp_path, zh=zh)
    rows = base_indicators()
    for r in rows:
        del r["name"]
    columns = ["code", "level1", "level2", "weight", "type", "direction", "target", "actual",
               "unit", "grade", "score"]
    write_csv(folder / "indicators.csv", rows, columns, table="indicators", zh=zh)
    issues = validate_case(folder)
    issue = only(issues, "缺少必需的列")
    assert "三级指标" in issue.message and "name" in issue.message
    assert (issue.file, issue.row) == ("indicators.csv", 1)
    # the table was not parsed, so no cascade of deduction problems either
    assert len(issues) == 1, issues


def test_validate_case_row_numbers_count_blank_lines(tmp_path):
    ind = base_indicators()
    ind[4]["type"] = "未知"                     # D11
    folder = write_case(tmp_path, indicators=ind)
    lines = (folder / "indicators.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(2, ",,,,,,,,,,,")              # a blank row after A11: D11 moves from row 6 to 7
    (folder / "indicators.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    issues = validate_case(folder)
    issue = only(issues, "「未知」不是有效的指标类型")
    assert issue.row == 7
    assert issues == [issue]                    # the blank row itself is not a problem


def test_load_case_bom_and_extra_columns(tmp_path):
    folder = write_case(tmp_path)
    rows = base_indicators()
    for r in rows:
        r["备注"] = "自定义列"
    write_csv(folder / "indicators.csv", rows, ["code", "level1", "level2", "name", "weight", "type",
                                                 "direction", "target", "actual", "unit", "grade", "score"])
    raw = (folder / "indicators.csv").read_bytes()
    (folder / "indicators.csv").write_bytes(b"\xef\xbb\xbf" + raw)
    case = load_case(folder)
    assert "备注" not in case.indicators.columns
    assert list(case.indicators["code"]) == ["A11", "B11", "B21", "C11", "D11"]


# ----------------------------------------------------------------------------------------------
# All problems at once


def _broken_case(tmp_path):
    meta = base_meta()
    meta["id"] = "Bad_ID"                               # 1 bad id
    del meta["project"]["department"]                   # 2 missing required field
    meta["funding"]["planned"] = -1                     # 3 negative money
    ind = base_indicators()
    ind[0].update(grade="部分达成", score=16)            # 4 score at the open top of its band (row 2)
    ind[1]["type"] = "定额"                             # 5 unknown type (row 3)
    ind[3]["unit"] = None                               # 6 定量 without unit (row 5)
    ind[4]["actual"] = "很高"                           # 7 text in a number column (row 6)
    ded = base_deductions() + [{"code": "ZZ9", "points": 1, "reason": ""}]   # 8 + 9 (deductions row 3)
    return write_case(tmp_path, meta=meta, indicators=ind, deductions=ded, budget=None, zh=True)


EXPECTED_BROKEN = [
    # (file, row, column, fragment)
    ("case.yaml", 2, "id", "案例编号「Bad_ID」"),
    ("case.yaml", None, "project.department", "缺少必填字段「主管部门」"),
    ("case.yaml", "planned:", "funding.planned", "金额不能为负数"),
    ("indicators.csv", 2, "评分", "评分 16 不在「部分达成」档范围"),
    ("indicators.csv", 3, "指标类型", "「定额」不是有效的指标类型"),
    ("indicators.csv", 5, "计量单位", "定量指标必须填写计量单位"),
    ("indicators.csv", 6, "实际完成值", "必须为数字，实际为「很高」"),
    ("deductions.csv", 3, "指标编码", "指标体系中没有编码为「ZZ9」的指标"),
    ("deductions.csv", 3, "扣分原因", "每条扣分必须写明扣分原因"),
]


def test_validate_case_reports_every_problem_at_once(tmp_path):
    folder = _broken_case(tmp_path)
    issues = validate_case(folder)
    for file, row, column, fragment in EXPECTED_BROKEN:
        if isinstance(row, str):
            row = yaml_line(folder, row)
        hits = [i for i in issues if fragment in i.message]
        assert len(hits) == 1, (fragment, issues)
        assert (hits[0].file, hits[0].row, hits[0].column) == (file, row, column), hits[0]
    assert len(issues) == len(EXPECTED_BROKEN), issues


def test_load_case_raises_case_error_with_every_issue(tmp_path):
    folder = _broken_case(tmp_path)
    issues = validate_case(folder)
    with pytest.raises(CaseError) as info:
        load_case(folder)
    err = info.value
    assert list(err.issues) == issues
    text = str(err)
    assert f"有 {len(issues)} 处问题" in text
    for issue in issues:
        assert issue.message in text
        assert str(issue) in text
    assert "indicators.csv 第5行 列「计量单位」：定量指标必须填写计量单位" in text
    assert "deductions.csv 第3行 列「扣分原因」：每条扣分必须写明扣分原因" in text


def test_load_case_valid_case_does_not_raise(tmp_path):
    case = load_case(write_case(tmp_path))
    assert case.title == "某县2023年测试项目绩效评价报告"
    assert case.project["year"] == 2023
    assert case.evaluation["team"] == ["张三", "李四"]
    assert case.narrative == {"overview": "项目概况文字。"}


def test_validate_case_nonexistent_path(tmp_path):
    issues = validate_case(tmp_path / "nothing-here")
    assert len(issues) == 1 and "找不到案例" in issues[0].message
    with pytest.raises(CaseError):
        load_case(tmp_path / "nothing-here")


# Regression: scoring.check_indicators used to return early on any weight problem, which hid every
# 扣分明细 problem until the weight was fixed.
def test_validate_case_bad_weight_does_not_hide_deduction_problems(tmp_path):
    ind = base_indicators()
    ind[0]["weight"] = "十"
    ded = base_deductions() + [{"code": "ZZ9", "points": 1, "reason": ""}]
    issues = validate_case(write_case(tmp_path, indicators=ind, deductions=ded))
    assert find(issues, "必须为数字，实际为「十」")
    assert find(issues, "指标体系中没有编码为「ZZ9」的指标")
    assert find(issues, "每条扣分必须写明扣分原因")


def test_validate_case_unknown_type_does_not_cascade_into_deductions(tmp_path):
    ind = base_indicators()
    ind[2]["type"] = "扣份"                     # typo on the 扣分 row B21 that deductions.csv uses
    issues = validate_case(write_case(tmp_path, indicators=ind))
    assert only(issues, "「扣份」不是有效的指标类型").row == 4
    assert find(issues, "的类型是，") == [], issues


# ----------------------------------------------------------------------------------------------
# Header languages and forms


def test_load_case_chinese_and_english_headers_give_same_tables(tmp_path):
    en = load_case(write_case(tmp_path, name="en", indicators=_with_level_weights(base_indicators())))
    zh = load_case(write_case(tmp_path, name="zh", indicators=_with_level_weights(base_indicators()), zh=True))
    assert set(en.tables) == set(zh.tables) == {"indicators", "deductions", "budget"}
    for name in en.tables:
        pd.testing.assert_frame_equal(en.tables[name], zh.tables[name])
    assert dict(en.meta) == dict(zh.meta)
    assert list(en.indicators.columns)[:4] == ["code", "level1", "level2", "name"]


def test_load_case_header_aliases_and_spacing(tmp_path):
    folder = write_case(tmp_path)
    ref = load_case(folder).indicators
    rows = base_indicators()
    cols = ["code", "level1", "level2", "name", "weight", "type", "direction", "target", "actual", "unit",
            "grade", "score"]
    aliases = ["编码", " 一级指标 ", "二级 指标", "指标名称", "权重", "类型", "方向", "目标值", "实际值", "单位",
               "等级", "定性得分"]
    path = folder / "indicators.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(aliases)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r[c] for c in cols])
    pd.testing.assert_frame_equal(load_case(folder).indicators, ref)


def test_load_case_csv_and_xlsx_forms_are_equal(tmp_path):
    folder = CASES / "demo-water"
    book = folder_to_workbook(folder, tmp_path / "demo-water.xlsx")
    from_folder = load_case(folder)
    from_book = load_case(book)
    assert (from_folder.form, from_book.form) == ("folder", "workbook")
    assert dict(from_book.meta) == dict(from_folder.meta)
    assert set(from_book.tables) == set(from_folder.tables) == {"indicators", "deductions", "budget", "cashflows",
                                                                "distributions", "history", "peers", "drivers"}
    for name in from_folder.tables:
        # dtypes are compared too: numbers are float64 and text is str in both forms
        pd.testing.assert_frame_equal(from_book.tables[name], from_folder.tables[name])
    assert from_book.sources["indicators"] == ("demo-water.xlsx", "指标体系")
    assert from_folder.sources["indicators"] == ("indicators.csv", None)


def test_validate_case_workbook_issue_names_sheet_and_chinese_column(tmp_path):
    book = folder_to_workbook(write_case(tmp_path), tmp_path / "tiny.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["指标体系"]
    col = [c.value for c in ws[1]].index("分值") + 1
    ws.cell(row=4, column=col, value="十")                    # B21
    meta = wb["基本信息"]
    for row in meta.iter_rows(min_row=2):
        if row[0].value == "主管部门":
            row[1].value = None
    wb.save(book)
    issues = validate_case(book)
    bad = only(issues, "必须为数字，实际为「十」")
    assert (bad.file, bad.sheet, bad.row, bad.column) == ("tiny.xlsx", "指标体系", 4, "分值")
    missing = only(issues, "缺少必填字段「主管部门」")
    assert (missing.file, missing.sheet, missing.column) == ("tiny.xlsx", "基本信息", "主管部门")
    assert missing.row is not None and meta.cell(row=missing.row, column=1).value == "主管部门"
    assert "工作表「指标体系」 第4行 列「分值」" in str(bad)


def test_validate_case_workbook_missing_indicator_sheet(tmp_path):
    book = folder_to_workbook(write_case(tmp_path), tmp_path / "tiny.xlsx")
    wb = openpyxl.load_workbook(book)
    del wb["指标体系"]
    wb.save(book)
    issue = only(validate_case(book), "缺少必需的工作表「指标体系」")
    assert (issue.file, issue.sheet) == ("tiny.xlsx", "指标体系")


# ----------------------------------------------------------------------------------------------
# Number reading and notes


@both_header_languages
def test_load_case_full_width_digits_and_thousands_separators(tmp_path, zh):
    ind = base_indicators()
    ind[3].update(unit="人", target="1,200", actual="１１５０")      # C11, row 5
    ind[4].update(actual="８８.５")                                  # D11, row 6
    case = load_case(write_case(tmp_path, indicators=ind, zh=zh))
    assert case.indicators.loc[5, "target"] == 1200.0
    assert case.indicators.loc[5, "actual"] == 1150.0
    assert case.indicators.loc[6, "actual"] == 88.5
    notes = list(case.notes)
    assert len(notes) == 3, notes
    target_h, actual_h = header("target", zh), header("actual", zh)
    assert notes[0] == f"indicators.csv 第5行 {target_h}：「1,200」读作 1200（千位分隔符已去掉）"
    assert notes[1] == f"indicators.csv 第5行 {actual_h}：「１１５０」读作 1150（全角字符按半角读取）"
    assert notes[2] == f"indicators.csv 第6行 {actual_h}：「８８.５」读作 88.5（全角字符按半角读取）"


def test_load_case_full_width_thousands_in_budget(tmp_path):
    budget = base_budget()
    budget[0]["planned"] = "６００，０００"
    case = load_case(write_case(tmp_path, budget=budget))
    assert case.table("budget").loc[2, "planned"] == 600000.0
    (note,) = case.notes
    assert note.startswith("budget.csv 第2行 planned：「６００，０００」读作 600000")
    assert "全角字符按半角读取" in note and "千位分隔符已去掉" in note


def test_load_case_bad_thousands_grouping_rejected(tmp_path):
    ind = base_indicators()
    ind[3].update(unit="人", target="12,00")
    issue = only(validate_case(write_case(tmp_path, indicators=ind)), "必须为数字，实际为「12,00」")
    assert (issue.row, issue.column) == (5, "target")


def test_load_case_plain_numbers_leave_no_notes(tmp_path):
    assert load_case(write_case(tmp_path)).notes == ()


# ----------------------------------------------------------------------------------------------
# new_case


def test_new_case_folder_validates(tmp_path):
    folder = new_case("my-case", tmp_path)
    assert folder == tmp_path / "my-case"
    assert sorted(p.name for p in folder.iterdir()) == ["case.yaml", "deductions.csv", "indicators.csv"]
    assert validate_case(folder) == []
    case = load_case(folder)
    assert case.id == "my-case"
    assert case.indicators["weight"].sum() == 100
    assert [p.name for p in tmp_path.iterdir()] == ["my-case"]        # no temporary folder left


def test_new_case_workbook_validates(tmp_path):
    folder = new_case("my-book", tmp_path, xlsx=True)
    assert [p.name for p in folder.iterdir()] == ["case.xlsx"]
    assert validate_case(folder) == []
    assert validate_case(folder / "case.xlsx") == []
    case = load_case(folder / "case.xlsx")
    assert (case.id, case.form) == ("my-book", "workbook")
    assert [p.name for p in tmp_path.iterdir()] == ["my-book"]


def test_new_case_folder_and_workbook_load_to_equal_tables(tmp_path):
    a = load_case(new_case("same-a", tmp_path))
    b = load_case(new_case("same-b", tmp_path, xlsx=True) / "case.xlsx")
    for name in ("indicators", "deductions"):
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])


@pytest.mark.parametrize("xlsx", [False, True], ids=["folder", "workbook"])
def test_new_case_refuses_to_overwrite(tmp_path, xlsx):
    folder = new_case("taken", tmp_path, xlsx=xlsx)
    marker = folder / "mine.txt"
    marker.write_text("user data", encoding="utf-8")
    with pytest.raises(InputError, match="已存在，不会覆盖"):
        new_case("taken", tmp_path, xlsx=xlsx)
    assert marker.read_text(encoding="utf-8") == "user data"


def test_new_case_refuses_existing_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="已存在"):
        new_case("empty", tmp_path)
    assert list((tmp_path / "empty").iterdir()) == []


@pytest.mark.parametrize("bad_id", ["Bad_ID", "../x", ""])
def test_new_case_rejects_bad_id(tmp_path, bad_id):
    with pytest.raises(InputError, match="只能由小写字母、数字和 - 组成"):
        new_case(bad_id, tmp_path / "dest")
    assert not (tmp_path / "dest").exists() or list((tmp_path / "dest").iterdir()) == []
    assert not (tmp_path / "x").exists()


def test_new_case_workbook_has_drop_downs(tmp_path):
    book = new_case("drop-downs", tmp_path, xlsx=True) / "case.xlsx"
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[:2] == ["基本信息", "指标体系"]
    ws = wb["指标体系"]
    heads = [c.value for c in ws[1]]
    assert heads[:4] == ["指标编码", "一级指标", "二级指标", "三级指标"]

    def list_validation(header_text):
        letter = openpyxl.utils.get_column_letter(heads.index(header_text) + 1)
        hits = [dv for dv in ws.data_validations.dataValidation
                if dv.type == "list" and f"{letter}2" in dv.sqref and f"{letter}100" in dv.sqref]
        assert len(hits) == 1, (header_text, ws.data_validations.dataValidation)
        return hits[0]

    dv = list_validation("指标类型")
    assert dv.formula1.strip('"').split(",") == ["定量", "定性", "扣分", "满意度"]
    assert dv.showErrorMessage
    assert list_validation("指标方向").formula1.strip('"').split(",") == ["正向", "反向", "等于"]
    assert list_validation("定性等级").formula1.strip('"').split(",") == ["达成", "部分达成", "未达成"]
    # the header row itself is not constrained
    letter = openpyxl.utils.get_column_letter(heads.index("指标类型") + 1)
    assert all(f"{letter}1" not in dv.sqref for dv in ws.data_validations.dataValidation)


def test_load_case_workbook_list_scoring_override(tmp_path):
    book = folder_to_workbook(write_case(tmp_path), tmp_path / "tiny.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["基本信息"].append(["evaluation.scoring.qualitative_bands", "0.8、0.6"])
    wb.save(book)
    assert validate_case(book) == []
    assert load_case(book).scheme.qualitative_bands == (0.8, 0.6)


def test_load_case_workbook_scalar_scoring_override(tmp_path):
    book = folder_to_workbook(write_case(tmp_path), tmp_path / "tiny.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["基本信息"].append(["evaluation.scoring.reverse_formula", "ratio"])
    wb.save(book)
    case = load_case(book)
    assert case.evaluation["scoring"] == {"reverse_formula": "ratio"}
    assert case.scheme.reverse_formula == "ratio"
