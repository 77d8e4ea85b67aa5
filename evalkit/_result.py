"""What every method result shares: a one-line ``repr()`` of its headline figures and a small HTML view.

A method's result is a frozen dataclass declared with ``repr=False`` that inherits :class:`Result` and
names its headline figures in ``_headline()``; ``repr()`` is then one line
(``CostBenefitResult(npv=6.481, bcr=1.059, irr=0.1307, discount_rate=0.08)``) and ``_repr_html_()``
shows the same figures, the first rows of ``table()`` and the ``notes``. :func:`one_line` and
:func:`html_view` serve the objects that are not method results (the case, the report) the same way.
"""

from __future__ import annotations

import abc
import html
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

#: longest text value shown in a one-line repr, and rows of a table shown in the HTML view
TEXT_WIDTH = 40
HTML_ROWS = 20


def figure(x: Any, *, html_text: bool = False) -> str:
    """A headline value as text: ``86.64`` → ``86.64``, ``0.130662`` → ``0.1307``, ``6480000.5`` →
    ``6480000.5`` (``6,480,000.5`` in HTML), text quoted in a repr and shown as it is in HTML,
    ``None`` and NaN as ``None`` / ``nan`` (``—`` in HTML)."""
    if x is None or (isinstance(x, (float, np.floating)) and math.isnan(x)):
        return "—" if html_text else ("None" if x is None else "nan")
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}" if html_text else str(int(x))
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isinf(x):
            return str(x)
        a = abs(x)
        if a == 0:
            return "0"
        if a < 1e-4 or a >= 1e15:
            return f"{x:.4g}"
        if a >= 1000:
            text = f"{x:,.2f}" if html_text else f"{x:.2f}"
            return text.rstrip("0").rstrip(".")
        return f"{x:.4g}"
    text = str(x)
    if len(text) > TEXT_WIDTH:
        text = text[: TEXT_WIDTH - 1] + "…"
    return text if html_text else repr(text)


def one_line(name: str, fields: Mapping[str, Any]) -> str:
    """``Name(key=value, …)`` on one line, every value through :func:`figure`."""
    return f"{name}(" + ", ".join(f"{k}={figure(v)}" for k, v in fields.items()) + ")"


def _esc(x: Any) -> str:
    return html.escape(str(x), quote=True)


def html_view(title: str, fields: Mapping[str, Any], table: pd.DataFrame | None = None,
              notes: Iterable[str] = (), *, rows: int = HTML_ROWS) -> str:
    """A small HTML view: a title, the headline figures, the first ``rows`` rows of ``table`` and the
    notes; every value escaped."""
    out = [f'<div class="evalkit-result"><p><strong>{_esc(title)}</strong></p>']
    if fields:
        out.append('<table class="evalkit-headline"><tbody>'
                   + "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(figure(v, html_text=True))}</td></tr>"
                             for k, v in fields.items())
                   + "</tbody></table>")
    if table is not None and len(table):
        shown = table.head(rows)
        out.append(shown.to_html(index=False, escape=True, na_rep="—"))
        if len(table) > rows:
            out.append(f"<p>（共 {len(table):,} 行，仅列示前 {rows} 行）</p>")
    notes = list(notes)
    if notes:
        out.append("<ul>" + "".join(f"<li>{_esc(n)}</li>" for n in notes) + "</ul>")
    out.append("</div>")
    return "".join(out)


class Result(abc.ABC):
    """The protocol of a method's result: ``table()``, ``notes``, a one-line ``repr()`` and
    ``_repr_html_()``, both of the figures ``_headline()`` names.

    Subclasses are frozen dataclasses declared with ``repr=False`` (a dataclass would otherwise write
    its own repr, every table in full) and define ``table()``, ``notes`` and ``_headline()``.
    """

    notes: tuple[str, ...]

    @abc.abstractmethod
    def _headline(self) -> dict[str, Any]:
        """The headline figures, name → value, in the order they are shown."""

    @abc.abstractmethod
    def table(self) -> pd.DataFrame:
        """The result's main figures as a table."""

    def __repr__(self) -> str:
        return one_line(type(self).__name__, self._headline())

    def _repr_html_(self) -> str:
        return html_view(type(self).__name__, self._headline(), self.table(), self.notes)


__all__ = ["HTML_ROWS", "Result", "TEXT_WIDTH", "figure", "html_view", "one_line"]
