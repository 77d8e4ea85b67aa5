"""Tests of the ``evalkit`` command, called in-process through evalkit.cli.main.

No kernel, no browser: ``run`` is only exercised on inputs it must refuse before running anything.
"""

from __future__ import annotations

import openpyxl
import pytest

from evalkit.case import validate_case
from evalkit.cli import main

from .helpers import DEMO_CASES, base_deductions, base_indicators, base_meta, write_case


def _broken(tmp_path):
    """A case with four problems in three files."""
    meta = base_meta()
    meta["id"] = "Bad_ID"
    ind = base_indicators()
    ind[3]["unit"] = None                                   # indicators.csv row 5
    ind[4]["actual"] = "很高"                               # indicators.csv row 6
    ded = base_deductions() + [{"code": "ZZ9", "points": 1, "reason": "未知指标"}]   # deductions.csv row 3
    return write_case(tmp_path, meta=meta, indicators=ind, deductions=ded, zh=True)


def test_main_validate_demo_cases_exit_0(capsys):
    code = main(["validate", *map(str, DEMO_CASES)])
    err = capsys.readouterr().err
    assert code == 0
    for path in DEMO_CASES:
        assert f"✓ {path}：通过校验" in err
    assert "✗" not in err


def test_main_validate_broken_case_exit_2_lists_every_problem(tmp_path, capsys):
    folder = _broken(tmp_path)
    issues = validate_case(folder)
    assert len(issues) == 4
    code = main(["validate", str(folder)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"✗ {folder}：4 处问题" in err
    for issue in issues:
        assert f"  - {issue}" in err
    assert "case.yaml 第2行 列「id」：案例编号「Bad_ID」" in err
    assert "indicators.csv 第5行 列「计量单位」：定量指标必须填写计量单位" in err
    assert "indicators.csv 第6行 列「实际完成值」：必须为数字，实际为「很高」" in err
    assert "deductions.csv 第3行 列「指标编码」：指标体系中没有编码为「ZZ9」的指标" in err


def test_main_validate_shows_how_odd_values_were_read(tmp_path, capsys):
    ind = base_indicators()
    ind[4]["actual"] = "９５"                                # indicators.csv row 6, full-width digits
    folder = write_case(tmp_path, indicators=ind, zh=True)
    code = main(["validate", str(folder)])
    err = capsys.readouterr().err
    assert code == 0
    assert f"✓ {folder}：通过校验；1 处数值按以下方式读取，请核对：" in err
    assert "  · indicators.csv 第6行" in err and "「９５」读作 95（全角字符按半角读取）" in err


def test_main_validate_mixed_cases_exit_2_but_reports_good_ones(tmp_path, capsys):
    folder = _broken(tmp_path)
    code = main(["validate", str(DEMO_CASES[0]), str(folder)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"✓ {DEMO_CASES[0]}：通过校验" in err
    assert f"✗ {folder}：4 处问题" in err


def test_main_validate_missing_path_exit_2(tmp_path, capsys):
    code = main(["validate", str(tmp_path / "nope")])
    assert code == 2
    assert "找不到案例" in capsys.readouterr().err


def test_main_new_creates_folder_then_refuses_second_time(tmp_path, capsys):
    assert main(["new", "fresh-case", "--dir", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    folder = tmp_path / "fresh-case"
    assert f"已创建案例骨架 {folder / 'case.yaml'}" in err
    assert sorted(p.name for p in folder.iterdir()) == ["case.yaml", "deductions.csv", "indicators.csv"]
    assert validate_case(folder) == []
    before = (folder / "case.yaml").read_bytes()

    assert main(["new", "fresh-case", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "已存在，不会覆盖" in err
    assert (folder / "case.yaml").read_bytes() == before


def test_main_new_xlsx_creates_workbook_then_refuses_second_time(tmp_path, capsys):
    assert main(["new", "fresh-book", "--xlsx", "--dir", str(tmp_path)]) == 0
    book = tmp_path / "fresh-book" / "case.xlsx"
    assert f"已创建案例骨架 {book}" in capsys.readouterr().err
    assert validate_case(book) == []
    assert "指标体系" in openpyxl.load_workbook(book, read_only=True).sheetnames
    assert main(["new", "fresh-book", "--xlsx", "--dir", str(tmp_path)]) == 2
    assert "已存在" in capsys.readouterr().err


def test_main_new_bad_id_exit_2(tmp_path, capsys):
    assert main(["new", "Bad_ID", "--dir", str(tmp_path)]) == 2
    assert "案例编号「Bad_ID」只能由小写字母、数字和 - 组成" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_main_run_invalid_case_exit_2_writes_nothing(tmp_path, capsys):
    folder = _broken(tmp_path / "in")
    out = tmp_path / "out"
    code = main(["run", str(folder), "--out", str(out), "--format", "html"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"✗ {folder}：4 处问题，未运行" in err
    assert "indicators.csv 第5行 列「计量单位」：定量指标必须填写计量单位" in err
    assert not out.exists() or list(out.rglob("*")) == []


def test_main_run_one_invalid_case_stops_valid_ones_too(tmp_path, capsys):
    folder = _broken(tmp_path / "in")
    out = tmp_path / "out"
    code = main(["run", str(DEMO_CASES[0]), str(folder), "--out", str(out), "--format", "html"])
    err = capsys.readouterr().err
    assert code == 2
    assert "运行中" not in err
    assert not out.exists() or list(out.rglob("*")) == []


@pytest.mark.parametrize("fmt", ["docx", "html,docx", ","])
def test_main_run_unknown_format_exit_2(tmp_path, capsys, fmt):
    out = tmp_path / "out"
    code = main(["run", str(DEMO_CASES[0]), "--out", str(out), "--format", fmt])
    err = capsys.readouterr().err
    assert code == 2
    assert f"不支持的输出格式：{fmt}" in err
    assert "可用：html,pdf" in err
    assert not out.exists()
