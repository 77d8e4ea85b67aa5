"""Bad input, everywhere: property-based fuzzing of the case loader, validation and scoring.

Every example starts from a valid case — a copy of an example case (folder or workbook) or a
skeleton from ``new_case`` — and mutates it with hostile values: empty and whitespace cells, NaN and
infinities, huge and negative numbers, text in number columns, full-width digits, thousands and 、
separators, percentages, Chinese and impossible dates, control characters, emoji, very long text,
duplicate codes, weights that no longer add up, deleted, added and renamed columns, empty,
header-only, BOM, GBK and truncated files, broken or hostile YAML, and in workbooks formula cells
without a computed value, merged cells, extra, missing and renamed sheets and numbers stored as text.

The property: ``validate_case`` returns a list and never raises; ``load_case`` returns a Case or
raises CaseError; every issue has a Chinese message and names its file (and the row and column of a
cell); a case that loads holds no control or bidirectional character in any text (each removal is a
note), and scores under its own scheme to a total inside [0, total], and under any other scheme
either scores or raises InputError with a Chinese message. Anything else — a KeyError, a
NaN score, an openpyxl error — is a bug.

Example counts come from the hypothesis profile (tests/conftest.py): ``ci`` by default,
``EVALKIT_FUZZ=long`` for many more.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import MergedCell

import evalkit as ek
from evalkit import _schema as S
from evalkit.case import load_case, new_case, validate_case
from evalkit.errors import CaseError, InputError, Issue

from .helpers import CASES, base_indicators, only, write_case

CJK = re.compile(r"[\u4e00-\u9fff]")
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


# ----------------------------------------------------------------------------------------------
# Valid starting points, read once


@functools.cache
def _folder_base(name: str) -> dict[str, bytes]:
    """case.yaml and the table files of a valid folder case: file name → bytes."""
    if name == "skeleton":
        with tempfile.TemporaryDirectory() as tmp:
            folder = new_case("fuzz-skeleton", tmp)
            return {p.name: p.read_bytes() for p in folder.iterdir()}
    folder = CASES / name
    meta = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    files = ["case.yaml", *meta["tables"].values()]
    return {f: (folder / f).read_bytes() for f in files}


@functools.cache
def _workbook_base(name: str) -> bytes:
    if name == "skeleton":
        with tempfile.TemporaryDirectory() as tmp:
            return (new_case("fuzz-book", tmp, xlsx=True) / "case.xlsx").read_bytes()
    return (CASES / name / "case.xlsx").read_bytes()


FOLDER_BASES = ("demo-water", "demo-greening", "skeleton")
WORKBOOK_BASES = ("demo-microcredit", "skeleton")


# ----------------------------------------------------------------------------------------------
# Hostile values

HOSTILE_TEXT = [
    "", " ", "\t", "　", "nan", "NaN", "inf", "-inf", "Infinity", "1e308", "-1e308", "1e309", "-5", "-0.01",
    "-1000000", "0", "0.0", "-0", "100", "100.0", "1" * 400, "9" * 30, "abc", "十", "一百", "１２３．５", "８５",
    "1,200", "1，200", "12,00", "1,200.5", "６００，０００", "85%", "８５％", "%", "1、2、3", "4、5", "1/3", "１／３",
    "2023年5月1日", "2023.5.1", "2023/05/01", "二〇二三年五月", "2023-02-30", "2024-05-20", "2023", "２０２３",
    "\x00", "\x07\x1b", "a\r\nb", "\x1b]8;;x\x07链接\x1b]8;;\x07", "反\u202e转", "\u2066隔离\u2069", "\x9b31m",
    '"', '""', "'", "=A1*2", "=1/0", "#DIV/0!", "#N/A", "😀", "👨‍👩‍👧", "\u200b",
    "\ufeff", "Ａ１１", "A11", "B13", "D41", "决策", "产出", "效益", "定量", "定性", "扣分", "满意度", "正向", "反向",
    "达成", "部分达成", "是", "否", "投资", "成本", "效益", "triangular", "量表", "分组", "True", "None", "null",
    "~", "x" * 3000, "长" * 500, "[1, 2]", "{a: 1}", "!!python/object:os.system", "&a", "*a", "- 1", ": x",
]

cell_text = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=20),
    st.floats().map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
)

yaml_scalar = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.none(),
    st.booleans(),
    st.floats(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([10**400, -(10**400), 1e308, -1e308, float("nan"), float("inf"), -float("inf")]),
    st.dates(),
    st.datetimes(),
    st.text(max_size=20),
)
yaml_value = st.recursive(yaml_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(["优", "良", "a", "total", "reverse_formula", ""]), st.text(max_size=5)),
                    inner, max_size=4)), max_leaves=8)

META_KEYS = [*S.META_LABELS, "tables", "tables.indicators", "tables.deductions", "tables.budget", "tables.survey",
             "tables.questions", "tables.judgements", "tables.cashflows", "tables.nonsense", "narrative",
             "narrative.overview", "narrative.nonsense", "evaluation.scoring",
             *(f"evaluation.scoring.{k}" for k in ek.schemes.PARAMS), "evaluation.scoring.nonsense",
             "evaluation.parameters", "evaluation.parameters.nonsense", "project", "funding", "evaluation",
             "unknown_key", "id.sub"]

DELETE = "<delete>"


# ----------------------------------------------------------------------------------------------
# Mutations of a folder case


def _index(n: int, size: int) -> int | None:
    return n % size if size else None


folder_mutation = st.one_of(
    st.tuples(st.just("cell"), st.integers(0, 99), st.integers(0, 10**6), st.integers(0, 99), cell_text),
    st.tuples(st.just("cell"), st.integers(0, 99), st.integers(0, 10**6), st.integers(0, 99), cell_text),
    st.tuples(st.just("header"), st.integers(0, 99), st.integers(0, 99), cell_text),
    st.tuples(st.just("copy"), st.integers(0, 99), st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 99)),
    st.tuples(st.just("duprow"), st.integers(0, 99), st.integers(0, 10**6)),
    st.tuples(st.just("delrow"), st.integers(0, 99), st.integers(0, 10**6)),
    st.tuples(st.just("delcol"), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(st.just("addcol"), st.integers(0, 99), cell_text, cell_text),
    st.tuples(st.just("ragged"), st.integers(0, 99), st.integers(0, 10**6), st.integers(-3, 3)),
    st.tuples(st.just("fillcol"), st.integers(0, 99), st.integers(0, 99), cell_text),
    st.tuples(st.just("scale"), st.integers(0, 99), st.integers(0, 99),
              st.sampled_from([0, -1, 0.5, 2, 10, 1e300, 1.0001, float("nan")])),
    st.tuples(st.just("file"), st.integers(0, 99),
              st.sampled_from(["empty", "header-only", "bom", "gbk", "utf16", "crlf", "cr", "garbage", "nul",
                               "delete", "directory", "truncate", "semicolon", "quote", "blank-lines"])),
    st.tuples(st.just("meta"), st.sampled_from(META_KEYS), st.one_of(yaml_value, st.just(DELETE))),
    st.tuples(st.just("meta"), st.sampled_from(META_KEYS), st.one_of(yaml_value, st.just(DELETE))),
    st.tuples(st.just("yaml"), st.sampled_from(["broken", "python-tag", "list", "scalar", "empty", "deep",
                                                "tabs", "duplicate-key", "alias-bomb", "recursive", "bom", "gbk",
                                                "binary", "multi-doc", "null-doc", "number-keys"])),
)


def _decode(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _encode(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _meta_set(meta: Any, key: str, value: Any) -> Any:
    if not isinstance(meta, dict):
        return meta
    *parents, last = key.split(".")
    cur = meta
    for part in parents:
        nxt = cur.get(part)
        if not isinstance(nxt, dict):
            nxt = cur[part] = {}
        cur = nxt
    if value is DELETE or (isinstance(value, str) and value == DELETE):
        cur.pop(last, None)
    else:
        cur[last] = value
    return meta


YAML_TEXTS = {
    "broken": "schema: 1\nid: [broken\n  title: x: y\n",
    "python-tag": "!!python/object/apply:os.system ['echo pwned']\n",
    "list": "- schema\n- 1\n",
    "scalar": "just some text\n",
    "empty": "",
    "deep": "a: " + "[" * 5000 + "]" * 5000 + "\n",
    "tabs": "schema: 1\n\tid: x\n",
    "null-doc": "~\n",
    "multi-doc": "schema: 1\n---\nid: x\n",
    "number-keys": "1: 2\n3.5: [a]\nnull: x\n",
    "binary": None,
}


def _write_folder(root: Path, base: str, mutations: list[tuple]) -> Path:
    files = _folder_base(base)
    meta: Any = yaml.safe_load(files["case.yaml"].decode("utf-8"))
    yaml_text: str | bytes | None = None
    tables = sorted(f for f in files if f != "case.yaml")
    rows = {f: _decode(files[f]) for f in tables}
    kinds: dict[str, list[str]] = {f: [] for f in tables}
    for m in mutations:
        op = m[0]
        if op == "meta":
            meta = _meta_set(meta, m[1], m[2])
            continue
        if op == "yaml":
            yaml_text = _hostile_yaml(m[1], meta)
            continue
        f = tables[m[1] % len(tables)]
        t = rows[f]
        if op == "file":
            kinds[f].append(m[2])
        elif op == "cell" and t:
            r = t[m[2] % len(t)]
            if r:
                r[m[3] % len(r)] = m[4]
        elif op == "header" and t and t[0]:
            t[0][m[2] % len(t[0])] = m[3]
        elif op == "copy" and len(t) > 2:
            src, dst = t[1 + m[2] % (len(t) - 1)], t[1 + m[3] % (len(t) - 1)]
            if src and dst:
                c = m[4] % min(len(src), len(dst))
                dst[c] = src[c]
        elif op == "duprow" and len(t) > 1:
            i = 1 + m[2] % (len(t) - 1)
            t.insert(i, list(t[i]))
        elif op == "delrow" and t:
            del t[m[2] % len(t)]
        elif op == "delcol" and t and t[0]:
            c = m[2] % len(t[0])
            for r in t:
                if c < len(r):
                    del r[c]
        elif op == "addcol":
            for i, r in enumerate(t):
                r.append(m[2] if i == 0 else m[3])
        elif op == "fillcol" and t and t[0]:
            c = m[2] % len(t[0])
            for r in t[1:]:
                if c < len(r):
                    r[c] = m[3]
        elif op == "ragged" and t:
            r = t[m[2] % len(t)]
            if m[3] > 0:
                r.extend(["x"] * m[3])
            else:
                del r[len(r) + m[3]:]
        elif op == "scale" and t and t[0]:
            c = m[2] % len(t[0])
            for r in t[1:]:
                try:
                    r[c] = repr(float(r[c]) * m[3])
                except (ValueError, IndexError):
                    pass
    folder = root / "case"
    folder.mkdir()
    if yaml_text is None:
        try:
            yaml_text = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
        except yaml.YAMLError:                  # a value YAML cannot represent: keep the original file
            yaml_text = files["case.yaml"].decode("utf-8")
    data = yaml_text.encode("utf-8") if isinstance(yaml_text, str) else yaml_text
    (folder / "case.yaml").write_bytes(data)
    for f in tables:
        _write_table(folder / f, rows[f], kinds[f])
    return folder


def _hostile_yaml(kind: str, meta: Any) -> str | bytes:
    text = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) if isinstance(meta, dict) else "a: 1\n"
    if kind == "alias-bomb":
        lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
        return text + "\n".join(lines) + "\nevaluation: {team: *a8}\n"
    if kind == "recursive":
        return text.replace("team:", "team: &t\n  - *t\n  - x\nold_team:", 1) if "team:" in text else "a: &a [*a]\n"
    if kind == "duplicate-key":
        return text + "id: other-id\nid: third-id\n"
    if kind == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if kind == "gbk":
        return text.encode("gbk", errors="replace")
    if kind == "binary":
        return bytes(range(256)) * 4
    return YAML_TEXTS[kind]


def _write_table(path: Path, rows: list[list[str]], kinds: list[str]) -> None:
    for kind in kinds:
        if kind == "empty":
            rows = []
        elif kind == "header-only":
            rows = rows[:1]
        elif kind == "blank-lines":
            rows = [r for row in rows for r in (row, [], ["", ""])]
    text = _encode(rows)
    data: bytes | None = text.encode("utf-8")
    for kind in kinds:
        if data is None:
            break
        if kind == "bom":
            data = b"\xef\xbb\xbf" + data
        elif kind == "gbk":
            data = text.encode("gbk", errors="replace")
        elif kind == "utf16":
            data = text.encode("utf-16")
        elif kind == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif kind == "cr":
            data = data.replace(b"\n", b"\r")
        elif kind == "garbage":
            data = bytes(range(256))
        elif kind == "nul":
            data = data[: len(data) // 2] + b"\x00" + data[len(data) // 2:]
        elif kind == "truncate":
            data = data[: len(data) // 3]
        elif kind == "semicolon":
            data = data.replace(b",", b";")
        elif kind == "quote":
            data = b'"' + data
        elif kind in ("delete", "directory"):
            data = None
    if data is None:
        if "directory" in kinds:
            path.mkdir()
        return
    path.write_bytes(data)


# ----------------------------------------------------------------------------------------------
# Mutations of a workbook


wb_value = st.one_of(
    cell_text.map(lambda s: ILLEGAL_XML.sub("", s)),
    st.sampled_from(["=A1*2", "=SUM(F2:F5)", "=1/0", "=B2", "=NOW()", "=\"达成\""]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 1, 1)),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.none(),
)

workbook_mutation = st.one_of(
    st.tuples(st.just("cell"), st.integers(0, 99), st.integers(1, 10**6), st.integers(1, 99), wb_value),
    st.tuples(st.just("cell"), st.integers(0, 99), st.integers(1, 10**6), st.integers(1, 99), wb_value),
    st.tuples(st.just("cell"), st.integers(0, 99), st.integers(1, 10**6), st.integers(1, 99), wb_value),
    st.tuples(st.just("as-text"), st.integers(0, 99), st.integers(1, 10**6), st.integers(1, 99)),
    st.tuples(st.just("merge"), st.integers(0, 99), st.integers(1, 10**6), st.integers(1, 99), st.integers(0, 3),
              st.integers(0, 3)),
    st.tuples(st.just("merge-header"), st.integers(0, 99), st.integers(1, 99), st.integers(1, 3)),
    st.tuples(st.just("addsheet"), st.sampled_from(["Sheet1", "指标体系 ", " 基本信息", "其他", "扣分明细", "满意度调查",
                                                    "问卷题目", "专家判断", "成本效益"]), st.lists(cell_text, max_size=4)),
    st.tuples(st.just("delsheet"), st.integers(0, 99)),
    st.tuples(st.just("renamesheet"), st.integers(0, 99), st.sampled_from(["指标 体系", "Sheet", "指标体系1", "x"])),
    st.tuples(st.just("delcol"), st.integers(0, 99), st.integers(1, 99)),
    st.tuples(st.just("insrow"), st.integers(0, 99), st.integers(1, 10**6)),
    st.tuples(st.just("delrow"), st.integers(0, 99), st.integers(1, 10**6)),
    st.tuples(st.just("file"), st.sampled_from(["truncate", "empty", "garbage", "zip-without-workbook"])),
)


def _write_workbook(root: Path, base: str, mutations: list[tuple]) -> Path:
    wb = openpyxl.load_workbook(io.BytesIO(_workbook_base(base)))
    file_kind = None
    for m in mutations:
        op = m[0]
        if op == "file":
            file_kind = m[1]
            continue
        if op == "addsheet":
            ws = wb.create_sheet(m[1])
            ws.append([ILLEGAL_XML.sub("", v) for v in m[2]])
            continue
        if not wb.worksheets:
            continue
        ws = wb.worksheets[m[1] % len(wb.worksheets)]
        nrows, ncols = max(ws.max_row, 1), max(ws.max_column, 1)
        if op == "cell":
            cell = ws.cell(1 + m[2] % (nrows + 1), 1 + m[3] % (ncols + 1))
            if not isinstance(cell, MergedCell):      # a merged area's inner cells hold no value in Excel either
                cell.value = m[4]
        elif op == "as-text":
            cell = ws.cell(1 + m[2] % nrows, 1 + m[3] % ncols)
            if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                cell.value = str(cell.value)
        elif op == "merge":
            r, c = 1 + m[2] % nrows, 1 + m[3] % ncols
            if m[4] or m[5]:
                ws.merge_cells(start_row=r, start_column=c, end_row=r + m[4], end_column=c + m[5])
        elif op == "merge-header":
            c = 1 + m[2] % ncols
            ws.merge_cells(start_row=1, start_column=c, end_row=1, end_column=c + m[3])
        elif op == "delsheet" and len(wb.worksheets) > 1:
            wb.remove(ws)
        elif op == "renamesheet":
            ws.title = m[2] if m[2] not in wb.sheetnames else m[2] + "2"
        elif op == "delcol":
            ws.delete_cols(1 + m[2] % ncols)
        elif op == "insrow":
            ws.insert_rows(1 + m[2] % nrows)
        elif op == "delrow":
            ws.delete_rows(1 + m[2] % nrows)
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if file_kind == "truncate":
        data = data[: len(data) // 2]
    elif file_kind == "empty":
        data = b""
    elif file_kind == "garbage":
        data = b"PK\x03\x04" + bytes(range(256)) * 8
    elif file_kind == "zip-without-workbook":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("hello.txt", "不是工作簿")
        data = out.getvalue()
    path = root / "case.xlsx"
    path.write_bytes(data)
    return path


# ----------------------------------------------------------------------------------------------
# The property


def check_issues(issues: Any) -> None:
    assert isinstance(issues, list), issues
    for issue in issues:
        assert isinstance(issue, Issue), issue
        assert isinstance(issue.message, str) and CJK.search(issue.message), issue
        assert isinstance(issue.file, str) and issue.file.strip(), issue
        assert issue.row is None or (isinstance(issue.row, int) and issue.row >= 1), issue
        assert issue.column is None or (isinstance(issue.column, str) and issue.column), issue
        assert issue.sheet is None or isinstance(issue.sheet, str), issue
        assert str(issue).endswith(issue.message)


def check_scores(case: ek.Case) -> None:
    """The case scores under its own scheme; another scheme scores or says why in Chinese."""
    for scheme in (None, "mof-2020-key", "mof-2020-self"):
        try:
            card = ek.scorecard(case, scheme)
        except InputError as exc:
            assert scheme is not None, f"a valid case fails to score under its own scheme: {exc}"
            assert CJK.search(str(exc)), exc
            continue
        total = card.scheme.total
        assert not math.isnan(card.total)
        assert 0 <= card.total <= total, card.total
        assert card.grade in [g for g, _ in card.scheme.grades]
        scores, weights = card.indicators["score"], card.indicators["weight"]
        assert scores.notna().all() and ((scores >= 0) & (scores <= weights + 1e-9)).all()
        card.to_dict()


def check_case(path: Path) -> ek.Case | None:
    """validate_case lists the problems; when there are none, load_case gives a Case that scores.

    (load_case is validate_case raising CaseError; the two are compared on every example of
    test_fuzz_case_yaml, which is cheap, and read once here to keep the examples fast.)
    """
    issues = validate_case(path)
    check_issues(issues)
    if issues:
        return None
    case = load_case(path)
    for note in case.notes:
        assert CJK.search(note) and ("读" in note or "不可见的控制字符" in note), note
    texts = [str(c) for t in case.tables.values() for c in t.columns]
    texts += [v for t in case.tables.values() for c in t.columns for v in t[c] if isinstance(v, str)]
    texts += [v for v in _leaves(dict(case.meta)) if isinstance(v, str)]
    assert [t for t in texts if INVISIBLE.search(t)] == []
    check_scores(case)
    return case


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _leaves(v)]
    if isinstance(value, list):
        return [x for v in value for x in _leaves(v)]
    return [value]


@given(base=st.sampled_from(FOLDER_BASES), mutations=st.lists(folder_mutation, min_size=1, max_size=4))
def test_fuzz_folder_case(base, mutations):
    with tempfile.TemporaryDirectory() as tmp:
        check_case(_write_folder(Path(tmp), base, mutations))


@settings(max_examples=max(10, settings().max_examples // 3))
@given(base=st.sampled_from(WORKBOOK_BASES), mutations=st.lists(workbook_mutation, min_size=1, max_size=4))
def test_fuzz_workbook_case(base, mutations):
    with tempfile.TemporaryDirectory() as tmp:
        check_case(_write_workbook(Path(tmp), base, mutations))


@settings(max_examples=max(10, settings().max_examples // 3))
@given(mutations=st.lists(st.one_of(
    st.tuples(st.just("meta"), st.sampled_from(META_KEYS), st.one_of(yaml_value, st.just(DELETE))),
    st.tuples(st.just("yaml"), st.sampled_from(["broken", "python-tag", "list", "scalar", "empty", "deep", "tabs",
                                                "duplicate-key", "alias-bomb", "recursive", "bom", "gbk", "binary",
                                                "multi-doc", "null-doc", "number-keys"]))), min_size=1, max_size=4))
def test_fuzz_case_yaml(mutations):
    """Hostile case.yaml content: load_case raises CaseError with exactly the issues validate_case lists."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = _write_folder(Path(tmp), "skeleton", mutations)
        issues = validate_case(folder)
        check_issues(issues)
        try:
            case = load_case(folder)
        except CaseError as exc:
            assert issues and list(exc.issues) == issues
            assert CJK.search(str(exc))
        else:
            assert issues == []
            check_scores(case)


# ----------------------------------------------------------------------------------------------
# Extreme but valid values: the case still loads and scores inside [0, total]


def _number_cells(base: str) -> list[tuple[str, str, int, int, str, str]]:
    """(file, table, row number, column position, header, text) of every filled number cell of a folder case."""
    files = _folder_base(base)
    meta = yaml.safe_load(files["case.yaml"].decode("utf-8"))
    out = []
    for tname, f in meta["tables"].items():
        spec = S.TABLES[tname]
        kinds = {c.name: c.kind for c in spec.columns}
        rows = _decode(files[f])
        names = [spec.header_map().get(S._fold(h)) for h in rows[0]]
        for r, cells in enumerate(rows[1:], start=2):
            for pos, (name, text) in enumerate(zip(names, cells)):
                if kinds.get(name) in ("number", "integer") and text.strip():
                    out.append((f, tname, r, pos, rows[0][pos], text))
    return out


extreme = st.one_of(
    st.floats(min_value=0, max_value=1e308, allow_nan=False),
    st.sampled_from([0.0, 1e-300, 5e-324, 1e308, 1.7976931348623157e308, 0.1, 99.99, 100.0, 100.00000000000001, 130.0]),
    st.floats(min_value=-1e308, max_value=0, allow_nan=False),
)
positive = st.one_of(
    st.floats(min_value=5e-324, max_value=1e308, allow_nan=False),
    st.sampled_from([1e-300, 5e-324, 1e308, 1.7976931348623157e308, 0.1, 99.99, 100.0, 130.0]),
)


@settings(max_examples=max(10, settings().max_examples // 5))
@given(base=st.sampled_from(FOLDER_BASES), data=st.data())
def test_fuzz_extreme_targets_and_actuals(base, data):
    """Targets and actuals anywhere between -1e308 and 1e308 (and scoring overrides that stay valid):
    a case that loads scores inside [0, total] under its own scheme, never NaN, never an exception."""
    files = _folder_base(base)
    meta = yaml.safe_load(files["case.yaml"].decode("utf-8"))
    ind_file = meta["tables"]["indicators"]
    rows = _decode(files[ind_file])
    head = rows[0]
    cols = {h: i for i, h in enumerate(head)}
    mutations: list[tuple] = []
    tables = sorted(f for f in files if f != "case.yaml")
    fi = tables.index(ind_file)
    for _ in range(data.draw(st.integers(1, 6), label="cells")):
        r = data.draw(st.integers(1, len(rows) - 1), label="row")
        column = data.draw(st.sampled_from(["target", "actual"]), label="column")
        value = data.draw(positive if column == "target" else extreme, label="value")
        mutations.append(("cell", fi, r, cols[column], repr(value)))
    overrides = data.draw(st.fixed_dictionaries({}, optional={
        "reverse_formula": st.sampled_from(["linear", "ratio"]),
        "survey_formula": st.sampled_from(["proportional", "threshold"]),
        "budget_execution_base": st.sampled_from(["allocated", "planned"]),
        "decimals": st.integers(0, 6),
        "overachievement_ratio": st.floats(0, 1e6),
        "overachievement_zero_target": st.floats(0, 1e6),
        "survey_measure": st.sampled_from(["rate", "index"]),
    }), label="overrides")
    for key, value in overrides.items():
        mutations.append(("meta", f"evaluation.scoring.{key}", value))
    with tempfile.TemporaryDirectory() as tmp:
        case = check_case(_write_folder(Path(tmp), base, mutations))
    assert case is not None, "positive targets and actuals of any size must load"


indicator_rows = st.fixed_dictionaries({
    "level1": st.sampled_from(["决策", "过程", "产出", "效益", "产出指标", "效益指标", "满意度指标", "预算执行率", "其他"]),
    "level2": st.sampled_from(["甲", "乙"]),
    "name": st.sampled_from(["完成率", "预算执行率", "资金到位率", "满意度"]),
    "weight": st.one_of(st.floats(0, 100), st.sampled_from([0.0, 10.0, 25.0, 100.0, float("nan"), -1.0, 1e308])),
    "type": st.sampled_from(["定量", "定性", "扣分", "满意度", ""]),
    "direction": st.sampled_from(["正向", "反向", "等于", ""]),
    "target": st.one_of(st.floats(allow_infinity=False), st.sampled_from([0.0, float("nan"), 1e-300, 1e308])),
    "actual": st.one_of(st.floats(allow_infinity=False), st.sampled_from([0.0, float("nan"), 1e308])),
    "unit": st.sampled_from(["%", "人", ""]),
    "grade": st.sampled_from(["达成", "部分达成", "未达成", "", "优"]),
    "score": st.one_of(st.floats(allow_infinity=False), st.sampled_from([float("nan"), 0.0])),
})


@given(rows=st.lists(indicator_rows, min_size=1, max_size=8),
       scheme=st.sampled_from(["mof-2020-key", "mof-2020-self"]),
       funding=st.one_of(st.none(), st.fixed_dictionaries({"planned": st.floats(0, 1e308),
                                                           "allocated": st.floats(0, 1e308),
                                                           "spent": st.floats(0, 1e308)})),
       normalise=st.booleans())
def test_fuzz_score_bare_table(rows, scheme, funding, normalise):
    """score() of an indicator table built in Python: a total in [0, 100] or InputError in Chinese."""
    df = pd.DataFrame(rows)
    df["code"] = [f"X{i}" for i in range(len(df))]
    if normalise and df["weight"].notna().all() and df["weight"].max() < 1e300 and df["weight"].sum() > 1e-6:
        df["weight"] = df["weight"] * (100 / df["weight"].sum())
    try:
        card = ek.score(df, scheme=scheme, funding=funding)
    except InputError as exc:
        head, *lines = str(exc).split("\n")
        assert head == "指标体系无法评分：" and lines, exc
        for line in lines:                      # each problem names its row (a table label) and column
            assert re.match(r"(第\S+行 )?[a-z0-9_]+：\S", line) and CJK.search(line), line
        return
    assert 0 <= card.total <= 100 and not math.isnan(card.total)
    assert card.grade in ("优", "良", "中", "差")


@given(overrides=st.dictionaries(st.sampled_from([*ek.schemes.PARAMS, "nonsense"]), yaml_value, max_size=4))
def test_fuzz_scheme_overrides(overrides):
    """Any override: a scheme whose rules all work, or InputError in Chinese naming the rule."""
    for name in ek.schemes.SCHEMES:
        try:
            scheme = ek.get_scheme(name).with_overrides(overrides)
        except InputError as exc:
            assert CJK.search(str(exc)) and "评分规则" in str(exc), exc
            continue
        assert 0 < scheme.total <= ek.schemes.MAX_TOTAL
        assert scheme.grade(scheme.total) in [g for g, _ in scheme.grades]
        assert scheme.grade(0) in [g for g, _ in scheme.grades]
        rules = scheme.rules()
        assert len(rules) == len(ek.schemes.PARAMS)


# ----------------------------------------------------------------------------------------------
# Where: a value that cannot be read is reported at its own cell


UNREADABLE = ["abc", "十", "一百", "1、2、3", "12,00", "1/3", "二〇二三年五月", "#DIV/0!", "1_000", "٤٢", "--5", "5-",
              "1.2.3", "0x10", "nan", "inf", "-inf", "1e309", "😀", "=A1*2", "（空）", "-", "约100", "100人", "1e"]


@settings(max_examples=max(10, settings().max_examples // 3))
@given(data=st.data(), text=st.sampled_from(UNREADABLE))
def test_fuzz_unreadable_number_is_reported_at_its_cell(data, text):
    cells = _number_cells("demo-water")
    f, tname, row, pos, header, _ = data.draw(st.sampled_from(cells), label="cell")
    files = _folder_base("demo-water")
    tables = sorted(x for x in files if x != "case.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        folder = _write_folder(Path(tmp), "demo-water", [("cell", tables.index(f), row - 1, pos, text)])
        issues = validate_case(folder)
    check_issues(issues)
    here = [i for i in issues if (i.file, i.row, i.column) == (f, row, header)]
    assert len(here) == 1, (f, row, header, issues)
    assert text in here[0].message or text.startswith("#"), here[0]


# ----------------------------------------------------------------------------------------------
# Ambiguous but readable: read, and the user is told how


@functools.cache
def _original(name: str) -> ek.Case:
    return load_case(CASES / name)


FULL_WIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789.,-+%"})


def _grouped(text: str) -> str | None:
    """``1234567.5`` → ``1,234,567.5``; None when there is nothing to group."""
    m = re.fullmatch(r"(-?)(\d{4,})(\.\d+)?", text)
    if not m:
        return None
    sign, whole, frac = m.group(1), m.group(2), m.group(3) or ""
    return sign + f"{int(whole):,}" + frac


@settings(max_examples=max(10, settings().max_examples // 3))
@given(data=st.data())
def test_fuzz_readable_numbers_are_read_and_noted(data):
    """Full-width digits, thousands separators and a % where the unit is % leave every table exactly as
    it was, and each reformatted cell gets a note naming its file, row and column and how it was read."""
    cells = _number_cells("demo-water")
    picked = data.draw(st.lists(st.sampled_from(cells), min_size=1, max_size=5, unique=True), label="cells")
    files = _folder_base("demo-water")
    tables = sorted(x for x in files if x != "case.yaml")
    ind = _decode(files["indicators.csv"])
    unit_pos = ind[0].index("unit")
    mutations, expected = [], []
    for f, tname, row, pos, header, text in picked:
        styles = ["full-width"]
        if _grouped(text):
            styles += ["grouped", "grouped-full-width"]
        if tname == "indicators" and header in ("target", "actual") and ind[row - 1][unit_pos] == "%":
            styles += ["percent", "percent-full-width"]
        style = data.draw(st.sampled_from(styles), label=f"style of {f} {row} {header}")
        how = []
        if style.startswith("grouped"):
            new = _grouped(text)
        elif style.startswith("percent"):
            new = text + "%"
        else:
            new = text
        if style.endswith("full-width"):
            new = new.translate(FULL_WIDTH)
            how.append("全角字符按半角读取")
        if style.startswith("percent"):
            how.append("% 已去掉（计量单位为 %）")
        if style.startswith("grouped"):
            how.append("千位分隔符已去掉")
        mutations.append(("cell", tables.index(f), row - 1, pos, new))
        expected.append((f, header, row, f"「{new}」读作 {float(text):.15g}（{'，'.join(how)}）"))
    with tempfile.TemporaryDirectory() as tmp:
        case = load_case(_write_folder(Path(tmp), "demo-water", mutations))
    for name, table in _original("demo-water").tables.items():
        pd.testing.assert_frame_equal(case.tables[name], table)
    notes = []              # a note a cell; one for the column when more than three of its cells were read
    for f, header in dict.fromkeys((f, h) for f, h, _, _ in expected):
        cells = sorted((row, how) for f_, h, row, how in expected if (f_, h) == (f, header))
        if len(cells) <= 3:
            notes += [f"{f} 第{row}行 {header}：{how}" for row, how in cells]
        else:
            rows = "、".join(str(row) for row, _ in cells[:3])
            notes.append(f"{f} 列「{header}」第{rows}行等 {len(cells)} 个单元格同样读取，如第{cells[0][0]}行：{cells[0][1]}")
    assert sorted(case.notes) == sorted(notes)


DATE_STYLES = {
    "{y}年{m}月{d}日": True, "{y}.{m}.{d}": True, "{y}/{m:02d}/{d:02d}": True, "{y}-{m}-{d}": None,
    "{y} 年 {m} 月 {d} 日": True, "{y}年{m:02d}月{d:02d}日": True,
}


@given(day=st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 12, 31)),
       style=st.sampled_from(sorted(DATE_STYLES)), full_width=st.booleans())
def test_fuzz_chinese_dates_are_read_and_noted(day, style, full_width):
    text = style.format(y=day.year, m=day.month, d=day.day)
    if full_width:
        text = text.translate(FULL_WIDTH)
    with tempfile.TemporaryDirectory() as tmp:
        case = load_case(_write_folder(Path(tmp), "skeleton", [("meta", "evaluation.date", text)]))
    assert case.evaluation["date"] == day.isoformat()
    if text == day.isoformat():
        assert case.notes == ()
    else:
        assert case.notes == (f"case.yaml 报告日期：「{text}」读作 {day.isoformat()}",)


@given(text=st.sampled_from(["2023-02-30", "2023年2月30日", "2023.13.1", "二〇二三年五月", "2023年5月", "5/1/2023",
                             "2023-05-01T00:00", "昨天", "2023年5月1號", "20230501", "0000-01-01"]))
def test_fuzz_unreadable_dates_are_reported_at_their_field(text):
    with tempfile.TemporaryDirectory() as tmp:
        folder = _write_folder(Path(tmp), "skeleton", [("meta", "evaluation.date", text)])
        issues = validate_case(folder)
        line = next(n for n, t in enumerate((folder / "case.yaml").read_text("utf-8").splitlines(), 1)
                    if t.strip().startswith("date:"))
    issue = only(issues, "报告日期应写成")
    assert (issue.file, issue.row, issue.column) == ("case.yaml", line, "evaluation.date")


# ----------------------------------------------------------------------------------------------
# Workbooks: a formula without a computed value is named by its cell


@settings(max_examples=max(10, settings().max_examples // 10))
@given(data=st.data(), formula=st.sampled_from(["=A1*2", "=SUM(F2:F5)", "=1/0", "=VLOOKUP(A2,Sheet2!A:B,2,0)", "=\"达成\""]))
def test_fuzz_formula_cells_are_named(data, formula):
    wb = openpyxl.load_workbook(io.BytesIO(_workbook_base("demo-microcredit")))
    sheets = [ws for ws in wb.worksheets if ws.title in {t.sheet for t in S.TABLES.values()}]
    ws = data.draw(st.sampled_from(sheets), label="sheet")
    row = data.draw(st.integers(2, ws.max_row), label="row")
    col = data.draw(st.integers(1, ws.max_column), label="column")
    header = ws.cell(1, col).value
    ws.cell(row, col).value = formula
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.xlsx"
        wb.save(path)
        issues = validate_case(path)
    check_issues(issues)
    letter = openpyxl.utils.get_column_letter(col)
    here = [i for i in issues if (i.sheet, i.row, i.column) == (ws.title, row, header)]
    assert len(here) == 1, issues
    assert here[0].message.startswith(f"单元格 {letter}{row} 是公式「{formula}」，但工作簿中没有保存它的计算结果")


# ----------------------------------------------------------------------------------------------
# Regressions: one plain example for each problem the fuzzing found


def _copy(tmp_path: Path, name: str) -> Path:
    dest = tmp_path / name
    shutil.copytree(CASES / name, dest)
    return dest


def _edit_csv(path: Path, edit: Any) -> None:
    rows = _decode(path.read_bytes())
    edit(rows)
    path.write_text(_encode(rows), encoding="utf-8")


def _yaml_with(tmp_path: Path, old: str, new: str) -> Path:
    folder = write_case(tmp_path)
    text = (folder / "case.yaml").read_text(encoding="utf-8")
    assert old in text
    (folder / "case.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def test_questions_without_a_kind_column_are_reported_not_a_crash(tmp_path):
    """derive.questions compared an empty 级数 (pd.NA) with itself: TypeError instead of the issues."""
    folder = _copy(tmp_path, "demo-greening")
    _edit_csv(folder / "questions.csv", lambda rows: [r.pop(2) for r in rows])      # drop 类型: all scale
    issues = validate_case(folder)
    on_street = [i for i in issues if (i.file, i.column) == ("survey.csv", "街道")]
    assert [i.row for i in on_street] == [2, 3, 4, 5, 6, None]
    assert on_street[0].message == "答案应为 1 到 5 的整数（空白表示未作答），实际为「新华街道」"
    assert on_street[-1].message.startswith("另有 295 个答案不是 1 到 5 的整数（共 300 个）；若此列是受访者的分组")


def test_impossible_yaml_date_is_reported_at_its_line(tmp_path):
    """yaml.safe_load raised ValueError ("day is out of range for month") for date: 2023-02-30."""
    folder = _yaml_with(tmp_path, "date: '2024-05-20'", "date: 2023-02-30")
    issue = only(validate_case(folder), "报告日期")
    assert issue.message == "报告日期应写成 2024-05-20 或 2024年5月20日，实际为 '2023-02-30'"
    assert (issue.file, issue.row, issue.column) == ("case.yaml", _line(folder, "date:"), "evaluation.date")


def _line(folder: Path, prefix: str) -> int:
    lines = (folder / "case.yaml").read_text(encoding="utf-8").splitlines()
    return next(n for n, t in enumerate(lines, 1) if t.strip().startswith(prefix))


@pytest.mark.parametrize("digits", [400, 5000])
def test_huge_yaml_integer_is_reported_as_money_out_of_range(tmp_path, digits):
    """A 400-digit amount overflowed float() (OverflowError); a 5000-digit one broke yaml.safe_load."""
    folder = _yaml_with(tmp_path, "planned: 1000000", "planned: " + "9" * digits)
    issue = only(validate_case(folder), "金额")
    assert re.fullmatch(r"金额必须为有限的数字，实际为 ?「?9{39}…」?", issue.message), issue.message
    assert (issue.row, issue.column) == (_line(folder, "planned:"), "funding.planned")


@pytest.mark.parametrize("tail, message", [
    ("deep: " + "[" * 3000 + "]" * 3000 + "\n", "YAML 嵌套层次过深（超过 100 层），无法读取"),
    ("a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
     + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9)),
     "YAML 中的锚点和别名（& 与 *）展开后超过 100000 项，无法读取"),
    ("loop: &loop [*loop]\n", "YAML 中的别名（*）引用了包含它自己的内容，无法读取"),
])
def test_hostile_yaml_structures_are_refused(tmp_path, tail, message):
    """Deep nesting raised RecursionError; a "billion laughs" of aliases hung the loader."""
    folder = write_case(tmp_path)
    with (folder / "case.yaml").open("a", encoding="utf-8") as fh:
        fh.write(tail)
    (issue,) = validate_case(folder)
    assert (issue.file, issue.message) == ("case.yaml", message)


def test_issue_rows_are_python_integers(tmp_path):
    """Rows from a table's index came out as numpy.int64 (e.g. an incomplete expert's judgements)."""
    folder = _copy(tmp_path, "demo-greening")
    _edit_csv(folder / "judgements.csv", lambda rows: rows.pop(2))
    issue = only(validate_case(folder), "的判断不完整")
    assert type(issue.row) is int and issue.row == 2
    assert issue.message == "专家「专家A」对「一级指标」的判断不完整，缺少 1 对（如 产出与决策）"


@pytest.mark.parametrize("overrides, message", [
    ({"total": 10**400}, "评分规则「total」的值 " + "1" + "0" * 38 + "… 无效：超出了数值范围"),
    ({"total": 0}, "评分规则「total」的值 0 无效：应为大于 0、不超过 1e+06 的数"),
    ({"total": 1e30}, "评分规则「total」的值 1e+30 无效：应为大于 0、不超过 1e+06 的数"),
    ({"grades": {"优": float("nan"), "差": 0}}, "评分规则「grades」的值 {'优': nan, '差': 0} 无效：各等级的下限应为有限的数字"),
    ({"decimals": float("inf")}, "评分规则「decimals」的值 inf 无效：应为 0 到 6 的整数"),
    ({"decimals": True}, "评分规则「decimals」的值 True 无效：应为数字，实际为 True"),
    ({"satisfaction_levels": [20, float("inf")]},
     "评分规则「satisfaction_levels」的值 [20, inf] 无效：应为从最不满意到最满意、不递减的分值列表，如 [20, 40, 60, 80, 100]"),
    ({"overachievement_ratio": "１.５"}, "评分规则「overachievement_ratio」的值 '１.５' 无效：应为数字，实际为 '１.５'"),
])
def test_scheme_overrides_refuse_what_cannot_be_scored(overrides, message):
    """An overflowing total escaped as OverflowError; NaN grade bounds made Scheme.grade raise
    decimal.InvalidOperation; an infinite number of decimals raised OverflowError; full-width text was
    read by float() without a word."""
    with pytest.raises(InputError) as exc:
        ek.get_scheme("mof-2020-key").with_overrides(overrides)
    assert str(exc.value) == message


def test_plain_number_text_still_works_in_overrides():
    scheme = ek.get_scheme("mof-2020-key").with_overrides({"overachievement_ratio": "1.5", "decimals": 3.0})
    assert (scheme.overachievement_ratio, scheme.decimals) == (1.5, 3)


@pytest.mark.parametrize("text", ["1_000", "٤٢", "0x10", "1e"])
def test_python_only_number_spellings_are_refused(tmp_path, text):
    """float() reads "1_000" as 1000 and Arabic-Indic digits as numbers: silent guesses."""
    ind = base_indicators()
    ind[3].update(unit="人", target=text)                                # C11, row 5
    issue = only(validate_case(write_case(tmp_path, indicators=ind)), "必须为数字")
    assert (issue.row, issue.column, issue.message) == (5, "target", f"必须为数字，实际为「{text}」")


def test_excel_error_value_is_named(tmp_path):
    ind = base_indicators()
    ind[3]["actual"] = "#DIV/0!"
    issue = only(validate_case(write_case(tmp_path, indicators=ind)), "Excel 错误值")
    assert issue.message == "单元格是 Excel 错误值「#DIV/0!」（公式出错），请修正公式或改填数值"
    assert (issue.row, issue.column) == (5, "actual")


def test_percent_where_the_unit_is_percent_is_read_and_noted(tmp_path):
    ind = base_indicators()
    ind[3]["actual"] = "96%"                                              # C11, unit %
    ind[4]["actual"] = "８８％"                                           # D11, unit %
    case = load_case(write_case(tmp_path, indicators=ind))
    assert list(case.indicators.loc[[5, 6], "actual"]) == [96.0, 88.0]
    assert case.notes == ("indicators.csv 第5行 actual：「96%」读作 96（% 已去掉（计量单位为 %））",
                          "indicators.csv 第6行 actual：「８８％」读作 88（全角字符按半角读取，% 已去掉（计量单位为 %））")


def test_spaces_between_digits_are_read_and_noted(tmp_path):
    budget = [{"item": "中央补助资金", "planned": "600 000", "allocated": 500000, "spent": 480000},
              {"item": "县级配套资金", "planned": 400000, "allocated": 400000, "spent": 375000}]
    case = load_case(write_case(tmp_path, budget=budget))
    assert case.table("budget").loc[2, "planned"] == 600000.0
    assert case.notes == ("budget.csv 第2行 planned：「600 000」读作 600000（数字间的空格已去掉）",)


def test_meta_numbers_and_dates_are_noted(tmp_path):
    meta = base_meta_with(year="２０２３", planned="1,000,000", date="2024年5月20日")
    case = load_case(write_case(tmp_path, meta=meta))
    assert (case.project["year"], case.funding["planned"], case.evaluation["date"]) == (2023, 1e6, "2024-05-20")
    assert case.notes == ("case.yaml 预算数（元）：「1,000,000」读作 1000000（千位分隔符已去掉）",
                          "case.yaml 项目年度：「２０２３」读作 2023（全角字符按半角读取）",
                          "case.yaml 报告日期：「2024年5月20日」读作 2024-05-20")


def base_meta_with(*, year: Any, planned: Any, date: Any) -> dict[str, Any]:
    from .helpers import base_meta

    meta = base_meta()
    meta["project"]["year"] = year
    meta["funding"]["planned"] = planned
    meta["evaluation"]["date"] = date
    return meta


def test_method_parameters_read_like_other_numbers(tmp_path):
    """Parameters had their own float(): "１８６，０００" failed while "８" passed silently."""
    from .helpers import base_meta

    meta = base_meta()
    meta["evaluation"]["parameters"] = {"survey_population": "１８６，０００", "social_discount_rate": "８％",
                                        "benchmark_rate": "4%", "risk_draws": 2000}
    case = load_case(write_case(tmp_path, meta=meta))
    params = case.evaluation["parameters"]
    assert params == {"survey_population": 186000, "social_discount_rate": 0.08, "benchmark_rate": 0.04,
                      "risk_draws": 2000}
    assert case.notes == ("case.yaml 调查总体数量：「１８６，０００」读作 186000（全角字符按半角读取，千位分隔符已去掉）",
                          "case.yaml 社会折现率：「８」读作 8（全角字符按半角读取）")


@pytest.mark.parametrize("value, message", [
    ("1_000", "模拟次数必须为数字，实际为「1_000」"),
    (10**7, "模拟次数至多为 1000000，实际为 10000000"),
    ("150%", "社会折现率应为 0 到 1 之间的小数（如 0.08）或百分数（如 8%），实际为 '150%'"),
])
def test_method_parameter_problems_name_the_parameter(tmp_path, value, message):
    from .helpers import base_meta

    meta = base_meta()
    key = "social_discount_rate" if message.startswith("社会折现率") else "risk_draws"
    meta["evaluation"]["parameters"] = {key: value}
    issue = only(validate_case(write_case(tmp_path, meta=meta)), message.split("，")[0][:4])
    assert issue.message == message
    assert issue.column == f"evaluation.parameters.{key}"


def test_text_fields_given_as_lists_are_reported(tmp_path):
    from .helpers import base_meta

    meta = base_meta()
    meta["title"] = ["甲", "乙"]
    meta["evaluation"]["team"] = [["张三"], "李四"]
    issues = validate_case(write_case(tmp_path, meta=meta))
    assert only(issues, "报告标题").message == "报告标题应为一段文字，实际为列表 ['甲', '乙']"
    assert only(issues, "每项是一段文字").column == "evaluation.team"


def test_survey_full_width_answers_are_read_and_noted(tmp_path):
    """Full-width answers passed the survey check but pandas read them as NaN: dropped without a word."""
    folder = _copy(tmp_path, "demo-greening")

    def full_width(rows: list[list[str]]) -> None:
        q1 = rows[0].index("Q1")
        for r in rows[1:]:
            r[q1] = r[q1].translate(FULL_WIDTH)

    _edit_csv(folder / "survey.csv", full_width)
    case = load_case(folder)
    original = _original("demo-greening")
    pd.testing.assert_frame_equal(case.table("survey"), original.table("survey"))
    assert ek.scorecard(case).total == ek.scorecard(original).total
    (note,) = case.notes
    assert note.startswith("survey.csv 列「Q1」 第2行：「３」读作 3（全角字符按半角读取），共 ")
    assert note.endswith(" 个答案如此读取")


def test_duplicate_survey_columns_are_reported(tmp_path):
    folder = _copy(tmp_path, "demo-greening")
    _edit_csv(folder / "survey.csv", lambda rows: rows[0].__setitem__(rows[0].index("Q2"), "Q1"))
    issue = only(validate_case(folder), "重复（第")
    assert (issue.file, issue.row, issue.column) == ("survey.csv", 1, "Q1")
    assert issue.message == "列「Q1」重复（第 5 列和第 6 列同名）"


# -- workbooks


def _skeleton_book(tmp_path: Path) -> tuple[Path, Any]:
    path = new_case("book", tmp_path, xlsx=True) / "case.xlsx"
    return path, openpyxl.load_workbook(path)


def test_formula_without_a_saved_result_is_named_once(tmp_path):
    """A formula written by a program has no cached value: data_only gave None, and the user was told
    only that 分值 was empty (or nothing at all in an optional column)."""
    path, wb = _skeleton_book(tmp_path)
    ws = wb["指标体系"]
    ws["F3"] = "=F2*1"                                   # 分值 of A21
    ws["I6"] = "=100"                                    # 指标值 of B12
    wb["基本信息"]["B4"] = "=B3"                         # 报告标题
    wb.save(path)
    issues = validate_case(path)
    assert [(i.sheet, i.row, i.column) for i in issues] == [
        ("基本信息", 4, "值"), ("指标体系", 3, "分值"), ("指标体系", 6, "指标值")]
    assert issues[1].message == ("单元格 F3 是公式「=F2*1」，但工作簿中没有保存它的计算结果"
                                 "（由程序生成、未经 Excel 打开保存的文件常会这样）：请在 Excel 中打开后保存，或直接填写数值")


def test_merged_header_is_reported_and_merged_rows_are_read_and_noted(tmp_path):
    path, wb = _skeleton_book(tmp_path)
    ws = wb["指标体系"]
    ws["B3"] = ws["B4"] = None
    ws.merge_cells("B2:B4")                              # 一级指标 决策 over rows 2-4
    wb.save(path)
    case = load_case(path)
    assert list(case.indicators.loc[[2, 3, 4], "level1"]) == ["决策"] * 3
    assert case.notes == ("指标体系 B2:B4：合并单元格，其中每一行都读作「决策」",)
    ws.merge_cells("D1:E1")
    wb.save(path)
    issue = only(validate_case(path), "合并单元格")
    assert (issue.sheet, issue.row, issue.column) == ("指标体系", 1, "三级指标")
    assert issue.message == "表头的 D1:E1 是合并单元格：每列须有自己的列名，请取消合并后逐列填写"


def test_duplicate_and_conflicting_fields_in_the_info_sheet(tmp_path):
    """A row "project" before 项目名称 made _set index a string: TypeError."""
    path, wb = _skeleton_book(tmp_path)
    ws = wb["基本信息"]
    ws.append(["project", "某项目"])
    ws.append(["报告标题", "另一个标题"])
    wb.save(path)
    issues = validate_case(path)
    conflict, duplicate = only(issues, "冲突"), only(issues, "重复")
    assert conflict.message == "字段「project」与第6行的字段「项目名称」冲突，请只保留一行"
    assert duplicate.message == "字段「报告标题」与第4行的字段「报告标题」重复，请只保留一行"
    assert (conflict.row, duplicate.row) == (ws.max_row - 1, ws.max_row)


def test_two_sheets_with_one_name_are_reported(tmp_path):
    path, wb = _skeleton_book(tmp_path)
    wb.create_sheet("指标体系 ")
    wb.save(path)
    issue = only(validate_case(path), "两个名为")
    assert issue.message == "有两个名为「指标体系」的工作表（名称前后的空格不算），请删去或改名其中一个"


def test_full_width_scoring_override_in_a_workbook_is_read_and_noted(tmp_path):
    path, wb = _skeleton_book(tmp_path)
    wb["基本信息"].append(["evaluation.scoring.overachievement_ratio", "１.５"])
    wb.save(path)
    case = load_case(path)
    assert case.scheme.overachievement_ratio == 1.5
    assert case.notes == ("case.xlsx 评分规则 overachievement_ratio：「１.５」读作 1.5（全角字符按半角读取）",)


def test_survey_without_valid_answers_is_reported_before_scoring(tmp_path):
    """The case validated, then score() failed: "responses 的题目列…没有任何有效回答"."""
    folder = _copy(tmp_path, "demo-greening")

    def blank(rows: list[list[str]]) -> None:
        for c in range(rows[0].index("Q1"), rows[0].index("Q6") + 1):
            for r in rows[1:]:
                r[c] = ""

    _edit_csv(folder / "survey.csv", blank)
    (issue,) = validate_case(folder)
    assert (issue.file, issue.row, issue.column) == ("questions.csv", 2, "indicator")
    assert issue.message == "对应指标「D41」的题目（Q1、Q2、Q3、Q4、Q5、Q6）在满意度调查表中没有任何有效回答，无法由问卷计算满意度"


def test_questions_of_one_indicator_share_scale_and_satisfied_levels(tmp_path):
    """The survey pooled an indicator's questions with the first one's scale and levels, silently."""
    folder = _copy(tmp_path, "demo-greening")

    def edit(rows: list[list[str]]) -> None:
        rows[2][rows[0].index("satisfied")] = "5"                      # Q2, row 3
        rows[3][rows[0].index("scale")] = "7"                          # Q3, row 4

    _edit_csv(folder / "questions.csv", edit)
    issues = validate_case(folder)
    assert [(i.row, i.column, i.message) for i in issues] == [
        (3, "satisfied", "对应指标「D41」的题目应使用同一满意档（第2行为 4、5，此行为 5）"),
        (4, "scale", "对应指标「D41」的题目应使用同一级数（第2行为 5 级，此行为 7 级）"),
    ]


@pytest.mark.parametrize("year, message", [
    ("2.4e15", "年份应在 1900 到 2200 之间，实际为「2.4e15」"),
    ("1e300", "必须为整数，实际为「1e300」"),
    ("20230", "年份应在 1900 到 2200 之间，实际为「20230」"),
])
def test_years_out_of_range_are_reported(tmp_path, year, message):
    """A year of 2.4e15 made the gap check build a range of 10^15 years (MemoryError); 1e300 could not
    be stored as an integer (TypeError from pandas)."""
    folder = _copy(tmp_path, "demo-water")
    _edit_csv(folder / "cashflows.csv", lambda rows: rows[3].__setitem__(0, year))
    issue = only(validate_case(folder), message)
    assert (issue.file, issue.row, issue.column) == ("cashflows.csv", 4, "year")


def test_table_file_name_with_a_control_character_is_reported(tmp_path):
    """A NUL byte in a table's file name raised ValueError ("embedded null byte")."""
    from .helpers import base_meta

    folder = write_case(tmp_path, tables={"indicators": "indicators.csv", "budget": "bud\x00get.csv"},
                        meta=base_meta())
    issue = only(validate_case(folder), "控制字符")
    assert issue.message == "表格文件名 'bud\\x00get.csv' 含有控制字符（如换行、\\0）"
    assert issue.column == "tables.budget"


def test_years_written_with_nian_are_read_and_noted(tmp_path):
    """Every year written "2023年" was unreadable, and two unreadable years of one item crashed the
    cash-flow check (see test_unreadable_years_of_one_item below)."""
    folder = _copy(tmp_path, "demo-water")

    def nian(rows: list[list[str]]) -> None:
        rows[1][0] += "年"
        rows[2][0] = rows[2][0].translate(FULL_WIDTH) + " 年"

    _edit_csv(folder / "cashflows.csv", nian)
    case = load_case(folder)
    pd.testing.assert_frame_equal(case.table("cashflows"), _original("demo-water").table("cashflows"))
    assert case.notes == ("cashflows.csv 第2行 year：「2023年」读作 2023（“年”字已去掉）",
                          "cashflows.csv 第3行 year：「２０２４ 年」读作 2024（全角字符按半角读取，“年”字已去掉）")


def test_unreadable_years_of_one_item_are_reported(tmp_path):
    folder = _copy(tmp_path, "demo-water")
    _edit_csv(folder / "cashflows.csv", lambda rows: [r.__setitem__(0, "明年") for r in rows[1:3]])   # 建设投资 ×2
    issues = validate_case(folder)
    assert [(i.row, i.column, i.message) for i in issues if i.file == "cashflows.csv"][:2] == [
        (2, "year", "必须为数字，实际为「明年」"), (3, "year", "必须为数字，实际为「明年」")]


def test_full_width_judgements_and_levels_are_read_and_noted(tmp_path):
    """Full-width 标度 (１／３) and 满意档 (４、５) were read through NFKC without a word."""
    folder = _copy(tmp_path, "demo-greening")
    _edit_csv(folder / "judgements.csv", lambda rows: rows[2].__setitem__(4, rows[2][4].translate(FULL_WIDTH)
                                                                          .replace("/", "／")))
    _edit_csv(folder / "questions.csv", lambda rows: rows[1].__setitem__(4, "４、５"))
    case = load_case(folder)
    original = _original("demo-greening")
    for name in ("judgements", "questions"):
        pd.testing.assert_frame_equal(case.table(name), original.table(name))
    assert case.notes == ("judgements.csv 第3行 value：「１／３」读作 1/3（全角字符按半角读取）",
                          "questions.csv 第2行 satisfied：「４、５」读作 4、5（全角字符按半角读取）")
    assert ek.scorecard(case).total == ek.scorecard(original).total
