"""The ``evalkit`` command: validate, new, run, batch, demo-cases.

Exit codes: 0 all good; 1 a case failed while running; 2 bad input (an invalid case or option);
128 + the signal when SIGINT (Ctrl-C, 130), SIGTERM (143) or SIGHUP (129) stopped a batch.

What the user asked for goes to stdout: ``validate``'s verdict on each case with every problem,
warning and note; the reports ``run`` and ``batch`` wrote (or why a case failed) and their counts; the
path ``new`` created. Progress, timings, refusals and errors go to stderr, so ``evalkit validate CASE >
file`` puts the problems in the file. ``validate --json`` and ``batch --json`` print one JSON document on
stdout and nothing else there. Messages are Chinese, one line each, the help too. Every line is printed
through :func:`evalkit._text.escape`: a control or bidirectional character in a case value or a file name
is shown as ``\\x1b`` or ``\\u202e``, never sent to the terminal; in a JSON document such characters
are ``\\u`` escapes of its strings.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__, _io
from ._text import INVISIBLE, escape
from .batch import GRACE
from .errors import BatchStopped, CaseError, EvalkitError, InputError, Issue

OK, FAILED, BAD_INPUT = 0, 1, 2


# ----------------------------------------------------------------------------------------------
# Output: results on stdout, progress and diagnostics on stderr


def _say(msg: str) -> None:
    """A diagnostic line on stderr (a refusal, an error, a timing), its control and bidirectional
    characters (line feeds too) written out."""
    _clear()
    print(escape(msg), file=sys.stderr, flush=True)


def _out(msg: str) -> None:
    """A result line on stdout, written out as :func:`_say` writes it."""
    _clear()
    _stdout(escape(msg) + "\n")


#: what a JSON document writes as a ``\\u`` escape beyond what :func:`json.dumps` escapes itself: the
#: invisible characters evalkit removes from case text, and the lone surrogates of undecodable bytes
_JSON_ESCAPED = re.compile(f"{INVISIBLE.pattern}|[\ud800-\udfff]")


def _json(doc: Any) -> None:
    """One JSON document on stdout: UTF-8, Chinese as it is, indented, a line feed at the end."""
    text = json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False)
    _clear()
    _stdout(_JSON_ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n", utf8=True)


def _stdout(text: str, *, utf8: bool = False) -> None:
    """Write to stdout; a reader that has gone away (``| head``) ends the output, not the command."""
    try:
        buffer = getattr(sys.stdout, "buffer", None) if utf8 else None
        if buffer is None:
            sys.stdout.write(text)
        else:
            sys.stdout.flush()
            buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
    except BrokenPipeError:
        with contextlib.suppress(OSError, ValueError):      # nothing more reaches the pipe, nor fails at exit
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)


_SHOWN = {"live": False}                 # a progress line is on the terminal, not yet replaced


def _progress(msg: str) -> None:
    """A progress line on stderr: on a terminal (not in CI) one line that the next output replaces,
    otherwise a line of its own (a log keeps every one)."""
    _clear()
    text = escape(msg)
    stream = sys.stderr
    live = _isatty(stream) and os.environ.get("CI") != "true"
    if live:
        stream.write("\r" + _fit(text, shutil.get_terminal_size().columns - 1))
        _SHOWN["live"] = True
    else:
        stream.write(text + "\n")
    stream.flush()


def _clear() -> None:
    if _SHOWN["live"]:
        _SHOWN["live"] = False
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _columns(text: str) -> int:
    """How many terminal columns ``text`` takes: a Chinese character two, others one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns (with …), so that a progress line never wraps."""
    if _columns(text) <= width:
        return text
    out, used = [], 1
    for ch in text:
        used += _columns(ch)
        if used > width:
            break
        out.append(ch)
    return "".join(out) + "…"


def _seconds(text: str, *, zero: bool = False) -> float | None:
    """``--timeout`` (``--grace`` with ``zero``): a positive (or zero) finite number of seconds, or None."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and (value > 0 or zero and value == 0) else None


def _count(text: str) -> int | None:
    """``--jobs``: a positive integer, or None."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def _bad_timeout(text: str) -> int:
    _say(f"✗ --timeout 应为有限的正数（单个代码单元的最长运行秒数，如 600），实际为「{text}」")
    return BAD_INPUT


def cmd_validate(args: argparse.Namespace) -> int:
    from .case import load_case
    from .report.analyses import checked

    verdicts = []
    for n, path in enumerate(args.cases, start=1):
        _progress(f"[{n}/{len(args.cases)}] 正在校验 {path}……")
        try:
            case = checked(load_case(path))      # with the figures a method recomputes from the evidence
        except CaseError as exc:
            verdict = {"path": path, "id": _case_id(path) if args.json else None, "ok": False,
                       "problems": exc.issues, "warnings": (), "notes": exc.notes}
        else:
            verdict = {"path": path, "id": case.id, "ok": True, "problems": (), "warnings": case.warnings,
                       "notes": case.notes}
        verdicts.append(verdict)
        if not args.json:
            _show_verdict(verdict)
    valid = sum(v["ok"] for v in verdicts)
    if args.json:
        _json({"ok": valid == len(verdicts), "counts": {"valid": valid, "invalid": len(verdicts) - valid},
               "cases": [{**v, "problems": [_issue(i) for i in v["problems"]],
                          "warnings": [_issue(w) for w in v["warnings"]], "notes": list(v["notes"])}
                         for v in verdicts]})
    elif len(verdicts) > 1:
        _out(f"共 {len(verdicts)} 个案例：通过 {valid} 个，有问题 {len(verdicts) - valid} 个")
    return OK if valid == len(verdicts) else BAD_INPUT


def _show_verdict(v: dict[str, Any]) -> None:
    path = v["path"]
    if not v["ok"]:
        _out(f"✗ {path}：{len(v['problems'])} 处问题")
        for issue in v["problems"]:
            _out(f"  - {issue}")
        if v["notes"]:
            _out("  读取时还注意到（可能与上面的问题有关）：")
        for note in v["notes"]:
            _out(f"  · {note}")
        return
    _out(f"✓ {path}：通过校验" + (f"；{len(v['notes'])} 处内容按以下方式读取，请核对：" if v["notes"] else ""))
    for note in v["notes"]:
        _out(f"  · {note}")
    if v["warnings"]:
        _out(f"⚠ {path}：{len(v['warnings'])} 处数据前后不一致，请核对（不影响运行）：")
    for warning in v["warnings"]:
        _out(f"  ! {warning}")


def _issue(issue: Issue) -> dict[str, Any]:
    """A problem or warning in ``--json``: where it is (None where a place does not apply) and what."""
    return {"file": issue.file, "sheet": issue.sheet, "row": issue.row, "column": issue.column,
            "message": issue.message}


def _case_id(path: str) -> str | None:
    """The id of an invalid case, when its ``case.yaml`` (or 基本信息 sheet) gives a usable one."""
    from .case import case_inputs

    try:
        return case_inputs(path)[0]
    except Exception:                           # unreadable that far: the problems say why
        return None


def cmd_new(args: argparse.Namespace) -> int:
    from .case import new_case

    try:
        folder = new_case(args.id, args.dir, xlsx=args.xlsx)
    except InputError as exc:
        _say(f"✗ {exc}")
        return BAD_INPUT
    except OSError as exc:                      # a read-only folder, a full disk
        _say(f"✗ {_io.write_failure(exc, Path(args.dir) / args.id, kept=False)}")
        return FAILED
    what = folder / ("case.xlsx" if args.xlsx else "case.yaml")
    _out(f"✓ 已创建案例骨架 {what}")
    _say(f"  填写后运行：evalkit validate {folder}")
    return OK


def cmd_run(args: argparse.Namespace) -> int:
    """``evalkit run``: the batch path with one job — every case named is run (no change check), no
    summary, and the batch's ``manifest.json`` is left as it is. One worker reads each case once (in
    its kernel), keeps one browser for all of them, and stops on Ctrl-C, SIGTERM or SIGHUP as a
    batch does (one line, no traceback, ``128 + signal``)."""
    from .batch import run_batch
    from .run import FORMATS

    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        _say(f"✗ 不支持的输出格式：{args.format}（可用：{','.join(FORMATS)}）")
        return BAD_INPUT
    timeout = _seconds(args.timeout)
    if timeout is None:
        return _bad_timeout(args.timeout)
    try:
        res = run_batch(args.cases, args.out, jobs=1, formats=formats, force=True, timeout=timeout,
                        summary=False, manifest=False, house=args.template, draft=args.draft)
    except BatchStopped as exc:
        _show_run(exc.result.to_dict()["cases"])
        _say(str(exc))
        return exc.exit_code
    except InputError as exc:
        _say(f"✗ {exc}")
        return BAD_INPUT
    except EvalkitError as exc:
        _say(f"✗ {exc}")
        return FAILED
    doc = res.to_dict()
    _show_run(doc["cases"])
    if len(res.records) > 1:
        _out(f"完成 {len(res.records)} 个案例：成功 {res.counts['ok']} 个，失败 {res.counts['failed']} 个")
    _say(f"用时 {res.seconds:.1f} 秒")
    if any(r["error"].get("kind") == "invalid" for r in res.failed):
        return BAD_INPUT
    return FAILED if res.failed else OK


def _show_run(cases: list[dict[str, Any]]) -> None:
    """What ``evalkit run`` made of each case: its score and reports, or why it did not run; the
    figures its case states that disagree, as the report's 计算说明 lists them."""
    for c in cases:
        name = c.get("id") or c["path"]
        if c["status"] == "ok":
            reports = [o for o in c.get("outputs", ()) if Path(o).name.startswith("report.")
                       and not o.endswith(".ipynb")]
            _out(f"✓ {name}：{c['score']:.2f} 分，{c['grade']} → {', '.join(reports)}")
            warnings = _results(c).get("warnings", [])
            if warnings:
                _out(f"⚠ {name}：{len(warnings)} 处数据前后不一致，报告的计算说明中已列出（详见 evalkit validate）")
        elif c["status"] == "failed":
            issues = c["error"].get("issues")
            if issues:
                _out(f"✗ {c['path']}：{len(issues)} 处问题，未运行")
                for issue in issues:
                    _out(f"  - {issue}")
            else:
                _out(f"✗ {name} 失败：{c['error']['message']}")
        elif c["status"] == "stopped":
            _out(f"■ {name}：已停止（运行中被中断，原有的输出保持不变）")
        else:
            _out(f"○ {name}：未运行")


def _results(case: dict[str, Any]) -> dict[str, Any]:
    try:
        return json.loads((Path(case["out"]) / "results.json").read_text(encoding="utf-8"))
    except (KeyError, OSError, ValueError):
        return {}


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch import run_batch

    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    timeout = _seconds(args.timeout)
    if timeout is None:
        return _bad_timeout(args.timeout)
    jobs = None if args.jobs is None else _count(args.jobs)
    if args.jobs is not None and jobs is None:
        _say(f"✗ --jobs 应为正整数（本机并行进程数），实际为「{args.jobs}」")
        return BAD_INPUT
    grace = GRACE if args.grace is None else _seconds(args.grace, zero=True)
    if grace is None:
        _say(f"✗ --grace 应为不小于 0 的有限秒数（如 3），实际为「{args.grace}」")
        return BAD_INPUT
    try:
        res = run_batch(args.paths, args.out, jobs=jobs, formats=formats, force=args.force,
                        scheduler=args.scheduler, timeout=timeout, summary=not args.no_summary,
                        notebook=args.notebook, grace=grace, house=args.template, draft=args.draft)
    except BatchStopped as exc:              # Ctrl-C, SIGTERM, SIGHUP: the manifest says what each case became
        if args.json:
            _json(exc.result.to_dict())
        else:
            _show_cases(exc.result.to_dict()["cases"])
        _say(str(exc))
        return exc.exit_code
    except InputError as exc:
        _say(f"✗ {exc}")
        return BAD_INPUT
    except EvalkitError as exc:              # the batch manifest could not be written
        _say(f"✗ {exc}")
        return FAILED
    doc = res.to_dict()
    if args.json:
        _json(doc)
    else:
        c = res.counts
        _out(f"完成 {len(res.records)} 个案例：运行 {c['ok']} 个，未变 {c['up-to-date']} 个，失败 {c['failed']} 个"
             f" → {res.manifest}" + (f"，汇总 {res.summary}" if res.summary else ""))
        _show_cases(doc["cases"])
        if res.summary_error:
            _out(f"  ✗ 汇总报告未能生成：{res.summary_error[:500]}")
    _say(f"用时 {res.seconds:.1f} 秒")
    return FAILED if res.failed or res.summary_error else OK


def _show_cases(cases: list[dict[str, Any]]) -> None:
    """Every case of a batch, one line each, as :meth:`evalkit.batch.BatchResult.to_dict` gives them;
    a failed one with its problems below it."""
    for c in cases:
        name, status = c.get("id") or c["path"], c["status"]
        if status == "failed":
            issues = c["error"].get("issues")
            _out(f"  ✗ {name}：" + (f"{len(issues)} 处问题" if issues else c["error"]["message"][:500]))
            for issue in issues or ():
                _out(f"    - {issue}")
        elif status in ("ok", "up-to-date"):
            said = [] if status == "ok" else ["未变"]
            if c.get("score") is not None:
                said.append(f"{c['score']:.2f} 分，{c.get('grade')}")
            reports = [o for o in c.get("outputs", ()) if Path(o).name.startswith("report.")
                       and not o.endswith(".ipynb")]
            _out(f"  {'✓' if status == 'ok' else '·'} {name}" + (f"：{'，'.join(said)}" if said else "")
                 + (f" → {', '.join(reports)}" if reports else ""))
        else:
            _out(f"  ■ {name}：已停止（运行中被中断，原有的输出保持不变）" if status == "stopped" else f"  ○ {name}：未运行")


def cmd_demo_cases(args: argparse.Namespace) -> int:
    from .demo import make_demo_cases

    try:
        folders = make_demo_cases(args.n, args.dir, seed=args.seed)
    except InputError as exc:
        _say(f"✗ {exc}")
        return BAD_INPUT
    except OSError as exc:                      # a read-only folder, a full disk
        _say(f"✗ {_io.write_failure(exc, args.dir, kept=False)}")
        return FAILED
    _out(f"✓ 已生成 {len(folders)} 个示例案例于 {args.dir}")
    return OK


class _UsageError(Exception):
    """A command line argparse cannot read; ``str()`` is the Chinese message."""

    def __init__(self, message: str, prog: str):
        super().__init__(message)
        self.prog = prog


#: argparse's messages (Python 3.11 and later) → Chinese; anything else is shown after 命令行参数有误
_USAGE = (
    (r"the following arguments are required: (.*)", "缺少参数：{0}"),
    (r"unrecognized arguments: (.*)", "无法识别的参数：{0}"),
    (r"ambiguous option: (\S+) could match (.*)", "选项 {0} 有歧义，可能是：{1}"),
    (r"argument 命令: invalid choice: (.*) \(choose from (.*)\)", "未知的命令 {0}（可用：{1}）"),
    (r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)", "{0} 的值 {1} 无效（可用：{2}）"),
    (r"argument (\S+): invalid int value: (.*)", "{0} 应为整数，实际为 {1}"),
    (r"argument (\S+): invalid \S+ value: (.*)", "{0} 的值 {1} 无效"),
    (r"argument (\S+): expected one argument", "{0} 后面需要一个值（以 - 开头的值请写成 {0}=值）"),
    (r"argument (\S+): expected at least one argument", "{0} 后面至少需要一个值"),
    (r"argument (\S+): expected at most one argument", "{0} 后面至多一个值"),
    (r"argument (\S+): expected (\d+) arguments?", "{0} 后面需要 {1} 个值"),
    (r"argument (\S+): ignored explicit argument (.*)", "{0} 不接受值 {1}"),
    (r"argument (\S+): not allowed with argument (\S+)", "{0} 不能与 {1} 同时使用"),
)


class _Exit(SystemExit):
    """``-h`` or ``--version`` has printed what it prints: :func:`main` returns the exit code."""


class _Help(argparse.HelpFormatter):
    """argparse's help in Chinese: ``用法：``, lines wrapped by terminal columns (a Chinese character
    takes two), the option column aligned however wide its metavars are, the paragraphs of a
    description or epilog kept, and their indented lines (the examples) as they are written."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)

    def _format_usage(self, usage: Any, actions: Any, groups: Any, prefix: Any) -> str:
        """argparse wraps and indents the usage by characters: narrower until its lines fit in columns,
        its continuation lines indented by the columns of 用法："""
        width, text = self._width, ""
        try:
            while self._width >= 20:
                text = super()._format_usage(usage, actions, groups, prefix)
                head, *rest = text.split("\n")
                wider = " " * (_columns(prefix or "用法：") - len(prefix or "用法："))
                text = "\n".join([head, *(wider + line if line.startswith(" ") else line for line in rest)])
                if max(map(_columns, text.split("\n"))) <= width:
                    break
                self._width -= 1
            return text
        finally:
            self._width = width

    def _split_lines(self, text: str, width: int) -> list[str]:
        return [line for para in text.splitlines() for line in _wrap(para, width)]

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines: list[str] = []
        for line in text.splitlines():
            if not line.strip():
                lines.append("")
            elif line.startswith(" "):
                lines.append(indent + line)
            else:
                lines += [indent + part for part in _wrap(line, width - len(indent))]
        return "\n".join(lines)

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:            # the option column as wide as its widest line
            actions = [action, *getattr(action, "_get_subactions", list)()]
            self._action_max_length = max(self._action_max_length, *(
                _columns(self._format_action_invocation(a)) + self._current_indent for a in actions))

    def format_help(self) -> str:
        return _HEADING.sub(r"\1：", super().format_help())          # 选项: → 选项：

    def _format_action(self, action: argparse.Action) -> str:
        if isinstance(action, argparse._SubParsersAction):        # the commands, without a line 命令 above them
            return "".join(self._format_action(a) for a in action._get_subactions())
        text = super()._format_action(action)
        head = " " * self._current_indent + self._format_action_invocation(action)
        wider = _columns(head) - len(head)                  # argparse pads by characters, not columns
        if not wider or not text.startswith(head + " "):
            return text
        rest = text[len(head):]
        pad = len(rest) - len(rest.lstrip(" "))
        if rest[pad:pad + 1] in ("", "\n"):
            return text
        if pad - wider >= 2:
            return head + rest[wider:]
        return head + "\n" + " " * (len(head) + pad) + rest[pad:]      # the help on a line of its own


#: a run of spaces, a run of printable ASCII (a word, a path, an option) or any other single character
_TOKEN = re.compile(r"\s+|[!-~]+|.")
#: what does not begin a line in Chinese typesetting, and what does not end one
_NO_LINE_START = frozenset("，。、；：？！）」』》”’%…")
_NO_LINE_END = frozenset("（「『《“‘")
#: the headings of the help's sections, which argparse ends with an ASCII colon
_HEADING = re.compile(r"^(位置参数|选项|命令):$", re.M)


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken between Chinese characters or at spaces,
    never inside an ASCII word, never before closing punctuation nor after opening punctuation."""
    width = max(width, 20)
    lines: list[str] = []
    line: list[tuple[bool, str]] = []          # the current line's tokens: (a space before it, the token)
    space = False
    for token in _TOKEN.findall(text):
        if token.isspace():
            space = bool(line)
            continue
        line.append((space, token))
        space = False
        if len(line) > 1 and _columns(_join(line)) > width:
            at = next((k for k in range(len(line) - 1, 0, -1) if _breaks_before(line, k)
                       and _columns(_join(line[:k])) <= width), None)
            if at is None:                          # nowhere to break within the width: at the first place
                at = next((k for k in range(1, len(line)) if _breaks_before(line, k)), len(line))
            if at < len(line):
                lines.append(_join(line[:at]))
                line = [(False, t) for _, t in line[at:]]
    return [*lines, _join(line)]


def _breaks_before(line: list[tuple[bool, str]], k: int) -> bool:
    return line[k][1][0] not in _NO_LINE_START and line[k - 1][1][-1] not in _NO_LINE_END


def _join(tokens: list[tuple[bool, str]]) -> str:
    return "".join((" " if space else "") + token for space, token in tokens)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser in Chinese: its help (``-h``, ``用法：``, 位置参数, 选项; see :class:`_Help`)
    and its errors, which :func:`main` shows and returns as exit code 2."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("formatter_class", _Help)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def error(self, message: str) -> Any:
        for pattern, chinese in _USAGE:
            if m := re.fullmatch(pattern, message):
                raise _UsageError(chinese.format(*m.groups()), self.prog)
        raise _UsageError(f"命令行参数有误：{message}", self.prog)

    def exit(self, status: int = 0, message: str | None = None) -> Any:
        if message:
            _say(message.rstrip("\n"))
        raise _Exit(status)


_STREAMS = "输出：写到标准输出的是{what}；写到标准错误的是{progress}。"
_EXITS = "退出码：{codes}。"
_STOPPED = "被 Ctrl-C、SIGTERM、SIGHUP 中止时为 128 + 信号编号（130、143、129）"


def _report_options(p: argparse.ArgumentParser) -> None:
    """The options of run and batch that say what the report is: its formats, house style and draft mark."""
    p.add_argument("--format", default="html,pdf,docx", metavar="格式",
                   help="输出格式，逗号分隔：html、pdf、docx 的任意组合（默认 html,pdf,docx）")
    p.add_argument("--template", default=None, metavar="文件夹",
                   help="评价机构的样式文件夹（含 style.yaml，见 docs/house-style.md；默认用案例 evaluation.template "
                        "指定的，再无则用内置样式）")
    p.add_argument("--draft", action="store_true",
                   help="每页及封面标注“征求意见稿”（默认不标注；案例 evaluation.status 为征求意见稿时也标注）")


def _examples(*rows: tuple[str, str], after: str = "") -> str:
    """An epilog: 示例： and one command a line, each with what it does in a column of its own."""
    at = max(_columns(command) for command, said in rows if said) + 2
    lines = [f"  {command}" + (" " * (at - _columns(command)) + said if said else "") for command, said in rows]
    return "示例：\n" + "\n".join(lines) + (f"\n\n{after}" if after else "")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="evalkit",
        description="重点评价报告：校验案例，生成 HTML 与 A4 PDF 报告，批量运行并汇总。同一案例每次生成的报告逐字节相同。\n\n"
                    "结果（校验结论和问题清单、生成的报告和计数、新建的路径）写到标准输出；进度、用时和错误信息写到标准错误，"
                    "所以 evalkit validate 案例 > 结果.txt 只把结果写进文件。validate 和 batch 加 --json 时，"
                    "标准输出只有一个 JSON 文档。\n\n"
                    f"退出码：0 全部成功；1 有案例运行失败或有文件未能写出；2 输入有误（案例无效、参数或路径有误）；{_STOPPED}。",
        epilog=_examples(("evalkit new my-project --xlsx", "新建案例工作簿"),
                         ("evalkit validate cases/my-project", "列出案例的全部问题"),
                         ("evalkit run cases/my-project", "生成 HTML 和 PDF 报告"),
                         ("evalkit batch cases/ --jobs 2", "批量运行 cases/ 下的全部案例"),
                         after="各命令的说明：evalkit 命令 -h（如 evalkit batch -h）。"))
    parser.add_argument("--version", action="version", version=f"evalkit {__version__}", help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令", title="命令")

    p = sub.add_parser(
        "validate", help="校验案例，列出全部问题（有问题时退出码为 2）",
        description="校验一个或多个案例，一次列出每个案例的全部问题，每条注明文件、工作表、行和列；"
                    "也列出数据前后不一致之处（⚠，不影响运行）和按特定方式读取的内容（·，请核对）。不写任何文件。\n\n"
                    + _STREAMS.format(what="每个案例的结论（✓ 通过 / ✗ 有问题）及其问题、警告和说明，多个案例时还有计数",
                                      progress="进度")
                    + "加 --json 时标准输出是一个 JSON 文档，格式见 README 的「命令行」一节。\n\n"
                    + _EXITS.format(codes="0 全部案例通过；2 有案例无效，或参数有误"),
        epilog=_examples(("evalkit validate cases/my-project", ""),
                         ("evalkit validate cases/* > 校验结果.txt", "结果写进文件，进度仍在终端"),
                         ("evalkit validate cases/my-project --json", "结果写成 JSON")))
    p.add_argument("cases", nargs="+", metavar="案例", help="案例文件夹（含 case.yaml 或 case.xlsx）或 .xlsx 工作簿，可以有多个")
    p.add_argument("--json", action="store_true",
                   help="在标准输出写一个 JSON 文档（每个案例的路径、编号、是否通过、问题、警告和说明），不写文字结果（默认写文字）")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "new", help="新建案例骨架",
        description="新建一个已能通过校验的案例骨架，供填写：默认在 目录/案例编号/ 中写出 case.yaml、indicators.csv "
                    "和 deductions.csv；加 --xlsx 时写出一个工作簿 case.xlsx（中文表头，指标类型、指标方向、定性等级带下拉列表）。"
                    "已存在的案例不会被覆盖。\n\n"
                    + _STREAMS.format(what="创建的文件路径", progress="下一步的提示和错误信息") + "\n\n"
                    + _EXITS.format(codes="0 已创建；1 写入失败（如没有写入权限、磁盘已满）；2 案例编号无效、案例已存在或目录是文件"),
        epilog=_examples(("evalkit new my-project", "写出 cases/my-project/case.yaml 等"),
                         ("evalkit new my-project --xlsx", "写出 cases/my-project/case.xlsx"),
                         ("evalkit new my-project --dir ~/评价", "写到 ~/评价/my-project/")))
    p.add_argument("id", metavar="案例编号",
                   help="案例编号，也是案例文件夹和输出文件夹的名称：小写字母、数字和 -，不以 - 开头或结尾，至多 64 个字符")
    p.add_argument("--xlsx", action="store_true", help="写出单个 Excel 工作簿（带下拉列表），而不是 case.yaml + CSV（默认 YAML + CSV）")
    p.add_argument("--dir", default="cases", metavar="目录", help="在哪个目录中新建案例文件夹（默认 cases）")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser(
        "run", help="运行案例，生成报告到 输出目录/案例编号/",
        description="运行一个或多个案例，在 输出目录/案例编号/ 中写出 report.html、report.pdf、report.docx（按 --format）、results.json、"
                    "manifest.json 和执行过的 report.ipynb。先校验全部案例：任一案例无效或两个案例编号相同时，什么也不运行。"
                    "运行失败的案例保留上一次成功的报告；成功的运行不留下旧报告（如只生成 HTML 时删去以前的 report.pdf）。\n\n"
                    + _STREAMS.format(what="每个案例的结果（得分、等级和报告路径，或失败原因），多个案例时还有计数",
                                      progress="进度、用时、不予运行的原因（案例的问题、数据不一致的提醒）和其他错误")
                    + "\n\n"
                    + _EXITS.format(codes=f"0 全部成功；1 有案例运行失败，或浏览器无法启动；2 案例无效或参数有误；{_STOPPED}"),
        epilog=_examples(("evalkit run cases/my-project", "生成 HTML、PDF 和 Word"),
                         ("evalkit run cases/my-project --format html", "只生成 HTML"),
                         ("evalkit run cases/a cases/b --out /tmp/报告", "两个案例，另一个输出目录")))
    p.add_argument("cases", nargs="+", metavar="案例", help="案例文件夹或 .xlsx 工作簿，可以有多个")
    p.add_argument("--out", default="build", metavar="目录", help="输出根目录，每个案例写到其中的 案例编号/（默认 build）")
    _report_options(p)
    p.add_argument("--timeout", default="600", metavar="秒数", help="单个代码单元最长运行的秒数，正数（默认 600）")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "batch", help="批量运行：并行、增量（只重跑有变化的案例），并生成汇总",
        description="批量运行 路径 下的全部案例：本机多进程并行，或在 Dask 集群上运行；只重跑输入、报告笔记本、模板、"
                    "锁文件或 evalkit 代码有变化的案例（--force 全部重跑）。每个案例写到 输出目录/案例编号/（同 run），"
                    "另写出批次清单 输出目录/manifest.json（每个案例的状态，失败时的代码单元、异常和原因）"
                    "和汇总 summary.html / summary.pdf。一个案例失败不影响其他案例，也不替换它上一次成功的报告。"
                    "按 Ctrl-C 干净地停止：不再开始新的案例，清单记录每个案例。\n\n"
                    + _STREAMS.format(what="每个案例的结果（状态、得分、等级和报告路径，失败时的原因）、计数和清单路径",
                                      progress="进度条（不在终端时逐行进度）、用时和错误信息")
                    + "加 --json 时标准输出是一个 JSON 文档，格式见 README 的「命令行」一节。\n\n"
                    + _EXITS.format(codes="0 全部成功；1 有案例失败、汇总未能生成或清单未能写入；2 参数或路径有误；"
                                          f"{_STOPPED}，清单记录每个案例的状态"),
        epilog=_examples(("evalkit batch cases/", "全部案例，输出到 build/"),
                         ("evalkit batch cases/ --jobs 2 --format html", "两个进程，只生成 HTML"),
                         ("evalkit batch cases/ --json > 结果.json", "结果写成 JSON"),
                         ("evalkit batch cases/ --scheduler tcp://HOST:8786", "在 Dask 集群上运行")))
    p.add_argument("paths", nargs="+", metavar="路径", help="案例（文件夹或 .xlsx 工作簿），或包含案例文件夹的文件夹，可以有多个")
    p.add_argument("--out", default="build", metavar="目录", help="输出根目录（默认 build）")
    p.add_argument("--jobs", default=None, metavar="进程数", help="本机并行的进程数，正整数（默认 CPU 核数，至多为要运行的案例数）")
    _report_options(p)
    p.add_argument("--force", action="store_true", help="全部重跑，不论有无变化（默认只重跑有变化的案例）")
    p.add_argument("--scheduler", default=None, metavar="地址",
                   help="Dask 分布式调度器的地址，如 tcp://10.0.0.5:8786；各工作节点须能看到相同的案例和输出路径（默认在本机运行）")
    p.add_argument("--timeout", default="600", metavar="秒数", help="单个代码单元最长运行的秒数，正数（默认 600）")
    p.add_argument("--no-summary", action="store_true", help="不生成 summary.html / summary.pdf 汇总（默认生成）")
    p.add_argument("--notebook", default=None, metavar="笔记本",
                   help="改用另一个报告笔记本，参数与 key_evaluation.ipynb 相同；换笔记本会重跑全部案例"
                        "（默认 notebooks/key_evaluation.ipynb）")
    p.add_argument("--grace", default=None, metavar="秒数",
                   help=f"按 Ctrl-C（或收到 SIGTERM、SIGHUP）后，运行中的案例最多再等多少秒完成，不小于 0（默认 {GRACE:g}）；"
                        "不再开始新的案例，再按一次立即结束")
    p.add_argument("--json", action="store_true",
                   help="在标准输出写一个 JSON 文档（计数、清单和汇总路径、每个案例的状态、得分、等级、输出文件和失败原因），"
                        "不写文字结果（默认写文字）")
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser(
        "demo-cases", help="生成仿真案例（固定随机数种子），用于规模测试和基准测试",
        description="在 目录 中生成 数量 个仿真案例（demo-0001 起），用于规模测试和基准测试；同一种子每次生成相同的案例。\n\n"
                    + _STREAMS.format(what="生成了多少个案例、在哪里", progress="错误信息") + "\n\n"
                    + _EXITS.format(codes="0 已生成；1 写入失败；2 参数有误（如数量不是正整数、目录是文件）"),
        epilog=_examples(("evalkit demo-cases 50 /tmp/demo", ""),
                         ("evalkit demo-cases 500 /tmp/demo --seed 7", "另一组 500 个案例"),
                         ("evalkit batch /tmp/demo --format html", "再批量运行它们")))
    p.add_argument("n", type=int, metavar="数量", help="案例数量，正整数")
    p.add_argument("dir", metavar="目录", help="输出目录（不存在时新建）")
    p.add_argument("--seed", type=int, default=2024, metavar="种子", help="随机数种子，整数（默认 2024）")
    p.set_defaults(func=cmd_demo_cases)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit code (0, 1, 2, or 128 + a signal that stopped ``run`` or
    ``batch``), never raises for bad arguments, nor for ``-h`` and ``--version`` (exit code 0)."""
    try:
        args = build_parser().parse_args(argv)
    except _Exit as exc:                        # -h, --version
        return int(exc.code or 0)
    except _UsageError as exc:
        _say(f"✗ {exc}")
        _say(f"  运行 {exc.prog} -h 查看用法")
        return BAD_INPUT
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
