"""How the report writes numbers: 万元, percentages, points, values with their units, targets with ≥/≤.

Every number a section prints passes through one of these, so a rate has the same decimals in every
table and sentence, and a target has its comparator wherever it is shown.
"""

from __future__ import annotations

import math
from typing import Any

from .._fmt import value
from .document import esc, table  # noqa: F401  (the HTML escaping and the table builder, by their old place)

#: how a direction is written before a target: 正向 ≥, 反向 ≤, 等于 nothing
COMPARATORS = {"正向": "≥", "反向": "≤", "等于": ""}


def _nan(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def wan(yuan: float | None) -> str:
    """元 → 万元 with two decimals and thousands separators: ``12345678`` → ``1,234.57``."""
    return "—" if _nan(yuan) else f"{yuan / 10000:,.2f}"


def pct(rate: float | None, digits: int = 2) -> str:
    """A fraction as a percentage: ``0.8725`` → ``87.25%``."""
    return "—" if _nan(rate) else f"{rate * 100:.{digits}f}%"


def rate(r: float | None) -> str:
    """A discount rate as its declarer wrote it: ``0.08`` → ``8%``, ``0.045`` → ``4.5%``."""
    return "—" if _nan(r) else f"{r * 100:.6g}%"


def pts(x: float | None) -> str:
    """Points with two decimals: ``8`` → ``8.00``."""
    return "—" if _nan(x) else f"{x:.2f}"


def num(x: float | None) -> str:
    """A value as an evaluator writes it: no trailing zeros, thousands separated (``1,200``, ``86.4``)."""
    if _nan(x):
        return "—"
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.4f}".rstrip("0").rstrip(".")


def amount(x: float | None, unit: Any = "") -> str:
    """A value with its unit of measurement. A percentage that is not whole has two decimals
    (``96.15%``, ``94.90%``, ``100%``), as :func:`pct` writes rates; other values as written (``118.4公里``)."""
    if _nan(x):
        return "—"
    unit = "" if _nan(unit) else str(unit or "")
    if unit == "%":
        return f"{int(x)}%" if float(x).is_integer() else f"{float(x):.2f}%"
    return f"{value(x)}{unit}"


def target(direction: Any, x: float | None, unit: Any = "") -> str:
    """A target as every table and sentence writes it: ``≥95%``, ``≤65元/米``; a zero target of a
    measure that should not occur is written ``0起`` (not ``≤0起``)."""
    if _nan(x):
        return "—"
    cmp = COMPARATORS.get(str(direction or "正向"), "≥")
    if float(x) == 0 and cmp == "≤":
        cmp = ""
    return f"{cmp}{amount(x, unit)}"


def join_reason(reason: Any) -> str:
    """A deduction's reason as the start of ``原因，扣 0.5 分``: no full stop or comma left at its end."""
    return str(reason).strip().rstrip("。；;，,.、 ")
