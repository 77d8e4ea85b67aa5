"""Small argument checks shared by the methods. They raise :class:`InputError` in Chinese, naming
the argument, what it got and what it needs; nothing here asserts."""

from __future__ import annotations

import math
import numbers as _numbers_abc
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError

MAX_DRAWS = 1_000_000                # Monte Carlo draws: 8 MB per item
DEFAULT_SEED = 20200225              # the seed of every method that draws at random, unless given


def frame(data: Any, name: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{name} 应为 pandas.DataFrame，实际为 {type(data).__name__}")
    if data.empty:
        raise InputError(f"{name} 为空表")
    return data


def columns(data: pd.DataFrame, name: str, required: Iterable[str]) -> None:
    missing = [c for c in required if c not in data.columns]
    if missing:
        raise InputError(f"{name} 缺少列 {', '.join(map(str, missing))}（现有列：{', '.join(map(str, data.columns))}）")


def numeric(data: pd.DataFrame, name: str, cols: Iterable[str]) -> np.ndarray:
    """The columns as a float matrix; every cell must be a finite number."""
    out = []
    for c in cols:
        col = pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(col)
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(f"{name} 列 {c} 第 {i + 1} 个值不是有限的数字（{data[c].iloc[i]!r}）")
        out.append(col)
    return np.column_stack(out) if out else np.empty((len(data), 0))


def number(x: Any, name: str) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise InputError(f"{name} 应为数字，实际为 {x!r}") from None
    if not math.isfinite(v):
        raise InputError(f"{name} 应为有限的数字，实际为 {x!r}")
    return v


def greater_than(x: Any, name: str, bound: float) -> float:
    v = number(x, name)
    if not v > bound:
        raise InputError(f"{name} 必须大于 {bound:g}，实际为 {v:g}")
    return v


def one_of(x: Any, name: str, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if x not in allowed:
        raise InputError(f"{name} 应为 {' / '.join(allowed)} 之一，实际为 {x!r}")
    return x


#: which way is better, as every method reads it: the spelling (after NFKC, trimmed) → 正向 / 反向
DIRECTIONS = {"正向": "正向", "反向": "反向", "+": "正向", "-": "反向", "max": "正向", "min": "反向",
              "benefit": "正向", "cost": "反向"}


def direction(x: Any, name: str, *, also: Iterable[str] = ()) -> str:
    """``"正向"`` (higher is better) or ``"反向"`` (lower is better) from any spelling of
    :data:`DIRECTIONS` (full-width ``＋`` read as ``+``), or one of the method's own further values
    ``also`` (``"中性"``, ``"等于"``). ``name`` is what the message calls it: ``"direction "`` for an
    argument, ``"directions 中列 成本 的方向"`` for one entry of a mapping.

    >>> direction("＋", "direction "), direction("cost", "direction ")
    ('正向', '反向')
    """
    also = tuple(also)
    key = unicodedata.normalize("NFKC", x).strip() if isinstance(x, str) else None
    if key in also:
        return key
    if key in DIRECTIONS:
        return DIRECTIONS[key]
    raise InputError(f"{name}应为 {' / '.join(('正向', '反向', *also))}（或 +、-），实际为 {x!r}")


# ----------------------------------------------------------------------------------------------
# Strict reading of numbers: what a method accepts in a number column or a numeric argument.
#
# A real number (int, float, numpy number, Decimal; not a bool) is taken as it is, and so is text that
# spells a plain number in half-width characters ("12", " 3.5 ", "-1e3"), as a CSV read as text gives
# it: both are exact. Anything else is refused with what to write instead, never guessed: full-width
# digits, thousands separators ("1,200": 1200 or 1.2?), percent signs ("85%": 0.85 or 85?), other
# text, booleans, missing values, ±inf and numbers beyond the range of a float.

_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")


def read_number(v: Any) -> tuple[float, str | None]:
    """(value, None) for a finite number, else (NaN, what the value is and what to write instead)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return math.nan, "空值"
    if isinstance(v, (bool, np.bool_)):
        return math.nan, f"逻辑值 {v}（请填写数字）"
    if isinstance(v, (_numbers_abc.Real, Decimal)) and not isinstance(v, (np.datetime64, np.timedelta64)):
        try:
            f = float(v)
        except (OverflowError, ValueError):
            return math.nan, f"超出浮点数范围的数（{len(str(abs(int(v))))} 位整数）" if isinstance(v, int) else \
                f"超出浮点数范围的数 {str(v)[:30]}"
        if math.isnan(f):
            return math.nan, "空值（NaN）"
        if not math.isfinite(f):
            return math.nan, f"无穷大 {f}" if str(v).lstrip("+-").lower().startswith("inf") else \
                f"超出浮点数范围的数 {str(v)[:30]}"
        return f, None
    if isinstance(v, str):
        text = v.strip()
        if not text:
            return math.nan, "空白文字"
        if _PLAIN_NUMBER.fullmatch(text):
            f = float(text)
            return (f, None) if math.isfinite(f) else (math.nan, f"超出浮点数范围的数「{text}」")
        norm = unicodedata.normalize("NFKC", text).replace(" ", "")
        if norm != text and _PLAIN_NUMBER.fullmatch(norm):
            return math.nan, f"含全角字符的文字「{text}」（请改为半角数字 {norm}）"
        if "%" in norm:
            return math.nan, f"带百分号的文字「{text}」（请填写数值本身，如 0.85 或 85，按该列的计量口径）"
        if _GROUPED_NUMBER.fullmatch(norm):
            return math.nan, f"带千位分隔符的文字「{text}」（请去掉逗号，写成 {norm.replace(',', '')}）"
        return math.nan, f"文字「{text[:30]}」"
    return math.nan, f"{type(v).__name__} 类型的值 {str(v)[:30]}"


def numbers(data: pd.DataFrame, name: str, cols: Iterable[Any]) -> np.ndarray:
    """The columns as a float matrix, read by :func:`read_number`; the first bad cell is named by its
    column, its position and (when the index is not 0, 1, 2 …) its index label."""
    out = []
    default_index = data.index.equals(pd.RangeIndex(len(data)))
    for c in cols:
        s = data[c]
        if isinstance(s, pd.DataFrame):
            raise InputError(f"{name} 有 {s.shape[1]} 个名为 {c} 的列，列名应各不相同")
        if s.dtype.kind in "iuf":                # plain numbers (not bool, not complex): no per-cell look
            col = s.to_numpy(dtype=float, na_value=np.nan)
            if np.isfinite(col).all():
                out.append(col)
                continue
        col = np.empty(len(s))
        for i, v in enumerate(s.array):
            col[i], why = read_number(v)
            if why is not None:
                where = "" if default_index else f"（索引 {s.index[i]}）"
                raise InputError(f"{name} 列 {c} 第 {i + 1} 个值不是有限的数字{where}：{why}")
        out.append(col)
    return np.column_stack(out) if out else np.empty((len(data), 0))


def real(x: Any, name: str, *, above: float | None = None, at_least: float | None = None,
         below: float | None = None, at_most: float | None = None) -> float:
    """A numeric argument read by :func:`read_number`, optionally within bounds."""
    v, why = read_number(x)
    if why is not None:
        raise InputError(f"{name} 应为有限的数字，实际为{why}")
    if above is not None and not v > above:
        raise InputError(f"{name} 必须大于 {above:g}，实际为 {v:g}")
    if at_least is not None and not v >= at_least:
        raise InputError(f"{name} 必须不小于 {at_least:g}，实际为 {v:g}")
    if below is not None and not v < below:
        raise InputError(f"{name} 必须小于 {below:g}，实际为 {v:g}")
    if at_most is not None and not v <= at_most:
        raise InputError(f"{name} 必须不大于 {at_most:g}，实际为 {v:g}")
    return v


def whole(x: Any, name: str, *, at_least: int | None = None, at_most: int | None = None) -> int:
    """An integer argument: a whole number read by :func:`read_number` (3.0 is 3, 3.5 is refused)."""
    v = real(x, name)
    if v != int(v):
        raise InputError(f"{name} 应为整数，实际为 {x!r}")
    if at_least is not None and v < at_least:
        raise InputError(f"{name} 必须不小于 {at_least}，实际为 {int(v)}")
    if at_most is not None and v > at_most:
        raise InputError(f"{name} 必须不大于 {at_most}，实际为 {int(v)}")
    return int(v)


def finite_result(values: Any, what: str, hint: str) -> None:
    """Raise when a computed figure overflowed: ``what`` names the figure, ``hint`` what to check."""
    arr = np.asarray(values, dtype=float)
    if not np.isfinite(arr).all():
        raise InputError(f"{what}超出浮点数范围，无法计算：{hint}")


def labels(data: pd.DataFrame, name: str, col: Any, what: str = "名称") -> list[Any]:
    """The values of a name column: none missing or blank, none repeated (compared as text, the way
    they are shown). The message names the column and the positions."""
    s = data[col]
    if isinstance(s, pd.DataFrame):
        raise InputError(f"{name} 有 {s.shape[1]} 个名为 {col} 的列，列名应各不相同")
    values = list(s.array)
    for i, v in enumerate(values):
        if blank(v):
            raise InputError(f"{name} 列 {col} 第 {i + 1} 个{what}为空")
        try:
            hash(v)
        except TypeError:
            raise InputError(f"{name} 列 {col} 第 {i + 1} 个{what} {str(v)[:30]} 无效（应为文字或数字）") from None
    text = [str(v).strip() for v in values]
    seen: dict[str, int] = {}
    for i, t in enumerate(text):
        if t in seen:
            raise InputError(f"{name} 列 {col} 中{what}重复：{t}（第 {seen[t] + 1} 个和第 {i + 1} 个）")
        seen[t] = i
    return values


def scale_of(values: Any) -> float:
    """A power of two near the largest magnitude (1 for zeros): dividing by it is exact and brings
    the values near 1, so sums of squares neither overflow nor underflow."""
    top = float(np.max(np.abs(np.asarray(values, dtype=float)), initial=0.0))
    return math.ldexp(1.0, math.frexp(top)[1] - 1) if top > 0 and math.isfinite(top) else 1.0


def same_scale(mat: np.ndarray, name: str, cols: Iterable[Any], limit: float = 1e8) -> None:
    """Columns that are added up must be of comparable size: when the largest magnitudes of two columns
    differ by more than ``limit`` the small one is lost in the sums (and a typing or unit error is the
    likely cause). All-zero columns are left out."""
    cols = list(cols)
    top = np.abs(mat).max(axis=0, initial=0.0)
    live = np.flatnonzero(top > 0)
    if len(live) < 2:
        return
    hi, lo = live[np.argmax(top[live])], live[np.argmin(top[live])]
    if np.log10(top[hi]) - np.log10(top[lo]) > math.log10(limit):
        raise InputError(f"{name} 各列的数值量级相差过大：列 {cols[hi]} 最大为 {top[hi]:g}，列 {cols[lo]} 最大为 "
                         f"{top[lo]:g}，相差超过 {limit:.0e} 倍，请检查单位或数据是否有误")


def blank(v: Any) -> bool:
    """A missing value: None, NaN, pd.NA, NaT or blank text."""
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)) \
        or (isinstance(v, str) and not v.strip())


def missing(data: pd.DataFrame) -> pd.DataFrame:
    """:func:`blank` for every cell, without a per-cell look at numeric columns (where only NaN / NA is
    missing): 200,000 survey rows would otherwise cost seconds."""
    out = data.isna()
    for c in range(data.shape[1]):
        col = data.iloc[:, c]
        if not pd.api.types.is_numeric_dtype(col):
            out.iloc[:, c] |= col.map(blank).to_numpy(dtype=bool)
    return out


def distribution_problems(kind: str, low: Any, mode: Any, high: Any, mean: Any, sd: Any) -> list[tuple[str, str]]:
    """(column, Chinese message) for each parameter a distribution lacks or gets wrong."""
    def bad(x: Any) -> bool:
        return x is None or (isinstance(x, float) and not np.isfinite(x))

    out = []
    if kind in ("triangular", "pert"):
        for col, v in (("low", low), ("mode", mode), ("high", high)):
            if bad(v):
                out.append((col, "三角分布和 PERT 分布需要下限、最可能值和上限"))
        if not out and not low <= mode <= high:
            out.append(("mode", f"应满足 下限 ≤ 最可能值 ≤ 上限，实际为 {low:g}、{mode:g}、{high:g}"))
        if not out and kind == "pert" and low == high:
            out.append(("high", "PERT 分布的上限必须大于下限"))
    elif kind == "uniform":
        for col, v in (("low", low), ("high", high)):
            if bad(v):
                out.append((col, "均匀分布需要下限和上限"))
        if not out and not low < high:
            out.append(("high", f"上限必须大于下限，实际为 {low:g}、{high:g}"))
    elif kind == "normal":
        for col, v in (("mean", mean), ("sd", sd)):
            if bad(v):
                out.append((col, "正态分布需要均值和标准差"))
        if not out and not sd > 0:
            out.append(("sd", f"标准差必须大于 0，实际为 {sd:g}"))
    else:
        out.append(("distribution", f"未知的分布「{kind}」（可用：triangular / normal / uniform / pert）"))
    for col, v in (("low", low), ("mode", mode), ("high", high), ("mean", mean)):
        if not bad(v) and v < 0:
            out.append((col, f"乘数不能为负数，实际为 {v:g}"))
    return out
