"""Charts for the report: matplotlib with Noto CJK, emitted as inline SVG with stable bytes.

Text stays text in the SVG (``svg.fonttype = none``) so the browser sets it in the report's CJK
font and the PDF keeps it searchable; ``svg.hashsalt`` and a blank date make the bytes the same on
every run. Labels come from cases, so ``$`` is a dollar sign, never TeX math (``text.parse_math`` off):
``$\\frac{1}{0}$`` is drawn as written and cannot stop the report.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from ._fmt import value as _value
from ._text import drop

FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans"]
PALETTE = {"planned": "#9fb7d4", "allocated": "#4f7cac", "spent": "#1f3f66",
           "good": "#2e7d32", "fair": "#f2a900", "poor": "#c62828", "grid": "#d9d9d9"}

_STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": FONTS,
    "font.size": 10,
    "axes.unicode_minus": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#666666",
    "svg.fonttype": "none",
    "svg.hashsalt": "evalkit",
    "text.parse_math": False,
    "figure.dpi": 100,
}


def _self_contained(build: Any) -> Any:
    """Give every text of the figure the CJK font list itself and turn TeX math off in it, so the figure
    draws correctly outside evalkit's style too (in JupyterLab's inline backend, or saved by the user)."""
    import functools

    @functools.wraps(build)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from matplotlib.text import Text
        from matplotlib.ticker import FixedFormatter, FuncFormatter

        fig = build(*args, **kwargs)
        for text in fig.findobj(Text):
            text.set_fontfamily(FONTS)
            text.set_parse_math(False)
            text.set_text(drop(text.get_text()))     # no control or bidi character drawn (evalkit._text)
        for axis in (a for ax in fig.axes for a in (ax.xaxis, ax.yaxis)):   # tick labels given as a list
            labels = axis.get_major_formatter()
            if isinstance(labels, FixedFormatter):
                labels.seq = [drop(str(s)) for s in labels.seq]
            elif isinstance(labels, FuncFormatter):
                labels.func = functools.partial(_dropped, labels.func)
        return fig

    return wrapper


def _dropped(func: Any, x: Any, pos: Any = None) -> str:
    return drop(str(func(x, pos)))


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def wrapped(text: str, width: int) -> str:
    """``text`` in lines of at most ``width`` characters, for a chart label."""
    return "\n".join(text[i:i + width] for i in range(0, len(text), width)) or text


def to_png(fig: Any, *, dpi: int = 200) -> bytes:
    """The figure as a print-resolution PNG (no timestamp or software name: the same bytes every run).

    The figure stays open; :func:`to_svg` closes it."""
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context(_STYLE):
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def to_svg(fig: Any, *, alt: str | None = None) -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog), then closed.

    ``alt`` (the accessible label) defaults to the figure's first axes title.
    """
    if alt is None:
        alt = next((ax.get_title() for ax in fig.axes if ax.get_title()), "图")
    import matplotlib

    plt = _pyplot()
    buf = io.StringIO()
    with matplotlib.rc_context(_STYLE):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)     # RDF boilerplate
    svg = drop(svg)             # no control or bidi character in a label (evalkit._text: the second wall)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{_attr(alt)}" ', 1)


def _attr(text: str) -> str:
    import html

    return html.escape(drop(text), quote=True)


@_self_contained
def level_rates(names: Sequence[str], rates: Sequence[float], *, bands: tuple[float, float] = (0.8, 0.6),
                title: str = "各一级指标得分率") -> Any:
    """Horizontal bars of 得分率 per 一级指标, coloured by band, with the band limits marked."""
    import matplotlib

    plt = _pyplot()
    with matplotlib.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 0.55 * len(names) + 1.0))
        ys = range(len(names))[::-1]
        colors = [PALETTE["good"] if r >= bands[0] else PALETTE["fair"] if r >= bands[1] else PALETTE["poor"]
                  for r in rates]
        ax.barh(list(ys), [r * 100 for r in rates], color=colors, height=0.55)
        for y, r in zip(ys, rates):
            ax.text(r * 100 + 1, y, f"{r * 100:.2f}%", va="center", fontsize=9)
        for b in bands:
            ax.axvline(b * 100, color="#888888", lw=0.8, ls="--")
        ax.set_yticks(list(ys), labels=list(names))
        ax.set_xlim(0, 112)
        ax.set_xlabel("得分率（%）")
        ax.set_title(title, fontsize=11)
        return fig


@_self_contained
def budget_execution(items: Sequence[str], planned: Sequence[float], allocated: Sequence[float],
                     spent: Sequence[float], *, title: str = "预算执行情况（万元）") -> Any:
    """Grouped bars of 预算数 / 到位数 / 执行数 per funding source, in 万元, with the execution rate."""
    import matplotlib

    plt = _pyplot()
    with matplotlib.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.2))
        n = len(items)
        width = 0.26
        xs = range(n)
        series = (("预算数", planned, "planned"), ("到位数", allocated, "allocated"), ("执行数", spent, "spent"))
        for k, (label, values, key) in enumerate(series):
            ax.bar([x + (k - 1) * width for x in xs], [v / 10000 for v in values], width, label=label,
                   color=PALETTE[key])
        top = max([*planned, *allocated, *spent, 1]) / 10000
        for x, a, s in zip(xs, allocated, spent):
            if a:
                ax.text(x + width, s / 10000 + top * 0.02, f"{s / a * 100:.1f}%", ha="center", fontsize=8)
        ax.set_xticks(list(xs), labels=list(items))
        ax.set_ylabel("万元")
        ax.set_ylim(0, top * 1.15)
        ax.grid(axis="y", color=PALETTE["grid"], lw=0.6)
        ax.set_axisbelow(True)
        ax.legend(frameon=False, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.12))
        ax.set_title(title, fontsize=11)
        return fig


@_self_contained
def tornado(variables: Sequence[str], low: Sequence[float], high: Sequence[float], base: float, *,
            low_label: str, high_label: str, title: str = "敏感性分析：净现值（万元）") -> Any:
    """Tornado chart: NPV at the low and high change of each variable, widest range on top; 元 in, 万元 shown."""
    import matplotlib

    plt = _pyplot()
    order = sorted(range(len(variables)), key=lambda i: abs(high[i] - low[i]))
    with matplotlib.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 0.5 * len(variables) + 1.4))
        b = base / 10000
        for y, i in enumerate(order):
            for value, color in ((low[i], PALETTE["poor"]), (high[i], PALETTE["allocated"])):
                v = value / 10000
                ax.barh(y, v - b, left=b, color=color, height=0.6)
        ax.axvline(b, color="#333333", lw=0.9)
        ax.axvline(0, color="#999999", lw=0.8, ls="--")
        ax.set_yticks(range(len(order)), labels=[variables[i] for i in order])
        ax.set_xlabel("净现值（万元）")
        from matplotlib.patches import Patch

        ax.legend(handles=[Patch(color=PALETTE["poor"], label=low_label), Patch(color=PALETTE["allocated"],
                  label=high_label)], frameon=False, ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.18))
        ax.set_title(title, fontsize=11)
        return fig


@_self_contained
def distribution(values: Any, *, threshold: float = 0.0, title: str = "蒙特卡洛模拟：净现值分布（万元）",
                 xlabel: str = "净现值（万元）") -> Any:
    """Histogram of simulated values (元 in, 万元 shown) with the cumulative probability on a second axis."""
    import matplotlib
    import numpy as np

    plt = _pyplot()
    v = np.sort(np.asarray(values, dtype=float)) / 10000
    with matplotlib.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.2))
        ax.hist(v, bins=50, color=PALETTE["allocated"], alpha=0.85)
        ax.axvline(threshold / 10000, color=PALETTE["poor"], lw=1, ls="--")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("频数")
        ax2 = ax.twinx()
        ax2.plot(v, np.arange(1, len(v) + 1) / len(v), color=PALETTE["spent"], lw=1.2)
        ax2.set_ylim(0, 1.02)
        ax2.set_ylabel("累积概率")
        ax2.spines["right"].set_visible(True)
        ax.set_title(title, fontsize=11)
        return fig


@_self_contained
def waterfall(labels: Sequence[str], contributions: Sequence[float], *, start: float, end: float,
              start_label: str = "基期", end_label: str = "报告期", title: str = "因素分析：各因素的影响",
              unit: str = "") -> Any:
    """Waterfall from ``start`` to ``end`` through each factor's contribution (they add up)."""
    import matplotlib
    import numpy as np

    plt = _pyplot()
    with matplotlib.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.4))
        xs = list(range(len(labels) + 2))
        ax.bar(0, start, color=PALETTE["planned"], width=0.6)
        level = start
        for i, c in enumerate(contributions, start=1):
            ax.bar(i, c, bottom=level, color=PALETTE["good"] if c >= 0 else PALETTE["poor"], width=0.6)
            ax.text(i, level + c + (abs(end - start) + abs(start)) * 0.01 * (1 if c >= 0 else -1),
                    ("+" if c >= 0 else "") + _value(c), ha="center", va="bottom" if c >= 0 else "top", fontsize=8)
            level += c
        ax.bar(len(labels) + 1, end, color=PALETTE["spent"], width=0.6)
        levels = [start, end] + list(start + np.cumsum(contributions))
        lo, hi = min(levels), max(levels)
        span = max(hi - lo, abs(hi) * 1e-3, 1e-12)
        if lo > 0 and lo - 2 * span > 0:       # the changes are small against the level: cut the axis
            ax.set_ylim(lo - 2 * span, hi + 0.6 * span)
            ax.text(0.01, 0.98, "纵轴未从零开始", transform=ax.transAxes, fontsize=7, va="top", color="#666666")
        ax.set_xticks(xs, labels=[start_label, *labels, end_label])
        ax.set_ylabel(unit)
        ax.grid(axis="y", color=PALETTE["grid"], lw=0.6)
        ax.set_axisbelow(True)
        ax.set_title(title, fontsize=11)
        return fig


@_self_contained
def scree(eigenvalues: Sequence[float], *, threshold: Sequence[float] | None = None,
          title: str = "碎石图") -> Any:
    """Eigenvalues by component, with the parallel-analysis threshold when given."""
    import matplotlib

    plt = _pyplot()
    with matplotlib.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.0, 3.0))
        xs = list(range(1, len(eigenvalues) + 1))
        ax.plot(xs, eigenvalues, marker="o", color=PALETTE["spent"], label="特征值")
        if threshold is not None:
            ax.plot(xs, threshold, ls="--", color=PALETTE["poor"], label="平行分析（随机数据 95% 分位）")
        ax.axhline(1, color="#999999", lw=0.8, ls=":")
        ax.set_xticks(xs)
        ax.set_xlabel("因子序号")
        ax.set_ylabel("特征值")
        ax.legend(frameon=False, fontsize=8)
        ax.set_title(title, fontsize=11)
        return fig


@_self_contained
def completion(names: Sequence[str], rates: Sequence[float], met: Sequence[bool], *,
               overachievement_ratio: float = 1.3, title: str = "绩效指标完成率") -> Any:
    """Horizontal bars of A / T per indicator: met in green, not met in red, lines at 100 % and at the
    overachievement ratio."""
    import matplotlib

    plt = _pyplot()
    with matplotlib.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 0.32 * len(names) + 1.2))
        ys = range(len(names))[::-1]
        ax.barh(list(ys), [r * 100 for r in rates], height=0.6,
                color=[PALETTE["good"] if m else PALETTE["poor"] for m in met])
        ax.axvline(100, color="#333333", lw=0.9)
        ax.axvline(overachievement_ratio * 100, color="#999999", lw=0.8, ls="--")
        ax.set_yticks(list(ys), labels=list(names), fontsize=8)
        ax.set_xlabel("实际完成值 / 指标值（%）")
        ax.set_title(title, fontsize=11)
        return fig


#: above this many indicators the report shows :func:`completion_summary` instead of one bar each
COMPLETION_BARS = 40


@_self_contained
def completion_summary(rates: Sequence[float], met: Sequence[bool], *, overachievement_ratio: float = 1.3,
                       title: str = "绩效指标完成率分布") -> Any:
    """Many indicators at once: how many have A / T in each 10-point band (the last band open from
    150 %), stacked met (green) and not met (red), with lines at 100 % and at the overachievement ratio."""
    import matplotlib
    import numpy as np

    plt = _pyplot()
    r = np.asarray(rates, dtype=float) * 100
    m = np.asarray(met, dtype=bool)
    band = np.clip(np.floor(np.round(np.clip(r, 0, None), 9) / 10), 0, 15).astype(int)   # 0–10 … 140–150, ≥150
    yes = np.bincount(band[m], minlength=16)
    no = np.bincount(band[~m], minlength=16)
    with matplotlib.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.2))
        xs = np.arange(16) * 10 + 5
        ax.bar(xs, yes, width=9, color=PALETTE["good"], label=f"达到目标（{int(yes.sum())} 项）")
        ax.bar(xs, no, width=9, bottom=yes, color=PALETTE["poor"], label=f"未达到目标（{int(no.sum())} 项）")
        for x, total in zip(xs, yes + no):
            if total:
                ax.text(x, total, str(int(total)), ha="center", va="bottom", fontsize=7)
        ax.axvline(100, color="#333333", lw=0.9)
        ax.axvline(overachievement_ratio * 100, color="#999999", lw=0.8, ls="--")
        ax.set_xticks([*range(0, 160, 20), 155], labels=[*map(str, range(0, 160, 20)), "≥150"])
        ax.set_xlim(0, 160)
        ax.set_xlabel("实际完成值 / 指标值（%）")
        ax.set_ylabel("指标个数")
        from matplotlib.ticker import MaxNLocator

        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(frameon=False, fontsize=8, loc="upper left")
        ax.set_title(title, fontsize=11)
        return fig


@_self_contained
def trend(periods: Sequence[str], values: Sequence[float], *, title: str, unit: str = "",
          standard: float | None = None) -> Any:
    """A measure over time, with the historical standard as a dashed line."""
    import matplotlib

    plt = _pyplot()
    with matplotlib.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.0, 2.8))
        ax.plot(list(periods), list(values), marker="o", color=PALETTE["spent"])
        for x, v in zip(periods, values):
            ax.annotate(_value(v), (x, v), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
        if standard is not None:
            ax.axhline(standard, color=PALETTE["fair"], ls="--", lw=1, label="历史平均")
            ax.legend(frameon=False, fontsize=8)
        ax.set_ylabel(unit)
        ax.grid(axis="y", color=PALETTE["grid"], lw=0.6)
        ax.set_title(title, fontsize=11)
        return fig


@_self_contained
def ranked_bars(units: Sequence[str], values: Sequence[float], is_self: Sequence[bool], *, title: str,
                unit: str = "") -> Any:
    """Peers ranked best first; this project highlighted."""
    import matplotlib

    plt = _pyplot()
    with matplotlib.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 0.3 * len(units) + 1.2))
        ys = range(len(units))[::-1]
        ax.barh(list(ys), list(values), height=0.6,
                color=[PALETTE["poor"] if s else PALETTE["planned"] for s in is_self])
        ax.set_yticks(list(ys), labels=list(units), fontsize=8)
        ax.set_xlabel(unit)
        ax.set_title(title, fontsize=11)
        return fig


@_self_contained
def did(periods: Sequence[str], treated: Sequence[float], control: Sequence[float], policy: str, *,
        title: str) -> Any:
    """Group means over time for the treated and control groups, the policy start marked."""
    import matplotlib

    plt = _pyplot()
    with matplotlib.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.0, 2.8))
        ax.plot(list(periods), list(treated), marker="o", color=PALETTE["poor"], label="处理组")
        ax.plot(list(periods), list(control), marker="s", color=PALETTE["allocated"], label="对照组")
        if policy in list(periods):
            ax.axvline(list(periods).index(policy) - 0.5, color="#666666", ls="--", lw=0.9)
        ax.legend(frameon=False, fontsize=8)
        ax.grid(axis="y", color=PALETTE["grid"], lw=0.6)
        ax.set_title(title, fontsize=11)
        return fig


@_self_contained
def grade_distribution(grades: Sequence[str], counts: Sequence[int], *, title: str = "评价等级分布") -> Any:
    """Bars of the number of cases per grade."""
    import matplotlib

    plt = _pyplot()
    colours = {"优": PALETTE["good"], "良": PALETTE["allocated"], "中": PALETTE["fair"], "差": PALETTE["poor"]}
    with matplotlib.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(5.0, 2.6))
        ax.bar(list(grades), list(counts), color=[colours.get(g, PALETTE["planned"]) for g in grades], width=0.6)
        for x, c in zip(grades, counts):
            ax.text(x, c, str(c), ha="center", va="bottom", fontsize=9)
        ax.set_ylabel("项目数")
        from matplotlib.ticker import MaxNLocator

        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title, fontsize=11)
        return fig


@_self_contained
def heatmap(rows: Sequence[str], columns: Sequence[str], values: Any, *, title: str = "各一级指标得分率") -> Any:
    """Cases × 一级指标 得分率 (fractions), darker is better; the rate printed in each cell."""
    import matplotlib
    import numpy as np

    plt = _pyplot()
    v = np.asarray(values, dtype=float)
    with matplotlib.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 0.32 * len(rows) + 1.4))
        im = ax.imshow(np.ma.masked_invalid(v), cmap="Greens", vmin=0.4, vmax=1.0, aspect="auto")
        ax.set_xticks(range(len(columns)), labels=list(columns))
        ax.set_yticks(range(len(rows)), labels=list(rows), fontsize=8)
        for i in range(v.shape[0]):
            for j in range(v.shape[1]):
                if v[i, j] == v[i, j]:
                    ax.text(j, i, f"{v[i, j]:.0%}", ha="center", va="center", fontsize=7,
                            color="white" if v[i, j] > 0.8 else "#222222")
        fig.colorbar(im, ax=ax, fraction=0.04)
        ax.set_title(title, fontsize=11)
        return fig


@_self_contained
def gap_bars(units: Sequence[str], gaps: Sequence[float], *, title: str) -> Any:
    """Horizontal bars of gaps to the benchmark (fractions in, % shown), in the order given, top down."""
    import matplotlib

    plt = _pyplot()
    with matplotlib.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 0.32 * len(units) + 1.2))
        ys = list(range(len(units)))[::-1]
        pct = [0.0 if g != g else g * 100 for g in gaps]
        ax.barh(ys, pct, height=0.6, color=[PALETTE["good"] if p == 0 else PALETTE["poor"] for p in pct])
        for y, g in zip(ys, gaps):
            ax.text((0.0 if g != g else g * 100) + 0.5, y, "—" if g != g else f"{g * 100:.1f}%", va="center",
                    fontsize=8)
        ax.set_yticks(ys, labels=list(units), fontsize=8)
        ax.set_xlim(0, max([*pct, 1.0]) * 1.15)
        ax.set_xlabel("与标杆的差距（%）")
        ax.set_title(title, fontsize=11)
        return fig


@_self_contained
def efficiency_bars(units: Sequence[str], values: Sequence[float], *, title: str) -> Any:
    """Horizontal bars of efficiency scores in the order given, top down, with the frontier (1) marked."""
    import matplotlib

    plt = _pyplot()
    with matplotlib.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 0.3 * len(units) + 1.2))
        ys = list(range(len(units)))[::-1]
        ax.barh(ys, list(values), height=0.6,
                color=[PALETTE["good"] if v >= 1 else PALETTE["allocated"] for v in values])
        ax.axvline(1.0, color="#333333", lw=0.9, ls="--")
        ax.set_yticks(ys, labels=list(units), fontsize=8)
        ax.set_xlim(0, max([*values, 1.0]) * 1.08)
        ax.set_xlabel("效率")
        ax.set_title(title, fontsize=11)
        return fig


@_self_contained
def malmquist_bars(units: Sequence[str], ec: Sequence[float], tc: Sequence[float], m: Sequence[float], *,
                    title: str) -> Any:
    """Grouped bars of EC, TC and M per unit, with 1 (no change) marked."""
    import matplotlib

    plt = _pyplot()
    with matplotlib.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.2))
        width = 0.26
        xs = range(len(units))
        series = (("技术效率变化 EC", ec, "planned"), ("技术变化 TC", tc, "allocated"), ("Malmquist 指数 M", m, "spent"))
        for k, (label, vals, key) in enumerate(series):
            ax.bar([x + (k - 1) * width for x in xs], list(vals), width, label=label, color=PALETTE[key])
        ax.axhline(1.0, color="#333333", lw=0.9, ls="--")
        ax.set_xticks(list(xs), labels=list(units), fontsize=8)
        ax.grid(axis="y", color=PALETTE["grid"], lw=0.6)
        ax.set_axisbelow(True)
        ax.legend(frameon=False, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=8)
        ax.set_title(title, fontsize=11)
        return fig


@_self_contained
def likert(items: Sequence[str], shares: Any, labels: Sequence[str], *,
           title: str = "满意度调查：各题回答分布") -> Any:
    """Diverging stacked bars: levels below the middle to the left of 0, the middle level (odd scales)
    centred on 0, levels above it to the right; shares (fractions per item and level) shown in %."""
    import math

    import matplotlib
    import numpy as np
    from matplotlib.colors import LinearSegmentedColormap

    plt = _pyplot()
    k = len(labels)
    cmap = LinearSegmentedColormap.from_list("likert", [PALETTE["poor"], "#d9d9d9", PALETTE["good"]])
    colors = [cmap(i / (k - 1)) for i in range(k)]
    mid = (k - 1) / 2                       # 0-based; a whole number on odd scales
    with matplotlib.rc_context(_STYLE):
        names = [wrapped(str(t), 16) for t in items]     # question texts, two or three lines each
        lines = sum(max(1, n.count("\n") + 1) for n in names)
        fig, ax = plt.subplots(figsize=(6.4, 0.3 * lines + 0.25 * len(items) + 1.4))
        ys = list(range(len(items)))[::-1]
        s = np.asarray(shares, dtype=float) * 100
        half = s[:, int(mid)] / 2 if k % 2 else np.zeros(len(items))
        left = -half
        for lv in range(int(math.ceil(mid)) - 1, -1, -1):     # dissatisfied levels, leftwards
            left = left - s[:, lv]
            ax.barh(ys, s[:, lv], left=left, color=colors[lv], height=0.6, label=labels[lv])
        if k % 2:
            ax.barh(ys, s[:, int(mid)], left=-half, color=colors[int(mid)], height=0.6, label=labels[int(mid)])
        right = half.copy()
        for lv in range(int(mid) + 1, k):                      # satisfied levels, rightwards
            ax.barh(ys, s[:, lv], left=right, color=colors[lv], height=0.6, label=labels[lv])
            right = right + s[:, lv]
        reach = max(float(np.max(-left, initial=0)), float(np.max(right, initial=0)), 10.0)
        ax.set_xlim(-reach * 1.05, reach * 1.05)
        ax.axvline(0, color="#333333", lw=0.8)
        ax.set_yticks(ys, labels=names)
        ticks = ax.get_xticks()
        ax.set_xticks(ticks, labels=[f"{abs(t):.0f}" for t in ticks])
        ax.set_xlim(-reach * 1.05, reach * 1.05)
        ax.set_xlabel("回答占比（%）")
        handles, names = ax.get_legend_handles_labels()
        order = [names.index(lb) for lb in labels]
        ax.legend([handles[i] for i in order], [names[i] for i in order], frameon=False, ncols=min(k, 5),
                  fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18))
        ax.set_title(title, fontsize=11)
        return fig


@_self_contained
def value_bars(labels: Sequence[str], values: Sequence[float], *, title: str, xlabel: str) -> Any:
    """Horizontal bars in the given order, top to bottom, each labelled with its value."""
    import matplotlib

    plt = _pyplot()
    with matplotlib.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 0.4 * len(labels) + 1.2))
        ys = list(range(len(labels)))[::-1]
        vals = [0.0 if v is None or v != v else float(v) for v in values]
        ax.barh(ys, vals, height=0.6, color=PALETTE["allocated"])
        top = max([*vals, 1e-12])
        for y, v in zip(ys, vals):
            ax.text(v + top * 0.01, y, _value(v, 4), va="center", fontsize=8)
        ax.set_xlim(0, top * 1.15)
        ax.set_yticks(ys, labels=list(labels))
        ax.set_xlabel(xlabel)
        ax.set_title(title, fontsize=11)
        return fig
