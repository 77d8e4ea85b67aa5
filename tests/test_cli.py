"""Tests of the ``evalkit`` command, called in-process through evalkit.cli.main.

No kernel, no browser: ``run`` is only exercised on inputs it must refuse before running anything.
"""

from __future__ import annotations

import re

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit._text import escape, unescape
from evalkit.case import validate_case
from evalkit.cli import main

from .helpers import DEMO_CASES, base_deductions, base_indicators, base_meta, write_case, yaml_line


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


# ----------------------------------------------------------------------------------------------
# What the command prints cannot act on the terminal: control and bidi characters are written out

#: written out here, not taken from evalkit: every character that must never reach the terminal raw
RAW = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
ESCAPES = "\x1b[2J\x1b]0;标题\x07\x1b]8;;http://127.0.0.1:9/\x07点我\x1b]8;;\x07\x00\x9b\u202e\u2066"
SHOWN = "\\x1b[2J\\x1b]0;标题\\x07\\x1b]8;;http://127.0.0.1:9/\\x07点我\\x1b]8;;\\x07\\x00\\x9b\\u202e\\u2066"
#: the same in a file name (no NUL, no /)
NAME, NAME_SHOWN = "\x1b[2J\x1b]0;标题\x07\x9b\u202e\u2066", "\\x1b[2J\\x1b]0;标题\\x07\\x9b\\u202e\\u2066"


def _lines(err: str) -> list[str]:
    assert err.endswith("\n")
    lines = err[:-1].split("\n")
    assert [line for line in lines if RAW.search(line)] == []
    return lines


def test_main_validate_writes_out_control_characters_of_case_values_and_paths(tmp_path, capsys):
    ind = base_indicators()
    ind[1]["type"] = "定量" + ESCAPES                                     # row 3: refused, and quoted
    folder = write_case(tmp_path / ("案例" + NAME), indicators=ind, zh=True)
    code = main(["validate", str(folder)])
    lines = _lines(capsys.readouterr().err)
    assert code == 2
    assert lines[0] == f"✗ {tmp_path}/案例{NAME_SHOWN}/case：1 处问题"
    assert lines[1] == f"  - indicators.csv 第3行 列「指标类型」：「定量{SHOWN}」不是有效的指标类型（应为：定量/定性/扣分/满意度）"


def test_main_validate_notes_the_characters_removed_from_a_valid_case(tmp_path, capsys):
    meta = base_meta()
    meta["project"]["name"] = "测试\u202e项目\x1b[0m"
    folder = write_case(tmp_path, meta=meta, zh=True)
    assert main(["validate", str(folder)]) == 0
    lines = _lines(capsys.readouterr().err)
    assert lines[1] == (f"  · case.yaml 第{yaml_line(folder, 'name:')}行 项目名称：删去了 2 个不可见的控制字符"
                        "（U+202E 从右至左覆盖、U+001B 转义）")


def test_main_run_writes_out_control_characters_of_a_refused_case(tmp_path, capsys):
    folder = _broken(tmp_path / NAME)
    assert main(["run", str(folder), "--out", str(tmp_path / "out"), "--format", "html"]) == 2
    lines = _lines(capsys.readouterr().err)
    assert lines[0] == f"✗ {tmp_path}/{NAME_SHOWN}/case：4 处问题，未运行"


def test_main_new_writes_out_control_characters_of_a_refused_id(tmp_path, capsys):
    assert main(["new", "x" + ESCAPES, "--dir", str(tmp_path)]) == 2
    assert _lines(capsys.readouterr().err) == [f"✗ 案例编号「x{SHOWN}」只能由小写字母、数字和 - 组成"]


def test_main_batch_progress_and_summary_write_out_control_characters(tmp_path, capsys):
    folder = write_case(tmp_path / "cases", meta=base_meta("id" + ESCAPES), name="hostile")
    code = main(["batch", str(folder), "--out", str(tmp_path / "build"), "--format", "html", "--no-summary"])
    lines = _lines(capsys.readouterr().err)
    assert code == 1
    refused = f"案例编号「id{SHOWN}」只能由小写字母、数字和 - 组成（{folder}/case.yaml）"
    assert lines[0] == f"[1/1] hostile：✗ 失败：无法读取案例：{refused}"
    assert lines[2] == f"  ✗ {folder}：无法读取案例：{refused}"


def test_main_batch_lists_the_issues_of_an_invalid_case_one_a_line(tmp_path, capsys, monkeypatch):
    import evalkit.batch

    issues = ["indicators.csv 第3行 列「指标类型」：「定量\n✓ 伪造的一行\u202e」不是有效的指标类型", "case.yaml：第二处"]
    record = {"path": "cases/x", "id": "x", "status": "failed",
              "error": {"kind": "invalid", "message": "案例 cases/x 有 2 处问题：\n  - …", "issues": issues}}
    result = evalkit.batch.BatchResult((record,), tmp_path / "manifest.json", 0.1, counts={"ok": 0, "up-to-date": 0,
                                                                                           "failed": 1})
    monkeypatch.setattr(evalkit.batch, "run_batch", lambda *a, **k: result)
    assert main(["batch", "cases", "--out", str(tmp_path)]) == 1
    assert _lines(capsys.readouterr().err)[1:] == [
        "  ✗ x：2 处问题",
        "    - indicators.csv 第3行 列「指标类型」：「定量\\n✓ 伪造的一行\\u202e」不是有效的指标类型",   # a line feed cannot forge a line
        "    - case.yaml：第二处"]


SPECIAL = list("\\xunrt0123456789abcdefABCDEF\x00\x1b\x07\t\n\r\x7f\x85\x9b\u061c\u200e\u200f\u202a\u202e\u2066\u2069"
               "\ud800\udcff")


@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from(SPECIAL))))
def test_escape_writes_out_every_control_character_and_can_be_undone(text):
    shown = escape(text)
    assert RAW.search(shown) is None
    assert unescape(shown) == text                  # so no two texts are shown alike


@given(st.text(alphabet=st.characters(blacklist_characters="\\", blacklist_categories=("Cc", "Cs"))
               .filter(lambda c: not RAW.match(c))))
def test_escape_leaves_text_without_control_characters_or_backslashes_as_it_is(text):
    assert escape(text) == text


@pytest.mark.parametrize(("text", "shown"), [
    ("\x1b[31m红\x1b[0m", "\\x1b[31m红\\x1b[0m"), ("a\u202eb", "a\\u202eb"), ("一\n二\t三\r", "一\\n二\\t三\\r"),
    ("C:\\案例\\demo", "C:\\案例\\demo"), ("C:\\new", "C:\\\\new"), ("\\x1b", "\\\\x1b"), ("\\", "\\"),
    ("\\\x1b", "\\\\\\x1b"), ("\udcff", "\\udcff"),
])
def test_escape_examples(text, shown):
    assert escape(text) == shown and unescape(shown) == text


# ----------------------------------------------------------------------------------------------
# Options: refused in Chinese with exit code 2, before anything runs


@pytest.mark.parametrize("command", ["run", "batch"])
@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "-inf", "1e999", "abc", "", "0x10"])
def test_main_refuses_a_timeout_that_is_not_a_positive_finite_number(tmp_path, capsys, command, value):
    out = tmp_path / "out"
    code = main([command, str(DEMO_CASES[0]), "--out", str(out), "--format", "html", f"--timeout={value}"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"✗ --timeout 应为有限的正数（单个代码单元的最长运行秒数，如 600），实际为「{value}」\n"
    assert not out.exists()


@pytest.mark.parametrize("value", ["0", "-2", "1.5", "abc", "", "两"])
def test_main_batch_refuses_jobs_that_are_not_a_positive_integer(tmp_path, capsys, value):
    out = tmp_path / "out"
    assert main(["batch", str(DEMO_CASES[0]), "--out", str(out), f"--jobs={value}"]) == 2
    assert capsys.readouterr().err == f"✗ --jobs 应为正整数（本机并行进程数），实际为「{value}」\n"
    assert not out.exists()


@pytest.mark.parametrize(("argv", "said"), [
    (["run", "x", "--timeout"], "✗ --timeout 后面需要一个值（以 - 开头的值请写成 --timeout=值）"),
    (["run", "x", "--timeout", "-inf"], "✗ --timeout 后面需要一个值（以 - 开头的值请写成 --timeout=值）"),
    (["batch", "x", "--jobs"], "✗ --jobs 后面需要一个值（以 - 开头的值请写成 --jobs=值）"),
    (["demo-cases", "abc", "d"], "✗ n 应为整数，实际为 'abc'"),
    (["demo-cases", "2", "d", "--seed", "x"], "✗ --seed 应为整数，实际为 'x'"),
    (["run"], "✗ 缺少参数：CASE"),
    ([], "✗ 缺少参数：命令"),
    (["nope"], "✗ 未知的命令 'nope'（可用：'validate', 'new', 'run', 'batch', 'demo-cases'）"),
    (["validate", "x", "--bogus\x1b[2J"], "✗ 无法识别的参数：--bogus\\x1b[2J"),
])
def test_main_bad_arguments_are_chinese_and_exit_2(capsys, argv, said):
    assert main(argv) == 2
    lines = _lines(capsys.readouterr().err)
    assert lines[0] == said and lines[1].startswith("  运行 evalkit") and lines[1].endswith(" -h 查看用法")
