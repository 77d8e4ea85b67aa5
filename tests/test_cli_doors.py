"""What the ``evalkit`` command shows at its doors: Chinese help, results on stdout with progress and
diagnostics on stderr, and the ``--json`` documents of ``validate`` and ``batch``.

In-process through evalkit.cli.main where that suffices; as a real process where the two streams must
be told apart as a shell does (``evalkit validate CASE > file``). No kernel, no browser, except the
one slow test that runs a real batch of one example case.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import unicodedata
from pathlib import Path

import pytest

import evalkit.batch
import evalkit.run
from evalkit.case import load_case
from evalkit.cli import build_parser, main
from evalkit.errors import RunError

from .helpers import CASES, REPO

COMMANDS = ("validate", "new", "run", "batch", "demo-cases")
#: argparse's own English, which the help must not show
ENGLISH = ("usage", "options", "show this help", "positional", "show program's", "arguments", "optional")
HAN = re.compile("[\u4e00-\u9fff]")
#: every character that must never reach the terminal raw (written out, not taken from evalkit)
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
ENV = {**os.environ, "PYTHONIOENCODING": "utf-8", "CI": "true"}


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {None: parser, **sub.choices}


def _broken_water(tmp_path: Path) -> tuple[Path, int]:
    """A copy of cases/demo-water whose first quantitative indicator has 很多 as its actual value:
    the folder and the spreadsheet row of that cell."""
    folder = tmp_path / "cases" / "demo-water"
    shutil.copytree(CASES / "demo-water", folder)
    path = folder / "indicators.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    row = next(i for i, r in enumerate(rows) if i and r[header.index("type")] == "定量")
    rows[row][header.index("actual")] = "很多"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return folder, row + 1                          # the header is row 1


PROBLEM = "必须为数字，实际为「很多」"


# ----------------------------------------------------------------------------------------------
# Help


@pytest.mark.parametrize("command", [None, *COMMANDS], ids=lambda c: c or "evalkit")
def test_help_is_chinese_with_a_description_and_every_option_explained(capsys, command):
    assert main(["--help"] if command is None else [command, "--help"]) == 0
    said = capsys.readouterr()
    text = said.out
    assert said.err == ""
    assert text.startswith("用法：evalkit" + ("" if command is None else f" {command}"))
    for word in ENGLISH:
        assert word not in text.lower(), word
    assert "位置参数：" in text or command is None
    assert "选项：" in text and "示例：\n  evalkit " in text
    parser = _commands()[command]
    assert HAN.search(parser.description) and "退出码：" in parser.description and "标准输出" in parser.description
    assert parser.description.split("\n")[0][:20] in text
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():            # each command listed with what it does
                helps = [a.help for a in action._choices_actions if a.dest == name]
                assert helps and HAN.search(helps[0]) and re.search(rf"^  {name} +\S", text, re.M), name
                assert sub.description
            continue
        assert action.help and HAN.search(action.help), action
        if action.option_strings:
            for option in action.option_strings:
                assert re.search(rf"^  (-\S+, )*{re.escape(option)}\b", text, re.M), option
            if action.dest not in ("help", "version"):
                assert "默认" in action.help, action.option_strings          # every option says its default
            if action.metavar:
                assert HAN.search(action.metavar), action.metavar
        else:
            assert HAN.search(action.metavar) and f"  {action.metavar} " in text, action.dest


@pytest.mark.parametrize("command", [None, *COMMANDS], ids=lambda c: c or "evalkit")
def test_help_lines_fit_the_terminal_and_options_line_up(capsys, monkeypatch, command):
    """A Chinese character takes two columns: the help is wrapped and aligned by columns, not characters."""
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["--help"] if command is None else [command, "--help"]) == 0
    lines = capsys.readouterr().out.splitlines()

    def columns(line: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)

    assert max(map(columns, lines)) <= 80
    starts = {columns(m.group()) for line in lines if (m := re.match(r"  --?[a-z-]+( \S+)? +(?=\S)", line))}
    assert len(starts) == 1                                       # the help of every option begins in one column


# ----------------------------------------------------------------------------------------------
# Results on stdout, progress and diagnostics on stderr


def test_validate_into_a_file_gives_the_problems_in_the_file_and_progress_on_stderr(tmp_path):
    folder, row = _broken_water(tmp_path)
    target = tmp_path / "校验结果.txt"
    with target.open("wb") as fh:
        done = subprocess.run([sys.executable, "-m", "evalkit.cli", "validate", str(folder)], stdout=fh,
                              stderr=subprocess.PIPE, cwd=REPO, env=ENV, timeout=120)
    assert done.returncode == 2
    assert target.read_text(encoding="utf-8") == (f"✗ {folder}：1 处问题\n"
                                                  f"  - indicators.csv 第{row}行 列「actual」：{PROBLEM}\n")
    assert done.stderr.decode("utf-8") == f"[1/1] 正在校验 {folder}……\n"


def test_validate_into_a_pipe_closed_early_goes_on_to_its_exit_code_without_a_traceback(tmp_path):
    """``evalkit validate … | head -1``: the first verdict reaches the reader; when it has gone, the rest
    of the output (more than a pipe holds) is dropped and the exit code still says what was found."""
    paths = [str(tmp_path / f"nope-{n}") for n in range(800)]
    proc = subprocess.Popen([sys.executable, "-m", "evalkit.cli", "validate", *paths], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=REPO, env=ENV)
    said: list[bytes] = []
    reader = threading.Thread(target=lambda: said.append(proc.stderr.read()), daemon=True)
    reader.start()
    try:
        first = proc.stdout.readline().decode("utf-8")
        proc.stdout.close()
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(timeout=10)
    err = said[0].decode("utf-8")
    assert first == f"✗ {paths[0]}：1 处问题\n"
    assert proc.returncode == 2
    assert "Traceback" not in err and "BrokenPipeError" not in err and err.endswith(f"正在校验 {paths[-1]}……\n")


def test_validate_of_several_cases_ends_its_results_with_the_counts(tmp_path, capsys):
    folder, _ = _broken_water(tmp_path)
    good = CASES / "demo-greening"
    assert main(["validate", str(good), str(folder)]) == 2
    said = capsys.readouterr()
    assert said.out.startswith(f"✓ {good}：通过校验") and f"\n✗ {folder}：1 处问题\n" in said.out
    assert said.out.endswith("\n共 2 个案例：通过 1 个，有问题 1 个\n")
    assert said.err == f"[1/2] 正在校验 {good}……\n[2/2] 正在校验 {folder}……\n"


def _fake_run(monkeypatch, fail: set[str] = frozenset()):
    """``run_case`` without a kernel: writes the outputs an HTML run writes, or fails for ``fail``."""
    def ran(case, out_dir, formats, **kwargs):
        case_id = load_case(case).id
        if case_id in fail:
            raise RunError(f"案例 {case_id} 的笔记本第 3 个代码单元出错：ValueError: 故意出错", case_id=case_id)
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        names = ["report.ipynb", "results.json", "report.html"]
        for name in names:
            (out / name).write_text("{}", encoding="utf-8")
        (out / "results.json").write_text(json.dumps({"score": 81.5, "grade": "良", "title": "标题"}), encoding="utf-8")
        (out / "manifest.json").write_text(json.dumps({"id": case_id, "status": "ok", "outputs": names,
                                                       "batch_key": kwargs.get("batch_key")}), encoding="utf-8")
        return evalkit.run.RunResult(case_id, out, {n: out / n for n in [*names, "manifest.json"]}, {},
                                     {"score": 81.5, "grade": "良"})

    monkeypatch.setattr(evalkit.run, "run_case", ran)


def test_run_writes_each_report_and_the_counts_to_stdout_progress_to_stderr(tmp_path, capsys, monkeypatch):
    _fake_batch(monkeypatch, fail={"demo-greening"})            # evalkit run is the batch path
    out = tmp_path / "out"
    code = main(["run", str(CASES / "demo-water"), str(CASES / "demo-greening"), "--out", str(out),
                 "--format", "html"])
    said = capsys.readouterr()
    assert code == 1
    assert said.out.splitlines() == [
        f"✓ demo-water：81.50 分，良 → {out / 'demo-water' / 'report.html'}",
        "✗ demo-greening 失败：案例 demo-greening 的笔记本第 3 个代码单元出错：ValueError: 故意出错",
        "完成 2 个案例：成功 1 个，失败 1 个"]
    err = said.err.splitlines()
    assert err[0].startswith("[1/2] demo-water：✓ 81.50 分 良") and err[1].startswith("[2/2] demo-greening：✗ 失败：")
    assert re.fullmatch(r"用时 \d+\.\d 秒", err[-1]) and len(err) == 3


def _fake_batch(monkeypatch, fail: set[str] = frozenset()):
    """A batch whose workers run ``run_one`` in this process, over the kernel-less ``run_case``."""
    def ran(todo, *, report, **kwargs):
        records = []
        for args in todo:
            records.append(evalkit.batch.run_one(*args))
            report(records[-1])
        return records

    _fake_run(monkeypatch, fail)
    monkeypatch.setattr(evalkit.batch, "_worker_state", lambda formats: {"printer": None, "kernels": None})
    monkeypatch.setattr(evalkit.batch, "_run", ran)


def test_batch_writes_each_case_and_the_counts_to_stdout_progress_to_stderr(tmp_path, capsys, monkeypatch):
    _fake_batch(monkeypatch)
    broken, row = _broken_water(tmp_path)
    shutil.copytree(CASES / "demo-greening", broken.parent / "demo-greening")
    out = tmp_path / "build"
    code = main(["batch", str(broken.parent), "--out", str(out), "--format", "html", "--no-summary"])
    said = capsys.readouterr()
    assert code == 1
    assert said.out.splitlines() == [
        f"完成 2 个案例：运行 1 个，未变 0 个，失败 1 个 → {out / 'manifest.json'}",
        f"  ✓ demo-greening：81.50 分，良 → {out / 'demo-greening' / 'report.html'}",
        "  ✗ demo-water：1 处问题",
        f"    - indicators.csv 第{row}行 列「actual」：{PROBLEM}"]
    err = said.err.splitlines()
    assert err[0].startswith("[1/2] demo-greening：✓ 81.50 分 良") and err[1].startswith("[2/2] demo-water：✗ 失败：")
    assert re.fullmatch(r"用时 \d+\.\d 秒", err[2]) and len(err) == 3

    assert main(["batch", str(broken.parent / "demo-greening"), "--out", str(out), "--format", "html",
                 "--no-summary"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (f"  · demo-greening：未变，81.50 分，良 → "
                                                       f"{out / 'demo-greening' / 'report.html'}")


# ----------------------------------------------------------------------------------------------
# --json


def test_validate_json_holds_every_problem_with_its_place(tmp_path, capsys):
    folder, row = _broken_water(tmp_path)
    book = CASES / "demo-microcredit" / "case.xlsx"
    missing = tmp_path / "nope"
    assert main(["validate", str(folder), str(book), str(missing), "--json"]) == 2
    said = capsys.readouterr()
    doc = json.loads(said.out)                                   # one document, nothing else
    assert said.err == "".join(f"[{n}/3] 正在校验 {p}……\n" for n, p in enumerate((folder, book, missing), start=1))
    assert doc["ok"] is False and doc["counts"] == {"valid": 1, "invalid": 2}
    broken, good, gone = doc["cases"]
    assert broken == {"path": str(folder), "id": "demo-water", "ok": False, "warnings": [], "notes": [],
                      "problems": [{"file": "indicators.csv", "sheet": None, "row": row, "column": "actual",
                                    "message": PROBLEM}]}
    case = load_case(book)
    assert good == {"path": str(book), "id": "demo-microcredit", "ok": True, "problems": [],
                    "warnings": [{"file": w.file, "sheet": w.sheet, "row": w.row, "column": w.column,
                                  "message": w.message} for w in case.warnings],
                    "notes": list(case.notes)}
    assert gone["id"] is None and gone["ok"] is False
    assert [p["message"] for p in gone["problems"]] == ["找不到案例：应为含 case.yaml 的文件夹或一个 .xlsx 工作簿"]


def test_validate_json_of_a_workbook_names_the_sheet(tmp_path, capsys):
    import openpyxl

    book = tmp_path / "book.xlsx"
    shutil.copy(CASES / "demo-microcredit" / "case.xlsx", book)
    wb = openpyxl.load_workbook(book)
    ws = wb["指标体系"]
    header = [c.value for c in ws[1]]
    column = header.index("分值") + 1
    ws.cell(row=2, column=column, value="十")
    wb.save(book)
    assert main(["validate", str(book), "--json"]) == 2
    (case,) = json.loads(capsys.readouterr().out)["cases"]
    assert case["id"] == "demo-microcredit"
    assert {"file": "book.xlsx", "sheet": "指标体系", "row": 2, "column": "分值",
            "message": "必须为数字，实际为「十」"} in case["problems"]


def test_validate_json_writes_control_characters_as_escapes_and_reads_back_the_same(tmp_path, capsys):
    name = "案例\x1b[2J\u202e\udcff"
    assert main(["validate", str(tmp_path / name), "--json"]) == 2
    out = capsys.readouterr().out
    assert RAW.search(out) is None and "\\u001b[2J\\u202e\\udcff" in out
    assert json.loads(out)["cases"][0]["path"] == str(tmp_path / name)


def test_batch_json_holds_each_case_and_the_counts(tmp_path, capsys, monkeypatch):
    _fake_batch(monkeypatch)
    broken, row = _broken_water(tmp_path)
    shutil.copytree(CASES / "demo-greening", broken.parent / "demo-greening")
    out = tmp_path / "build"
    code = main(["batch", str(broken.parent), "--out", str(out), "--format", "html", "--no-summary", "--json"])
    said = capsys.readouterr()
    assert code == 1
    doc = json.loads(said.out)
    assert "{" not in said.err and said.err.splitlines()[-1].startswith("用时 ")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert doc["counts"] == manifest["counts"] == {"ok": 1, "up-to-date": 0, "failed": 1}
    assert (doc["manifest"], doc["summary"], doc["summary_error"], doc["stopped"]) == (str(out / "manifest.json"),
                                                                                       None, None, None)
    greening, water = doc["cases"]                               # in the manifest's order
    assert {k: v for k, v in greening.items() if k not in ("out", "outputs")} == manifest["cases"][0]
    assert (greening["status"], greening["score"], greening["grade"]) == ("ok", 81.5, "良")
    assert greening["outputs"] == [str(out / "demo-greening" / n) for n in ("report.ipynb", "results.json",
                                                                           "report.html")]
    assert water == manifest["cases"][1]
    assert water["status"] == "failed" and water["error"]["kind"] == "invalid"
    assert water["error"]["issues"] == [f"indicators.csv 第{row}行 列「actual」：{PROBLEM}"]


def test_batch_json_refused_before_it_runs_writes_nothing_on_stdout(tmp_path, capsys):
    assert main(["batch", str(tmp_path / "nope"), "--out", str(tmp_path / "out"), "--json"]) == 2
    said = capsys.readouterr()
    assert said.out == "" and said.err == f"✗ 找不到案例：{tmp_path / 'nope'}\n"


@pytest.mark.slow
def test_batch_json_of_a_real_batch_agrees_with_results_json(tmp_path):
    case = CASES / "demo-greening"
    out = tmp_path / "build"
    done = subprocess.run([sys.executable, "-m", "evalkit.cli", "batch", str(case), "--out", str(out),
                           "--format", "html", "--no-summary", "--jobs", "1", "--json"],
                          capture_output=True, cwd=REPO, env=ENV, timeout=600)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    doc = json.loads(done.stdout.decode("utf-8"))
    results = json.loads((out / "demo-greening" / "results.json").read_text(encoding="utf-8"))
    (entry,) = doc["cases"]
    assert (entry["id"], entry["status"]) == ("demo-greening", "ok")
    assert (entry["score"], entry["grade"], entry["title"]) == (results["score"], results["grade"], results["title"])
    assert doc["counts"] == {"ok": 1, "up-to-date": 0, "failed": 0}
    assert sorted(Path(p).name for p in entry["outputs"]) == ["report.html", "report.ipynb", "results.json"]
    assert all(Path(p).is_file() for p in entry["outputs"])
    assert "[1/1] demo-greening：✓" in done.stderr.decode("utf-8")
