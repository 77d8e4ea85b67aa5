"""Formatting for the report: 万元, %, points, and HTML tables with every cell escaped."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

from .._text import drop


def esc(x: Any) -> str:
    """Text shown as text: every case string passes through here before it reaches HTML.

    Control and bidirectional characters (``\\x1b``, U+202E…) are dropped: the loader has removed
    them from case text already (:mod:`evalkit._text`), this is the second wall.
    """
    return html.escape(drop("" if x is None else str(x)), quote=True)


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


#: a table with more rows than this cannot fit on one A4 page: it gets the class ``long``, which lets
#: it start on the current page (keeping a table whole costs Chromium's print layout dearly)
LONG_TABLE = 40


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], *, numeric: Sequence[int] = (),
          caption: str | None = None, foot: Sequence[Any] | None = None, cls: str = "") -> str:
    """An HTML table; cells are escaped, columns listed in ``numeric`` are right-aligned."""
    num_cols = set(numeric)

    def cells(values: Sequence[Any], tag: str) -> str:
        right = ' class="num"'
        return "".join(f"<{tag}{right if i in num_cols else ''}>{esc(v)}</{tag}>"
                       for i, v in enumerate(values))

    body = [f"<tr>{cells(r, 'td')}</tr>" for r in rows]
    cls = " ".join(filter(None, (cls, "long" if len(body) > LONG_TABLE else "")))   # longer than a page
    out = [f'<table class="{esc(cls)}">' if cls else "<table>"]
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append(f"<thead><tr>{''.join(f'<th>{esc(h)}</th>' for h in header)}</tr></thead><tbody>")
    out += body
    out.append("</tbody>")
    if foot is not None:
        out.append(f"<tfoot><tr>{cells(foot, 'td')}</tr></tfoot>")
    out.append("</table>")
    return "".join(out)
