"""Every exception and warning evalkit raises.

::

    EvalkitError
    ├── CaseError     the case is invalid; .issues lists every problem (file, sheet, row, column, text)
    ├── InputError    also a ValueError: a method got data or an argument it cannot use
    ├── RunError      a notebook cell failed; .case_id, .cell_index, .ename, .evalue
    ├── ExportError   nbconvert or Chromium could not produce the HTML or PDF
    └── BatchStopped  a signal (Ctrl-C, SIGTERM, SIGHUP) stopped a batch; .result, .signal
    EvalkitWarning    a UserWarning, for developers only (for example a deprecated argument)

Messages that case data can trigger are in Chinese, with identifiers as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class EvalkitError(Exception):
    """Base class of every evalkit error."""


@dataclass(frozen=True)
class Issue:
    """One problem in a case: where it is and what is wrong, in Chinese.

    ``row`` counts as a spreadsheet does: the header is row 1, the first data row is row 2.
    """

    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"列「{self.column}」")
        return " ".join(where) + f"：{self.message}"


@dataclass(frozen=True)
class Problem:
    """A problem found by a table check, before it is tied to a file: ``row`` is the table's index
    label (its spreadsheet row), None for the table as a whole; ``table`` names the case table."""

    message: str
    row: Any = None
    column: str | None = None
    table: str = "indicators"


class CaseError(EvalkitError):
    """The case is invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: list[Issue] | tuple[Issue, ...], path: str | None = None,
                 notes: list[str] | tuple[str, ...] = ()):
        self.issues = tuple(issues)
        self.path = path
        self.notes = tuple(notes)           # how what could be read was read: it often explains an issue
        head = f"案例 {path} 有 {len(self.issues)} 处问题" if path else f"案例有 {len(self.issues)} 处问题"
        super().__init__(head + "：\n" + "\n".join(f"  - {i}" for i in self.issues))


class InputError(EvalkitError, ValueError):
    """A method got data or an argument it cannot use."""


class RunError(EvalkitError):
    """A notebook cell failed while a case ran."""

    def __init__(self, message: str, *, case_id: str | None = None, cell_index: int | None = None,
                 ename: str | None = None, evalue: str | None = None):
        self.case_id = case_id
        self.cell_index = cell_index
        self.ename = ename
        self.evalue = evalue
        super().__init__(message)


class ExportError(EvalkitError):
    """nbconvert or Chromium could not produce the HTML or PDF."""


class BatchStopped(EvalkitError):
    """A signal (Ctrl-C, SIGTERM or SIGHUP) stopped a batch before it had finished.

    ``result`` is the :class:`evalkit.batch.BatchResult` of what the batch did until then: each
    case ``ok``, ``up-to-date`` or ``failed``, ``stopped`` (it was running and was ended) or
    ``not-run`` (it never started); no summary is written. ``out/manifest.json`` says the same; it
    was written before this was raised, unless ``manifest_error`` says why it could not be.
    ``signal`` is the signal's number; a command stopped this way exits with ``128 + signal``
    (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP).
    """

    def __init__(self, result: Any, signum: int, *, manifest_error: str | None = None):
        import signal as _signal

        self.result = result
        self.signal = _signal.Signals(signum)
        self.manifest_error = manifest_error
        c = result.counts
        done = c.get("ok", 0) + c.get("up-to-date", 0) + c.get("failed", 0)
        how = "已中断" if self.signal == _signal.SIGINT else f"已终止（收到 {self.signal.name}）"
        failed = f"（其中失败 {c['failed']} 个）" if c.get("failed") else ""
        where = (f" 清单未能写入：{manifest_error}" if manifest_error else
                 f" → {result.manifest}" if result.manifest is not None else "")
        super().__init__(f"{how}：完成 {done} 个{failed}，停止 {c.get('stopped', 0)} 个，"
                         f"未运行 {c.get('not-run', 0)} 个{where}")

    @property
    def exit_code(self) -> int:
        """``128 + signal``, as a shell reports a command ended by that signal."""
        return 128 + int(self.signal)


class EvalkitWarning(UserWarning):
    """A warning for developers (never shown in a report)."""
