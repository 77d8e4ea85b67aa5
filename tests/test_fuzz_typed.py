"""Files written the way people's tools write them, fuzzed: Excel's number formats, text editors'
stray quotes, BOMs and line endings, duplicated YAML keys.

The properties: what a person typed is what evalkit reads (a percent typed into a percent-formatted
cell, an amount in a 万元-formatted cell, a CSV saved by another program); and a file that cannot be
read without guessing — one stray quote, one repeated key — is refused with a message that names it,
never read with rows silently lost. Example counts come from the hypothesis profile (tests/conftest.py).
"""

from __future__ import annotations

import csv
import io
import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from evalkit.case import load_case, validate_case

from .helpers import base_indicators, folder_to_workbook, write_case

PERCENT_FORMATS = ["0%", "0.0%", "0.00%", "#,##0.00%", "0.0%;[Red]-0.0%", "0.000%"]
LOOKS_ONLY = ["General", "0", "0.00", "#,##0", "#,##0.00", "0.0_ ", '#,##0.00"人"', "[$-804]0.00"]
percents = st.decimals(min_value=0, max_value=250, places=2, allow_nan=False, allow_infinity=False)


def _base(tmp: Path) -> tuple[Path, Path]:
    folder = write_case(tmp)
    return folder, folder_to_workbook(folder, tmp / "tiny.xlsx")


def _col(ws, header):
    return [c.value for c in ws[1]].index(header) + 1


WORKBOOK = settings(max_examples=max(10, settings().max_examples // 5))     # each example writes a workbook


@WORKBOOK
@given(target=percents.filter(lambda d: d > 0), actual=percents, fmt=st.sampled_from(PERCENT_FORMATS),
       looks=st.sampled_from(LOOKS_ONLY))
def test_fuzz_percent_cells_read_as_typed(target, actual, fmt, looks):
    """A typed ``96.5%`` is stored as 0.965 in a percent format: it reads as 96.5; numbers in formats
    that only change their look (decimals, separators, a 人 suffix) read as stored."""
    with tempfile.TemporaryDirectory() as tmp:
        _, book = _base(Path(tmp))
        wb = openpyxl.load_workbook(book)
        ws = wb["指标体系"]
        for header, value in (("指标值", target), ("实际完成值", actual)):
            cell = ws.cell(5, _col(ws, header), float(value / 100))          # C11, unit %
            cell.number_format = fmt
        weight = ws.cell(2, _col(ws, "分值"))
        weight.number_format = looks                                       # A11's 20 points
        wb.save(book)
        case = load_case(book)
    got = case.indicators.loc[5]
    assert Decimal(repr(float(got["target"]))) == target
    assert Decimal(repr(float(got["actual"]))) == actual
    assert case.indicators.loc[2, "weight"] == 20


@WORKBOOK
@given(yuan=st.lists(st.integers(min_value=0, max_value=10**9), min_size=2, max_size=2),
       fmt=st.sampled_from(['0.00"万元"', '#,##0.0000"万元"', '0"万"', '#,##0.00\\万\\元', '0.00" 万元"']))
def test_fuzz_money_in_wan_yuan_formats(yuan, fmt):
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_case(Path(tmp), budget=[
            {"item": "甲", "planned": yuan[0], "allocated": yuan[0], "spent": yuan[0]},
            {"item": "乙", "planned": yuan[1], "allocated": yuan[1], "spent": yuan[1]}],
            meta=None)
        book = folder_to_workbook(folder, Path(tmp) / "tiny.xlsx")
        wb = openpyxl.load_workbook(book)
        ws = wb["预算执行"]
        for r in (2, 3):
            for c in (2, 3, 4):
                cell = ws.cell(r, c)
                cell.value = float(Decimal(cell.value) / 10_000)
                cell.number_format = fmt
        wb.save(book)
        issues = validate_case(book)
        budget = load_case(book).table("budget") if not issues else None
    if budget is None:           # the budget no longer adds up to the funding: that check, not a misread
        assert all("合计" in i.message or "不符" in i.message for i in issues), issues
        return
    assert budget["spent"].tolist() == [float(y) for y in yuan]


def _rewrite(text: str, *, bom: bool, newline: str, quote_all: bool, trailing: bool) -> bytes:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    w.writerows(rows)
    out = buf.getvalue() if trailing else buf.getvalue().removesuffix(newline)
    return ("\ufeff" if bom else "").encode() + out.encode("utf-8")


@given(bom=st.booleans(), newline=st.sampled_from(["\n", "\r\n", "\r"]), quote_all=st.booleans(),
       trailing=st.booleans(), table=st.sampled_from(["indicators", "deductions", "budget"]))
def test_fuzz_csv_saved_by_other_programs_reads_the_same(bom, newline, quote_all, trailing, table):
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_case(Path(tmp))
        want = load_case(folder).tables[table]
        path = folder / f"{table}.csv"
        path.write_bytes(_rewrite(path.read_text(encoding="utf-8"), bom=bom, newline=newline, quote_all=quote_all,
                                  trailing=trailing))
        got = load_case(folder).tables[table]
    assert got.equals(want)


@given(data=st.data())
def test_fuzz_one_stray_quote_never_loses_rows(data):
    """A ``"`` typed anywhere into a hand-edited CSV: the case is refused (at that file, or where the
    changed text no longer matches — a code ``B"21`` that deductions do not name), or every table keeps
    all its rows (a quote inside a field is just a character)."""
    with tempfile.TemporaryDirectory() as tmp:
        ind = base_indicators()
        ind[0]["basis"] = "查阅立项文件，依据充分"
        folder = write_case(Path(tmp), indicators=ind)
        before = {t: len(df) for t, df in load_case(folder).tables.items()}
        name = data.draw(st.sampled_from(["indicators.csv", "deductions.csv", "budget.csv"]), label="file")
        path = folder / name
        text = path.read_text(encoding="utf-8")
        at = data.draw(st.integers(min_value=0, max_value=len(text) - 1), label="position")
        assume(text[at - 1:at] != "\n" or at == 0)
        path.write_text(text[:at] + '"' + text[at:], encoding="utf-8")
        issues = validate_case(folder)
        after = None if issues else {t: len(df) for t, df in load_case(folder).tables.items()}
    if issues:
        assert all(i.file in ("indicators.csv", "deductions.csv", "budget.csv") for i in issues), issues
    else:
        assert after == before


@given(data=st.data())
def test_fuzz_a_repeated_yaml_key_is_refused_naming_both_lines(data):
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_case(Path(tmp))
        path = folder / "case.yaml"
        lines = path.read_text(encoding="utf-8").splitlines()
        keyed = [i for i, line in enumerate(lines) if ":" in line and not line.lstrip().startswith(("-", "#"))
                 and not line.rstrip().endswith(":")]
        at = data.draw(st.sampled_from(keyed), label="line")
        lines.insert(at + 1, lines[at])
        crlf = data.draw(st.booleans(), label="crlf")
        path.write_bytes(("\r\n" if crlf else "\n").join(lines).encode("utf-8"))
        issues = validate_case(folder)
    repeated = [i for i in issues if "重复" in i.message]
    assert len(repeated) == 1 and f"第{at + 1}行和第{at + 2}行" in repeated[0].message, issues
