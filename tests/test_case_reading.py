"""Values are read as the person who typed them meant them, or refused with one located message.

Reproducers of misreads found by filling cases the way people do: percent-formatted Excel cells,
title and 合计 rows, units in headers, one stray quote in a hand-edited CSV, duplicate and YAML 1.1
keys in case.yaml; and the consistency checks that catch a misread of any cause. Workbooks are
written with openpyxl number formats exactly as Excel stores them (a typed ``92%`` is the number 0.92
with the format ``0%``).
"""

from __future__ import annotations

import shutil

import openpyxl
import pytest

import evalkit as ek
from evalkit.case import load_case, validate_case
from evalkit.cli import main
from evalkit.report.analyses import checked

from .helpers import CASES, base_budget, base_indicators, base_meta, find, folder_to_workbook, only, write_case

# base case rows: A11=2, B11=3 (预算执行率 95 %), B21=4, C11=5 (实际完成率 96 %), D11=6


def _book(tmp_path, **kw):
    return folder_to_workbook(write_case(tmp_path, **kw), tmp_path / "tiny.xlsx")


def _column(ws, header: str, row: int = 1) -> int:
    return [c.value for c in ws[row]].index(header) + 1


def _score(case) -> tuple[float, str]:
    card = ek.scorecard(case)
    return card.total, card.grade


# ----------------------------------------------------------------------------------------------
# Excel number formats


def test_percent_formatted_cells_are_read_as_the_percent_excel_shows(tmp_path):
    folder = write_case(tmp_path)
    plain = load_case(folder)
    book = folder_to_workbook(folder, tmp_path / "tiny.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["指标体系"]
    target, actual = _column(ws, "指标值"), _column(ws, "实际完成值")
    for row, (t, a) in {3: (1, 0.95), 5: (1, 0.96)}.items():      # typed 100% / 95% and 100% / 96%
        ws.cell(row, target, t).number_format = "0%"
        ws.cell(row, actual, a).number_format = "0.00%"
    wb.save(book)
    case = load_case(book)
    assert case.indicators.loc[3, ["target", "actual"]].tolist() == [100.0, 95.0]
    assert case.indicators.loc[5, ["target", "actual"]].tolist() == [100.0, 96.0]
    assert _score(case) == _score(plain)
    note = next(n for n in case.notes if "第3行" in n and "实际完成值" in n)
    assert "百分比格式" in note and "0.95" in note and "95" in note


def test_percent_formatted_cell_outside_a_percent_column_is_refused(tmp_path):
    book = _book(tmp_path)
    wb = openpyxl.load_workbook(book)
    ws = wb["指标体系"]
    ws.cell(4, _column(ws, "分值"), 0.1).number_format = "0%"          # B21's 10 points typed as 10%
    wb.save(book)
    issue = only(validate_case(book), "百分比格式")
    assert (issue.sheet, issue.row, issue.column) == ("指标体系", 4, "分值")


def test_a_year_in_a_date_formatted_cell_is_refused_with_one_message(tmp_path):
    book = _book(tmp_path)
    wb = openpyxl.load_workbook(book)
    ws = wb["基本信息"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "项目年度")
    ws.cell(row, 2, 2023).number_format = "yyyy/m/d"                 # Excel shows 1905/7/15
    wb.save(book)
    issues = validate_case(book)
    assert len(issues) == 1 and "日期" in issues[0].message and issues[0].row == row


@pytest.mark.parametrize("fmt", ['0.00"万元"', "0!万", "#,##0\\万"])     # quoted, !-escaped, backslash-escaped
def test_money_in_a_wan_yuan_number_format_is_read_in_yuan(tmp_path, fmt):
    book = _book(tmp_path)
    wb = openpyxl.load_workbook(book)
    ws = wb["预算执行"]
    for r in range(2, ws.max_row + 1):
        for c in range(2, 5):
            cell = ws.cell(r, c)
            cell.value = cell.value / 10_000                            # typed in 万元 ...
            cell.number_format = fmt                                     # ... and shown as 万元
    wb.save(book)
    case = load_case(book)
    assert case.table("budget")[["planned", "allocated", "spent"]].to_dict("records") == [
        {k: float(v) for k, v in r.items() if k != "item"} for r in base_budget()]


def test_a_workbook_typed_as_people_type_is_read_with_notes(tmp_path):
    """A title row (merged across the table) and a unit line above the header, 金额 in 万元, a 合计 row,
    项目年度 written 2023年: every value as meant, each reading noted, nothing refused."""
    book = _book(tmp_path)
    wb = openpyxl.load_workbook(book)
    ws = wb["预算执行"]
    ws.insert_rows(1, 2)
    ws["A1"] = "2023年测试项目资金预算执行情况表"
    ws.merge_cells("A1:D1")
    ws["D2"] = "单位：万元"
    for r in range(4, ws.max_row + 1):
        for c in range(2, 5):
            ws.cell(r, c).value = ws.cell(r, c).value / 10_000
    ws.cell(3, 2).value, ws.cell(3, 3).value, ws.cell(3, 4).value = "预算数", "到位数", "执行数"
    last = ws.max_row + 1
    ws.cell(last, 1, "合  计")
    for c in range(2, 5):
        ws.cell(last, c, sum(ws.cell(r, c).value for r in range(4, last)))
    meta = wb["基本信息"]
    row = next(r for r in range(1, meta.max_row + 1) if meta.cell(r, 1).value == "项目年度")
    meta.cell(row, 2, "2023年")
    wb.save(book)
    case = load_case(book)
    budget = case.table("budget")
    assert budget["item"].tolist() == [r["item"] for r in base_budget()]
    assert budget["spent"].tolist() == [float(r["spent"]) for r in base_budget()]
    assert case.project["year"] == 2023
    assert case.warnings == ()
    notes = "\n".join(case.notes)
    assert "第1行「2023年测试项目资金预算执行情况表」不是表头" in notes
    assert "金额按万元读取，已换算为元（×10,000）" in notes
    assert f"第{last}行是合计行" in notes
    assert "「2023年」读作 2023" in notes


def test_a_total_row_that_disagrees_with_its_rows_is_a_warning(tmp_path):
    budget = base_budget() + [{"item": "合计", "planned": 1000000, "allocated": 900000, "spent": 850000}]
    case = load_case(write_case(tmp_path, budget=budget))
    warning = only(list(case.warnings), "合计行")
    assert (warning.file, warning.row, warning.column) == ("budget.csv", 4, "spent")
    assert "850,000.00" in warning.message and "855,000.00" in warning.message


def test_a_header_with_a_unit_scales_the_money_column(tmp_path):
    folder = write_case(tmp_path)
    (folder / "budget.csv").write_text("资金来源,预算数（万元）,到位数（万元）,执行数(万元)\n"
                                       "中央补助资金,60,50,48\n县级配套资金,40,40,37.5\n", encoding="utf-8")
    case = load_case(folder)
    assert case.table("budget")["spent"].tolist() == [480000.0, 375000.0]


# ----------------------------------------------------------------------------------------------
# CSV that cannot swallow rows


def test_one_stray_quote_in_a_deductions_csv_is_refused_with_its_row(demo_copy):
    case = demo_copy("demo-water")
    path = case / "deductions.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("B13,0.5,", 'B13,0.5,"', 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    issue = only(validate_case(case), "引号")
    assert (issue.file, issue.row) == ("deductions.csv", 2)


def test_a_stray_quote_closed_by_a_later_quote_is_refused(demo_copy):
    """The quote opened in row 3 is closed by the quoted reason of row 5: csv would read rows 3–5 as
    one row with a long reason and lose two deductions."""
    case = demo_copy("demo-water")
    path = case / "deductions.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("B13,0.5,", 'B13,0.5,"', 1)
    lines[4] = 'B22,1,"石桥镇水厂管网改造工程发生设计变更",DG-B22-01'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    issues = validate_case(case)
    assert issues and all(i.file == "deductions.csv" for i in issues)
    assert find(issues, "引号") and issues[0].row == 3


def test_a_stray_quote_in_a_survey_answer_is_refused_not_300_respondents_become_10(demo_copy):
    case = demo_copy("demo-greening")
    path = case / "survey.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    for at, before, after in ((20, '"', ""), (29, "", '"')):     # 「"新华街道」 in row 21, 「城南街道"」 in row 30
        cells = lines[at].split(",")
        cells[1] = before + cells[1] + after
        lines[at] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    issues = validate_case(case)
    assert [(i.file, i.row, i.column) for i in issues] == [("survey.csv", 21, "街道")]
    assert "第21–30行" in issues[0].message


def test_a_quoted_cell_that_swallowed_whole_rows_is_refused(tmp_path):
    folder = write_case(tmp_path)
    (folder / "deductions.csv").write_text(
        'code,points,reason,evidence\nB21,1,"个别合同未备案\nB21,0.5,资料不全,GZ-02",GZ-01\n', encoding="utf-8")
    issue = only(validate_case(folder), "像是一整行数据")
    assert (issue.row, issue.column) == (2, "reason")


def test_a_reason_written_on_two_lines_is_accepted(tmp_path):
    folder = write_case(tmp_path)
    (folder / "deductions.csv").write_text(
        'code,points,reason,evidence\nB21,1,"个别合同未按规定备案；\n另有一份合同缺少签章",GZ-01\n', encoding="utf-8")
    case = load_case(folder)
    assert case.table("deductions")["reason"].tolist() == ["个别合同未按规定备案；\n另有一份合同缺少签章"]


@pytest.mark.parametrize("line, fragment", [("B21,1,个别合同,未按规定备案,GZ-01", "比表头的 4 列多"),
                                            ("B21,1,个别合同未按规定备案", "只有 3 个字段")])
def test_a_row_with_the_wrong_number_of_fields_is_refused(tmp_path, line, fragment):
    folder = write_case(tmp_path)
    (folder / "deductions.csv").write_text(f"code,points,reason,evidence\n{line}\n", encoding="utf-8")
    issue = only(validate_case(folder), fragment)
    assert (issue.file, issue.row) == ("deductions.csv", 2)


def test_a_nul_byte_in_a_csv_is_refused(tmp_path):
    folder = write_case(tmp_path)
    (folder / "deductions.csv").write_bytes(b"code,points,reason,evidence\nB21,1,\x00\x00,GZ-01\n")
    issue = only(validate_case(folder), "空字符")
    assert (issue.file, issue.row) == ("deductions.csv", 2)


# ----------------------------------------------------------------------------------------------
# YAML without guesses


def test_a_second_spent_line_in_case_yaml_is_refused_naming_both_lines(tmp_path):
    folder = write_case(tmp_path)
    path = folder / "case.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("spent:"))
    lines.insert(at + 1, "  spent: 800000")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    issue = only(validate_case(folder), "重复")
    assert f"第{at + 1}行和第{at + 2}行" in issue.message and issue.column == "funding.spent"


def test_the_workbook_form_refuses_the_same_duplicate(tmp_path):
    book = _book(tmp_path)
    wb = openpyxl.load_workbook(book)
    wb["基本信息"].append(["执行数（元）", 800000])
    wb.save(book)
    assert find(validate_case(book), "重复")


@pytest.mark.parametrize("typed, field, what", [
    ("0123", "project.category", "0123"),              # YAML 1.1: the octal number 83
    ("0xD93618", "project.category", "0xD93618"),      # YAML 1.1: hexadecimal
    ("190:0:0", "project.period", "190:0:0"),          # YAML 1.1: base 60, 684000
    ("on", "project.region", "on"),                    # YAML 1.1: True
])
def test_yaml_1_1_guesses_stay_text(tmp_path, typed, field, what):
    meta = base_meta()
    section, key = field.split(".")
    meta[section][key] = "PLACEHOLDER"
    folder = write_case(tmp_path, meta=meta)
    path = folder / "case.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("PLACEHOLDER", typed), encoding="utf-8")
    case = load_case(folder)
    assert case.project[key] == what


def test_an_id_with_a_leading_zero_is_not_read_as_octal(tmp_path):
    folder = write_case(tmp_path, meta={**base_meta(), "id": "PLACEHOLDER"})
    path = folder / "case.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("PLACEHOLDER", "0123"), encoding="utf-8")
    case = load_case(folder)
    assert case.id == "0123"
    assert any("「0123」按原文读取" in n and "83" in n for n in case.notes)


def test_sexagesimal_money_is_refused_not_read_as_684000(tmp_path):
    folder = write_case(tmp_path)
    path = folder / "case.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("planned: 1000000", "planned: 190:0:0"), encoding="utf-8")
    issue = only(validate_case(folder), "190:0:0")
    assert issue.column == "funding.planned"


# ----------------------------------------------------------------------------------------------
# Consistency checks


def test_a_stated_budget_execution_rate_that_disagrees_with_the_money_is_a_warning(tmp_path):
    ind = base_indicators()
    ind[1]["actual"] = 0.95                    # 预算执行率 as a fraction: the money says 95 %
    case = load_case(write_case(tmp_path, indicators=ind))
    warning = only(list(case.warnings), "预算执行率")
    assert (warning.file, warning.row, warning.column) == ("indicators.csv", 3, "actual")
    assert "95.00%" in warning.message


def test_the_scheme_can_make_a_disagreement_an_error(tmp_path):
    ind = base_indicators()
    ind[1]["actual"] = 0.95
    meta = base_meta()
    meta["evaluation"]["scoring"] = {"consistency": "error"}
    issues = validate_case(write_case(tmp_path, meta=meta, indicators=ind))
    assert only(issues, "预算执行率").row == 3


def test_a_rounded_stated_rate_agrees(tmp_path):
    ind = base_indicators()
    meta = base_meta()
    meta["funding"]["spent"] = 854_700            # 94.97 %, written 95
    budget = base_budget()
    budget[1]["spent"] = 374_700
    case = load_case(write_case(tmp_path, meta=meta, indicators=ind, budget=budget))
    assert case.warnings == ()


def test_validate_prints_the_warning(tmp_path, capsys):
    ind = base_indicators()
    ind[1]["actual"] = 0.95
    folder = write_case(tmp_path, indicators=ind)
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "1 处数据前后不一致" in out and "indicators.csv 第3行 列「actual」：预算执行率填写为 0.95%" in out


def test_a_survey_fed_rate_that_disagrees_with_the_survey_is_a_warning(demo_copy):
    case_dir = demo_copy("demo-greening")
    path = case_dir / "indicators.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("D41,"))
    fields = lines[at].split(",")
    fields[9] = "85"                             # 实际完成值: the survey says 78.8
    lines[at] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert not any("问卷" in w.message for w in load_case(case_dir).warnings)   # the case alone cannot know
    case = checked(load_case(case_dir))                    # the survey method recomputes the rate
    warning = only(list(case.warnings), "问卷")
    assert warning.row == at + 1 and "78.80" in warning.message


def test_the_number_of_valid_questionnaires_is_checked_against_the_survey(demo_copy):
    case_dir = demo_copy("demo-greening")
    path = case_dir / "case.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("survey_valid: 300", "survey_valid: 310"),
                    encoding="utf-8")
    case = load_case(case_dir)
    warning = only(list(case.warnings), "有效问卷数量")
    assert "310" in warning.message and "300" in warning.message and warning.column == "evaluation.parameters.survey_valid"


def test_the_example_cases_state_nothing_that_disagrees():
    for name in ("demo-water", "demo-greening"):
        assert load_case(CASES / name).warnings == ()
    assert load_case(CASES / "demo-microcredit" / "case.xlsx").warnings == ()


def test_the_report_lists_the_warning_in_its_calculation_notes(tmp_path):
    ind = base_indicators()
    ind[1]["actual"] = 0.95
    case = load_case(write_case(tmp_path, indicators=ind))
    html = ek.report.Report(case).other_matters().html
    assert "数据核对：预算执行率填写为 0.95%" in html


def test_the_microcredit_workbook_still_reads_as_before(tmp_path):
    shutil.copy(CASES / "demo-microcredit" / "case.xlsx", tmp_path / "case.xlsx")
    case = load_case(tmp_path / "case.xlsx")
    assert case.id == "demo-microcredit" and len(case.indicators) > 10


def test_a_csv_saved_from_a_printed_sheet_reads_below_its_title_lines(tmp_path):
    """A sheet laid out for printing and saved as CSV: a title line with a date in another cell, a unit
    line, then the header and the rows, then 合计."""
    folder = write_case(tmp_path)
    (folder / "budget.csv").write_text(
        "某县测试项目资金预算执行情况表,,,编制日期：2024年5月\n,,,单位：万元\n"
        "资金来源,预算数,到位数,执行数\n中央补助资金,60,50,48\n县级配套资金,40,40,37.5\n合计,100,90,85.5\n",
        encoding="utf-8-sig")
    case = load_case(folder)
    assert case.table("budget").index.tolist() == [4, 5]
    assert case.table("budget")["spent"].tolist() == [480000.0, 375000.0]
    assert case.warnings == ()
    assert any("第2行「单位：万元」不是表头，按单位说明读取" in n for n in case.notes)


def test_a_stray_quote_pair_on_adjacent_lines_is_refused(demo_copy):
    """「"从项目…」 on one line and 「…规范。"」 on the next: csv reads the two deductions as one."""
    case = demo_copy("demo-water")
    path = case / "deductions.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("B13,0.5,", 'B13,0.5,"', 1)
    lines[3] = lines[3].replace("。,DG-B13-03", '。",DG-B13-03')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    issue = only(validate_case(case), "像是一整行数据")
    assert (issue.file, issue.row, issue.column) == ("deductions.csv", 3, "reason")


def test_a_stray_quote_pair_in_a_survey_group_column_is_refused(demo_copy):
    case = demo_copy("demo-greening")
    path = case / "survey.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    for at, before, after in ((5, '"', ""), (6, "", '"')):       # rows 6 and 7, the 街道 column
        cells = lines[at].split(",")
        cells[1] = before + cells[1] + after
        lines[at] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    issue = only(validate_case(case), "像是一整行数据")
    assert (issue.file, issue.row, issue.column) == ("survey.csv", 6, "街道")


def test_a_sheet_evalkit_does_not_know_is_noted_not_silently_dropped(tmp_path):
    book = _book(tmp_path)
    wb = openpyxl.load_workbook(book)
    wb["扣分明细"].title = "扣分表"
    wb.save(book)
    case = load_case(book)
    assert "deductions" not in case.tables
    assert any(n.startswith("工作表「扣分表」不是案例的表，未读取") for n in case.notes)


def test_a_table_file_left_out_of_case_yaml_is_noted(tmp_path):
    folder = write_case(tmp_path, tables={"indicators": "indicators.csv", "budget": "budget.csv"})
    case = load_case(folder)
    assert any("文件夹中有 deductions.csv，但 case.yaml 的 tables 中没有列出它" in n for n in case.notes)


@pytest.mark.parametrize("section, typo", [(None, "narative"), ("evaluation", "parameter"),
                                           ("project", "comissioner")])
def test_an_unknown_key_in_case_yaml_is_refused_as_the_workbook_refuses_it(tmp_path, section, typo):
    meta = base_meta()
    (meta if section is None else meta[section])[typo] = "x"
    issue = only(validate_case(write_case(tmp_path, meta=meta)), "未知的字段")
    assert issue.column == (typo if section is None else f"{section}.{typo}") and issue.row is not None


def test_a_rate_named_otherwise_or_with_a_full_width_unit_is_still_checked(tmp_path):
    ind = base_indicators()
    ind[1].update(name="项目预算执行率", unit="％", actual=80)          # the money says 95 %
    case = load_case(write_case(tmp_path, indicators=ind))
    assert case.indicators.loc[3, "unit"] == "%"
    assert "按资金数据计算为 95.00%" in only(list(case.warnings), "项目预算执行率").message


def test_a_percent_typed_as_a_fraction_beside_a_whole_target_is_a_warning(tmp_path):
    ind = base_indicators()
    ind[3]["actual"] = 0.96                      # C11 实际完成率, target 100 %
    warning = only(list(load_case(write_case(tmp_path, indicators=ind)).warnings), "实际完成率")
    assert (warning.row, warning.column) == (5, "actual") and "如果是 96%，请填写 96" in warning.message


def test_spending_above_the_allocation_is_a_warning(tmp_path):
    meta = base_meta()
    meta["funding"]["spent"] = 85_500_000          # 100 × what was meant
    ind = base_indicators()
    ind[1]["actual"] = None                         # 预算执行率 from the money
    case = load_case(write_case(tmp_path, meta=meta, indicators=ind, budget=None))
    warning = only(list(case.warnings), "大于到位数")
    assert warning.column == "funding.spent" and "9,500.00%" in warning.message


def test_an_unreadable_amount_is_one_message_not_a_cascade(tmp_path):
    meta = base_meta()
    meta["funding"]["spent"] = "85.5万元整"
    ind = base_indicators()
    ind[1]["actual"] = None                      # 预算执行率 would come from the money
    issues = validate_case(write_case(tmp_path, meta=meta, indicators=ind))
    assert [i.column for i in issues] == ["funding.spent"], issues


def test_a_semicolon_separated_csv_is_named_as_such(tmp_path):
    folder = write_case(tmp_path)
    path = folder / "deductions.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    issue = only(validate_case(folder), "分号")
    assert (issue.file, issue.row) == ("deductions.csv", 1)


def test_validate_shows_the_notes_that_explain_a_refusal(tmp_path, capsys):
    folder = write_case(tmp_path)
    path = folder / "indicators.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",actual,", ",实际完成值（万元）,", 1), encoding="utf-8")
    assert main(["validate", str(folder)]) == 2
    out = capsys.readouterr().out
    assert "列「实际完成值」：定量指标必须填写实际完成值" in out
    assert "· indicators.csv 列「实际完成值（万元）」不是本表的列，未读取" in out


def test_a_control_character_pasted_into_case_yaml_is_removed_with_a_note(tmp_path):
    folder = write_case(tmp_path)
    path = folder / "case.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: 某县", "title: 某县\x1b[0m", 1), encoding="utf-8")
    case = load_case(folder)
    assert case.title.startswith("某县[0m")
    assert any(n.startswith("case.yaml 第") and "U+001B" in n for n in case.notes)


def test_a_tab_in_case_yaml_is_explained_in_chinese_with_its_line(tmp_path):
    folder = write_case(tmp_path)
    path = folder / "case.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  name:"))
    lines[at] = "\t" + lines[at].lstrip()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    issue = only(validate_case(folder), "制表符")
    assert issue.row == at + 1


def test_a_zero_width_space_in_a_number_is_removed_with_a_note(tmp_path):
    ind = base_indicators()
    ind[3]["actual"] = "9\u200b6"                 # looks like 96
    case = load_case(write_case(tmp_path, indicators=ind))
    assert case.indicators.loc[5, "actual"] == 96.0
    assert any("U+200B 零宽空格" in n for n in case.notes)


def test_an_amount_in_wan_and_a_dash_for_nothing(tmp_path):
    budget = base_budget()
    budget[0]["planned"] = "60万"
    budget[1]["planned"] = "—"
    issues = validate_case(write_case(tmp_path, budget=budget))
    dash = only(issues, "「—」")
    assert (dash.row, dash.column) == (3, "planned") and "请留空" in dash.message
    assert not find(issues, "60万")


def test_many_cells_read_the_same_way_make_one_note(tmp_path):
    budget = [{"item": f"资金{i}", "planned": f"{p}万元", "allocated": f"{a}万元", "spent": f"{s}万元"}
              for i, (p, a, s) in enumerate([(25, 20, 19), (25, 25, 24), (25, 25, 23), (25, 20, 19.5)])]
    case = load_case(write_case(tmp_path, budget=budget))
    assert case.table("budget")["spent"].sum() == 855_000
    spent = [n for n in case.notes if "spent" in n]
    assert spent == ["budget.csv 列「spent」第2、3、4行等 4 个单元格同样读取，如第2行：「19万元」读作 190000（按万元换算为元）"]


def test_a_hidden_row_is_read_with_a_warning(tmp_path):
    book = _book(tmp_path)
    wb = openpyxl.load_workbook(book)
    ws = wb["扣分明细"]
    ws.append(["B21", 3, "（草稿，已核销）", None])
    ws.row_dimensions[ws.max_row].hidden = True
    wb.save(book)
    case = load_case(book)
    assert case.table("deductions")["points"].sum() == 4
    warning = only(list(case.warnings), "隐藏行")
    assert (warning.sheet, warning.row) == ("扣分明细", 3)


@pytest.mark.parametrize("fmt", ['0!.0000"万元"', '0"."0000"万元"', '#,##0.0,"千元"', "0.0,,"])
def test_a_format_that_shows_a_number_smaller_than_stored_is_refused(tmp_path, fmt):
    """``0!.0000"万元"`` shows 1,000,000 元 as 100.0000万元: neither the stored nor a guessed number."""
    book = _book(tmp_path)
    wb = openpyxl.load_workbook(book)
    ws = wb["预算执行"]
    ws.cell(2, 2).number_format = fmt
    wb.save(book)
    issue = only(validate_case(book), "缩小显示")
    assert (issue.sheet, issue.row, issue.column) == ("预算执行", 2, "预算数（元）")


def test_a_reason_with_a_comma_on_its_second_line_is_accepted(tmp_path):
    """Excel writes an Alt-Enter cell quoted, over two lines; a comma on its last line is text."""
    folder = write_case(tmp_path)
    (folder / "budget.csv").write_text(
        'item,planned,allocated,spent\n"中央补助资金\n（含省级转移支付, 2023年）",600000,500000,480000\n'
        "县级配套资金,400000,400000,375000\n", encoding="utf-8")
    assert load_case(folder).table("budget")["item"].iloc[0] == "中央补助资金\n（含省级转移支付, 2023年）"


def test_a_subtotal_row_is_not_read_as_data(tmp_path):
    budget = base_budget()
    budget.insert(1, {"item": "小计", "planned": 600000, "allocated": 500000, "spent": 480000})
    case = load_case(write_case(tmp_path, budget=budget))
    assert case.table("budget")["item"].tolist() == [r["item"] for r in base_budget()]
    assert "budget.csv 第3行是小计行，不作为数据读取" in case.notes
