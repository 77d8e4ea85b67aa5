"""Tests of the ``evalkit`` command, called in-process through evalkit.cli.main.

No kernel, no browser: ``run`` is only exercised on inputs it must refuse before running anything.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit._text import escape, unescape
from evalkit.case import validate_case
from evalkit.case.cells import _short
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
    out = capsys.readouterr().out
    assert code == 0
    for path in DEMO_CASES:
        assert f"✓ {path}：通过校验" in out
    assert "✗" not in out


def test_main_validate_broken_case_exit_2_lists_every_problem(tmp_path, capsys):
    folder = _broken(tmp_path)
    issues = validate_case(folder)
    assert len(issues) == 4
    code = main(["validate", str(folder)])
    out = capsys.readouterr().out
    assert code == 2
    assert f"✗ {folder}：4 处问题" in out
    for issue in issues:
        assert f"  - {issue}" in out
    assert "case.yaml 第2行 列「id」：案例编号「Bad_ID」" in out
    assert "indicators.csv 第5行 列「计量单位」：定量指标必须填写计量单位" in out
    assert "indicators.csv 第6行 列「实际完成值」：必须为数字，实际为「很高」" in out
    assert "deductions.csv 第3行 列「指标编码」：指标体系中没有编码为「ZZ9」的指标" in out


def test_main_validate_shows_how_odd_values_were_read(tmp_path, capsys):
    ind = base_indicators()
    ind[4]["actual"] = "９５"                                # indicators.csv row 6, full-width digits
    folder = write_case(tmp_path, indicators=ind, zh=True)
    code = main(["validate", str(folder)])
    out = capsys.readouterr().out
    assert code == 0
    assert f"✓ {folder}：通过校验；1 处内容按以下方式读取，请核对：" in out
    assert "  · indicators.csv 第6行" in out and "「９５」读作 95（全角字符按半角读取）" in out


def test_main_validate_mixed_cases_exit_2_but_reports_good_ones(tmp_path, capsys):
    folder = _broken(tmp_path)
    code = main(["validate", str(DEMO_CASES[0]), str(folder)])
    out = capsys.readouterr().out
    assert code == 2
    assert f"✓ {DEMO_CASES[0]}：通过校验" in out
    assert f"✗ {folder}：4 处问题" in out
    assert out.endswith("共 2 个案例：通过 1 个，有问题 1 个\n")


def test_main_validate_missing_path_exit_2(tmp_path, capsys):
    code = main(["validate", str(tmp_path / "nope")])
    assert code == 2
    assert "找不到案例" in capsys.readouterr().out


def test_main_new_creates_folder_then_refuses_second_time(tmp_path, capsys):
    assert main(["new", "fresh-case", "--dir", str(tmp_path)]) == 0
    said = capsys.readouterr()
    folder = tmp_path / "fresh-case"
    assert said.out == f"✓ 已创建案例骨架 {folder / 'case.yaml'}\n"
    assert said.err == f"  填写后运行：evalkit validate {folder}\n"
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
    assert f"已创建案例骨架 {book}" in capsys.readouterr().out
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
    said = capsys.readouterr().out
    assert code == 2
    assert f"✗ {folder}：4 处问题，未运行" in said
    assert "indicators.csv 第5行 列「计量单位」：定量指标必须填写计量单位" in said
    assert not out.exists() or list(out.rglob("*")) == []


@pytest.mark.slow
def test_main_run_one_invalid_case_fails_alone(tmp_path, capsys):
    """evalkit run is the batch path: an invalid case is listed with its problems, the others run."""
    folder = _broken(tmp_path / "in")
    out = tmp_path / "out"
    code = main(["run", str(DEMO_CASES[0]), str(folder), "--out", str(out), "--format", "html"])
    said = capsys.readouterr().out.splitlines()
    assert code == 2
    assert said[0] == f"✓ demo-water：86.64 分，良 → {out / 'demo-water' / 'report.html'}"
    assert said[1] == f"✗ {folder}：4 处问题，未运行" and said[-1] == "完成 2 个案例：成功 1 个，失败 1 个"
    assert sorted(p.name for p in out.iterdir()) == ["demo-water"]


@pytest.mark.parametrize("fmt", ["xlsx", "html,doc", ","])
def test_main_run_unknown_format_exit_2(tmp_path, capsys, fmt):
    out = tmp_path / "out"
    code = main(["run", str(DEMO_CASES[0]), "--out", str(out), "--format", fmt])
    err = capsys.readouterr().err
    assert code == 2
    assert f"不支持的输出格式：{fmt}" in err
    assert "可用：html,pdf,docx" in err
    assert not out.exists()


# ----------------------------------------------------------------------------------------------
# What the command prints cannot act on the terminal: control and bidi characters are written out

#: written out here, not taken from evalkit: every character that must never reach the terminal raw
RAW = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
ESCAPES = "\x1b[2J\x1b]0;标题\x07\x1b]8;;http://127.0.0.1:9/\x07点我\x1b]8;;\x07\x00\x9b\u202e\u2066"
SHOWN = "\\x1b[2J\\x1b]0;标题\\x07\\x1b]8;;http://127.0.0.1:9/\\x07点我\\x1b]8;;\\x07\\x00\\x9b\\u202e\\u2066"
#: the same in a file name (no NUL, no /)
CSV_ESCAPES, CSV_SHOWN = ESCAPES.replace("\x00", ""), SHOWN.replace("\\x00", "")
NAME, NAME_SHOWN = "\x1b[2J\x1b]0;标题\x07\x9b\u202e\u2066", "\\x1b[2J\\x1b]0;标题\\x07\\x9b\\u202e\\u2066"


def _lines(err: str) -> list[str]:
    assert err.endswith("\n")
    lines = err[:-1].split("\n")
    assert [line for line in lines if RAW.search(line)] == []
    return lines


def test_main_validate_writes_out_control_characters_of_case_values_and_paths(tmp_path, capsys):
    ind = base_indicators()
    ind[1]["type"] = "定量" + CSV_ESCAPES          # row 3: refused, and quoted (a NUL refuses the whole CSV file)
    folder = write_case(tmp_path / ("案例" + NAME), indicators=ind, zh=True)
    code = main(["validate", str(folder)])
    said = capsys.readouterr()
    lines = _lines(said.out)
    assert code == 2
    assert _lines(said.err) == [f"[1/1] 正在校验 {tmp_path}/案例{NAME_SHOWN}/case……"]
    assert lines[0] == f"✗ {tmp_path}/案例{NAME_SHOWN}/case：1 处问题"
    assert lines[1] == f"  - indicators.csv 第3行 列「指标类型」：「定量{CSV_SHOWN}」不是有效的指标类型（应为：定量/定性/扣分/满意度）"


def test_main_validate_notes_the_characters_removed_from_a_valid_case(tmp_path, capsys):
    meta = base_meta()
    meta["project"]["name"] = "测试\u202e项目\x1b[0m"
    folder = write_case(tmp_path, meta=meta, zh=True)
    assert main(["validate", str(folder)]) == 0
    lines = _lines(capsys.readouterr().out)
    assert lines[1] == (f"  · case.yaml 第{yaml_line(folder, 'name:')}行 项目名称：删去了 2 个不可见的控制字符"
                        "（U+202E 从右至左覆盖、U+001B 转义）")


def test_main_run_writes_out_control_characters_of_a_refused_case(tmp_path, capsys):
    folder = _broken(tmp_path / NAME)
    assert main(["run", str(folder), "--out", str(tmp_path / "out"), "--format", "html"]) == 2
    lines = _lines(capsys.readouterr().out)
    assert lines[0] == f"✗ {tmp_path}/{NAME_SHOWN}/case：4 处问题，未运行"


def test_main_new_writes_out_control_characters_of_a_refused_id(tmp_path, capsys):
    assert main(["new", "x" + ESCAPES, "--dir", str(tmp_path)]) == 2
    assert _lines(capsys.readouterr().err) == [f"✗ 案例编号「x{SHOWN}」只能由小写字母、数字和 - 组成"]


def test_main_batch_progress_and_summary_write_out_control_characters(tmp_path, capsys):
    folder = write_case(tmp_path / "cases", meta=base_meta("id" + ESCAPES), name="hostile")
    code = main(["batch", str(folder), "--out", str(tmp_path / "build"), "--format", "html", "--no-summary"])
    said = capsys.readouterr()
    lines, out = _lines(said.err), _lines(said.out)
    assert code == 1
    quoted = escape(_short("id" + ESCAPES, quote=False))                 # cut as the loader cuts it
    assert quoted.startswith("id\\x1b[2J\\x1b]0;标题\\x07")
    refused = (f"case.yaml 第2行 列「id」：案例编号「{quoted}」只能由小写字母、数字和 - 组成（不以 - 开头或结尾，至多 64 个字符），"
               "因为它用作输出文件夹名")
    assert lines[0] == f"[1/1] hostile：✗ 失败：{refused}"
    assert out[1:] == [f"  ✗ {folder}：1 处问题", f"    - {refused}"]


def test_main_batch_lists_the_issues_of_an_invalid_case_one_a_line(tmp_path, capsys, monkeypatch):
    import evalkit.batch

    issues = ["indicators.csv 第3行 列「指标类型」：「定量\n✓ 伪造的一行\u202e」不是有效的指标类型", "case.yaml：第二处"]
    record = {"path": "cases/x", "id": "x", "status": "failed",
              "error": {"kind": "invalid", "message": "案例 cases/x 有 2 处问题：\n  - …", "issues": issues}}
    result = evalkit.batch.BatchResult((record,), tmp_path / "manifest.json", 0.1, counts={"ok": 0, "up-to-date": 0,
                                                                                           "failed": 1})
    monkeypatch.setattr(evalkit.batch, "run_batch", lambda *a, **k: result)
    assert main(["batch", "cases", "--out", str(tmp_path)]) == 1
    assert _lines(capsys.readouterr().out)[1:] == [
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
    (["demo-cases", "abc", "d"], "✗ 数量 应为整数，实际为 'abc'"),
    (["demo-cases", "2", "d", "--seed", "x"], "✗ --seed 应为整数，实际为 'x'"),
    (["run"], "✗ 缺少参数：案例"),
    ([], "✗ 缺少参数：命令"),
    (["nope"], "✗ 未知的命令 'nope'（可用：'validate', 'new', 'run', 'batch', 'demo-cases'）"),
    (["validate", "x", "--bogus\x1b[2J"], "✗ 无法识别的参数：--bogus\\x1b[2J"),
])
def test_main_bad_arguments_are_chinese_and_exit_2(capsys, argv, said):
    assert main(argv) == 2
    lines = _lines(capsys.readouterr().err)
    assert lines[0] == said and lines[1].startswith("  运行 evalkit") and lines[1].endswith(" -h 查看用法")


# ----------------------------------------------------------------------------------------------
# Odd paths and failing writes: a Chinese line and an exit code, never a traceback


def _copy(tmp_path, name: str = "demo-water"):
    folder = tmp_path / "cases" / name
    shutil.copytree(DEMO_CASES[0].parent / name, folder)
    return folder


def test_main_validate_table_that_is_a_symlink_loop_exit_2(tmp_path, capsys):
    folder = _copy(tmp_path)
    (folder / "budget.csv").unlink()
    (folder / "budget.csv").symlink_to("budget.csv")           # Path.resolve() raises RuntimeError
    assert main(["validate", str(folder)]) == 2
    lines = _lines(capsys.readouterr().out)
    assert lines[1] == (f"  - case.yaml 第{yaml_line(folder, 'budget:')}行 列「tables.budget」："
                        "表格文件「budget.csv」是循环的符号链接，无法读取")


@pytest.mark.parametrize(("make", "said"), [
    (lambda p: p.symlink_to(p.name), "case.yaml 是循环的符号链接"),
    (lambda p: p.mkdir(), "case.yaml 是文件夹，不是文件"),
    (lambda p: p.symlink_to("nowhere.yaml"), "case.yaml 是指向不存在位置的符号链接"),
])
def test_main_validate_case_yaml_that_is_not_a_file_exit_2(tmp_path, capsys, make, said):
    folder = _copy(tmp_path)
    (folder / "case.yaml").unlink()
    make(folder / "case.yaml")
    assert main(["validate", str(folder)]) == 2
    assert _lines(capsys.readouterr().out)[1] == f"  - {folder}：{said}"


@pytest.mark.parametrize("name", ["loop", "book.xlsx"])
def test_main_validate_case_path_that_is_a_symlink_loop_exit_2(tmp_path, capsys, name):
    (tmp_path / name).symlink_to(name)
    assert main(["validate", str(tmp_path / name)]) == 2
    assert _lines(capsys.readouterr().out)[1] == (f"  - {tmp_path / name}：无法作为案例读取：是循环的符号链接"
                                                  "（应为含 case.yaml 的文件夹或一个 .xlsx 工作簿）")


@pytest.mark.parametrize("command", ["run", "batch"])
def test_main_case_path_that_does_not_exist_exit_2(tmp_path, capsys, command):
    out = tmp_path / "out"
    assert main([command, str(tmp_path / "nope"), "--out", str(out), "--format", "html"]) == 2
    err = capsys.readouterr().err
    assert "找不到案例" in err and str(tmp_path / "nope") in err
    assert not out.exists()


def test_main_batch_folder_whose_case_yaml_is_a_symlink_loop_fails_that_case(tmp_path, capsys):
    folder = _copy(tmp_path)
    (folder / "case.yaml").unlink()
    (folder / "case.yaml").symlink_to("case.yaml")
    code = main(["batch", str(folder.parent), "--out", str(tmp_path / "out"), "--format", "html"])
    lines = _lines(capsys.readouterr().out)
    assert code == 1
    assert lines[-1] == f"  ✗ {folder}：无法读取案例：{folder / 'case.yaml'} 是循环的符号链接"


def test_main_batch_path_that_is_a_symlink_loop_exit_2(tmp_path, capsys):
    (tmp_path / "loop").symlink_to("loop")
    assert main(["batch", str(tmp_path / "loop"), "--out", str(tmp_path / "out")]) == 2
    assert _lines(capsys.readouterr().err) == [f"✗ 无法读取案例 {tmp_path / 'loop'}：是循环的符号链接"]


@pytest.mark.parametrize("command", ["run", "batch"])
def test_main_out_that_is_an_existing_file_exit_2(tmp_path, capsys, command):
    out = tmp_path / "out.txt"
    out.write_text("不是文件夹", encoding="utf-8")
    assert main([command, str(DEMO_CASES[0]), "--out", str(out), "--format", "html"]) == 2
    assert _lines(capsys.readouterr().err) == [f"✗ 输出目录 {out} 是文件，不是文件夹"]
    assert out.read_text(encoding="utf-8") == "不是文件夹"


def test_main_run_case_output_folder_that_is_a_file_exit_2(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "demo-water").write_text("", encoding="utf-8")
    assert main(["run", str(DEMO_CASES[0]), "--out", str(tmp_path / "out"), "--format", "html"]) == 2
    assert _lines(capsys.readouterr().out) == [f"✗ demo-water 失败：输出目录 {tmp_path / 'out' / 'demo-water'} 是文件，不是文件夹"]


def test_main_batch_missing_notebook_exit_2(tmp_path, capsys):
    code = main(["batch", str(DEMO_CASES[0]), "--out", str(tmp_path / "out"), "--notebook", str(tmp_path / "x.ipynb")])
    assert code == 2
    assert _lines(capsys.readouterr().err) == [f"✗ 报告笔记本 {tmp_path / 'x.ipynb'} 不存在"]


def test_main_case_folder_named_with_undecodable_bytes(tmp_path, capsys):
    """A folder name that is not UTF-8 cannot be passed to the notebook: refused, shown as \\udcff."""
    folder = _copy(tmp_path, "demo-water").rename(tmp_path / "cases" / os.fsdecode(b"water-\xff"))
    assert main(["run", str(folder), "--out", str(tmp_path / "out"), "--format", "html"]) == 2
    shown = f"{tmp_path}/cases/water-\\udcff"
    assert _lines(capsys.readouterr().out) == [f"✗ demo-water 失败：案例路径 {shown} 含有不是 UTF-8 编码的字节，无法传给笔记本：请把文件夹改名"]
    assert main(["batch", str(folder.parent), "--out", str(tmp_path / "out"), "--format", "html"]) == 1
    assert _lines(capsys.readouterr().out)[-1].startswith(f"  ✗ demo-water：案例路径 {shown} 含有不是 UTF-8 编码的字节")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [c["path"] for c in manifest["cases"]] == [str(folder)]          # the same path, read back


@pytest.mark.parametrize("command", ["new", "demo-cases"])
def test_main_new_and_demo_cases_into_a_file_exit_2(tmp_path, capsys, command):
    target = tmp_path / "afile"
    target.write_text("", encoding="utf-8")
    argv = ["new", "x", "--dir", str(target)] if command == "new" else ["demo-cases", "2", str(target)]
    assert main(argv) == 2
    what = "新建案例" if command == "new" else "生成案例"
    assert _lines(capsys.readouterr().err) == [f"✗ {target} 是文件，不是文件夹，无法在其中{what}"]


def _refuse_writes_in(monkeypatch, folder, err=errno.EACCES):
    """Simulate a folder that cannot be written (tests may run as root, for whom chmod changes nothing)."""
    real = os.mkdir

    def mkdir(path, *args, **kwargs):
        if Path(path).parent == folder:
            raise PermissionError(err, os.strerror(err), str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)


@pytest.mark.parametrize("command", ["new", "demo-cases"])
def test_main_new_and_demo_cases_into_a_read_only_folder_exit_1(tmp_path, capsys, monkeypatch, command):
    folder = tmp_path / "ro"
    folder.mkdir()
    _refuse_writes_in(monkeypatch, folder)
    argv = ["new", "x", "--dir", str(folder)] if command == "new" else ["demo-cases", "2", str(folder)]
    assert main(argv) == 1
    where = folder / "x" if command == "new" else folder
    assert _lines(capsys.readouterr().err) == [f"✗ 写入 {where} 失败：没有写入权限"]
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_main_new_into_a_really_read_only_folder_exit_1(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    assert main(["new", "x", "--dir", str(folder)]) == 1
    assert _lines(capsys.readouterr().err) == [f"✗ 写入 {folder / 'x'} 失败：没有写入权限"]


def _no_kernel(monkeypatch, tmp_path):
    """A batch whose one case "ran" (no worker) and whose summary notebook "ran" (no kernel)."""
    import nbformat

    import evalkit.batch
    import evalkit.run

    def ran(todo, **kwargs):
        return [{"path": a[0], "out": a[1], "key": a[4], "id": a[6], "status": "ok", "score": 90.0, "grade": "优"}
                for a in todo]

    def executed(notebook, target, parameters, case_id, timeout, kernels=None):
        nb = nbformat.v4.new_notebook()
        nb.cells.append(nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
            "display_data", {"text/html": "<p>汇总</p>"})]))
        return nb

    monkeypatch.setattr(evalkit.batch, "_run", ran)
    monkeypatch.setattr(evalkit.run, "_execute", executed)


def _disk_full_at(monkeypatch, name):
    from evalkit import _io

    real = _io.write_bytes

    def full(path, data):
        if Path(path).name == name:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, data)

    monkeypatch.setattr(_io, "write_bytes", full)


def test_main_batch_full_disk_while_writing_the_summary_exit_1(tmp_path, capsys, monkeypatch):
    import evalkit.batch

    _no_kernel(monkeypatch, tmp_path)
    _disk_full_at(monkeypatch, "summary.html")
    # the summary is made in a worker process of its own (tests/test_stop.py); here, in this one, where
    # the simulated full disk is
    monkeypatch.setattr(evalkit.batch, "_summary_in_worker",
                        lambda out, formats, timeout, stop: evalkit.batch._summary_job(str(out), tuple(formats), timeout))
    out = tmp_path / "out"
    assert main(["batch", str(DEMO_CASES[0]), "--out", str(out), "--format", "html"]) == 1
    lines = _lines(capsys.readouterr().out)
    assert lines[-1] == f"  ✗ 汇总报告未能生成：写入 {out / 'summary.html'} 失败：磁盘空间不足（原有的输出保持不变）"
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]            # no staging folder left


@pytest.mark.parametrize("where", ["papermill", "staging"])
def test_write_summary_full_disk_is_an_export_error(tmp_path, monkeypatch, where):
    import tempfile

    import papermill

    from evalkit.batch import write_summary
    from evalkit.errors import ExportError

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "x"))

    monkeypatch.setattr(papermill if where == "papermill" else tempfile,
                        "execute_notebook" if where == "papermill" else "mkdtemp", full)
    with pytest.raises(ExportError, match="失败：磁盘空间不足（原有的输出保持不变）"):
        write_summary(tmp_path, formats=("html",))


def test_run_one_hands_the_batch_key_to_run_case_and_writes_nothing_itself(tmp_path, monkeypatch):
    """The case's manifest is written once, complete, by run_case: the batch does not read it back."""
    import evalkit.batch
    import evalkit.run

    seen = {}

    def ran(case, out_dir, formats, **kwargs):
        seen.update(kwargs)
        return evalkit.run.RunResult("demo-water", Path(out_dir), {}, {}, {"score": 1.0, "grade": "差"})

    monkeypatch.setattr(evalkit.run, "run_case", ran)
    monkeypatch.setattr(evalkit.batch, "_worker_state", lambda formats: {"printer": None, "kernels": None})
    record = evalkit.batch.run_one(str(DEMO_CASES[0]), str(tmp_path / "out"), ("html",), 60.0, "key")
    assert record["status"] == "ok" and seen["batch_key"] == "key"
    assert not (tmp_path / "out").exists()


def test_main_validate_case_yaml_that_cannot_be_read_exit_2(tmp_path, capsys, monkeypatch):
    folder = _copy(tmp_path)
    real = Path.read_text

    def denied(self, *args, **kwargs):
        if self.name == "case.yaml":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", denied)
    assert main(["validate", str(folder)]) == 2
    assert _lines(capsys.readouterr().out)[1] == f"  - {folder / 'case.yaml'}：无法读取：没有读取权限"


@pytest.mark.parametrize("command", ["validate", "run", "batch"])
def test_main_case_path_with_a_name_too_long_for_the_file_system_exit_2(tmp_path, capsys, command):
    path = tmp_path / ("长" * 100)                                    # 300 bytes: ENAMETOOLONG
    assert main([command, str(path), "--out", str(tmp_path / "out")][: 2 if command == "validate" else 4]) == 2
    said = capsys.readouterr()
    lines = _lines(said.out if command == "validate" else said.err)        # a problem found, or a refusal
    assert lines[-1].endswith("无法读取：文件名过长" if command == "validate" else "名称过长"), lines   # run: the batch path
