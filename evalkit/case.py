"""A case: load it from a folder (``case.yaml`` + CSV) or one ``.xlsx`` workbook, and validate it.

The format is described in ``docs/case-format.md`` and, as data, in :mod:`evalkit._schema`.
Validation collects **every** problem before it reports, each with its file, sheet, row and column
and a Chinese message; :func:`load_case` raises :class:`~evalkit.errors.CaseError` carrying them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
import shutil
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import _schema as S
from . import compare as cmp
from . import costbenefit as cb
from . import derive
from . import factors as fa
from .errors import CaseError, InputError, Issue, Problem
from .scoring import Scheme, check_indicators, get_scheme

ID_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


@dataclass(frozen=True, eq=False)
class Case:
    """A validated case. Money in 元; tables with canonical column names, indexed by source row."""

    path: Path
    form: str                                   # "folder" or "workbook"
    meta: Mapping[str, Any]
    tables: Mapping[str, pd.DataFrame]
    sources: Mapping[str, tuple[str, str | None]]   # table → (file, sheet) for messages
    files: tuple[Path, ...]
    notes: tuple[str, ...] = ()                 # how ambiguous but readable values were read

    @property
    def id(self) -> str:
        return self.meta["id"]

    @property
    def title(self) -> str:
        return self.meta["title"]

    @property
    def project(self) -> Mapping[str, Any]:
        return self.meta["project"]

    @property
    def funding(self) -> Mapping[str, float]:
        return self.meta["funding"]

    @property
    def evaluation(self) -> Mapping[str, Any]:
        return self.meta["evaluation"]

    @property
    def narrative(self) -> Mapping[str, str]:
        return self.meta.get("narrative", {})

    @property
    def scheme(self) -> Scheme:
        """The scoring scheme with the case's overrides applied."""
        return get_scheme(self.meta["scheme"]).with_overrides(self.evaluation.get("scoring"))

    @property
    def indicators(self) -> pd.DataFrame:
        return self.tables["indicators"]

    def table(self, name: str) -> pd.DataFrame | None:
        """An evidence table, or None when the case has none."""
        return self.tables.get(name)

    def content_hash(self) -> str:
        """SHA-256 over the case's input files (names relative to the case, and bytes)."""
        h = hashlib.sha256()
        base = self.path if self.path.is_dir() else self.path.parent
        for f in sorted(self.files):
            h.update(str(f.relative_to(base)).encode() + b"\0" + f.read_bytes() + b"\0")
        return h.hexdigest()

    def __repr__(self) -> str:
        return f"Case(id={self.id!r}, form={self.form!r}, indicators={len(self.indicators)})"


def load_case(path: str | Path) -> Case:
    """Read and validate a case folder or workbook.

    Parameters
    ----------
    path
        A folder with ``case.yaml`` (or ``case.xlsx``), a ``case.yaml`` file or an ``.xlsx`` workbook.

    Raises
    ------
    CaseError
        If anything is wrong; ``.issues`` lists every problem with file, sheet, row and column.
    """
    case, issues = _Reader(Path(path)).read()
    if issues:
        raise CaseError(issues, str(path))
    assert case is not None
    return case


def validate_case(path: str | Path) -> list[Issue]:
    """Every problem of a case (an empty list when it is valid). Never raises for bad content."""
    return _Reader(Path(path)).read()[1]


# ----------------------------------------------------------------------------------------------
# Reading


@dataclass
class _Raw:
    """A table as read: headers and rows of raw cell values, with their source row numbers."""

    header: list[Any]
    rows: list[tuple[int, list[Any]]]
    file: str
    sheet: str | None


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

    def issue(self, message: str, *, file: str | None = None, sheet: str | None = None,
              row: int | None = None, column: str | None = None) -> None:
        self.issues.append(Issue(file or self.meta_file, message, sheet, row, column))

    # -- entry ----------------------------------------------------------------------------------
    def read(self) -> tuple[Case | None, list[Issue]]:
        p = self.path
        if p.is_dir():
            if (p / "case.yaml").is_file():
                return self._read_folder(p)
            if (p / "case.xlsx").is_file():
                return self._read_workbook(p / "case.xlsx")
            self.issue("文件夹中没有 case.yaml 或 case.xlsx", file=str(p))
        elif p.is_file() and p.suffix.lower() == ".xlsx":
            return self._read_workbook(p)
        elif p.is_file() and p.name.endswith((".yaml", ".yml")):
            return self._read_folder(p.parent, p.name)
        else:
            self.issue("找不到案例：应为含 case.yaml 的文件夹或一个 .xlsx 工作簿", file=str(p))
        return None, self.issues

    def _read_folder(self, folder: Path, name: str = "case.yaml") -> tuple[Case | None, list[Issue]]:
        self.meta_file = name
        yaml_path = folder / name
        self.files.append(yaml_path)
        try:
            text = yaml_path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            self.issue("不是 UTF-8 编码的文本文件")
            return None, self.issues
        try:
            data = yaml.safe_load(text)
            self.meta_rows = _yaml_lines(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            self.issue(f"YAML 格式错误：{getattr(exc, 'problem', None) or exc}",
                       row=mark.line + 1 if mark else None)
            return None, self.issues
        if not isinstance(data, dict):
            self.issue("内容应为“字段: 值”形式的映射")
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
            target = self._safe_path(folder, rel, f"tables.{tname}")
            if target is not None:
                raws[tname] = self._read_csv(target, str(rel))
        for tname, spec in S.TABLES.items():
            if spec.required and tname not in tables:
                self.issue(f"缺少必需的表格「{spec.sheet}」（tables.{tname}）", row=self.meta_rows.get("tables"),
                           column="tables")
        return self._finish(folder, "folder", meta, raws)

    def _read_workbook(self, path: Path) -> tuple[Case | None, list[Issue]]:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        self.meta_file = path.name
        self.meta_sheet = S.META_SHEET
        self.files.append(path)
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, OSError, KeyError, ValueError) as exc:
            self.issue(f"无法作为 Excel 工作簿打开（{type(exc).__name__}）")
            return None, self.issues
        try:
            sheets = {ws.title.strip(): ws for ws in wb.worksheets}
            if S.META_SHEET not in sheets:
                self.issue(f"缺少工作表「{S.META_SHEET}」（现有：{'、'.join(sheets)}）", sheet=S.META_SHEET)
                return None, self.issues
            data = self._workbook_meta(sheets[S.META_SHEET])
            if S.NARRATIVE_SHEET in sheets:
                data["narrative"] = self._workbook_narrative(sheets[S.NARRATIVE_SHEET])
            meta = self._meta(data)
            raws = {}
            for tname, spec in S.TABLES.items():
                if spec.sheet in sheets:
                    rows = [list(r) for r in sheets[spec.sheet].iter_rows(values_only=True)]
                    raws[tname] = _Raw(rows[0] if rows else [], [(i + 2, r) for i, r in enumerate(rows[1:])],
                                       path.name, spec.sheet)
                elif spec.required:
                    self.issue(f"缺少必需的工作表「{spec.sheet}」", sheet=spec.sheet)
        finally:
            wb.close()
        return self._finish(path, "workbook", meta, raws)

    def _workbook_meta(self, ws: Any) -> dict[str, Any]:
        labels = {v: k for k, v in S.META_LABELS.items()}
        labels.update({S._fold(v): k for k, v in S.META_LABELS.items()})
        data: dict[str, Any] = {}
        for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if not row or row[0] is None or (i == 1 and str(row[0]).strip() in ("字段", "field", "key")):
                continue
            label = str(row[0]).strip()
            key = labels.get(label) or labels.get(S._fold(label)) or label
            if not re.fullmatch(r"[a-z_]+(\.[a-z_]+)*", key):
                self.issue(f"未知的字段「{label}」", sheet=S.META_SHEET, row=i, column="字段")
                continue
            value = row[1] if len(row) > 1 else None
            if isinstance(value, str) and key in S.LIST_META:
                value = [v.strip() for v in re.split(r"[、，,;；]", value) if v.strip()]
            elif isinstance(value, str) and key.startswith(("evaluation.scoring.", "evaluation.parameters.")):
                value = _cell_value(value)
            for depth in range(1, key.count(".") + 2):          # messages about a parent find the row
                self.meta_rows.setdefault(".".join(key.split(".")[:depth]), i)
            _set(data, key, value)
        return data

    def _workbook_narrative(self, ws: Any) -> dict[str, str]:
        labels = {v: k for k, v in S.NARRATIVE_LABELS.items()}
        out: dict[str, str] = {}
        for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if not row or row[0] is None or (i == 1 and str(row[0]).strip() in ("部分", "part")):
                continue
            label = str(row[0]).strip()
            key = labels.get(label, label)
            if key not in S.NARRATIVE_LABELS:
                self.issue(f"未知的部分「{label}」（可用：{'、'.join(S.NARRATIVE_LABELS.values())}）",
                           sheet=S.NARRATIVE_SHEET, row=i, column="部分")
                continue
            self.meta_rows[f"narrative.{key}"] = i
            out[key] = "" if len(row) < 2 or row[1] is None else str(row[1])
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
        except OSError:
            inside = False
        if not inside:
            self.issue(f"表格文件「{rel}」指向案例文件夹之外", row=row, column=key)
            return None
        if not target.is_file():
            self.issue(f"找不到表格文件「{rel}」", row=row, column=key)
            return None
        return target

    def _read_csv(self, path: Path, shown: str) -> _Raw:
        self.files.append(path)
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            self.issue("不是 UTF-8 编码（在 Excel 中另存为时请选择“CSV UTF-8”）", file=shown)
            return _Raw([], [], shown, None)
        try:
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            self.issue(f"CSV 格式错误：{exc}", file=shown)
            return _Raw([], [], shown, None)
        return _Raw(rows[0] if rows else [], [(i + 2, r) for i, r in enumerate(rows[1:])], shown, None)

    # -- metadata -------------------------------------------------------------------------------
    def _meta(self, data: dict[str, Any]) -> dict[str, Any]:
        def where(key: str) -> dict[str, Any]:
            label = S.META_LABELS.get(key, key)
            return {"row": self.meta_rows.get(key), "sheet": self.meta_sheet,
                    "column": label if self.meta_sheet else key}

        for key in S.REQUIRED_META:
            if _missing(_get(data, key)):
                self.issue(f"缺少必填字段「{S.META_LABELS[key]}」（{key}）", **where(key))
        schema = _get(data, "schema")
        if not _missing(schema) and schema not in (S.SCHEMA_VERSION, str(S.SCHEMA_VERSION)):
            self.issue(f"格式版本应为 {S.SCHEMA_VERSION}，实际为 {schema!r}", **where("schema"))
        case_id = _get(data, "id")
        if not _missing(case_id) and not ID_PATTERN.match(str(case_id)):
            self.issue(f"案例编号「{case_id}」只能由小写字母、数字和 - 组成（不以 - 开头或结尾，至多 64 个字符），"
                       "因为它用作输出文件夹名", **where("id"))
        funding = {}
        for key in S.MONEY_META:
            value = _get(data, key)
            if _missing(value):
                continue
            num, err, how = _number(value)
            if how:
                self.notes.append(f"{self.meta_file} {S.META_LABELS[key]}：{how}")
            if err:
                self.issue(f"金额{err}", **where(key))
            elif num < 0:
                self.issue(f"金额不能为负数，实际为 {value}", **where(key))
            else:
                funding[key.split(".")[1]] = num
        year = _get(data, "project.year")
        if not _missing(year):
            num, err, _ = _number(year)
            if err or num != int(num) or not 1949 <= num <= 2100:
                self.issue(f"项目年度应为四位整数年份，实际为 {year!r}", **where("project.year"))
                year = None
            else:
                year = int(num)
        date = _get(data, "evaluation.date")
        if not _missing(date):
            parsed = _date(date)
            if parsed is None:
                self.issue(f"报告日期应写成 2024-05-20 或 2024年5月20日，实际为 {date!r}", **where("evaluation.date"))
            date = parsed
        kind = _get(data, "evaluation.kind") or "重点评价"
        if kind not in S.EVALUATION_KINDS:
            self.issue(f"评价类型「{kind}」无效（应为：{'、'.join(S.EVALUATION_KINDS)}）", **where("evaluation.kind"))
            kind = "重点评价"
        lists = {}
        for key in S.LIST_META:
            value = _get(data, key)
            if _missing(value):
                value = []
            elif isinstance(value, str):
                value = [v.strip() for v in re.split(r"[、，,;；]", value) if v.strip()]
            elif not isinstance(value, list):
                self.issue("应为列表（多个值用、分隔）", **where(key))
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
            get_scheme(str(scheme_name)).with_overrides(scoring)
        except InputError as exc:
            column = "scheme" if "评分方案" in str(exc) else "evaluation.scoring"
            self.issue(str(exc), **where(column))
        parameters = self._parameters(_get(data, "evaluation.parameters"), where)
        narrative = data.get("narrative") or {}
        if not isinstance(narrative, dict):
            self.issue("narrative 应为“部分: 文字”的映射", **where("narrative"))
            narrative = {}
        for key in narrative:
            if key not in S.NARRATIVE_LABELS and self.meta_sheet is None:
                self.issue(f"未知的文字部分「{key}」（可用：{', '.join(S.NARRATIVE_LABELS)}）",
                           **where(f"narrative.{key}"))
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
            try:
                out[key] = S.parse_parameter(key, value)
            except ValueError as exc:
                self.issue(f"{spec.zh}{exc}", **at)
        return out

    # -- tables ---------------------------------------------------------------------------------
    def _finish(self, path: Path, form: str, meta: dict[str, Any], raws: dict[str, _Raw]
                ) -> tuple[Case | None, list[Issue]]:
        tables: dict[str, pd.DataFrame] = {}
        headers: dict[str, dict[str, str]] = {}
        for tname, raw in raws.items():
            parsed = self._table(S.TABLES[tname], raw)
            if parsed is not None:
                tables[tname], headers[tname] = parsed
        sources = {t: (r.file, r.sheet) for t, r in raws.items()}
        try:
            scheme = get_scheme(meta["scheme"]).with_overrides(meta["evaluation"]["scoring"])
        except InputError:
            scheme = None
        problems: list[Problem] = []
        if "indicators" in tables and scheme is not None:
            ind = tables["indicators"]
            _fill_codes(ind, scheme)
            funding = meta["funding"] if len(meta["funding"]) == 3 else None
            fed = {q.indicator for q in derive.questions(tables.get("questions"))[0] if q.indicator}
            problems += check_indicators(ind, scheme, deductions=tables.get("deductions"), funding=funding,
                                         derived=fed if "survey" in tables else ())
        if "budget" in tables and len(meta["funding"]) == 3:
            for col in ("planned", "allocated", "spent"):
                got = tables["budget"][col].sum()
                want = meta["funding"][col]
                if abs(got - want) > 0.005:
                    problems.append(Problem(f"各行合计 {got:,.2f} 元，与基本信息中的{S.META_LABELS['funding.' + col]} "
                                            f"{want:,.2f} 元不符", None, col, "budget"))
        if "cashflows" in tables:
            problems += cb.check_cashflows(tables["cashflows"])
        if "distributions" in tables:
            problems += cb.check_distributions(tables["distributions"], tables.get("cashflows"))
        if "alternatives" in tables:
            problems += cb.check_alternatives(tables["alternatives"])
        if "history" in tables:
            problems += cmp.check_history(tables["history"])
        if "peers" in tables:
            problems += cmp.check_peers(tables["peers"])
        if "survey" in tables or "questions" in tables:
            types = dict(zip(tables["indicators"]["code"], tables["indicators"]["type"])) if "indicators" in tables else {}
            problems += derive.check_survey(tables.get("survey"), tables.get("questions"), types)
        if "judgements" in tables and "indicators" in tables:
            problems += derive.check_judgements(tables["judgements"], tables["indicators"])
        problems += derive.check_weighting(meta["evaluation"]["parameters"].get("weighting", "table"),
                                           tables.get("judgements"))
        if "drivers" in tables:
            codes = set(tables["indicators"]["code"]) if "indicators" in tables else set()
            problems += fa.check_drivers(tables["drivers"], codes)
        for p in problems:
            if (p.table, p.row, p.column) in self.bad_cells or p.table not in sources:
                continue
            file, sheet = sources[p.table]
            column = headers[p.table].get(p.column, p.column) if p.column else None
            self.issue(p.message, file=file, sheet=sheet, row=p.row, column=column)
        if self.issues:
            return None, self.issues
        return Case(path=path, form=form, meta=meta, tables=tables, sources=sources,
                    files=tuple(self.files), notes=tuple(self.notes)), []

    def _table(self, spec: S.Table, raw: _Raw) -> tuple[pd.DataFrame, dict[str, str]] | None:
        where = {"file": raw.file, "sheet": raw.sheet}
        if not raw.header or all(_missing(h) for h in raw.header):
            self.issue("表头为空：第一行应为列名", row=1, **where)
            return None
        amap = spec.header_map()
        canon: list[str | None] = []
        shown: dict[str, str] = {}
        for h in raw.header:
            if _missing(h):
                canon.append(None)
                continue
            name = amap.get(S._fold(str(h)))
            if name in shown:
                self.issue(f"列「{h}」与列「{shown[name]}」是同一列，重复了", row=1, column=str(h), **where)
                name = None
            canon.append(name)
            if name:
                shown[name] = str(h).strip()
        extra = {pos: str(h).strip() for pos, (h, name) in enumerate(zip(raw.header, canon))
                 if spec.open and name is None and not _missing(h)}
        missing = [c for c in spec.columns if c.required and c.name not in shown]
        for c in missing:
            self.issue(f"缺少必需的列「{c.zh}」（{c.name}）", row=1, **where)
        if missing:
            return None
        records, index = [], []
        for rownum, cells in raw.rows:
            if all(_missing(c) for c in cells):
                continue
            rec: dict[str, Any] = {}
            for pos, name in enumerate(canon):
                if name is not None:
                    rec[name] = cells[pos] if pos < len(cells) else None
            for pos, header in extra.items():
                rec[("extra", header)] = cells[pos] if pos < len(cells) else None
            records.append(rec)
            index.append(rownum)
        out: dict[str, list[Any]] = {c.name: [] for c in spec.columns}
        for rownum, rec in zip(index, records):
            unit = _text(rec.get("unit"))
            for col in spec.columns:
                value = rec.get(col.name)
                if col.kind in ("number", "integer"):
                    num, err, how = _number(value, percent=(unit == "%" and col.name in ("target", "actual")))
                    if not err and col.kind == "integer" and num == num and not float(num).is_integer():
                        err = f"必须为整数，实际为「{value}」"
                    if not err and col.nonempty and num != num:
                        err = f"{col.zh}不能为空"
                    if err:
                        self.issue(f"{err}", row=rownum, column=shown.get(col.name, col.name), **where)
                        self.bad_cells.add((spec.name, rownum, col.name))
                        num = float("nan")
                    elif how:
                        self.notes.append(f"{raw.sheet or raw.file} 第{rownum}行 {shown[col.name]}：{how}")
                    out[col.name].append(num)
                else:
                    out[col.name].append(self._vocab(spec, col, _text(value), rownum, shown, where))
        for header in extra.values():       # an open table's own columns, as text
            out[header] = [_text(rec.get(("extra", header))) for rec in records]
            shown.setdefault(header, header)
        df = pd.DataFrame(out, index=pd.Index(index, name="row"))
        for col in spec.columns:             # years and periods are integers, empty cells <NA>
            if col.kind == "integer":
                df[col.name] = df[col.name].astype("Int64")
        if spec.name == "indicators" and df.empty:
            self.issue("指标体系没有任何指标", row=2, **where)
        return df, shown

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


# ----------------------------------------------------------------------------------------------
# Small helpers


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or (isinstance(x, str) and not x.strip())


def _text(x: Any) -> str:
    if _missing(x):
        return ""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    if isinstance(x, (dt.datetime, dt.date)):
        return x.date().isoformat() if isinstance(x, dt.datetime) else x.isoformat()
    return str(x).strip()


def _number(x: Any, *, percent: bool = False) -> tuple[float, str | None, str | None]:
    """(value, error, how-it-was-read). Empty cells are NaN without error."""
    if _missing(x):
        return float("nan"), None, None
    if isinstance(x, bool):
        return float("nan"), f"必须为数字，实际为 {x!r}", None
    if isinstance(x, (int, float)):
        if not math.isfinite(float(x)):
            return float("nan"), f"必须为有限的数字，实际为 {x!r}", None
        return float(x), None, None
    text = str(x).strip()
    norm = unicodedata.normalize("NFKC", text).replace(" ", "")
    how = []
    if norm != text.replace(" ", ""):
        how.append("全角字符按半角读取")
    if norm.endswith("%"):
        if not percent:
            return float("nan"), f"数值「{text}」带 %，但计量单位不是 %", None
        norm = norm[:-1]
    if _THOUSANDS.match(norm):
        norm = norm.replace(",", "")
        how.append("千位分隔符已去掉")
    try:
        value = float(norm)
    except ValueError:
        return float("nan"), f"必须为数字，实际为「{text}」", None
    if not math.isfinite(value):
        return float("nan"), f"必须为有限的数字，实际为「{text}」", None
    return value, None, (f"「{text}」读作 {value:g}（{'，'.join(how)}）" if how else None)


def _cell_value(text: str) -> Any:
    """A scoring override typed into one cell: YAML (``[0.8, 0.6]``, ``{优: 90}``) or a 、-separated list."""
    if "、" in text:
        return [_cell_value(v.strip()) for v in text.split("、") if v.strip()]
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _date(x: Any) -> str | None:
    if isinstance(x, dt.datetime):
        return x.date().isoformat()
    if isinstance(x, dt.date):
        return x.isoformat()
    text = unicodedata.normalize("NFKC", str(x)).strip()
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if not m:
        return None
    try:
        return dt.date(*map(int, m.groups())).isoformat()
    except ValueError:
        return None


def _get(data: Mapping[str, Any], key: str) -> Any:
    cur: Any = data
    for part in key.split("."):
        if not isinstance(cur, Mapping) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    cur = data
    for part in parents:
        cur = cur.setdefault(part, {})
    cur[last] = value


def _yaml_lines(text: str) -> dict[str, int]:
    """Dotted key → 1-based line of its value, for messages."""
    out: dict[str, int] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = f"{prefix}{k.value}"
                out[key] = k.start_mark.line + 1
                walk(v, key + ".")

    walk(yaml.compose(text, Loader=yaml.SafeLoader), "")
    return out


def _fill_codes(ind: pd.DataFrame, scheme: Scheme) -> None:
    """Give rows without a code one like ``A1``, ``A2``, ``B1`` (letter by 一级指标 order)."""
    counters: dict[str, int] = {}
    letters = {}
    for name in list(scheme.level1) + list(dict.fromkeys(ind["level1"])):
        key = scheme.canonical_level1(name) or name
        letters.setdefault(key, chr(ord("A") + len(letters)) if len(letters) < 26 else "Z")
    codes = []
    for code, l1 in zip(ind["code"], ind["level1"]):
        key = scheme.canonical_level1(l1) or l1
        counters[key] = counters.get(key, 0) + 1
        codes.append(code or f"{letters[key]}{counters[key]}")
    ind["code"] = codes





# ----------------------------------------------------------------------------------------------
# A new case


_SKELETON_INDICATORS = [
    # code, level1, level2, name, weight, type, direction, target, actual, unit, grade, score, l1w, l2w
    ("A11", "决策", "项目立项", "立项依据充分性", 5, "定性", "", "", "", "", "达成", 5, 15, 5),
    ("A21", "决策", "绩效目标", "绩效目标合理性", 5, "定性", "", "", "", "", "达成", 4, 15, 5),
    ("A31", "决策", "资金投入", "预算编制科学性", 5, "定性", "", "", "", "", "部分达成", 3.5, 15, 5),
    ("B11", "过程", "资金管理", "资金到位率", 5, "定量", "正向", 100, "", "%", "", "", 20, 10),
    ("B12", "过程", "资金管理", "预算执行率", 5, "定量", "正向", 100, "", "%", "", "", 20, 10),
    ("B21", "过程", "组织实施", "制度执行有效性", 10, "扣分", "", "", "", "", "", "", 20, 10),
    ("C11", "产出", "产出数量", "实际完成率", 15, "定量", "正向", 100, 96, "%", "", "", 35, 15),
    ("C21", "产出", "产出质量", "质量达标率", 10, "定量", "正向", 100, 100, "%", "", "", 35, 10),
    ("C31", "产出", "产出时效", "完成及时性", 10, "定性", "", "", "", "", "达成", 9, 35, 10),
    ("D11", "效益", "项目效益", "社会效益", 20, "定性", "", "", "", "", "达成", 17, 30, 20),
    ("D21", "效益", "满意度", "服务对象满意度", 10, "满意度", "", 90, 88, "%", "", "", 30, 10),
]
_SKELETON_COLUMNS = ("code", "level1", "level2", "name", "weight", "type", "direction", "target", "actual", "unit",
                     "grade", "score", "level1_weight", "level2_weight")


def _skeleton_meta(case_id: str) -> dict[str, Any]:
    return {
        "schema": 1, "id": case_id, "title": "（示例，请修改）某县某项目绩效评价报告", "scheme": "mof-2020-key",
        "project": {"name": "某项目", "department": "某县某局", "implementer": "某县某中心",
                    "commissioner": "某县财政局", "region": "某省某县", "year": dt.date.today().year - 1,
                    "category": "", "period": ""},
        "funding": {"planned": 1000000, "allocated": 1000000, "spent": 950000},
        "evaluation": {"kind": "重点评价", "evaluator": "某评价机构", "team": [],
                       "date": dt.date.today().isoformat(), "standards": ["计划标准"], "methods": ["比较法"]},
    }


def new_case(case_id: str, dest: str | Path = "cases", *, xlsx: bool = False) -> Path:
    """Write a case skeleton that validates, ready to be filled in; returns its folder.

    The workbook form (``xlsx=True``) has Chinese headers and drop-down lists for 指标类型, 指标方向
    and 定性等级. An existing folder is never overwritten.

    Raises
    ------
    InputError
        If ``case_id`` is not a valid id or the folder already exists.
    """
    if not ID_PATTERN.match(case_id):
        raise InputError(f"案例编号「{case_id}」只能由小写字母、数字和 - 组成")
    folder = Path(dest) / case_id
    if folder.exists():
        raise InputError(f"{folder} 已存在，不会覆盖")
    meta = _skeleton_meta(case_id)
    narrative = {k: f"（请填写{v}）" for k, v in S.NARRATIVE_LABELS.items()}
    rows = [dict(zip(_SKELETON_COLUMNS, r)) for r in _SKELETON_INDICATORS]
    deductions = [{"code": "B21", "points": 1, "reason": "（示例）个别合同未按规定备案", "evidence": "GZ-01"}]
    tmp = Path(dest) / f".{case_id}.new"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        if xlsx:
            _write_workbook(tmp / "case.xlsx", meta, narrative, {"indicators": rows, "deductions": deductions})
        else:
            meta["narrative"] = narrative
            meta["tables"] = {"indicators": "indicators.csv", "deductions": "deductions.csv"}
            (tmp / "case.yaml").write_text(
                "# 案例格式说明见 docs/case-format.md\n"
                + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
            _write_csv(tmp / "indicators.csv", S.TABLES["indicators"], rows)
            _write_csv(tmp / "deductions.csv", S.TABLES["deductions"], deductions)
        tmp.rename(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _write_csv(path: Path, spec: S.Table, rows: list[dict[str, Any]]) -> None:
    names = [c.name for c in spec.columns]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        w.writerows([[r.get(n, "") for n in names] for r in rows])


def _write_workbook(path: Path, meta: dict[str, Any], narrative: dict[str, str],
                    tables: dict[str, list[dict[str, Any]]]) -> None:
    """The workbook form of a case: Chinese headers, drop-down lists, text kept as text."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")

    def put(ws: Any, rows: list[list[Any]], widths: list[int]) -> None:
        for r in rows:
            ws.append(r)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
                    cell.data_type = "s"            # text stays text, never a formula
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
        for i, w in enumerate(widths):
            ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width = w
        ws.freeze_panes = "A2"

    ws = wb.active
    ws.title = S.META_SHEET
    rows = [["字段", "值"]]
    for key, label in S.META_LABELS.items():
        value = _get(meta, key)
        rows.append([label, "、".join(value) if isinstance(value, list) else value])
    put(ws, rows, [18, 60])
    for tname, spec in S.TABLES.items():
        if tname not in tables:
            continue
        ws = wb.create_sheet(spec.sheet)
        put(ws, [[c.zh for c in spec.columns]] + [[r.get(c.name, "") for c in spec.columns] for r in tables[tname]],
            [max(10, 2 * len(c.zh) + 4) for c in spec.columns])
        if tname == "indicators":
            for col, choices in (("type", "定量,定性,扣分,满意度"), ("direction", "正向,反向,等于"),
                                 ("grade", "达成,部分达成,未达成")):
                letter = openpyxl.utils.get_column_letter([c.name for c in spec.columns].index(col) + 1)
                dv = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True,
                                    error=f"请从下拉列表中选择：{choices}", showErrorMessage=True)
                dv.add(f"{letter}2:{letter}500")
                ws.add_data_validation(dv)
    ws = wb.create_sheet(S.NARRATIVE_SHEET)
    put(ws, [["部分", "内容"]] + [[S.NARRATIVE_LABELS[k], v] for k, v in narrative.items()], [20, 100])
    buf = io.BytesIO()
    wb.save(buf)
    from ._io import write_bytes

    write_bytes(path, buf.getvalue())


__all__ = ["ID_PATTERN", "Case", "load_case", "new_case", "validate_case"]
