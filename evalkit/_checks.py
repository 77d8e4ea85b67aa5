"""Small argument checks shared by the methods. They raise :class:`InputError` in Chinese, naming
the argument, what it got and what it needs; nothing here asserts."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError


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
