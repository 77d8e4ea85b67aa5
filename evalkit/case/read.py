"""The loader: a case folder (``case.yaml`` + CSV) or one workbook, read and checked cell by cell."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .. import _checks, _io
from .. import _readcsv as _csv
from .. import _readyaml as _yaml
from .. import _schema as S
from .. import _text as T
from ..errors import CaseError, InputError, Issue, Problem
from ..schemes import check_indicators, get_scheme
from . import rules
from .cells import (
    _cell_value,
    _date,
    _fill_codes,
    _get,
    _meaningful_styles,
    _missing,
    _number,
    _set,
    _short,
    _shown,
    _text,
    _unknown_keys,
)
from .model import ID_PATTERN, Case
from .rules import _zh

# ----------------------------------------------------------------------------------------------
# Reading


@dataclass
class _Raw:
    """A table as read: every row of raw cell values (the header too), with its source row number."""

    rows: list[tuple[int, list[Any]]]
    file: str
    sheet: str | None
    spans: dict[int, int] | None = None     # a CSV file's records over several lines: first → last; None: a sheet
    broken: bool = False                              # unreadable; already reported


#: the files of a firm's house-style folder that a report reads (docs/house-style.md)
HOUSE_FILES = ("style.yaml", "reference.docx")


def _house_files(base: Path, named: object) -> list[Path]:
    """The files of the house-style folder a case names (``evaluation.template``, relative to ``base``):
    ``style.yaml``, ``reference.docx`` and its PNG images, those that are regular files. They are inputs of
    the report, so a change to them changes the batch's key; nothing else of the folder is read."""
    if not isinstance(named, str) or not named.strip():
        return []
    folder = base / named.strip()
    try:
        if not folder.is_dir():
            return []
        found = [folder / n for n in HOUSE_FILES] + sorted(folder.glob("*.png"))
        return [f for f in found if f.is_file()]
    except (OSError, RuntimeError, ValueError):          # a symlink loop, a NUL in the name
        return []


@dataclass
class _Reader:
    path: Path
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    meta_file: str = ""
    meta_sheet: str | None = None
    meta_rows: dict[str, int] = field(default_factory=dict)     # dotted key → line / row
    bad_cells: set[tuple[str, int, str]] = field(default_factory=set)   # already reported
    formula_cells: set[tuple[str, int, str | None]] = field(default_factory=set)   # (sheet, row, column)
    formula_issues: set[Issue] = field(default_factory=set)
    styles: dict[int, tuple[str, str, str]] = field(default_factory=dict)   # see _meaningful_styles
    meta_scale: dict[str, int] = field(default_factory=dict)    # money field → the unit its label states
    _template: str = ""                                         # a workbook's 报告样式, read with its id
    warnings: list[Issue] = field(default_factory=list)

    def _where(self, key: str) -> dict[str, Any]:
        """Where a metadata field is, as :class:`Issue` fields."""
        label = S.META_LABELS.get(key, key)
        return {"file": self.meta_file, "sheet": self.meta_sheet, "row": self.meta_rows.get(key),
                "column": label if self.meta_sheet else key}

    def issue(self, message: str, *, file: str | None = None, sheet: str | None = None,
              row: int | None = None, column: str | None = None) -> None:
        self.issues.append(Issue(file or self.meta_file, message, sheet, row, column))

    # -- entry ----------------------------------------------------------------------------------
    def read(self) -> tuple[Case | None, list[Issue]]:
        try:
            return self._read()
        except OSError as exc:              # a file that cannot be read: permissions, a device error
            self.issue(f"无法读取：{_io.read_reason(exc)}", file=str(exc.filename or self.path))
            return None, self.issues

    def _read(self) -> tuple[Case | None, list[Issue]]:
        p = self.path
        if p.is_dir():
            if (p / "case.yaml").is_file():
                return self._read_folder(p)
            if (p / "case.xlsx").is_file():
                return self._read_workbook(p / "case.xlsx")
            there = [n for n in ("case.yaml", "case.xlsx") if _io.kind(p / n) != "missing"]
            self.issue(f"{there[0]} {_io.describe(p / there[0])}" if there else "文件夹中没有 case.yaml 或 case.xlsx",
                       file=str(p))
        elif p.is_file() and p.suffix.lower() == ".xlsx":
            return self._read_workbook(p)
        elif p.is_file() and p.name.endswith((".yaml", ".yml")):
            return self._read_folder(p.parent, p.name)
        elif _io.kind(p) not in ("missing", "file"):          # a symlink loop, a dangling link, a device
            self.issue(f"无法作为案例读取：{_io.describe(p)}（应为含 case.yaml 的文件夹或一个 .xlsx 工作簿）", file=str(p))
        else:
            self.issue("找不到案例：应为含 case.yaml 的文件夹或一个 .xlsx 工作簿", file=str(p))
        return None, self.issues

    def _read_folder(self, folder: Path, name: str = "case.yaml") -> tuple[Case | None, list[Issue]]:
        data = self._read_yaml(folder, name)
        if data is None:
            return None, self.issues
        meta = self._meta(data)
        raws: dict[str, _Raw] = {}
        tables = data.get("tables") or {}
        if not isinstance(tables, dict):
            self.issue("tables 应为“表名: 文件名”的映射", row=self.meta_rows.get("tables"), column="tables")
            tables = {}
        for tname, rel in tables.items():
            if tname not in S.TABLES:
                self.issue(f"未知的表格「{tname}」（可用：{', '.join(S.TABLES)}）",
                           row=self.meta_rows.get(f"tables.{tname}"), column=f"tables.{tname}")
                continue
            if isinstance(rel, str) and (any(ord(ch) < 32 for ch in rel) or T.INVISIBLE.search(rel)):
                self.issue(f"表格文件名 {_short(rel)} 含有控制字符（如换行、\\0）", row=self.meta_rows.get(f"tables.{tname}"),
                           column=f"tables.{tname}")
                continue
            target = self._safe_path(folder, rel, f"tables.{tname}")
            if target is not None:
                raws[tname] = self._read_csv(target, str(rel))
        for tname, spec in S.TABLES.items():
            if spec.required and tname not in tables:
                self.issue(f"缺少必需的表格「{spec.sheet}」（tables.{tname}）", row=self.meta_rows.get("tables"),
                           column="tables")
        named = {str(rel) for rel in tables.values()}
        for tname, spec in S.TABLES.items():      # a table file left out of case.yaml is not read: say so
            if tname not in tables and spec.file not in named and (folder / spec.file).is_file():
                self.notes.append(f"文件夹中有 {spec.file}，但 case.yaml 的 tables 中没有列出它（{tname}: {spec.file}），"
                                  f"未读取{spec.sheet}")
        return self._finish(folder, "folder", meta, raws)

    def _read_yaml(self, folder: Path, name: str) -> dict[str, Any] | None:
        """``case.yaml`` as a mapping, or None when it cannot be read (reported)."""
        self.meta_file = name
        yaml_path = folder / name
        self.files.append(yaml_path)
        try:
            text = yaml_path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            self.issue("不是 UTF-8 编码的文本文件")
            return None
        text = self._yaml_printable(text, name)
        try:
            doc = _yaml.load(text)
            data = doc.data
            self.meta_rows = _yaml.lines(doc.node)
        except _yaml.TooBig as exc:
            self.issue(str(exc))
            return None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            self.issue(_yaml_message(exc), row=mark.line + 1 if mark else None)
            return None
        except RecursionError:
            self.issue("YAML 嵌套层次过深（[ ] 或 { } 嵌套了成百上千层），无法读取")
            return None
        if not isinstance(data, dict):
            self.issue("内容应为“字段: 值”形式的映射")
            return None
        for d in doc.duplicates:
            self.issue(f"字段「{d.key}」重复：第{d.first}行和第{d.again}行都写了它（YAML 会不加提示地只保留后一个），"
                       "请删去其中一行", row=d.again, column=d.key)
        self.notes += [f"{name} 第{line}行：{note}" for line, note in doc.notes]
        for key in _unknown_keys(data):
            self.issue(f"未知的字段「{key}」（拼写有误，或放错了层级？）", row=self.meta_rows.get(key), column=key)
        return data

    def _yaml_printable(self, text: str, name: str) -> str:
        """The text without the control characters YAML refuses to read (an ESC pasted with a title),
        each line noted, as the loader removes them from every other text of a case."""
        if not _YAML_REFUSES.search(text):
            return text
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if _YAML_REFUSES.search(line):
                kept = _YAML_REFUSES.sub("", line)
                self.notes.append(f"{name} 第{i + 1}行：{T.removed(_YAML_REFUSES.findall(line))}")
                lines[i] = kept
        return "\n".join(lines)

    def inputs(self) -> tuple[str, list[Path]]:
        """(case id, input files) read cheaply, as :func:`case_inputs` describes."""
        p = self.path
        if p.is_dir() and (p / "case.yaml").is_file():
            data = self._read_yaml(p, "case.yaml")
            if data is None or self.issues:
                raise CaseError(self.issues, str(p))
            tables = data.get("tables") if isinstance(data.get("tables"), dict) else {}
            for rel in tables.values():
                # only files inside the case folder count; others are refused when the case is loaded
                try:
                    f = p / str(rel)
                    if f.is_file() and f.resolve().is_relative_to(p.resolve()):
                        self.files.append(f)
                except (OSError, RuntimeError, ValueError):      # a symlink loop, a NUL in the name
                    pass
            case_id = _text(data.get("id")) or p.name
            ev = data.get("evaluation") if isinstance(data.get("evaluation"), dict) else {}
            self.files += _house_files(p, ev.get("template"))
        else:
            book = p / "case.xlsx" if p.is_dir() else p
            self.meta_file, self.meta_sheet = book.name, S.META_SHEET
            self.files.append(book)
            case_id = self._workbook_id(book) or book.stem
            if self.issues:
                raise CaseError(self.issues, str(p))
            self.files += _house_files(book.parent, self._template)
        if not ID_PATTERN.match(case_id):     # the id becomes a folder name under the output folder
            self.issue(f"案例编号「{_short(case_id, quote=False)}」只能由小写字母、数字和 - 组成（不以 - 开头或结尾，"
                       "至多 64 个字符），因为它用作输出文件夹名", **self._where("id"))
            raise CaseError(self.issues, str(p))
        return case_id, self.files

    def _workbook_id(self, book: Path) -> str | None:
        """The 案例编号 of a workbook's 基本信息 sheet (None when it has none); problems reported."""
        import openpyxl

        too_big = _xlsx_too_big(book)
        if too_big:
            self.issue(too_big)
            return None
        labels = {S._fold(S.META_LABELS["id"]), "id"}
        template = {S._fold(S.META_LABELS["evaluation.template"]), "evaluation.template"}
        try:
            wb = openpyxl.load_workbook(book, read_only=True, data_only=True)
        except Exception as exc:               # openpyxl on a damaged file may raise anything
            self.issue(f"无法作为 Excel 工作簿打开（{type(exc).__name__}）")
            return None
        found = None
        try:
            ws = next((w for w in wb.worksheets if w.title.strip() == S.META_SHEET), None)
            for i, row in enumerate(ws.iter_rows(max_col=2, values_only=True) if ws else (), start=1):
                label = S._fold(str(row[0])) if row and not _missing(row[0]) else None
                if label in labels and found is None:
                    self.meta_rows["id"] = i
                    found = _text(row[1]) if len(row) > 1 else None
                elif label in template and len(row) > 1:
                    self._template = _text(row[1])
        except Exception as exc:
            self.issue(f"工作表无法读取，文件可能已损坏（{type(exc).__name__}）", sheet=S.META_SHEET)
        finally:
            wb.close()
        return found

    def _read_workbook(self, path: Path) -> tuple[Case | None, list[Issue]]:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        self.meta_file = path.name
        self.meta_sheet = S.META_SHEET
        self.files.append(path)
        too_big = _xlsx_too_big(path)
        if too_big:
            self.issue(too_big)
            return None, self.issues
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            self.issue(f"无法作为 Excel 工作簿打开（{type(exc).__name__}）")
            return None, self.issues
        try:
            self.styles = _meaningful_styles(wb)
            extras = _workbook_extras(path)
            sheets: dict[str, Any] = {}
            for ws in wb.worksheets:
                title = ws.title.strip()
                if title in sheets:
                    self.issue(f"有两个名为「{title}」的工作表（名称前后的空格不算），请删去或改名其中一个", sheet=ws.title)
                sheets.setdefault(title, ws)
            if S.META_SHEET not in sheets:
                self.issue(f"缺少工作表「{S.META_SHEET}」（现有：{'、'.join(sheets)}）", sheet=S.META_SHEET)
                return None, self.issues
            known = {S.META_SHEET, S.NARRATIVE_SHEET, *(t.sheet for t in S.TABLES.values())}
            for title in sheets:
                if title not in known:
                    self.notes.append(f"工作表「{title}」不是案例的表，未读取（案例的表：{'、'.join(t.sheet for t in S.TABLES.values())}）")
            data = self._workbook_meta(self._sheet_rows(sheets[S.META_SHEET], extras))
            if S.NARRATIVE_SHEET in sheets:
                data["narrative"] = self._workbook_narrative(self._sheet_rows(sheets[S.NARRATIVE_SHEET], extras))
            meta = self._meta(data)
            raws = {}
            for tname, spec in S.TABLES.items():
                if spec.sheet in sheets:
                    rows = self._sheet_rows(sheets[spec.sheet], extras, spec)
                    raws[tname] = _Raw(list(enumerate(rows, start=1)), path.name, spec.sheet)
                elif spec.required:
                    self.issue(f"缺少必需的工作表「{spec.sheet}」", sheet=spec.sheet)
        finally:
            wb.close()
        case, issues = self._finish(path, "workbook", meta, raws)
        if self.formula_cells:          # one issue for a formula cell: the formula, not what follows from it
            issues = [i for i in issues if i in self.formula_issues or not (
                (i.sheet, i.row, i.column) in self.formula_cells or (i.sheet, i.row, None) in self.formula_cells)]
        return case, issues

    def _sheet_rows(self, ws: Any, extras: dict[str, Any], spec: S.Table | None = None) -> list[list[Any]]:
        """A sheet's values row by row: a table's (``spec``) or the two-column 基本信息 or 报告文字.

        A formula cell without a saved result, in a column that is read, is reported and left empty;
        the cells of a merged range spanning rows in one column all take its value (noted); any other
        merged range, and every merged cell in a table's header row, is reported.
        """
        header = spec is not None
        sheet = ws.title.strip()
        try:
            if self.styles:                 # some cells have a format that changes what they mean
                rows = [[_shown(c, self.styles) for c in r] for r in ws.iter_rows()]
            else:
                rows = [list(r) for r in ws.iter_rows(values_only=True)]
        except Exception as exc:        # openpyxl parsing a damaged file may raise anything
            self.issue(f"工作表无法读取，文件可能已损坏（{type(exc).__name__}）", sheet=sheet)
            return []
        formulas, merges, hidden = extras.get(ws.title, ({}, [], []))
        if not formulas and not merges and not hidden:
            return rows
        top = _header_index(spec, rows) + 1 if header else 1        # the header's row, below any title rows
        hidden = [r for r in hidden if r > (top if header else 0) and r <= len(rows)
                  and any(not _missing(v) for v in rows[r - 1])]
        for r in hidden:            # rows hidden in Excel are data all the same: the user may not know they are there
            self.warnings.append(Issue(self.meta_file, "这一行在 Excel 中是隐藏行，已按数据读取：不应计入的行请删除",
                                       sheet, r, None))

        def get(r: int, c: int) -> Any:
            return rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else None

        def put(r: int, c: int, value: Any) -> None:
            while len(rows) < r:
                rows.append([])
            rows[r - 1].extend([None] * (c - len(rows[r - 1])))
            rows[r - 1][c - 1] = value

        def column(r: int, c: int) -> str:
            from openpyxl.utils import get_column_letter

            if header and not _missing(get(top, c)) and (r > top or c not in formulas_at_header):
                return str(get(top, c)).strip()
            if not header:
                return "字段" if c == 1 else "值" if c == 2 else get_column_letter(c)
            return get_column_letter(c)

        def read(r: int, c: int) -> bool:
            if not header:
                return c <= 2
            h = get(top, c)
            return r == top or (r > top and not _missing(h) and (spec.open or _header_name(spec, h)[0] is not None))

        formulas_at_header = {c for (r, c) in formulas if r == top}
        for (r, c), text in sorted(formulas.items()):
            if get(r, c) is None and read(r, c):
                from openpyxl.utils import get_column_letter

                self.issue(f"单元格 {get_column_letter(c)}{r} 是公式「{_short(text, quote=False)}」，"
                           "但工作簿中没有保存它的计算结果（由程序生成、未经 Excel 打开保存的文件常会这样）："
                           "请在 Excel 中打开后保存，或直接填写数值", sheet=sheet, row=r, column=column(r, c))
                self.formula_issues.add(self.issues[-1])
                # what follows from the empty cell is not reported again: in a table, at the cell; in
                # 基本信息 and 报告文字, anywhere on the row (messages name the field there)
                self.formula_cells.add((sheet, r, column(r, c) if header else None))
        for r1, c1, r2, c2, coord in sorted(merges):
            if header and r2 < top:
                continue                # a title above the header, merged across the table: read as a title
            if header and r1 <= top <= r2:
                self.issue(f"表头的 {coord} 是合并单元格：每列须有自己的列名，请取消合并后逐列填写", sheet=sheet,
                           row=top, column=column(top, c1))
            elif c2 > c1:
                self.issue(f"{coord} 是跨列的合并单元格：请取消合并，每列分别填写", sheet=sheet, row=r1,
                           column=column(r1, c1))
            elif r2 > r1:
                value = get(r1, c1)
                for r in range(r1 + 1, r2 + 1):
                    put(r, c1, value)
                self.notes.append(f"{sheet} {coord}：合并单元格，其中每一行都读作「{_short(_text(value), quote=False)}」")
        return rows

    def _workbook_meta(self, rows: list[list[Any]]) -> dict[str, Any]:
        labels = {v: k for k, v in S.META_LABELS.items()}
        labels.update({S._fold(v): k for k, v in S.META_LABELS.items()})
        data: dict[str, Any] = {}
        seen: dict[str, tuple[int, str]] = {}
        for i, row in enumerate(rows, start=1):
            if not row or _missing(row[0]) or (i == 1 and str(row[0]).strip() in ("字段", "field", "key")):
                continue
            label = _text(row[0])
            key = labels.get(label) or labels.get(S._fold(label))
            unit = _HEADER_UNIT.match(unicodedata.normalize("NFKC", label))
            if key is None and unit:            # 预算数（万元）: the money field, in the unit its label states
                key = labels.get(S._fold(unit.group(1) + "（元）"))
                if key in S.MONEY_META:
                    self.meta_scale[key] = S.MONEY_UNITS[unit.group(2)]
                    if unit.group(2) != "元":
                        self.notes.append(f"{S.META_SHEET} 第{i}行「{label}」：金额按{unit.group(2)}读取，已换算为元"
                                          f"（×{S.MONEY_UNITS[unit.group(2)]:,}）")
                else:
                    key = None
            key = key or label
            if not re.fullmatch(r"[a-z_]+(\.[a-z_]+)*", key):
                self.issue(f"未知的字段「{_short(label, quote=False)}」", sheet=S.META_SHEET, row=i, column="字段")
                continue
            clash = next(((k, at) for k, at in seen.items()
                          if k == key or k.startswith(key + ".") or key.startswith(k + ".")), None)
            if clash is not None:
                (k, (row_, shown)) = clash
                what = "重复" if k == key else "冲突"
                self.issue(f"字段「{label}」与第{row_}行的字段「{shown}」{what}，请只保留一行", sheet=S.META_SHEET,
                           row=i, column="字段")
                continue
            seen[key] = (i, label)
            value = row[1] if len(row) > 1 else None
            if isinstance(value, str) and key in S.LIST_META:
                value = [v.strip() for v in re.split(r"[、，,;；]", value) if v.strip()]
            elif isinstance(value, str) and key.startswith(("evaluation.scoring.", "evaluation.parameters.")):
                value = _cell_value(value)
            for depth in range(1, key.count(".") + 2):          # messages about a parent find the row
                self.meta_rows.setdefault(".".join(key.split(".")[:depth]), i)
            _set(data, key, value)
        return data

    def _workbook_narrative(self, rows: list[list[Any]]) -> dict[str, str]:
        labels = {v: k for k, v in S.NARRATIVE_LABELS.items()}
        out: dict[str, str] = {}
        for i, row in enumerate(rows, start=1):
            if not row or _missing(row[0]) or (i == 1 and str(row[0]).strip() in ("部分", "part")):
                continue
            label = _text(row[0])
            key = labels.get(label, label)
            if key not in S.NARRATIVE_LABELS:
                self.issue(f"未知的部分「{_short(label, quote=False)}」（可用：{'、'.join(S.NARRATIVE_LABELS.values())}）",
                           sheet=S.NARRATIVE_SHEET, row=i, column="部分")
                continue
            if key in out:
                self.issue(f"部分「{label}」重复（第{self.meta_rows[f'narrative.{key}']}行已有），请合并为一行",
                           sheet=S.NARRATIVE_SHEET, row=i, column="部分")
                continue
            self.meta_rows[f"narrative.{key}"] = i
            out[key] = "" if len(row) < 2 or row[1] is None else _text(row[1])
        return out

    def _safe_path(self, folder: Path, rel: Any, key: str) -> Path | None:
        row = self.meta_rows.get(key)
        if not isinstance(rel, str) or not rel.strip():
            self.issue("表格文件名应为非空文本", row=row, column=key)
            return None
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            self.issue(f"表格文件「{rel}」必须位于案例文件夹内（不能用绝对路径或 ..）", row=row, column=key)
            return None
        target = folder / rel
        try:
            inside = target.resolve().is_relative_to(folder.resolve())
        except (OSError, RuntimeError):       # a symlink loop: RuntimeError before Python 3.13
            self.issue(f"表格文件「{rel}」{_io.describe(target)}，无法读取", row=row, column=key)
            return None
        if not inside:
            self.issue(f"表格文件「{rel}」指向案例文件夹之外", row=row, column=key)
            return None
        if (found := _io.kind(target)) != "file":
            self.issue(f"找不到表格文件「{rel}」" if found == "missing" else f"表格文件「{rel}」{_io.describe(target)}",
                       row=row, column=key)
            return None
        return target

    def _read_csv(self, path: Path, shown: str) -> _Raw:
        self.files.append(path)
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            self.issue("不是 UTF-8 编码（在 Excel 中另存为时请选择“CSV UTF-8”）", file=shown)
            return _Raw([], shown, None, broken=True)
        try:
            rows, spans = _csv.read(text)
        except _csv.Broken as exc:
            self.issue(str(exc), file=shown, row=exc.line)
            return _Raw([], shown, None, broken=True)
        return _Raw(rows, shown, None, spans)

    # -- metadata -------------------------------------------------------------------------------
    def _meta(self, data: dict[str, Any]) -> dict[str, Any]:
        where = self._where
        for key in S.REQUIRED_META:
            if _missing(_get(data, key)):
                self.issue(f"缺少必填字段「{S.META_LABELS[key]}」（{key}）", **where(key))
        schema = _get(data, "schema")
        if not _missing(schema) and schema not in (S.SCHEMA_VERSION, str(S.SCHEMA_VERSION)):
            self.issue(f"格式版本应为 {S.SCHEMA_VERSION}，实际为 {_short(schema)}", **where("schema"))
        case_id = _get(data, "id")
        if not _missing(case_id) and not ID_PATTERN.match(str(case_id)):
            self.issue(f"案例编号「{_short(case_id, quote=False)}」只能由小写字母、数字和 - 组成（不以 - 开头或结尾，至多 64 个字符），"
                       "因为它用作输出文件夹名", **where("id"))
        funding = {}
        for key in S.MONEY_META:
            value = _get(data, key)
            if _missing(value):
                continue
            num, err, how = _number(value, money=True, scale=self.meta_scale.get(key, 1))
            if how:
                self.notes.append(f"{self.meta_file} {S.META_LABELS[key]}：{how}")
            if err:
                self.issue(f"金额{err}", **where(key))
            elif num < 0:
                self.issue(f"金额不能为负数，实际为 {_short(value, quote=False)}", **where(key))
            else:
                funding[key.split(".")[1]] = num
        year = _get(data, "project.year")
        if not _missing(year):
            num, err, how = _number(year, suffix="年")
            if err or num != int(num) or not 1949 <= num <= 2100:
                why = err if isinstance(year, dt.date) else f"应为四位整数年份，实际为 {_short(year)}"
                self.issue(f"项目年度{why}", **where("project.year"))
                year = None
            else:
                year = int(num)
                if how:
                    self.notes.append(f"{self.meta_file} {S.META_LABELS['project.year']}：{how}")
        date = _get(data, "evaluation.date")
        if not _missing(date):
            parsed, how = _date(date)
            if parsed is None:
                self.issue(f"报告日期应写成 2024-05-20 或 2024年5月20日，实际为 {_short(date)}", **where("evaluation.date"))
            elif how:
                self.notes.append(f"{self.meta_file} {S.META_LABELS['evaluation.date']}：{how}")
            date = parsed
        for key in S.TEXT_META:
            value = _get(data, key)
            if isinstance(value, (dict, list)):
                self.issue(f"{S.META_LABELS[key]}应为一段文字，实际为{'映射' if isinstance(value, dict) else '列表'}"
                           f" {_short(value)}", **where(key))
        kind = _get(data, "evaluation.kind") or "重点评价"
        if kind not in S.EVALUATION_KINDS:
            self.issue(f"评价类型「{kind}」无效（应为：{'、'.join(S.EVALUATION_KINDS)}）", **where("evaluation.kind"))
            kind = "重点评价"
        status = _get(data, "evaluation.status")
        if not _missing(status) and str(status).strip() not in S.STATUSES:
            self.issue(f"报告状态「{_short(status, quote=False)}」无效（应为：征求意见稿 或 正式稿）", **where("evaluation.status"))
        status = S.STATUSES.get(str(status).strip(), "") if not _missing(status) else ""
        template = _get(data, "evaluation.template")
        if isinstance(template, str) and template.strip():
            base = self.path if self.path.is_dir() else self.path.parent
            if not (base / template.strip() / "style.yaml").is_file():
                self.issue(f"报告样式文件夹「{_short(template, quote=False)}」（{base / template.strip()}）不存在或其中没有 "
                           "style.yaml（相对路径从案例文件夹算起）", **where("evaluation.template"))
        lists = {}
        for key in S.LIST_META:
            value = _get(data, key)
            if _missing(value):
                value = []
            elif isinstance(value, str):
                value = [v.strip() for v in re.split(r"[、，,;；]", value) if v.strip()]
            elif not isinstance(value, list) or any(isinstance(v, (dict, list)) for v in value):
                self.issue("应为列表（多个值用、分隔），每项是一段文字", **where(key))
                value = []
            lists[key] = [str(v) for v in value]
        for std in lists["evaluation.standards"]:
            if std not in S.STANDARDS:
                self.issue(f"评价标准「{std}」无效（应为：{'、'.join(S.STANDARDS)}）", **where("evaluation.standards"))
        scheme_name = _get(data, "scheme") or ("mof-2020-self" if kind == "自评" else "mof-2020-key")
        scoring = _get(data, "evaluation.scoring") or {}
        try:
            if not isinstance(scoring, dict):
                raise InputError("evaluation.scoring 应为“规则: 值”的映射")
            scoring = {key: self._rule_numbers(key, value) for key, value in scoring.items()}
            get_scheme(str(scheme_name)).with_overrides(scoring)
        except InputError as exc:
            column = "scheme" if "评分方案" in str(exc) else "evaluation.scoring"
            self.issue(str(exc), **where(column))
        parameters = self._parameters(_get(data, "evaluation.parameters"), where)
        narrative = data.get("narrative") or {}
        if not isinstance(narrative, dict):
            self.issue("narrative 应为“部分: 文字”的映射", **where("narrative"))
            narrative = {}
        for key, value in narrative.items():
            if key not in S.NARRATIVE_LABELS and self.meta_sheet is None:
                self.issue(f"未知的文字部分「{_short(key, quote=False)}」（可用：{', '.join(S.NARRATIVE_LABELS)}）",
                           **where(f"narrative.{key}"))
            elif isinstance(value, (dict, list)):
                self.issue(f"报告文字「{S.NARRATIVE_LABELS[key]}」应为一段文字，实际为"
                           f"{'映射' if isinstance(value, dict) else '列表'}", **where(f"narrative.{key}"))
        project = {k: _text(v) for k, v in (data.get("project") or {}).items()} \
            if isinstance(data.get("project"), dict) else {}
        if year is not None:
            project["year"] = year
        return {
            "schema": S.SCHEMA_VERSION,
            "id": _text(case_id),
            "title": _text(_get(data, "title")),
            "scheme": str(scheme_name),
            "project": project,
            "funding": funding,
            "evaluation": {
                "kind": kind,
                "evaluator": _text(_get(data, "evaluation.evaluator")),
                "team": lists["evaluation.team"],
                "date": date,
                "standards": lists["evaluation.standards"],
                "methods": lists["evaluation.methods"],
                "basis": lists["evaluation.basis"],
                "number": _text(_get(data, "evaluation.number")),
                "status": status,
                "template": _text(_get(data, "evaluation.template")),
                "scoring": dict(scoring) if isinstance(scoring, dict) else {},
                "parameters": parameters,
            },
            "narrative": {k: _text(v) for k, v in narrative.items() if k in S.NARRATIVE_LABELS},
        }

    def _parameters(self, given: Any, where: Any) -> dict[str, Any]:
        """The method parameters of ``evaluation.parameters``, typed; unknown keys and bad values reported."""
        if given in (None, ""):
            return {}
        if not isinstance(given, dict):
            self.issue("evaluation.parameters 应为“参数: 值”的映射", **where("evaluation.parameters"))
            return {}
        out = {}
        for key, value in given.items():
            spec = S.PARAMETERS.get(key)
            at = where(f"evaluation.parameters.{key}")
            if spec is None:
                self.issue(f"未知的参数「{key}」（可用：{', '.join(S.PARAMETERS)}）", **at)
                continue
            if _missing(value):
                continue
            typed = value
            if spec.kind in S.NUMERIC_PARAMETERS and not isinstance(value, bool):
                text = unicodedata.normalize("NFKC", str(value)).strip()
                pct = spec.kind == "rate" and isinstance(value, str) and text.endswith("%")
                num, err, how = _number(value.strip()[:-1] if pct else value)
                if err:
                    self.issue(f"{spec.zh}{err}", **at)
                    continue
                if how:
                    self.notes.append(f"{self.meta_file} {spec.zh}：{how}")
                typed = num / 100 if pct else num
            try:
                out[key] = S.parse_parameter(key, typed, shown=value)
            except ValueError as exc:
                self.issue(f"{spec.zh}{exc}", **at)
                continue
            if key == "risk_draws" and out[key] > _checks.MAX_DRAWS:
                self.issue(f"{spec.zh}至多为 {_checks.MAX_DRAWS}，实际为 {out.pop(key)}", **at)
        return out

    def _rule_numbers(self, key: Any, value: Any) -> Any:
        """A scoring override with the numbers typed as text read by :func:`_number` (and noted)."""
        def read(v: Any) -> Any:
            if not isinstance(v, str):
                return v
            num, err, how = _number(v)
            if err or num != num:
                return v                    # left for the scheme to refuse, with its own message
            if how:
                self.notes.append(f"{self.meta_file} 评分规则 {key}：{how}")
            return num

        if key in ("total", "overachievement_ratio", "overachievement_zero_target", "decimals", "min_output_benefit"):
            return read(value)
        if key in ("qualitative_bands", "satisfaction_levels") and isinstance(value, list):
            return [read(v) for v in value]
        if key == "grades" and isinstance(value, dict):
            return {k: read(v) for k, v in value.items()}
        return value

    # -- tables ---------------------------------------------------------------------------------
    def _finish(self, path: Path, form: str, meta: dict[str, Any], raws: dict[str, _Raw]
                ) -> tuple[Case | None, list[Issue]]:
        tables: dict[str, pd.DataFrame] = {}
        headers: dict[str, dict[str, str]] = {}
        for tname, raw in raws.items():
            parsed = self._table(S.TABLES[tname], raw)
            if parsed is not None:
                tables[tname], headers[tname] = parsed
        meta = self._invisible(meta, tables, headers, raws)
        sources = {t: (r.file, r.sheet) for t, r in raws.items()}
        unreadable = set(raws) - set(tables)     # reported already: checks that need them are not run
        if "survey" in tables and "questions" in tables:
            self._survey_answers(tables["survey"], tables["questions"], raws["survey"], headers["survey"])
        for tname, column, readable in (("judgements", "value", lambda t: rules.scale_value(t) is not None),
                                        ("questions", "satisfied", lambda t: rules.satisfied_levels(t, 11) is not None)):
            if tname in tables:
                self._half_width(tables[tname], column, raws[tname], headers[tname], readable)
        try:
            scheme = get_scheme(meta["scheme"]).with_overrides(meta["evaluation"]["scoring"])
        except InputError:
            scheme = None
        problems: list[Problem] = []
        # a money field already reported (unreadable, repeated, missing): what follows from it is not
        money = {k for key in S.MONEY_META for k in (key, S.META_LABELS[key])}
        money_reported = any(i.column in money for i in self.issues)
        if "indicators" in tables and scheme is not None:
            ind = tables["indicators"]
            _fill_codes(ind, scheme)
            funding = meta["funding"] if len(meta["funding"]) == 3 else None
            fed = {q.indicator for q in rules.questions(tables.get("questions"))[0] if q.indicator}
            problems += check_indicators(ind, scheme, deductions=tables.get("deductions"), funding=funding,
                                         derived=fed if "survey" in raws else ())
        if "budget" in tables and len(meta["funding"]) == 3 and not money_reported:
            for col in ("planned", "allocated", "spent"):
                got = tables["budget"][col].sum()
                want = meta["funding"][col]
                if abs(got - want) > 0.005:
                    problems.append(Problem(f"各行合计 {got:,.2f} 元，与基本信息中的{S.META_LABELS['funding.' + col]} "
                                            f"{want:,.2f} 元不符", None, col, "budget"))
        if "cashflows" in tables:
            problems += rules.check_cashflows(tables["cashflows"])
        if "distributions" in tables and "cashflows" not in unreadable:
            problems += rules.check_distributions(tables["distributions"], tables.get("cashflows"))
        if "alternatives" in tables:
            problems += rules.check_alternatives(tables["alternatives"])
        if "history" in tables:
            problems += rules.check_history(tables["history"])
        if "peers" in tables:
            problems += rules.check_peers(tables["peers"])
        if ("survey" in tables or "questions" in tables) and not {"survey", "questions", "indicators"} & unreadable:
            types = dict(zip(tables["indicators"]["code"], tables["indicators"]["type"])) if "indicators" in tables else {}
            problems += rules.check_survey(tables.get("survey"), tables.get("questions"), types)
        if "judgements" in tables and "indicators" in tables:
            problems += rules.check_judgements(tables["judgements"], tables["indicators"])
        problems += rules.check_weighting(meta["evaluation"]["parameters"].get("weighting", "table"),
                                           tables.get("judgements"))
        if "drivers" in tables and "indicators" not in unreadable:
            codes = set(tables["indicators"]["code"]) if "indicators" in tables else set()
            problems += rules.check_drivers(tables["drivers"], codes)
        for p in problems:
            if (p.table, p.row, p.column) in self.bad_cells or p.table not in sources:
                continue
            if money_reported and "没有资金数据可供计算" in p.message:
                continue
            file, sheet = sources[p.table]
            column = (headers[p.table].get(p.column) or _zh(p.table, p.column)) if p.column else None
            self.issue(p.message, file=file, sheet=sheet, row=None if p.row is None else int(p.row), column=column)
        if self.issues:
            return None, self.issues
        case = Case(path=path, form=form, meta=meta, tables=tables, sources=sources,
                    files=tuple(self.files), notes=tuple(self.notes), headers=headers)
        warnings = [*self.warnings, *rules.consistency(case, self._where)]
        if warnings and case.scheme.consistency == "error":
            return None, warnings
        return replace(case, warnings=tuple(warnings)), []

    def _table(self, spec: S.Table, raw: _Raw) -> tuple[pd.DataFrame, dict[str, str]] | None:
        where = {"file": raw.file, "sheet": raw.sheet}
        place = raw.sheet or raw.file
        if raw.broken:
            return None
        first = next((cells for _, cells in raw.rows if cells), [])
        if raw.spans is not None and len(first) == 1 and (sep := next((c for c in ";\t|" if c in first[0]), None)):
            name = {";": "分号（;）", "\t": "制表符（Tab）", "|": "竖线（|）"}[sep]
            self.issue(f"这个 CSV 文件看起来是用{name}而不是逗号分隔的：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”", row=1,
                       **where)
            return None
        top = _header_index(spec, [cells for _, cells in raw.rows])
        if not raw.rows or all(_missing(h) for h in raw.rows[top][1]):
            self.issue("表头为空：第一行应为列名", row=1, **where)
            return None
        hrow, header = raw.rows[top]
        sheet_unit = None                      # (unit, its row) stated above the header: 单位：万元
        for rownum, cells in raw.rows[:top]:
            text = next((_text(c) for c in cells if not _missing(c)), "")
            if not text:
                continue
            unit = _UNIT_LINE.search(unicodedata.normalize("NFKC", text))
            if unit:
                sheet_unit = (unit.group(1), rownum)
            self.notes.append(f"{place} 第{rownum}行「{_short(text, quote=False)}」不是表头，按{'单位说明' if unit else '标题'}"
                              f"读取；表头在第{hrow}行")
        canon: list[str | None] = []
        shown: dict[str, str] = {}
        scales: dict[str, int] = {}
        specs = {c.name: c for c in spec.columns}
        for h in header:
            if _missing(h):
                canon.append(None)
                continue
            name, unit = _header_name(spec, h)
            if name is None and not spec.open:
                if '"' in str(h):
                    self.issue(f"列名「{_short(h, quote=False)}」含有英文双引号，多半是误输入：请删去引号", row=hrow,
                               column=str(h).strip(), **where)
                else:
                    self.notes.append(f"{place} 列「{_short(h, quote=False)}」不是本表的列，未读取")
            if name in shown:
                self.issue(f"列「{h}」与列「{shown[name]}」是同一列，重复了", row=hrow, column=str(h), **where)
                name = None
            canon.append(name)
            if not name:
                continue
            shown[name] = str(h).strip()
            if not specs[name].money:
                continue
            if unit and sheet_unit and unit != sheet_unit[0]:
                self.issue(f"第{sheet_unit[1]}行写明金额单位为{sheet_unit[0]}，但这一列的表头写的是{unit}：请统一为一种单位",
                           row=hrow, column=str(h).strip(), **where)
                return None
            unit = unit or (sheet_unit[0] if sheet_unit else "元")
            scales[name] = S.MONEY_UNITS[unit]
            if unit != "元":
                self.notes.append(f"{place} 列「{shown[name]}」：金额按{unit}读取，已换算为元（×{S.MONEY_UNITS[unit]:,}）")
        extra = {pos: str(h).strip() for pos, (h, name) in enumerate(zip(header, canon))
                 if spec.open and name is None and not _missing(h)}
        first: dict[str, int] = {}
        for pos, name_ in list(extra.items()):
            if name_ in first:
                self.issue(f"列「{name_}」重复（第 {first[name_] + 1} 列和第 {pos + 1} 列同名）", row=hrow,
                           column=name_, **where)
                del extra[pos]
            first.setdefault(name_, pos)
        missing = [c for c in spec.columns if c.required and c.name not in shown]
        for c in missing:
            self.issue(f"缺少必需的列「{c.zh}」（{c.name}）", row=hrow, **where)
        if missing:
            return None
        if raw.spans is not None and not self._csv_rows(spec, raw, top, canon, extra, where):
            return None
        records, index, kept, totals = [], [], [], []
        for rownum, cells in raw.rows[top + 1:]:
            if all(_missing(c) for c in cells):
                continue
            total = _is_total(cells)
            if total:
                if total == "合计":
                    totals.append((rownum, cells))
                checked = total == "合计" and any(c.summed for c in spec.columns)
                self.notes.append(f"{place} 第{rownum}行是{total}行，不作为数据读取"
                                  + ("（已与各行之和核对）" if checked else ""))
                continue
            rec: dict[str, Any] = {}
            for pos, name in enumerate(canon):
                if name is not None:
                    rec[name] = cells[pos] if pos < len(cells) else None
            records.append(rec)
            index.append(rownum)
            kept.append(cells)
        out: dict[str, list[Any]] = {c.name: [] for c in spec.columns}
        # plain text columns (no vocabulary, may be empty) raise no issue: read them column by column
        plain = {c.name for c in spec.columns if c.kind == "text" and c.vocab is None and not c.nonempty}
        for col in spec.columns:
            if col.name in plain:
                out[col.name] = [_text(rec.get(col.name)) or col.default for rec in records]
        if spec.name == "indicators" and "unit" in out:       # a full-width ％ is the unit %
            out["unit"] = ["%" if u == "％" else u for u in out["unit"]]
        checked = [c for c in spec.columns if c.name not in plain]
        read: dict[str, list[tuple[int, str]]] = {}            # column → (row, how it was read)
        for rownum, rec in zip(index, records) if checked else ():
            unit = _text(rec.get("unit")).replace("％", "%")
            for col in checked:
                value = rec.get(col.name)
                if col.kind in ("number", "integer"):
                    num, err, how = _number(value, percent=(unit == "%" and col.name in ("target", "actual")),
                                            suffix="年" if col.bounds == S.YEARS else None, money=col.money,
                                            scale=scales.get(col.name, 1))
                    if not err and col.kind == "integer" and num == num and (
                            not float(num).is_integer() or abs(num) >= 2**53):
                        err = f"必须为整数，实际为「{_short(value, quote=False)}」"
                    if not err and col.bounds and num == num and not col.bounds[0] <= num <= col.bounds[1]:
                        err = f"{col.zh}应在 {col.bounds[0]:g} 到 {col.bounds[1]:g} 之间，实际为「{_short(value, quote=False)}」"
                    if not err and col.nonempty and num != num:
                        err = f"{col.zh}不能为空"
                    if err:
                        self.issue(f"{err}", row=rownum, column=shown.get(col.name, col.name), **where)
                        self.bad_cells.add((spec.name, rownum, col.name))
                        num = float("nan")
                    elif how:
                        read.setdefault(col.name, []).append((rownum, how))
                    out[col.name].append(num)
                else:
                    out[col.name].append(self._vocab(spec, col, _text(value), rownum, shown, where))
        for name, cells in read.items():       # a note a cell; one for the column when more than three
            if len(cells) <= 3:
                self.notes += [f"{place} 第{row}行 {shown[name]}：{how}" for row, how in cells]
            else:
                rows = "、".join(str(row) for row, _ in cells[:3])
                self.notes.append(f"{place} 列「{shown[name]}」第{rows}行等 {len(cells)} 个单元格同样读取，"
                                  f"如第{cells[0][0]}行：{cells[0][1]}")
        for pos, header in extra.items():   # an open table's own columns, as text, column by column
            cells_ = [cells[pos] if pos < len(cells) else None for cells in kept]
            texts = [c.strip() if type(c) is str else _text(c) for c in cells_]   # _text, fast for CSV text
            if len(set(texts[:1000])) <= 100:      # few distinct values (a group column): one object each
                shared: dict[str, str] = {}
                texts = [shared.setdefault(t, t) for t in texts]
            out[header] = texts
            shown.setdefault(header, header)
        df = pd.DataFrame(out, index=pd.Index(index, name="row"))
        for col in spec.columns:             # years and periods are integers, empty cells <NA>
            if col.kind == "integer":
                df[col.name] = df[col.name].astype("Int64")
        if spec.name == "indicators" and df.empty:
            self.issue("指标体系没有任何指标", row=2, **where)
        for rownum, cells in totals:
            self._check_total(spec, df, rownum, cells, canon, shown, scales, where)
        return df, shown

    def _check_total(self, spec: S.Table, df: pd.DataFrame, rownum: int, cells: list[Any], canon: list[str | None],
                     shown: dict[str, str], scales: dict[str, int], where: dict[str, Any]) -> None:
        """A 合计 row's figures against the sums of the rows above it: a disagreement is a warning."""
        for pos, name in enumerate(canon):
            col = next((c for c in spec.columns if c.name == name), None)
            if col is None or not col.summed or pos >= len(cells) or _missing(cells[pos]):
                continue
            stated, err, _ = _number(cells[pos], money=col.money, scale=scales.get(name, 1))
            if err:
                continue
            got = float(sum(Decimal(repr(float(v))) for v in df[name] if v == v))
            if abs(stated - got) > 0.005 + 1e-9 * abs(got):
                self.warnings.append(Issue(where["file"], f"{spec.sheet}的合计行（第{rownum}行）中{col.zh.removesuffix('（元）')}"
                                           f"写的是 {stated:,.2f}，各行之和为 {got:,.2f}，两者不符："
                                           "请核对是否漏填、多填了某一行，或合计行本身有误", where["sheet"], rownum,
                                           shown.get(name, name)))

    def _csv_rows(self, spec: S.Table, raw: _Raw, top: int, canon: list[str | None], extra: dict[int, str],
                  where: dict[str, Any]) -> bool:
        """Whether every record of a CSV table has the header's number of fields and no cell that
        swallowed the rows after it (a quote opened and closed further down); each problem reported."""
        header = raw.rows[top][1]
        width = max((i + 1 for i, h in enumerate(header) if not _missing(h)), default=0)
        free = {c.name for c in spec.columns if c.kind == "text" and c.vocab is None}
        firsts = {_csv.shape(cells[0]) for _, cells in raw.rows[top + 1:] if cells and cells[0]}
        ok = True
        for rownum, cells in raw.rows[top + 1:]:
            n = len(cells)
            if n != width and not all(_missing(c) for c in cells):
                if n < width:
                    self.issue(f"这一行只有 {n} 个字段，表头有 {width} 列：请检查是否少了逗号（行末的空单元格也要保留逗号），"
                               "否则各列会错位", row=rownum, **where)
                    ok = False
                elif any(not _missing(c) for c in cells[width:]):
                    self.issue(f"这一行有 {n} 个字段，比表头的 {width} 列多：多半是某个内容含逗号却没有用英文双引号括起"
                               "（或多了一个逗号），各列会因此错位", row=rownum, **where)
                    ok = False
            end = raw.spans.get(rownum)
            if end is None:
                continue
            for pos, cell in enumerate(cells):
                if "\n" not in cell and "\r" not in cell:
                    continue
                name = canon[pos] if pos < len(canon) else None
                column = extra.get(pos) or (str(header[pos]).strip() if pos < len(header) else None)
                swallowed = _csv.swallowed(cells, rownum, width, firsts)
                if (name is None and pos not in extra) or (name is not None and name not in free):
                    self.issue(f"这一格的内容跨了第{rownum}–{end}行，但这一列不应换行：多半是某个英文双引号没有闭合，"
                               "把后面的行并进了这个单元格", row=rownum, column=column, **where)
                    ok = False
                elif swallowed is not None:
                    self.issue(f"这一格带引号的内容跨了第{rownum}–{end}行，其中第{swallowed}行像是一整行数据：多半是"
                               "一个英文双引号没有闭合，把后面的行并进了这个单元格", row=rownum, column=column, **where)
                    ok = False
        return ok

    def _half_width(self, table: pd.DataFrame, column: str, raw: _Raw, shown: dict[str, str],
                    readable: Any) -> None:
        """Numbers kept as text (a judgement's ``1/3``, the satisfied levels ``4、5``) typed with
        full-width characters: read as half-width when that makes them readable, and noted."""
        for row, v in table[column].items():
            norm = unicodedata.normalize("NFKC", v) if isinstance(v, str) else v
            if norm != v and readable(norm):
                table.loc[row, column] = norm
                self.notes.append(f"{raw.sheet or raw.file} 第{row}行 {shown.get(column, column)}：「{v}」读作 {norm}"
                                  "（全角字符按半角读取）")

    def _survey_answers(self, survey: pd.DataFrame, questions: pd.DataFrame, raw: _Raw,
                        shown: dict[str, str]) -> None:
        """Read the answers of the scale questions like every other number (full-width digits and the
        like are read and noted, once per column) and write them plainly, so the survey is computed on
        what was read; what cannot be read stays as typed, for the survey check to report."""
        plain = ["", *map(str, range(1, 12))]
        for column in dict.fromkeys(questions.loc[questions["kind"] == "scale", "column"]):
            if column not in survey.columns or isinstance(survey[column], pd.DataFrame):
                continue
            values = survey[column]
            read = []
            for row, v in values[~values.isin(plain)].items():
                num, err, how = _number(v)
                if how and not err:
                    read.append((row, f"{num:.15g}", how))
            if not read:
                continue
            new = values.copy()
            new.loc[[row for row, _, _ in read]] = [text for _, text, _ in read]
            survey[column] = new
            row, _, how = read[0]
            where = f"{raw.sheet or raw.file} 列「{shown.get(column, column)}」"
            more = f"，共 {len(read)} 个答案如此读取" if len(read) > 1 else ""
            self.notes.append(f"{where} 第{row}行：{how}{more}")

    def _vocab(self, spec: S.Table, col: S.Column, value: str, rownum: int, shown: dict[str, str],
               where: dict[str, Any]) -> str:
        column = shown.get(col.name, col.name)
        if not value:
            if col.nonempty:
                self.issue(f"{col.zh}不能为空", row=rownum, column=column, **where)
                self.bad_cells.add((spec.name, rownum, col.name))
            return col.default
        if col.vocab is None:
            return value
        got = col.vocab.get(value) or col.vocab.get(value.casefold())
        if got is None:
            first = {}                                   # the first spelling of each canonical value
            for k, v in col.vocab.items():
                first.setdefault(v, k)
            choices = "/".join(first.values())
            self.issue(f"「{value}」不是有效的{col.zh}（应为：{choices}）", row=rownum, column=column, **where)
            self.bad_cells.add((spec.name, rownum, col.name))
            return ""
        return got

    def _invisible(self, meta: dict[str, Any], tables: dict[str, pd.DataFrame], headers: dict[str, dict[str, str]],
                   raws: dict[str, _Raw]) -> dict[str, Any]:
        """Remove control and bidirectional characters from every text of the case, each cell noted
        (:mod:`evalkit._text`); returns the cleaned metadata, cleans the tables and their headers in place."""
        meta, found = T.clean_tree(meta)
        for key, how in found:
            sheet = S.NARRATIVE_SHEET if self.meta_sheet and key.startswith("narrative.") else self.meta_sheet
            row = self.meta_rows.get(key)
            label = S.META_LABELS.get(key) or S.NARRATIVE_LABELS.get(key.removeprefix("narrative."), key)
            self.notes.append(f"{sheet or self.meta_file}{f' 第{row}行' if row else ''} {label}：{how}")
        for tname, df in tables.items():
            where, shown = raws[tname].sheet or raws[tname].file, headers[tname]
            for name in [c for c in df.columns if isinstance(c, str) and T.INVISIBLE.search(c)]:
                new, how = T.clean(name)
                new = new.strip()
                if new in df.columns or not new:
                    self.issue(f"列名「{_short(name, quote=False)}」删去不可见的控制字符后与其他列同名或为空", row=1,
                               column=name, file=raws[tname].file, sheet=raws[tname].sheet)
                    continue
                df.columns = [new if c == name else c for c in df.columns]
                shown[new] = shown.pop(name, new)
                self.notes.append(f"{where} 第1行 列名「{new}」：{how}")
            for canonical, header in list(shown.items()):
                shown[canonical] = T.drop(header).strip() or header
            for column, cells in T.clean_frame(df).items():
                self.notes += T.cell_notes(where, shown.get(column, column), cells)
        return meta


#: what YAML's reader refuses outright (it reads bidirectional marks, which the loader removes later)
_YAML_REFUSES = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _yaml_message(exc: yaml.YAMLError) -> str:
    """A YAML syntax error in Chinese: what is wrong and how to mend it, for the mistakes people make."""
    problem = str(getattr(exc, "problem", None) or exc)
    if "'\\t'" in problem or "'\t'" in problem:
        return "这一行用了制表符（Tab）：YAML 只能用空格缩进和分隔，请把 Tab 换成空格"
    bad = re.search(r"unacceptable character #x([0-9a-fA-F]{4})", problem)
    if bad:
        return (f"含有 YAML 不允许的字符 U+{bad.group(1).upper()}（不可见的控制字符，多半是从别处粘贴来的）："
                "请删去它，或把这段文字用双引号括起并写成转义形式")
    tag = re.search(r"constructor for the tag '([^']*)'", problem)
    if tag:
        shown = tag.group(1).replace("tag:yaml.org,2002:", "!!")
        return f"含有 YAML 标签「{_short(shown, quote=False)}」：出于安全考虑，案例文件中不能使用标签，请删去"
    if "mapping values are not allowed" in problem:
        return "这一行的冒号（:）位置不对：值里含有“: ”时请把整个值用引号括起，或检查缩进"
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        return "缩进或格式不对：同一层的字段须左对齐，“字段: 值”的冒号后要有空格"
    return f"YAML 格式错误（{problem}）"


# ----------------------------------------------------------------------------------------------
# Small helpers


_FULL_READ = re.compile(rb"<(?:\w+:)?(?:f|mergeCell)\b")
_HIDDEN_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*\bhidden=\"(?:1|true)\"[^>]*)>")


def _workbook_extras(path: Path) -> dict[str, tuple[dict[tuple[int, int], str], list[tuple[int, int, int, int, str]],
                                                    list[int]]]:
    """Per sheet title: its formula cells ((row, column) → formula), merged ranges and hidden rows. The
    fast read-only reading sees none of them: the workbook is read a second time, in full, when a sheet
    has formulas or merges; hidden rows alone are taken from the sheets' XML."""
    import openpyxl

    hidden: dict[str, list[int]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            full = False
            for name in z.namelist():
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                data = z.read(name)
                full = full or bool(_FULL_READ.search(data))
                rows = [int(m.group(1)) for attrs in _HIDDEN_ROW.findall(data)
                        if (m := re.search(rb'\br="(\d+)"', attrs))]
                if rows:
                    hidden[name] = rows
            if not full:
                titles = _sheet_parts(z) if hidden else {}
                return {titles[n]: ({}, [], rows) for n, rows in hidden.items() if n in titles}
        wb = openpyxl.load_workbook(path, data_only=False)
    except Exception:           # a damaged file: the main reading reports it
        return {}
    out = {}
    for ws in wb.worksheets:
        formulas = {(c.row, c.column): str(getattr(c.value, "text", c.value))
                    for row in ws.iter_rows() for c in row if c.data_type == "f"}
        merges = [(r.min_row, r.min_col, r.max_row, r.max_col, r.coord) for r in ws.merged_cells.ranges]
        rows = sorted(r for r, dim in ws.row_dimensions.items() if dim.hidden)
        out[ws.title] = (formulas, merges, rows)
    return out


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part (``xl/worksheets/sheet1.xml``) → sheet title, from the workbook's XML."""
    import xml.etree.ElementTree as ET

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
    rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels")).findall("p:Relationship", ns)}
    out = {}
    for sheet in ET.fromstring(z.read("xl/workbook.xml")).iterfind("m:sheets/m:sheet", ns):
        target = rels.get(sheet.get(f"{{{ns['r']}}}id"), "")
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        out[part] = sheet.get("name")
    return out


#: the most bytes a case workbook may unpack to; a real one unpacks to a few MiB, a 200,000-row survey to ~100
XLSX_LIMIT = 512 * 2**20


def _xlsx_too_big(path: Path) -> str | None:
    """Why a workbook is not read at all (its parts unpack beyond :data:`XLSX_LIMIT`), or None."""
    try:
        with zipfile.ZipFile(path) as z:
            total = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None                          # not a zip file: opening it says so
    if total <= XLSX_LIMIT:
        return None
    return (f"工作簿解压后有 {total / 2**20:,.0f} MiB，超过 {XLSX_LIMIT / 2**20:,.0f} MiB 的上限，不予读取"
            "（文件可能已损坏或经过构造；案例工作簿通常只有几 MiB）")


_UNIT_LINE = re.compile(r"单位\s*:\s*(百万元|千元|万元|亿元|元)")
_HEADER_UNIT = re.compile(r"^(.*?)\s*[（(]\s*(?:单位\s*[:：]\s*)?(百万元|千元|万元|亿元|元)\s*[)）]$")
_TOTALS = {"合计", "总计", "共计", "合计数", "总合计", "total", "sum", "grandtotal"}
_TOTAL_STARTS = {t[0] for t in _TOTALS} | {t[0].upper() for t in _TOTALS} | {"小", "S"}


def _header_name(spec: S.Table, header: Any) -> tuple[str | None, str | None]:
    """(canonical column, money unit the header states) of a header cell; ``金额（万元）`` is the
    amount in 万元. (None, None) for a header the table does not know."""
    name = spec.header_map().get(S._fold(str(header)))
    m = _HEADER_UNIT.match(unicodedata.normalize("NFKC", str(header)).strip())
    if name is None and m:
        amap = spec.header_map()
        name = amap.get(S._fold(m.group(1))) or amap.get(S._fold(m.group(1) + "（元）"))
        if name is not None and not next(c for c in spec.columns if c.name == name).money:
            name = None
    return name, (m.group(2) if m and name is not None else None)


def _header_index(spec: S.Table | None, rows: list[list[Any]]) -> int:
    """Where a table's header is among its first rows (0-based): the first of the first six rows that
    names two of the table's columns (one, for a table of one column), below any title rows (a title,
    a ``单位：万元`` line); for a table of the case's own columns (the survey), the first row of two
    cells or more below rows of one. The first row that is not blank, when no row qualifies."""
    def filled(cells: list[Any]) -> int:
        return sum(not _missing(c) for c in cells)

    first = next((i for i, cells in enumerate(rows) if filled(cells)), 0)
    need = min(2, len(spec.columns)) if spec is not None else 2
    for i in range(first, min(len(rows), first + 6)):
        if spec is None or spec.open:
            if filled(rows[i]) >= 2:
                return i
            continue
        if sum(not _missing(c) and _header_name(spec, c)[0] is not None for c in rows[i]) >= need:
            return i
    return first


def _is_total(cells: list[Any]) -> str | None:
    """``"合计"`` for a total row, ``"小计"`` for a subtotal row (one of its first three cells says so,
    ``合计（万元）`` too), else None."""
    for t in cells[:3]:
        if type(t) is str and t.lstrip()[:1] in _TOTAL_STARTS:
            word = re.sub(r"[（(].*?[）)]|[:：]$", "", "".join(t.split())).casefold()
            if word in _TOTALS:
                return "合计"
            if word in ("小计", "subtotal"):
                return "小计"
    return None


