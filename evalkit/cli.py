"""The ``evalkit`` command: validate, new, run, batch, demo-cases.

Exit codes: 0 all good; 1 a case failed while running; 2 bad input (an invalid case or option);
128 + the signal when SIGINT (Ctrl-C, 130), SIGTERM (143) or SIGHUP (129) stopped a batch.
Messages go to stderr in Chinese, one line each; ``validate`` lists every problem of every case.
Every line is printed through :func:`evalkit._text.escape`: a control or bidirectional character in a
case value or a file name is shown as ``\\x1b`` or ``\\u202e``, never sent to the terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import re
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__, _io
from ._text import escape
from .batch import GRACE
from .errors import BatchStopped, CaseError, EvalkitError, InputError

OK, FAILED, BAD_INPUT = 0, 1, 2


def _say(msg: str) -> None:
    """One line on stderr, its control and bidirectional characters (line feeds too) written out."""
    print(escape(msg), file=sys.stderr, flush=True)


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

    worst = OK
    for path in args.cases:
        try:
            case = load_case(path)
        except CaseError as exc:
            worst = BAD_INPUT
            _say(f"✗ {path}：{len(exc.issues)} 处问题")
            for issue in exc.issues:
                _say(f"  - {issue}")
            if exc.notes:
                _say("  读取时还注意到（可能与上面的问题有关）：")
            for note in exc.notes:
                _say(f"  · {note}")
            continue
        _say(f"✓ {path}：通过校验" + (f"；{len(case.notes)} 处内容按以下方式读取，请核对：" if case.notes else ""))
        for note in case.notes:
            _say(f"  · {note}")
        if case.warnings:
            _say(f"⚠ {path}：{len(case.warnings)} 处数据前后不一致，请核对（不影响运行）：")
        for warning in case.warnings:
            _say(f"  ! {warning}")
    return worst


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
    _say(f"✓ 已创建案例骨架 {what}")
    _say(f"  填写后运行：evalkit validate {folder}")
    return OK


def cmd_run(args: argparse.Namespace) -> int:
    """``evalkit run``; Ctrl-C, SIGTERM or SIGHUP at any point end it as they end a batch (one line, no
    traceback, 128 + the signal), the running case's kernel, browser and staging folder with it."""
    state = {"total": 0, "done": 0, "running": 0}
    old: dict[int, Any] = {}
    try:
        for sig in _RUN_SIGNALS:
            handler = signal.getsignal(sig)
            if handler is not signal.SIG_IGN and handler is not None:    # nohup, a background job: left so
                old[sig] = signal.signal(sig, _interrupted)
        return _run(args, state)
    except _Interrupted as exc:
        why = "已中断" if exc.signum == signal.SIGINT else f"已终止（收到 {signal.Signals(exc.signum).name}）"
        left = state["total"] - state["done"] - state["running"]
        _say(f"{why}：完成 {state['done']} 个，停止 {state['running']} 个，未运行 {left} 个"
             + ("（被停止的案例原有的输出保持不变）" if state["running"] else ""))
        return 128 + exc.signum
    finally:
        with contextlib.suppress(_Interrupted):
            for sig in old:
                signal.signal(sig, signal.SIG_IGN)
            for sig, handler in old.items():
                signal.signal(sig, handler)


_RUN_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _run(args: argparse.Namespace, state: dict[str, int]) -> int:
    from .case import load_case
    from .run import FORMATS, PdfPrinter, _check_paths, run_case

    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        _say(f"✗ 不支持的输出格式：{args.format}（可用：{','.join(FORMATS)}）")
        return BAD_INPUT
    timeout = _seconds(args.timeout)
    if timeout is None:
        return _bad_timeout(args.timeout)
    # validate every case first: an invalid case stops the command before anything is written
    cases = []
    bad = False
    for path in args.cases:
        try:
            cases.append((path, load_case(path)))
        except CaseError as exc:
            bad = True
            _say(f"✗ {path}：{len(exc.issues)} 处问题，未运行")
            for issue in exc.issues:
                _say(f"  - {issue}")
    seen: dict[str, str] = {}
    for path, case in cases:
        if case.id in seen:                 # two cases would write into one output folder
            bad = True
            _say(f"✗ {path}：案例编号「{case.id}」与 {seen[case.id]} 重复，未运行")
        seen.setdefault(case.id, path)
    if bad:
        return BAD_INPUT
    for path, case in cases:
        if case.warnings:
            _say(f"⚠ {path}：{len(case.warnings)} 处数据前后不一致，报告的计算说明中会列出（详见 evalkit validate）")
    out_root = Path(args.out)
    if problem := _io.folder_problem(out_root):
        _say(f"✗ 输出目录 {out_root} {problem}")
        return BAD_INPUT
    for _, case in cases:           # an output folder that is a file, a name the notebook cannot take
        try:
            _check_paths(case.path, out_root / case.id, None)
        except InputError as exc:
            _say(f"✗ {exc}")
            return BAD_INPUT
    worst = OK
    printer = PdfPrinter() if "pdf" in formats else None
    state["total"] = len(cases)
    try:
        if printer is not None:
            printer.__enter__()
        for n, (path, case) in enumerate(cases, start=1):
            state["running"] = 1
            t0 = time.perf_counter()
            _say(f"[{n}/{len(cases)}] {case.id}：运行中……")
            try:
                res = run_case(path, out_root / case.id, formats, timeout=timeout, printer=printer)
            except EvalkitError as exc:
                state.update(running=0, done=n)
                worst = FAILED
                _say(f"[{n}/{len(cases)}] ✗ {case.id} 失败（{time.perf_counter() - t0:.1f} 秒）：{exc}")
                continue
            state.update(running=0, done=n)
            r = res.results
            shown = ", ".join(str(p) for name, p in res.outputs.items() if name.startswith("report.")
                              and not name.endswith(".ipynb"))
            _say(f"[{n}/{len(cases)}] ✓ {case.id}：{r['score']:.2f} 分，{r['grade']}"
                 f"（{time.perf_counter() - t0:.1f} 秒）→ {shown}")
    except EvalkitError as exc:      # the browser could not start
        _say(f"✗ {exc}")
        return FAILED
    finally:
        if printer is not None:
            printer.close()
    return worst


class _Interrupted(BaseException):
    """Ctrl-C, SIGTERM or SIGHUP during ``evalkit run``: unwinds like KeyboardInterrupt, with the signal."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _interrupted(signum: int, _frame: Any) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):       # a second signal waits for the first
        signal.signal(sig, signal.SIG_IGN)
    raise _Interrupted(signum)


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
                        notebook=args.notebook, grace=grace)
    except BatchStopped as exc:              # Ctrl-C, SIGTERM, SIGHUP: the manifest says what each case became
        _say(str(exc))
        return exc.exit_code
    except InputError as exc:
        _say(f"✗ {exc}")
        return BAD_INPUT
    except EvalkitError as exc:              # the batch manifest could not be written
        _say(f"✗ {exc}")
        return FAILED
    c = res.counts
    _say(f"完成 {len(res.records)} 个案例（{res.seconds:.1f} 秒）：运行 {c['ok']} 个，未变 {c['up-to-date']} 个，"
         f"失败 {c['failed']} 个 → {res.manifest}" + (f"，汇总 {res.summary}" if res.summary else ""))
    for r in res.failed:
        issues = r["error"].get("issues")
        _say(f"  ✗ {r.get('id') or r['path']}：" + (f"{len(issues)} 处问题" if issues else r["error"]["message"][:500]))
        for issue in issues or ():
            _say(f"    - {issue}")
    if res.summary_error:
        _say(f"  ✗ 汇总报告未能生成：{res.summary_error[:500]}")
    return FAILED if res.failed or res.summary_error else OK


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
    _say(f"✓ 已生成 {len(folders)} 个示例案例于 {args.dir}")
    return OK


class _UsageError(Exception):
    """A command line argparse cannot read; ``str()`` is the Chinese message."""

    def __init__(self, message: str, prog: str):
        super().__init__(message)
        self.prog = prog


#: argparse's messages (Python 3.11) → Chinese; anything else is shown after 命令行参数有误
_USAGE = (
    (r"the following arguments are required: (.*)", "缺少参数：{0}"),
    (r"unrecognized arguments: (.*)", "无法识别的参数：{0}"),
    (r"ambiguous option: (\S+) could match (.*)", "选项 {0} 有歧义，可能是：{1}"),
    (r"argument 命令: invalid choice: (.*) \(choose from (.*)\)", "未知的命令 {0}（可用：{1}）"),
    (r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)", "{0} 的值 {1} 无效（可用：{2}）"),
    (r"argument (\S+): invalid int value: (.*)", "{0} 应为整数，实际为 {1}"),
    (r"argument (\S+): expected one argument", "{0} 后面需要一个值（以 - 开头的值请写成 {0}=值）"),
    (r"argument (\S+): expected at least one argument", "{0} 后面至少需要一个值"),
    (r"argument (\S+): ignored explicit argument (.*)", "{0} 不接受值 {1}"),
)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are Chinese and returned by :func:`main` as exit code 2."""

    def error(self, message: str) -> Any:
        for pattern, chinese in _USAGE:
            if m := re.fullmatch(pattern, message):
                raise _UsageError(chinese.format(*m.groups()), self.prog)
        raise _UsageError(f"命令行参数有误：{message}", self.prog)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="evalkit", description="重点评价报告：校验案例、生成 HTML 与 PDF 报告")
    parser.add_argument("--version", action="version", version=f"evalkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")

    p = sub.add_parser("validate", help="校验案例，列出全部问题（有问题时退出码为 2）")
    p.add_argument("cases", nargs="+", metavar="CASE", help="案例文件夹或 .xlsx 工作簿")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("new", help="新建案例骨架")
    p.add_argument("id", help="案例编号：小写字母、数字和 -")
    p.add_argument("--xlsx", action="store_true", help="生成单个 Excel 工作簿（带下拉列表）而不是 YAML + CSV")
    p.add_argument("--dir", default="cases", help="案例所在目录（默认 cases）")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("run", help="运行案例，生成报告到 OUT/<案例编号>/")
    p.add_argument("cases", nargs="+", metavar="CASE", help="案例文件夹或 .xlsx 工作簿")
    p.add_argument("--out", default="build", help="输出根目录（默认 build）")
    p.add_argument("--format", default="html,pdf", help="输出格式，逗号分隔：html,pdf（默认两者）")
    p.add_argument("--timeout", default="600", help="单个代码单元的最长运行秒数（正数，默认 600）")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("batch", help="批量运行：并行、增量（只重跑有变化的案例），并生成汇总")
    p.add_argument("paths", nargs="+", metavar="PATH", help="案例或包含案例的文件夹")
    p.add_argument("--out", default="build", help="输出根目录（默认 build）")
    p.add_argument("--jobs", default=None, help="本机并行进程数（正整数，默认 CPU 核数）")
    p.add_argument("--format", default="html,pdf", help="输出格式，逗号分隔：html,pdf")
    p.add_argument("--force", action="store_true", help="全部重跑，不论是否有变化")
    p.add_argument("--scheduler", default=None, help="Dask 分布式调度器地址，如 tcp://10.0.0.5:8786")
    p.add_argument("--timeout", default="600", help="单个代码单元的最长运行秒数（正数，默认 600）")
    p.add_argument("--no-summary", action="store_true", help="不生成 summary.html 汇总")
    p.add_argument("--notebook", default=None, help="改用另一个报告笔记本（参数与 key_evaluation.ipynb 相同）")
    p.add_argument("--grace", default=None, metavar="SECONDS",
                   help=f"按 Ctrl-C（或收到 SIGTERM、SIGHUP）后，运行中的案例最多再等多少秒完成（默认 {GRACE:g}）；"
                        "不再开始新的案例，再按一次立即结束")
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("demo-cases", help="生成 N 个仿真案例（固定随机数种子），用于规模测试和基准测试")
    p.add_argument("n", type=int, help="案例数量")
    p.add_argument("dir", help="输出目录")
    p.add_argument("--seed", type=int, default=2024, help="随机数种子（默认 2024）")
    p.set_defaults(func=cmd_demo_cases)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit code (0, 1 or 2), never raises for bad arguments."""
    try:
        args = build_parser().parse_args(argv)
    except _UsageError as exc:
        _say(f"✗ {exc}")
        _say(f"  运行 {exc.prog} -h 查看用法")
        return BAD_INPUT
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
