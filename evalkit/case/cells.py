"""One cell as the person who typed it meant it: numbers, percents, money units, dates, Excel formats."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pandas as pd
import yaml

from .. import _readyaml as _yaml
from .. import _schema as S
from .. import _text as T
from ..schemes import Scheme

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", flags=re.ASCII)
_EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")

_MONEY_IN_FORMAT = re.compile("百万元|千元|万元|亿元|万|亿")

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", flags=re.ASCII)
_EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")



def _format_meaning(fmt: str) -> tuple[str, str] | None:
    """(``"percent"``, "") for a percent format, (``"unit"``, 万元…) for one whose text states a money
    unit (``0.00"万元"``, ``#,##0\\万``), (``"scaled"``, "") for one that shows the number smaller than
    it is stored (``#,##0,`` in thousands, ``0!.0000"万元"`` moving the point), None for a format that
    only changes how a number looks."""
    section = re.split(r';(?=(?:[^"]*"[^"]*")*[^"]*$)', fmt)[0]          # the positive-number section
    literal = "".join(re.findall(r'"([^"]*)"', section)) + "".join(re.findall(r"[\\!](.)", section))
    bare = re.sub(r'"[^"]*"|[\\!].|\[[^\]]*\]|_.|\*.', "", section)
    if "%" in bare:
        return "percent", ""
    digits = re.sub(r'\[[^\]]*\]|_.|\*.', "", section)
    if re.search(r"[0#?][,]+(?![0#?])", bare) or re.search(r'[0#?](?:"\."|[\\!]\.)[0#?]', digits):
        return "scaled", ""
    m = _MONEY_IN_FORMAT.search(literal)
    if m:
        return "unit", m.group() if m.group().endswith("元") else m.group() + "元"
    return None


def _meaningful_styles(wb: Any) -> dict[int, tuple[str, str, str]]:
    """Style index → (kind, unit, format) for the workbook's cell styles whose number format changes
    what a number means (see :func:`_format_meaning`); empty for most workbooks, which are then read
    by the fast value-only path."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    custom = getattr(wb, "_number_formats", [])
    out = {}
    for i, style in enumerate(getattr(wb, "_cell_styles", [])):
        fid = style.numFmtId
        fmt = BUILTIN_FORMATS.get(fid, "General") if fid < BUILTIN_FORMATS_MAX_SIZE else \
            (custom[fid - BUILTIN_FORMATS_MAX_SIZE] if fid - BUILTIN_FORMATS_MAX_SIZE < len(custom) else "General")
        meaning = _format_meaning(fmt)
        if meaning:
            out[i] = (*meaning, fmt)
    return out


def _shown(cell: Any, styles: dict[int, tuple[str, str, str]]) -> Any:
    """A cell's value, as a :class:`_Shown` when its number format changes what the number means."""
    value = cell.value
    if type(value) not in (int, float) or getattr(cell, "_style_id", 0) not in styles:
        return value
    kind, unit, fmt = styles[cell._style_id]
    if kind == "percent":
        return _Shown(format((_excel_decimal(value) * 100).normalize(), "f") + "%", float(value), fmt, kind)
    return _Shown(f"{value:.15g}{unit}", float(value), fmt, kind)      # scaled: refused where a number is read


def _excel_decimal(value: float) -> Decimal:
    """A number as Excel holds and shows it: 15 significant digits (a typed 91.67% is stored as
    0.91670000000000007 in the file and is 0.9167)."""
    return Decimal(f"{value:.15g}")


#: the keys a case.yaml may hold under each section (tables, narrative, parameters and scoring rules
#: are checked by name where they are read)
_SECTIONS = {"project": {k.split(".")[1] for k in S.META_LABELS if k.startswith("project.")},
             "funding": {k.split(".")[1] for k in S.META_LABELS if k.startswith("funding.")} | {"sources"},
             "evaluation": {k.split(".")[1] for k in S.META_LABELS if k.startswith("evaluation.")}
             | {"parameters", "scoring"}}
_TOP = {"schema", "id", "title", "scheme", "project", "funding", "evaluation", "narrative", "tables"}


def _unknown_keys(data: Mapping[str, Any]) -> list[str]:
    """The dotted keys of case.yaml that no part of evalkit reads (``narative``, ``project.comissioner``)."""
    out = [str(k) for k in data if k not in _TOP]
    for section, keys in _SECTIONS.items():
        value = data.get(section)
        if isinstance(value, Mapping):
            out += [f"{section}.{k}" for k in value if k not in keys]
    return out


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


class _Shown(str):
    """A number cell whose number format changes what it means, as the text Excel shows for it.

    A percent format shows 0.92 as ``92%``; a format with a money unit in its text (``0.00"万元"``)
    shows 120 as ``120万元``. ``stored`` is the number in the file, ``fmt`` the cell's number format,
    ``kind`` ``"percent"`` or ``"unit"``.
    """

    stored: float
    fmt: str
    kind: str

    def __new__(cls, text: str, stored: float, fmt: str, kind: str) -> _Shown:
        obj = super().__new__(cls, text)
        obj.stored, obj.fmt, obj.kind = stored, fmt, kind
        return obj


#: the money units a cell may end with (``95万`` is 95 万元)
_CELL_UNITS = {**S.MONEY_UNITS, "万": 10_000, "亿": 100_000_000}
_MONEY_SUFFIX = re.compile(r"^(.*?)\s*(" + "|".join(sorted(_CELL_UNITS, key=len, reverse=True)) + r")$")
#: what people write for "nothing" in a number cell
_NOTHING = {"—", "——", "-", "－", "/", "／", "无", "空", "n/a", "na", "N/A", "NA", "不适用", "×"}


def _scaled(value: float, scale: int) -> float:
    """``value`` × ``scale`` in decimal, so 123.45 万元 is 1234500 元 exactly."""
    return value if scale == 1 else float(Decimal(repr(value)) * scale)


def _number(x: Any, *, percent: bool = False, suffix: str | None = None, money: bool = False,
            scale: int = 1) -> tuple[float, str | None, str | None]:
    """(value, error, how-it-was-read). Empty cells are NaN without error.

    Plain numbers are read silently. A value that is readable but not plainly written — full-width
    digits, thousands separators, spaces between digits, a trailing % where the unit is %, the unit
    ``suffix`` after a number (年 after a year), a money unit after an amount (``120万元``, with
    ``money``), a percent-formatted Excel cell — is read and ``how`` says how (a note for the user);
    anything else is an error, never a guess. An amount that states no unit of its own is multiplied
    by ``scale`` (the unit its header or the sheet states; the caller notes that once per column).
    """
    if _missing(x):
        return float("nan"), None, None
    if isinstance(x, bool):
        return float("nan"), f"必须为数字，实际为 {_short(x)}", None
    if isinstance(x, (dt.datetime, dt.date, dt.time)):
        shown = x.isoformat(" ") if isinstance(x, dt.datetime) else x.isoformat()
        return float("nan"), (f"单元格是日期或时间格式（显示为 {shown.removesuffix(' 00:00:00')}），这里应为数字："
                              "请把单元格格式改为“常规”后重新填写"), None
    if isinstance(x, _Shown):
        if x.kind == "scaled":
            return float("nan"), (f"单元格格式「{x.fmt}」把数值缩小显示（Excel 显示的不是存储的数 {x.stored:.15g}）："
                                  "请把单元格格式改为“常规”后按本列的单位填写"), None
        if x.kind == "unit" and not money:           # 0"人": the unit is decoration, the number is the number
            return x.stored, None, None
        if x.kind == "percent":
            if not percent:
                return float("nan"), (f"单元格设为百分比格式（显示为 {x}），但这里不是百分数：请把单元格格式改为“常规”后"
                                      "填写数值"), None
            value = float(_excel_decimal(x.stored) * 100)
            return value, None, f"单元格为百分比格式，Excel 存储为 {x.stored:.15g}，按显示的 {x} 读作 {value:.15g}"
    if isinstance(x, (int, float)):
        try:
            value = float(x)
        except OverflowError:
            value = float("inf")
        if not math.isfinite(value):
            return float("nan"), f"必须为有限的数字，实际为 {_short(x)}", None
        return _scaled(value, scale), None, None
    text = str(x).strip()
    if text.upper() in _EXCEL_ERRORS:
        return float("nan"), f"单元格是 Excel 错误值「{text}」（公式出错），请修正公式或改填数值", None
    how = []
    hidden = T.INVISIBLE.findall(text)
    if hidden:                                  # 9\u200b6 looks like 96: it is, once the space is gone
        text = T.INVISIBLE.sub("", text).strip()
        how.append(T.removed(hidden))
    norm = unicodedata.normalize("NFKC", text).strip()
    if norm != text:
        how.append("全角字符按半角读取")
    unit = suffix and norm.endswith(suffix) and len(norm) > len(suffix)
    if unit:
        norm = norm[: -len(suffix)].rstrip()
    own = _MONEY_SUFFIX.match(norm) if money else None
    if own and own.group(1):
        norm, scale = own.group(1), _CELL_UNITS[own.group(2)]
        how.append(f"按{own.group(2)}换算为元" if scale != 1 else "“元”字已去掉")
    if " " in norm:
        norm = norm.replace(" ", "")
        how.append("数字间的空格已去掉")
    if unit:
        how.append(f"“{suffix}”字已去掉")
    if norm.endswith("%"):
        if not percent:
            return float("nan"), f"数值「{_short(text, quote=False)}」带 %，但计量单位不是 %", None
        norm = norm[:-1]
        how.append("% 已去掉（计量单位为 %）")
    if _THOUSANDS.match(norm):
        norm = norm.replace(",", "")
        how.append("千位分隔符已去掉")
    if not _PLAIN.fullmatch(norm):
        if norm in _NOTHING:
            return float("nan"), f"必须为数字，实际为「{_short(text, quote=False)}」：表示“没有”或“不适用”时请留空单元格", None
        return float("nan"), f"必须为数字，实际为「{_short(text, quote=False)}」", None
    value = float(norm)
    if not math.isfinite(value):
        return float("nan"), f"必须为有限的数字，实际为「{_short(text, quote=False)}」", None
    value = _scaled(value, scale)
    if isinstance(x, _Shown):
        how.insert(0, f"单元格格式「{x.fmt}」显示为 {x}")
    return value, None, (f"「{text}」读作 {value:.15g}（{'，'.join(how)}）" if how else None)


def _short(x: Any, limit: int = 40, *, quote: bool = True) -> str:
    """A value as a message quotes it: ``repr`` (or the text itself), cut to ``limit`` characters."""
    try:
        text = repr(x) if quote else str(x)
    except ValueError:                                     # an integer too long to print
        text = f"一个约 {int(x.bit_length() * 0.30103) + 1} 位的整数" if isinstance(x, int) else type(x).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cell_value(text: str) -> Any:
    """A scoring override typed into one cell: YAML (``[0.8, 0.6]``, ``{优: 90}``) or a 、-separated list."""
    if "、" in text:
        return [_cell_value(v.strip()) for v in text.split("、") if v.strip()]
    try:
        doc = _yaml.load(text)
    except (yaml.YAMLError, RecursionError, _yaml.TooBig):
        return text
    return text if doc.duplicates else doc.data


def _date(x: Any) -> tuple[str | None, str | None]:
    """(ISO date or None when unreadable, how a date not written as ISO was read)."""
    if isinstance(x, dt.datetime):
        return x.date().isoformat(), None
    if isinstance(x, dt.date):
        return x.isoformat(), None
    raw = str(x).strip()
    text = unicodedata.normalize("NFKC", raw)
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text, flags=re.ASCII)
    if not m:
        return None, None
    try:
        iso = dt.date(*map(int, m.groups())).isoformat()
    except ValueError:
        return None, None
    return iso, (None if raw == iso else f"「{raw}」读作 {iso}")


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
