"""Numbers as a Chinese report writes them: thousands separated, no scientific notation, no trailing zeros."""

from __future__ import annotations

import math


def value(x: float | None, decimals: int = 2) -> str:
    """``17110.0`` → ``17,110``; ``86.4`` → ``86.4``; ``0.0365`` → ``0.0365`` (four decimals below 1);
    ``None``/NaN → ``—``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if 0 < abs(float(x)) < 1:
        decimals = max(decimals, 4)
    text = f"{float(x):,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def pvalue(p: float) -> str:
    """``0.0123`` → ``0.012``; below 0.001 → ``< 0.001``."""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"
