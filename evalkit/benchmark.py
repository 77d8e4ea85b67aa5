"""标杆管理法: gaps to a benchmark, data envelopment analysis (DEA) and the Malmquist index.

- ``benchmark_gaps``: each unit's relative gap to the best unit, to a percentile of the units, or to
  a declared standard (行业标准, 计划标准), for 正向 and 反向 measures;
- ``dea``: radial DEA in envelopment form, CCR (constant returns to scale, Charnes, Cooper & Rhodes
  1978) or BCC (variable returns, Banker, Charnes & Cooper 1984), input or output orientation, with
  max-slack second stage, peers, targets, scale efficiency and returns to scale, and Andersen–Petersen
  super-efficiency;
- ``malmquist``: productivity change between periods split into efficiency change (catch-up) and
  technical change (frontier shift), Färe, Grosskopf, Norris & Zhang (1994).

Conventions that change answers, and the options offered:

- output orientation reports efficiency = 1/φ (at most 1, comparable with input orientation); the
  expansion factor φ itself is 1 / efficiency;
- slacks: the two-phase method of Cooper, Seiford & Tone (*Data Envelopment Analysis*, 2nd ed., ch. 3)
  with the slacks summed in units of each column's mean, so that which of several maximal-slack
  projections is reported does not depend on the units of measurement;
- Malmquist ``convention="deap"``: values above 1 mean improvement (DEAP 2.1, Coelli 1996);
  ``"inverse"``: the reciprocals, which is what R's ``Benchmarking::malmq`` returns for
  ``ORIENTATION="out"`` (it builds the index from Farrell output efficiencies, which are at least 1).

Linear programmes are solved with ``scipy.optimize.linprog(method="highs")``. Many units are solved in
one block-diagonal programme, and each unit's programme holds only the reference units that can be
its peers: a column-generation loop adds any unit whose reduced cost shows it could improve the
solution, so every answer is the optimum over all units (see ``_envelope``).

Hostile input: numbers in tables and numeric arguments are read strictly, by the shared readers of
``evalkit._checks`` (``read_number``): anything but a plain number is refused with an InputError that
names the column and position (or the argument), never guessed; so is a figure that would overflow.
"""

from __future__ import annotations

import functools
import math
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _checks
from ._fmt import value
from ._result import Result
from .errors import InputError

BENCHMARKS = {
    "best": "各单位中的最优值",
    "percentile": "各单位数值在较优方向上的分位数",
    "standard": "给定的标准值",
}
PERCENTILE_METHODS = ("inverted_cdf", "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf",
                      "hazen", "weibull", "linear", "median_unbiased", "normal_unbiased", "lower", "higher",
                      "midpoint", "nearest")              # numpy.quantile's methods
RETURNS = {"crs": "CCR 模型（规模报酬不变）", "vrs": "BCC 模型（规模报酬可变，Σλ = 1）"}
ORIENTATIONS = {"input": "投入导向", "output": "产出导向"}
CONVENTIONS = {
    "deap": "数值大于 1 表示改善、小于 1 表示退步（DEAP 2.1 的报告方式，Coelli 1996）",
    "inverse": ("取 DEAP 报告值的倒数：数值小于 1 表示改善、大于 1 表示退步（R 软件包 Benchmarking 的 malmq 函数在"
                "产出导向下给出的数值即此种，因其以不小于 1 的 Farrell 产出效率构造指数）"),
}
RTS_LABELS = ("规模报酬递增", "规模报酬不变", "规模报酬递减")
STATUS_LABELS = ("DEA有效", "弱DEA有效", "非DEA有效")

_TOL = 1e-9              # on data scaled to column means of 1: reduced costs, λ and slacks below this are zero
_SCALE_TOL = 1e-7        # scale efficiency within this of 1 counts as constant returns to scale
_BATCH = 50              # units solved together in one block-diagonal linear programme
_ADD = 5                 # columns added per unit and round of column generation
_MAX_ROUNDS = 25         # after this many rounds the remaining units get every reference unit
MAX_SPREAD = 1e8         # largest / smallest positive value of a column: beyond it the solver's tolerances bite


# ----------------------------------------------------------------------------------------------
# Gaps to a benchmark


@dataclass(frozen=True, eq=False, repr=False)
class GapResult(Result):
    """Each unit's gap to the benchmark of each measure.

    ``gaps`` (also ``table()``), one row per unit and measure: ``unit``, ``measure``, ``direction``,
    ``value``, ``benchmark``, ``gap`` (a fraction of the benchmark, 0 at or beyond it; NaN when the
    benchmark is not positive), ``rank`` (1 = best within the measure; ties share the best rank).
    ``benchmarks``: one row per measure, ``measure``, ``direction``, ``benchmark``, ``basis`` (which
    unit, percentile or standard it is).
    """

    gaps: pd.DataFrame
    benchmarks: pd.DataFrame
    benchmark: str                      # "best", "percentile" or "standard"
    percentile: float | None            # for "percentile": 0.9 means the 90th percentile
    percentile_method: str | None       # numpy.quantile's method, for "percentile"
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return self.gaps

    def plot(self, measure: str) -> Any:
        """Bar chart of the units' gaps (%) for one measure, the smallest gap on top."""
        t = self.gaps[self.gaps["measure"] == measure]
        if t.empty:
            known = ", ".join(map(str, self.benchmarks["measure"]))
            raise InputError(f"measure 应为 {known} 之一，实际为 {measure!r}")
        t = t.sort_values(["gap", "rank"], kind="stable", na_position="last")
        from . import charts

        return charts.gap_bars([str(u) for u in t["unit"]], list(t["gap"]), title=f"{measure}与标杆的差距")

    def _headline(self) -> dict[str, Any]:
        t = self.table()
        return {"benchmark": self.benchmark, "measures": len(self.benchmarks), "units": t["unit"].nunique(),
                "largest_gap": float(t["gap"].max()) if t["gap"].notna().any() else None}


def benchmark_gaps(data: pd.DataFrame, *, measures: Sequence[str], directions: Mapping[str, str] | None = None,
                   benchmark: str = "best", unit_col: str = "unit", percentile: float = 0.9,
                   standard: Mapping[str, float] | None = None, percentile_method: str = "linear") -> GapResult:
    """Gap of each unit to the benchmark of each measure: the best unit, a percentile, or a standard.

    Parameters
    ----------
    data
        One row per unit: a name column ``unit_col`` and one numeric column per measure.
    measures
        The measure columns.
    directions
        Measure → ``"正向"`` (higher is better) or ``"反向"`` (lower is better), or another spelling
        every method reads (``"+"``/``"-"``, ``"max"``/``"min"``, ``"benefit"``/``"cost"``);
        measures not named are 正向.
    benchmark
        ``"best"`` (the best unit's value), ``"percentile"`` (the ``percentile`` of the units' values
        in the better direction) or ``"standard"`` (the value declared in ``standard``).
    unit_col
        The column naming the units (default ``"unit"``).
    percentile
        For ``"percentile"``, a fraction in (0, 1]: ``0.9`` is the level that 90 % of units reach or
        fall short of, i.e. the 90 % quantile of a 正向 measure and the 10 % quantile of a 反向 one.
    standard
        For ``"standard"``, measure → benchmark value (an industry or plan standard).
    percentile_method
        How ``numpy.quantile`` interpolates (``"linear"``, numpy's default and Excel's
        ``PERCENTILE.INC``; ``"weibull"`` is Excel's ``PERCENTILE.EXC``; see numpy for the rest).

    Returns
    -------
    GapResult

    Raises
    ------
    InputError
        If a column is missing or not numeric, a unit repeats, a direction is not 正向/反向, the
        percentile is outside (0, 1], the method is unknown, or a standard is missing for a measure.

    Notes
    -----
    With value v and benchmark b: gap = max(0, (b − v) / b) for a 正向 measure and
    gap = max(0, (v − b) / b) for a 反向 measure. Best: b = max v (正向) or min v (反向). Percentile p:
    b = Q(p) (正向) or Q(1 − p) (反向), Q the quantile of all units' values by ``percentile_method``.
    Rank: 1 + the number of units strictly better.
    Checked against: gaps, benchmarks and ranks worked by hand for both directions and all three
    benchmarks (tests/reference/benchmark_gaps_hand.md and .csv).

    Examples
    --------
    >>> d = pd.DataFrame({"unit": ["甲县", "乙县", "丙县"], "覆盖率": [0.8, 0.9, 0.6],
    ...                   "单位成本": [120.0, 100.0, 150.0]})
    >>> res = benchmark_gaps(d, measures=["覆盖率", "单位成本"], directions={"单位成本": "反向"})
    >>> t = res.table()
    >>> t[t["unit"] == "甲县"][["measure", "benchmark", "gap", "rank"]].round(4).values.tolist()
    [['覆盖率', 0.9, 0.1111, 2], ['单位成本', 100.0, 0.2, 2]]
    """
    _checks.frame(data, "data")
    if measures is None or not isinstance(measures, (str, Sequence, np.ndarray, pd.Index)):
        raise InputError(f"measures 应为指标列名的列表，实际为 {measures!r}")
    measures = [measures] if isinstance(measures, str) else list(measures)
    if not measures:
        raise InputError("measures 至少需要一个指标列")
    if len(set(measures)) != len(measures):
        raise InputError(f"measures 中指标重复：{', '.join(sorted({m for m in measures if measures.count(m) > 1}))}")
    _checks.columns(data, "data", [unit_col, *measures])
    if unit_col in measures:
        raise InputError(f"measures 中的 {unit_col} 是单位名称列（unit_col），不能作为指标")
    names = _checks.labels(data, "data", unit_col, "单位名称")
    values = _checks.numbers(data, "data", measures)
    dirs = {m: "正向" for m in measures}
    if directions is not None and not isinstance(directions, (Mapping, pd.Series)):
        raise InputError(f"directions 应为「指标 → 正向/反向」的映射（dict），实际为 {directions!r}")
    for m, d in dict(directions or {}).items():
        if m not in dirs:
            raise InputError(f"directions 中的 {m} 不在 measures 中（measures：{', '.join(measures)}）")
        dirs[m] = _checks.direction(d, f"directions 中列 {m} 的方向")
    _checks.one_of(benchmark, "benchmark", BENCHMARKS)
    if benchmark != "standard" and len(data) < 2:
        raise InputError(f"data 只有 {len(data)} 个单位，与最优值或分位数比较至少需要两个单位")
    p = None
    method = None
    if benchmark == "percentile":
        p = _checks.real(percentile, "percentile")
        if not 0 < p <= 1:
            raise InputError(f"percentile 应为 (0, 1] 之间的小数（0.9 表示第 90 百分位），实际为 {percentile!r}")
        method = _checks.one_of(percentile_method, "percentile_method", PERCENTILE_METHODS)
    if benchmark == "standard":
        if not isinstance(standard, (Mapping, pd.Series)):
            raise InputError(f"benchmark='standard' 需要 standard（指标 → 标准值的映射），实际为 {standard!r}")
        missing = [m for m in measures if m not in standard]
        if missing:
            raise InputError(f"standard 缺少指标 {', '.join(missing)} 的标准值")
        stray = [m for m in standard if m not in dirs]
        if stray:
            raise InputError(f"standard 中的 {', '.join(map(str, stray))} 不在 measures 中")
        std = {m: _checks.real(standard[m], f"standard 中指标 {m}") for m in measures}
    elif standard is not None:
        raise InputError(f"standard 仅在 benchmark='standard' 时使用，当前 benchmark={benchmark!r}")
    rows, bench_rows = [], []
    nonpositive = []
    for j, m in enumerate(measures):
        v = values[:, j]
        better = v if dirs[m] == "正向" else -v           # larger is better
        if benchmark == "best":
            b = float(v.max() if dirs[m] == "正向" else v.min())
            basis = "最优值（" + "、".join(str(u) for u, x in zip(names, v) if x == b) + "）"
        elif benchmark == "percentile":
            q = p if dirs[m] == "正向" else 1 - p
            b = float(np.quantile(v, q, method=method))
            basis = f"第 {value(p * 100)} 百分位（{method}）"
        else:
            b = std[m]
            basis = "标准值"
        if b > 0:
            with np.errstate(all="ignore"):
                gap = np.maximum(0.0, (b - v) / b if dirs[m] == "正向" else (v - b) / b)
            _checks.finite_result(gap, f"指标 {m} 的差距",
                                  f"标杆值 {b:g} 与 data 列 {m} 的数值相差过大，请检查单位" + (
                                      "或 standard" if benchmark == "standard" else ""))
        else:
            gap = np.full(len(v), np.nan)
            nonpositive.append(m)
        rank = 1 + (better[None, :] > better[:, None]).sum(axis=1)
        bench_rows.append({"measure": m, "direction": dirs[m], "benchmark": b, "basis": basis})
        rows.append(pd.DataFrame({"unit": names, "measure": m, "direction": dirs[m], "value": v, "benchmark": b,
                                  "gap": gap, "rank": rank.astype(int)}))
    table = pd.concat(rows, ignore_index=True)
    notes = [("差距 =（标杆值 − 实际值）÷ 标杆值（正向指标）或（实际值 − 标杆值）÷ 标杆值（反向指标），"
              "达到或优于标杆时为 0；排名按指标方向，1 为最优，并列取同一名次。")]
    if benchmark == "best":
        notes.append("标杆值为各单位中的最优值（正向指标取最大值，反向指标取最小值）。")
    elif benchmark == "percentile":
        notes.append(f"标杆值为各单位数值在较优方向上的第 {value(p * 100)} 百分位（正向指标取 {value(p * 100)}% 分位数，"
                     f"反向指标取 {value((1 - p) * 100)}% 分位数；numpy.quantile，method='{method}'）。")
    else:
        notes.append("标杆值为给定的标准值（如行业标准、计划标准）。")
    if nonpositive:
        notes.append(f"指标 {'、'.join(nonpositive)} 的标杆值不为正数，相对差距无法计算（为空）。")
    return GapResult(gaps=table, benchmarks=pd.DataFrame(bench_rows), benchmark=benchmark, percentile=p,
                     percentile_method=method, notes=tuple(notes))


# ----------------------------------------------------------------------------------------------
# The linear programmes


@dataclass(frozen=True)
class _Solved:
    """The optimum for every evaluated unit: ``level`` (θ or φ; phase 1 only), ``lam`` (evaluated units ×
    reference units, sparse), ``feasible``, and ``active`` (the reference units the programmes held)."""

    level: np.ndarray
    lam: Any
    feasible: np.ndarray
    active: tuple[int, ...]


def _start(x: np.ndarray, y: np.ndarray, vrs: bool) -> set[int]:
    """Reference units sure to be on the frontier, to start column generation: the best ratio y_r / x_i
    for each pair and of the column sums (efficient under CRS, hence also under VRS); for VRS also the
    smallest x_i, the largest y_r and the largest Σy − Σx."""
    out: set[int] = set()
    for i in range(x.shape[1]):
        ok = x[:, i] > 0
        if not ok.any():
            continue
        idx = np.flatnonzero(ok)
        for r in range(y.shape[1]):
            out.add(int(idx[np.argmax(y[idx, r] / x[idx, i])]))
    sx = x.sum(axis=1)
    out.add(int(np.argmax(y.sum(axis=1) / sx)))
    if vrs:
        out.update(int(i) for i in np.argmin(x, axis=0))
        out.update(int(i) for i in np.argmax(y, axis=0))
        out.add(int(np.argmax(y.sum(axis=1) - sx)))
    return out


@dataclass(frozen=True)
class _Batch:
    status: int
    level: np.ndarray          # B
    own: np.ndarray            # B: λ of the unit's own column (0 when there is none)
    lam: np.ndarray            # B × k
    w: np.ndarray              # B × (m + s): duals of the input and output rows
    weq: np.ndarray            # B: duals of Σλ = 1
    message: str = ""


def _solve_batch(x: np.ndarray, y: np.ndarray, xe: np.ndarray, ye: np.ndarray, units: np.ndarray, cols: np.ndarray,
                 *, phase: int, orientation: str, vrs: bool, with_self: bool, exclude: np.ndarray | None,
                 level: np.ndarray | None, kappa: np.ndarray | None, kappa_own: np.ndarray | None) -> _Batch:
    """One linear programme holding a block per evaluated unit (block-diagonal, so the blocks' optima are
    the units' optima). Block b, with T = [X_cols; −Y_cols] (rows: inputs then outputs):

    phase 1, input:   min θ      s.t. −θ x_o + X λ ≤ 0,   −Y λ ≤ −y_o        (+ Σλ = 1 for VRS)
    phase 1, output:  min −φ     s.t.  X λ ≤ x_o,        φ y_o − Y λ ≤ 0
    phase 2:          min κ'λ    s.t.  X λ ≤ a x_o,      −Y λ ≤ −b y_o  (a = θ*, b = 1; or a = 1, b = φ*)

    with κ_j = Σ_i x_ij − Σ_r y_rj on the scaled data, so min κ'λ maximises Σ s⁻ + Σ s⁺ (each slack in
    units of its column's mean). Only the θ/φ column (phase 1),
    the unit's own column and the right-hand side differ between blocks; the λ part is kron(I, T).
    """
    import scipy.sparse as sp
    from scipy.optimize import linprog

    units = np.asarray(units)
    B, m, s, k = len(units), x.shape[1], y.shape[1], len(cols)
    rows = m + s
    xo, yo = xe[units], ye[units]
    at = np.arange(B * rows)
    block = np.repeat(np.arange(B), rows)
    parts, cost, upper = [], [], []
    n_level = B if phase == 1 else 0
    if phase == 1:
        if orientation == "input":
            col = np.concatenate([-xo, np.zeros((B, s))], axis=1).ravel()
            rhs = np.concatenate([np.zeros((B, m)), -yo], axis=1).ravel()
        else:
            col = np.concatenate([np.zeros((B, m)), yo], axis=1).ravel()
            rhs = np.concatenate([xo, np.zeros((B, s))], axis=1).ravel()
        parts.append(sp.csr_matrix((col, (at, block)), shape=(B * rows, B)))
        cost.append(np.full(B, 1.0 if orientation == "input" else -1.0))
        upper.append(np.full(B, np.inf))
    else:
        lv = level[units]
        if orientation == "input":
            rhs = np.concatenate([xo * lv[:, None], -yo], axis=1).ravel()
        else:
            rhs = np.concatenate([xo, -yo * lv[:, None]], axis=1).ravel()
    n_own = B if with_self else 0
    if with_self:
        parts.append(sp.csr_matrix((np.concatenate([xo, -yo], axis=1).ravel(), (at, block)), shape=(B * rows, B)))
        cost.append(kappa_own[units] if phase == 2 else np.zeros(B))
        upper.append(np.full(B, np.inf))
    t = np.vstack([x[cols].T, -y[cols].T])
    parts.append(sp.kron(sp.identity(B, format="csr"), sp.csr_matrix(t), format="csr"))
    cost.append(np.tile(kappa[cols], B) if phase == 2 else np.zeros(B * k))
    ub = np.full((B, k), np.inf)
    if exclude is not None:
        where = {int(j): p for p, j in enumerate(cols)}
        for b, o in enumerate(exclude[units]):
            if int(o) in where:
                ub[b, where[int(o)]] = 0.0
    upper.append(ub.ravel())
    a_ub = sp.hstack(parts, format="csr")
    c = np.concatenate(cost)
    bounds = np.column_stack([np.zeros(len(c)), np.concatenate(upper)])
    kw: dict[str, Any] = {}
    if vrs:
        eq = [sp.csr_matrix((B, n_level))] if n_level else []
        if with_self:
            eq.append(sp.identity(B, format="csr"))
        eq.append(sp.kron(sp.identity(B, format="csr"), sp.csr_matrix(np.ones((1, k))), format="csr"))
        kw = {"A_eq": sp.hstack(eq, format="csr"), "b_eq": np.ones(B)}
    res = linprog(c, A_ub=a_ub, b_ub=rhs, bounds=bounds, method="highs", options={"presolve": False}, **kw)
    if res.status != 0:
        return _Batch(int(res.status), np.empty(0), np.empty(0), np.empty((0, k)), np.empty((0, rows)), np.empty(0),
                      str(res.message))
    z = res.x
    return _Batch(0, z[:n_level], z[n_level:n_level + n_own] if with_self else np.zeros(B),
                  z[n_level + n_own:].reshape(B, k), res.ineqlin.marginals.reshape(B, rows),
                  res.eqlin.marginals if vrs else np.zeros(B))


def _map(fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    """``map`` over batches, on threads when there are several (HiGHS runs without the GIL for much of
    a solve); the results and their order do not depend on the threads."""
    workers = min(len(items), os.cpu_count() or 1, 4)
    if workers <= 1:
        return [fn(i) for i in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


def _envelope(x: np.ndarray, y: np.ndarray, xe: np.ndarray, ye: np.ndarray, *, phase: int, orientation: str,
              vrs: bool, own: np.ndarray | None = None, exclude_own: bool = False, level: np.ndarray | None = None,
              start: Iterable[int] = ()) -> _Solved:
    """Solve the envelopment programme of every evaluated unit (rows of xe, ye) against the reference
    units (rows of x, y); ``own[o]`` is the evaluated unit's row among the references (−1: none).

    Column generation: each programme holds the active reference units (plus the unit itself when it is
    one of them and not excluded). At the restricted optimum the reduced cost of every reference unit
    j, d_j = c_j − w'(x_j; −y_j) − w_eq, is computed from the duals w; if none is below −1e-9 the
    restricted optimum is the optimum over all units (LP optimality conditions), else the most
    negative are added and the unit is solved again. A programme that is infeasible with the active
    units is solved with all of them before it is called infeasible.
    """
    n_ref, n_e = len(x), len(xe)
    with_self = own is not None and not exclude_own
    exclude = own if exclude_own else None
    kappa = x.sum(axis=1) - y.sum(axis=1)
    kappa_own = xe.sum(axis=1) - ye.sum(axis=1)
    cost = kappa if phase == 2 else np.zeros(n_ref)
    full = np.vstack([x.T, -y.T])
    active = set(start)
    done_level = np.full(n_e, np.nan)
    feasible = np.ones(n_e, dtype=bool)
    lam_rows: list[np.ndarray] = []
    lam_cols: list[np.ndarray] = []
    lam_vals: list[np.ndarray] = []
    pending = np.arange(n_e)
    rounds = 0
    kw = dict(phase=phase, orientation=orientation, vrs=vrs, with_self=with_self, exclude=exclude, level=level,
              kappa=kappa, kappa_own=kappa_own)

    def record(units: np.ndarray, res: _Batch, cols: np.ndarray, b: int) -> None:
        o = units[b]
        if phase == 1:
            done_level[o] = res.level[b]
        nz = np.flatnonzero(res.lam[b] > _TOL)
        rr, cc, vv = [np.full(len(nz), o)], [cols[nz]], [res.lam[b, nz]]
        if with_self and res.own[b] > _TOL:
            rr.append(np.array([o]))
            cc.append(np.array([own[o]]))
            vv.append(np.array([res.own[b]]))
        lam_rows.extend(rr)
        lam_cols.extend(cc)
        lam_vals.extend(vv)

    while len(pending):
        rounds += 1
        cols = np.array(sorted(active), dtype=int) if rounds <= _MAX_ROUNDS else np.arange(n_ref)
        batches = [pending[i:i + _BATCH] for i in range(0, len(pending), _BATCH)]
        solved = _map(lambda u, cols=cols: (u, _solve_batch(x, y, xe, ye, u, cols, **kw), cols), batches)
        checks = []
        for units, res, used in solved:
            if res.status == 0:
                checks.append((units, res, used))
                continue
            if res.status != 2:
                raise InputError(f"线性规划求解失败：{res.message}（可检查数据的数量级是否相差过大）")
            for o in units:                       # infeasible batch: each unit alone, then with every column
                one = np.array([o])
                r1 = _solve_batch(x, y, xe, ye, one, used, **kw)
                if r1.status == 0:
                    checks.append((one, r1, used))
                    continue
                every = np.arange(n_ref)
                r2 = _solve_batch(x, y, xe, ye, one, every, **kw)
                if r2.status == 0:
                    record(one, r2, every, 0)
                elif r2.status == 2:
                    feasible[o] = False
                else:
                    raise InputError(f"线性规划求解失败：{r2.message}（可检查数据的数量级是否相差过大）")
        again, added = [], set()
        for units, res, used in checks:
            d = cost[None, :] - res.w @ full - res.weq[:, None]
            d[:, used] = np.inf
            if exclude is not None:
                d[np.arange(len(units)), exclude[units]] = np.inf
            for b, o in enumerate(units):
                viol = np.flatnonzero(d[b] < -_TOL)
                if len(viol):
                    again.append(o)
                    added.update(int(j) for j in viol[np.argsort(d[b, viol], kind="stable")[:_ADD]])
                else:
                    record(units, res, used, b)
        active |= added
        pending = np.array(sorted(again), dtype=int)
    import scipy.sparse as sp

    if lam_rows:
        r, c, v = np.concatenate(lam_rows), np.concatenate(lam_cols), np.concatenate(lam_vals)
    else:
        r = c = np.empty(0, dtype=int)
        v = np.empty(0)
    lam = sp.csr_matrix((v, (r, c)), shape=(n_e, n_ref))      # duplicates (own column also active) add up
    return _Solved(level=done_level, lam=lam, feasible=feasible, active=tuple(sorted(active)))


def _efficiency(level: np.ndarray, orientation: str) -> np.ndarray:
    """θ, or 1/φ for output orientation."""
    with np.errstate(divide="ignore"):
        return level.copy() if orientation == "input" else np.where(level > 0, 1.0 / level, np.nan)


def _snap(eff: np.ndarray, *, cap: bool) -> np.ndarray:
    """Efficiencies within 1e-9 of 1 are 1; with ``cap`` none is above 1 (solver tolerance)."""
    out = np.where(np.abs(eff - 1.0) <= _TOL, 1.0, eff)
    return np.minimum(out, 1.0) if cap else out


# ----------------------------------------------------------------------------------------------
# DEA


def _dea_frames(inputs: Any, outputs: Any, names: Sequence[Any] | None) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    _checks.frame(inputs, "inputs")
    _checks.frame(outputs, "outputs")
    if len(inputs) != len(outputs) or not inputs.index.equals(outputs.index):
        raise InputError("inputs 与 outputs 的行索引不一致：两表应为同一批单位、同样的顺序"
                         f"（inputs {len(inputs)} 行，outputs {len(outputs)} 行）")
    both = [c for c in inputs.columns if c in set(outputs.columns)]
    if both:
        raise InputError(f"列 {', '.join(map(str, both))} 不能既是投入又是产出")
    if names is not None and (isinstance(names, (str, bytes)) or not isinstance(names, (Sequence, np.ndarray,
                                                                                          pd.Index, pd.Series))):
        raise InputError(f"names 应为各单位名称的列表，实际为 {names!r}")
    labels = list(inputs.index) if names is None else list(names)
    blank = [i for i, u in enumerate(labels) if _checks.blank(u)]
    if blank:
        raise InputError(f"第 {blank[0] + 1} 个单位的名称为空（names 或 inputs 的行索引）")
    for i, u in enumerate(labels):
        try:
            hash(u)
        except TypeError:
            raise InputError(f"第 {i + 1} 个单位的名称 {str(u)[:30]} 无效（names 应为文字或数字）") from None
    if len(labels) != len(inputs):
        raise InputError(f"names 有 {len(labels)} 个名称，单位有 {len(inputs)} 个")
    dup = sorted(str(u) for u, k in Counter(labels).items() if k > 1)
    if dup:
        raise InputError(f"单位名称重复：{', '.join(dup)}（names 或 inputs 的行索引应各不相同）")
    x = _checks.numbers(inputs, "inputs", inputs.columns)
    y = _checks.numbers(outputs, "outputs", outputs.columns)
    for name, frame, mat in (("inputs", inputs, x), ("outputs", outputs, y)):
        if (mat < 0).any():
            i, j = np.argwhere(mat < 0)[0]
            raise InputError(f"{name} 列 {frame.columns[j]} 单位 {labels[i]} 为负数 {mat[i, j]:g}："
                             "DEA 的投入和产出都必须是非负数")
        empty = [str(c) for c, z in zip(frame.columns, (mat == 0).all(axis=0)) if z]
        if empty:
            raise InputError(f"{name} 列 {', '.join(empty)} 全部为 0，不能作为{'投入' if name == 'inputs' else '产出'}")
        none = np.flatnonzero((mat == 0).all(axis=1))
        if len(none):
            raise InputError(f"单位 {', '.join(str(labels[i]) for i in none)} 的{'投入' if name == 'inputs' else '产出'}"
                             "全部为 0：每个单位至少要有一项正的投入和一项正的产出")
        _magnitudes(mat, list(frame.columns), name)
    return x, y, labels



def _keys(panel: pd.DataFrame, col: Any, what: str) -> None:
    """A name or period column: no cell blank, a boolean, ±inf, or a list or a dict."""
    for i, v in enumerate(panel[col].array):
        try:
            hash(v)
            odd = isinstance(v, (bool, np.bool_)) or (isinstance(v, (float, np.floating)) and not math.isfinite(v))
        except TypeError:
            odd = True
        if _checks.blank(v) or odd:
            shown = str(v)[:30]
            raise InputError(f"panel 列 {col} 第 {i + 1} 个{what}{'为空' if _checks.blank(v) else f' {shown} 无效（应为文字或数字）'}")


def _magnitudes(mat: np.ndarray, cols: Sequence[Any], name: str) -> None:
    """Refuse a column whose positive values span more than MAX_SPREAD: scaled to a mean of 1 its small
    values fall below the solver's tolerances, and the answer would be noise."""
    for j, c in enumerate(cols):
        pos = mat[:, j][mat[:, j] > 0]
        if len(pos) and np.log10(pos.max()) - np.log10(pos.min()) > math.log10(MAX_SPREAD):
            raise InputError(f"{name} 列 {c} 的正值相差超过 {MAX_SPREAD:.0e} 倍（最大 {pos.max():g}，最小 {pos.min():g}），"
                             "线性规划无法可靠求解：请检查单位或数据是否有误")


def _means(mat: np.ndarray) -> np.ndarray:
    """Column means that cannot overflow (each column rescaled by a power of two first, exactly)."""
    units = np.array([_checks.scale_of(mat[:, j]) for j in range(mat.shape[1])])
    return (mat / units).mean(axis=0) * units


def _enough_units(n: int, m: int, s: int, where: str = "") -> list[str]:
    """n must exceed m + s (with no more units than indicators nearly every unit is efficient);
    a note below the rule of thumb n ≥ max(m·s, 3(m + s)) (Cooper, Seiford & Tone 2007)."""
    if n <= m + s:
        raise InputError(f"{where}{n} 个单位，不够：单位数至少应为投入与产出指标数之和加一（{m} + {s} + 1 = {m + s + 1}），"
                         "单位太少时几乎所有单位都会有效，DEA 无法区分")
    rule = max(m * s, 3 * (m + s))
    if n < rule:
        return [f"{where}{n} 个单位，少于经验规则 max(投入数 × 产出数, 3 ×（投入数 + 产出数）) = {rule}，"
                "有效单位可能偏多，区分能力有限。"]
    return []


@dataclass(frozen=True, eq=False, repr=False)
class DEAResult(Result):
    """Data envelopment analysis of a set of units (决策单元).

    ``efficiency``: the chosen model's score (θ*, or 1/φ* for output orientation; 1 = on the frontier).
    ``crs_efficiency``, ``vrs_efficiency``: both models in the chosen orientation, always computed;
    ``scale_efficiency`` = CRS ÷ VRS; ``lambda_sum``: Σλ of the CRS solution; ``returns_to_scale``:
    规模报酬递增 / 不变 / 递减. ``lambdas``: units × peers (only units that are someone's peer, zeros
    elsewhere); ``peers``: unit → list of (peer, λ) with λ > 1e-9. ``input_slacks`` and
    ``output_slacks``: units × the input and output columns, in the data's units; ``targets``: the
    projected inputs and outputs. ``super_efficiency``: Andersen–Petersen scores (NaN when the
    programme is infeasible), None unless asked for. ``status``: DEA有效 / 弱DEA有效 / 非DEA有效.
    """

    efficiency: pd.Series
    returns: str                        # "crs" or "vrs"
    orientation: str                    # "input" or "output"
    status: pd.Series
    crs_efficiency: pd.Series
    vrs_efficiency: pd.Series
    scale_efficiency: pd.Series
    lambda_sum: pd.Series
    returns_to_scale: pd.Series
    lambdas: pd.DataFrame
    peers: dict[Any, list[tuple[Any, float]]]
    input_slacks: pd.DataFrame
    output_slacks: pd.DataFrame
    targets: pd.DataFrame
    super_efficiency: pd.Series | None
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        """One row per unit: ``unit``, ``efficiency``, ``rank`` (1 = best; by super-efficiency when it
        was computed), ``status``, ``crs_efficiency``, ``vrs_efficiency``, ``scale_efficiency``,
        ``lambda_sum``, ``returns_to_scale``, ``super_efficiency``, ``peers`` (text)."""
        key = self.efficiency if self.super_efficiency is None else self.super_efficiency.fillna(self.efficiency)
        out = pd.DataFrame({
            "unit": list(self.efficiency.index), "efficiency": self.efficiency.to_numpy(),
            "rank": key.rank(ascending=False, method="min").astype(int).to_numpy(),
            "status": self.status.to_numpy(), "crs_efficiency": self.crs_efficiency.to_numpy(),
            "vrs_efficiency": self.vrs_efficiency.to_numpy(), "scale_efficiency": self.scale_efficiency.to_numpy(),
            "lambda_sum": self.lambda_sum.to_numpy(), "returns_to_scale": self.returns_to_scale.to_numpy(),
            "super_efficiency": (np.full(len(self.efficiency), np.nan) if self.super_efficiency is None
                                 else self.super_efficiency.to_numpy()),
            "peers": ["、".join(f"{p}（{value(v, 4)}）" for p, v in self.peers[u]) for u in self.efficiency.index],
        })
        return out

    def plot(self) -> Any:
        """Horizontal bars of the efficiencies, best on top, with the frontier (1) marked."""
        e = self.efficiency.sort_values(ascending=False, kind="stable")
        model = "CCR" if self.returns == "crs" else "BCC"
        from . import charts

        return charts.efficiency_bars([str(u) for u in e.index], list(e.to_numpy()),
                                title=f"DEA 效率（{model}，{ORIENTATIONS[self.orientation]}）")

    def _headline(self) -> dict[str, Any]:
        e = self.efficiency
        return {"returns": self.returns, "orientation": self.orientation, "units": len(e),
                "efficient": int((e >= 1 - 1e-9).sum()), "mean_efficiency": float(e.mean())}


def dea(inputs: pd.DataFrame, outputs: pd.DataFrame, *, returns: str = "crs", orientation: str = "input",
        super_efficiency: bool = False, names: Sequence[Any] | None = None) -> DEAResult:
    """Data envelopment analysis: radial efficiency, slacks, peers, targets and scale efficiency.

    Parameters
    ----------
    inputs, outputs
        One row per unit (the same index in both), one column per input or output. Values must be
        non-negative numbers; zeros are allowed, but each unit needs at least one positive input and
        one positive output, and no column may be zero throughout.
    returns
        ``"crs"`` (CCR, constant returns to scale) or ``"vrs"`` (BCC, variable returns: Σλ = 1).
    orientation
        ``"input"``: the largest equiproportional cut of all inputs, θ*; ``"output"``: the largest
        equiproportional expansion of all outputs, φ*, reported as efficiency 1/φ*.
    super_efficiency
        Also compute Andersen–Petersen super-efficiency (each unit left out of its own reference set).
    names
        Unit names, in row order (default: the index of ``inputs``).

    Returns
    -------
    DEAResult

    Raises
    ------
    InputError
        If the tables are not DataFrames, their indices differ, a value is negative or not a number,
        a unit has no positive input or output, a column is zero throughout, the positive values of
        a column span more than 1e8 (the small ones would fall below the solver's tolerances), a
        unit name is blank or repeated, there are no more units than inputs plus outputs, or
        ``returns``/``orientation`` is unknown.

    Notes
    -----
    Envelopment form for unit o (X, Y: the units' inputs and outputs as columns):
    input:  θ* = min θ  s.t.  X λ ≤ θ x_o,  Y λ ≥ y_o,  λ ≥ 0  (+ Σλ = 1 for VRS);
    output: φ* = max φ  s.t.  X λ ≤ x_o,  Y λ ≥ φ y_o,  λ ≥ 0  (+ Σλ = 1), efficiency = 1/φ*.
    Phase 2 (Cooper, Seiford & Tone 2007, ch. 3): with θ* (φ*) fixed, max Σ s⁻_i/x̄_i + Σ s⁺_r/ȳ_r s.t.
    X λ + s⁻ = θ* x_o, Y λ − s⁺ = y_o (output: X λ + s⁻ = x_o, Y λ − s⁺ = φ* y_o), x̄, ȳ the column
    means. Targets: x̂ = θ* x_o − s⁻, ŷ = y_o + s⁺ (output: x̂ = x_o − s⁻, ŷ = φ* y_o + s⁺).
    DEA有效: efficiency 1 and no slack; 弱DEA有效: efficiency 1 with some slack. Scale efficiency
    SE = E_CRS / E_VRS; returns to scale from the CRS solution (Banker 1984): SE = 1 → 不变, else
    Σλ < 1 → 递增, Σλ > 1 → 递减 (when SE < 1 every optimal λ gives the same side). Super-efficiency
    (Andersen & Petersen 1993): the same programme without unit o among the references; an inefficient
    unit keeps its score, an efficient one can exceed 1; under VRS the programme can be infeasible (NaN).
    Checked against: DEAP 2.1's printed example (Coelli 1996, eg1: scores, slacks, peers, weights,
    targets; tests/reference/benchmark_dea_deap_eg1.csv) and its Malmquist example's CRS and VRS
    scores (benchmark_malmquist_deap_eg4.csv); the two-input example of Cooper, Seiford & Tone ch. 3,
    VRS scores, scale efficiency and super-efficiency worked by hand (benchmark_dea_hand.md); the
    multiplier (dual) form, the second phase and super-efficiency solved independently with
    ``linprog`` in tests/test_benchmark.py.

    Examples
    --------
    >>> x = pd.DataFrame({"x1": [2, 2, 6, 3, 6], "x2": [5, 4, 6, 2, 2]}, index=list("ABCDE"))
    >>> y = pd.DataFrame({"y": [1, 2, 3, 1, 2]}, index=list("ABCDE"))
    >>> res = dea(x, y)
    >>> res.efficiency.round(3).tolist()
    [0.5, 1.0, 0.833, 0.714, 1.0]
    >>> res.input_slacks.loc["A"].round(6).tolist(), res.status["A"]
    ([0.0, 0.5], '非DEA有效')
    >>> [(p, round(v, 3)) for p, v in res.peers["D"]]
    [('B', 0.214), ('E', 0.286)]
    """
    _checks.one_of(returns, "returns", RETURNS)
    _checks.one_of(orientation, "orientation", ORIENTATIONS)
    xr, yr, labels = _dea_frames(inputs, outputs, names)
    n, m, s = len(labels), xr.shape[1], yr.shape[1]
    notes = _enough_units(n, m, s, "共有 ")
    xbar, ybar = _means(xr), _means(yr)
    x, y = xr / xbar, yr / ybar                      # radial scores do not change; it helps the solver
    own = np.arange(n)
    kw = dict(orientation=orientation, own=own)
    crs = _envelope(x, y, x, y, phase=1, vrs=False, start=_start(x, y, False), **kw)
    vrs = _envelope(x, y, x, y, phase=1, vrs=True, start=set(crs.active) | _start(x, y, True), **kw)
    chosen = crs if returns == "crs" else vrs
    level = chosen.level
    if orientation == "input":
        level = np.where(np.abs(level - 1) <= _TOL, 1.0, np.minimum(level, 1.0))
    else:
        level = np.where(np.abs(level - 1) <= _TOL, 1.0, np.maximum(level, 1.0))
    p2 = _envelope(x, y, x, y, phase=2, vrs=returns == "vrs", level=level, start=chosen.active, **kw)
    lam = p2.lam.tolil()
    for o in np.flatnonzero(~p2.feasible):          # θ* a hair too tight for the solver: loosen by 1e-11,
        loose = level[[o]] * (1 + 1e-11 if orientation == "input" else 1 - 1e-11)   # else keep phase 1's λ
        again = _envelope(x, y, x[[o]], y[[o]], phase=2, vrs=returns == "vrs", level=loose, start=chosen.active,
                          orientation=orientation, own=np.array([o]))
        lam[o] = (again.lam if again.feasible[0] else chosen.lam[[o]]).tolil()[0]
    lam = lam.tocsr()
    proj_x, proj_y = np.asarray(lam @ x), np.asarray(lam @ y)
    if orientation == "input":
        s_minus, s_plus = level[:, None] * x - proj_x, proj_y - y
    else:
        s_minus, s_plus = x - proj_x, proj_y - level[:, None] * y
    s_minus = np.where(s_minus > _TOL, s_minus, 0.0) * xbar
    s_plus = np.where(s_plus > _TOL, s_plus, 0.0) * ybar
    eff = _snap(_efficiency(level, orientation), cap=True)
    e_crs = _snap(_efficiency(crs.level, orientation), cap=True)
    e_vrs = _snap(_efficiency(vrs.level, orientation), cap=True)
    scale = e_crs / e_vrs
    crs_lam = lam if returns == "crs" else crs.lam
    lam_sum = np.asarray(crs_lam.sum(axis=1)).ravel()
    rts = np.where(scale >= 1 - _SCALE_TOL, RTS_LABELS[1], np.where(lam_sum < 1, RTS_LABELS[0], RTS_LABELS[2]))
    slack_any = (s_minus > 0).any(axis=1) | (s_plus > 0).any(axis=1)
    status = np.where(eff < 1, STATUS_LABELS[2], np.where(slack_any, STATUS_LABELS[1], STATUS_LABELS[0]))
    if orientation == "input":
        tx, ty = level[:, None] * xr - s_minus, yr + s_plus
    else:
        tx, ty = xr - s_minus, level[:, None] * yr + s_plus
    idx = pd.Index(labels)
    lam = lam.tocsr()
    lam.data[lam.data <= _TOL] = 0.0
    lam.eliminate_zeros()
    used = np.unique(lam.indices)                    # units that are someone's peer
    lambdas = pd.DataFrame(lam[:, used].toarray(), index=idx, columns=[labels[j] for j in used])
    peers = {}
    for o in range(n):
        row = lam.getrow(o)
        order = np.argsort(row.indices, kind="stable")
        peers[labels[o]] = [(labels[j], float(v)) for j, v in zip(row.indices[order], row.data[order])]
    sup = None
    model = RETURNS[returns]
    notes.insert(0, f"模型：{model}，{ORIENTATIONS[orientation]}。" + (
        "效率 θ* 为在产出不减的前提下各项投入可同比例缩减到的最小比例。" if orientation == "input" else
        "φ* 为在投入不增的前提下各项产出可同比例扩大的最大倍数，报告的效率为 1/φ*（不大于 1，与投入导向可比）。"))
    notes.append("松弛量按两阶段法计算（Cooper、Seiford、Tone《Data Envelopment Analysis》第 3 章）：先求径向效率，"
                 "再在其固定下使各松弛量之和最大（各列先除以其均值，结果与计量单位无关）；效率为 1 且无松弛为 DEA有效，"
                 "效率为 1 但有松弛为弱DEA有效。")
    notes.append("规模效率 = CRS 效率 ÷ VRS 效率；规模报酬按 CRS 模型的 Σλ 判断（Banker 1984）：规模效率为 1 时不变，"
                 "否则 Σλ < 1 为递增、Σλ > 1 为递减。")
    if (xr == 0).any() or (yr == 0).any():
        notes.append("数据中有 0 值：投入为 0 的单位只能以同样不用该投入的单位为参照。")
    if super_efficiency:
        sup_level = level.copy()
        top = np.flatnonzero(eff >= 1)
        if len(top):
            sub = _envelope(x, y, x[top], y[top], phase=1, vrs=returns == "vrs", orientation=orientation,
                            own=top, exclude_own=True, start=chosen.active)
            sup_level[top] = np.where(sub.feasible, sub.level, np.nan)
        sup_eff = _efficiency(sup_level, orientation)
        sup_eff[~np.isfinite(sup_eff)] = np.nan
        sup = pd.Series(sup_eff, index=idx, name="super_efficiency")
        notes.append("超效率（Andersen–Petersen 1993）：评价某单位时将其自身排除在参照集之外；非有效单位的超效率等于其效率，"
                     "有效单位的超效率可大于 1，可用于有效单位之间的排序。")
        bad = [str(labels[i]) for i in np.flatnonzero(np.isnan(sup_eff))]
        if bad:
            notes.append(f"单位 {'、'.join(bad)} 的超效率线性规划无可行解（规模报酬可变或有 0 值时可能出现），超效率为空。")
    series = functools.partial(pd.Series, index=idx)
    return DEAResult(
        efficiency=series(eff, name="efficiency"), returns=returns, orientation=orientation,
        status=series(status, name="status"), crs_efficiency=series(e_crs, name="crs_efficiency"),
        vrs_efficiency=series(e_vrs, name="vrs_efficiency"), scale_efficiency=series(scale, name="scale_efficiency"),
        lambda_sum=series(lam_sum, name="lambda_sum"), returns_to_scale=series(rts, name="returns_to_scale"),
        lambdas=lambdas, peers=peers,
        input_slacks=pd.DataFrame(s_minus, index=idx, columns=list(inputs.columns)),
        output_slacks=pd.DataFrame(s_plus, index=idx, columns=list(outputs.columns)),
        targets=pd.DataFrame(np.hstack([tx, ty]), index=idx, columns=[*inputs.columns, *outputs.columns]),
        super_efficiency=sup, notes=tuple(notes))


# ----------------------------------------------------------------------------------------------
# Malmquist


@dataclass(frozen=True, eq=False, repr=False)
class MalmquistResult(Result):
    """Productivity change of each unit between two periods.

    ``indices`` (also ``table()``), one row per unit and pair of periods: ``unit``, ``from``, ``to``,
    ``ec`` (efficiency change, catch-up), ``tc`` (technical change, frontier shift), ``m`` (= ec × tc),
    ``pech`` and ``sech`` (ec split into pure technical and scale efficiency change; with
    ``returns="crs"`` only), and the four efficiencies behind them, ``e00`` (the ``from`` data against
    the ``from`` frontier), ``e01`` (``from`` data, ``to`` frontier), ``e10``, ``e11``, as in
    ``Benchmarking::malmq``. ``means``: one row per pair, the geometric means over units.
    """

    indices: pd.DataFrame
    means: pd.DataFrame
    convention: str                     # "deap" or "inverse"
    returns: str
    orientation: str
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return self.indices

    def plot(self, to: Any = None) -> Any:
        """Bars of ec, tc and m per unit for the pair ending in ``to`` (default: the last), 1 marked."""
        t = self.indices
        to = t["to"].iloc[-1] if to is None else to
        rows = t[t["to"] == to]
        if rows.empty:
            raise InputError(f"to 应为 {', '.join(map(str, t['to'].unique()))} 之一，实际为 {to!r}")
        start = rows["from"].iloc[0]
        from . import charts

        return charts.malmquist_bars([str(u) for u in rows["unit"]], list(rows["ec"]), list(rows["tc"]), list(rows["m"]),
                               title=f"Malmquist 生产率指数（{start} → {to}）")

    def _headline(self) -> dict[str, Any]:
        t = self.table()
        last = self.means.iloc[-1] if len(self.means) else None
        return {"units": t["unit"].nunique(), "pairs": len(self.means),
                "m": None if last is None else float(last["m"]), "convention": self.convention}


def malmquist(panel: pd.DataFrame, *, inputs: Sequence[str], outputs: Sequence[str], unit_col: str = "unit",
              period: str = "period", returns: str = "crs", orientation: str = "input", convention: str = "deap",
              periods: tuple[Any, Any] | None = None) -> MalmquistResult:
    """Malmquist productivity index between consecutive periods (or two given ones), EC × TC.

    Parameters
    ----------
    panel
        One row per unit and period, with the ``unit_col`` and ``period`` columns and the input and output
        columns (non-negative numbers, as for :func:`dea`).
    inputs, outputs
        The input and output columns.
    unit_col, period
        The columns naming the units (default ``"unit"``) and the periods; periods are compared in sorted order.
    returns
        ``"crs"`` (default; Färe et al. 1994 measure productivity change against CRS frontiers, and
        then split ec into pech × sech with VRS) or ``"vrs"``.
    orientation
        ``"input"`` or ``"output"`` (the same under CRS).
    convention
        ``"deap"`` (above 1 = improvement) or ``"inverse"`` (the reciprocals; see the module notes).
    periods
        Two periods to compare, (from, to); default every pair of consecutive periods.

    Returns
    -------
    MalmquistResult

    Raises
    ------
    InputError
        If a column is missing, a (unit, period) pair repeats, a unit or period is blank, a value is
        negative or not a number, the positive values of a column span more than 1e8, fewer than
        two periods are given, a named period is absent, a pair has no more units than
        inputs plus outputs, or an option is unknown.

    Notes
    -----
    With E^a(b) the efficiency (θ, or 1/φ) of a unit's period-b data against the period-a frontier,
    built from the units present in both periods:
    EC = E^1(1) / E^0(0); TC = [E^0(1)/E^1(1) · E^0(0)/E^1(0)]^½; M = EC × TC
    = [E^0(1)/E^0(0) · E^1(1)/E^1(0)]^½ (Färe, Grosskopf, Norris & Zhang 1994; DEAP's effch, techch,
    tfpch). With CRS, pech = E_VRS^1(1) / E_VRS^0(0) and sech = EC / pech. ``"inverse"`` reports 1/EC,
    1/TC, 1/M, 1/pech, 1/sech. Cross-period programmes can be infeasible under VRS (NaN, noted).
    ``means`` are geometric means, as DEAP reports.
    Checked against: DEAP 2.1's printed Malmquist example (Coelli 1996, eg4: distances, effch,
    techch, pech, sech, tfpch and their means; tests/reference/benchmark_malmquist_deap_eg4.csv) and
    a two-input, two-period example worked by hand (tests/reference/benchmark_malmquist_hand.md).

    Examples
    --------
    >>> p = pd.DataFrame({"unit": list("ABCDE") * 2, "period": [1] * 5 + [2] * 5,
    ...                   "x": [2, 4, 3, 5, 6, 2, 4, 3, 5, 5], "y": [1, 2, 3, 4, 5, 1, 3, 4, 3, 5]})
    >>> res = malmquist(p, inputs=["x"], outputs=["y"])
    >>> res.table()[["unit", "ec", "tc", "m"]].round(3).values.tolist()[:2]
    [['A', 0.75, 1.333, 1.0], ['B', 1.125, 1.333, 1.5]]
    """
    _checks.frame(panel, "panel")
    for arg, cols in (("inputs", inputs), ("outputs", outputs)):
        if cols is None or not isinstance(cols, (str, Sequence, np.ndarray, pd.Index)):
            raise InputError(f"{arg} 应为列名的列表，实际为 {cols!r}")
    inputs = [inputs] if isinstance(inputs, str) else list(inputs)
    outputs = [outputs] if isinstance(outputs, str) else list(outputs)
    if not inputs or not outputs:
        raise InputError("inputs 和 outputs 各至少需要一列")
    for arg, cols in (("inputs", inputs), ("outputs", outputs)):
        dup = sorted({str(c) for c in cols if cols.count(c) > 1})
        if dup:
            raise InputError(f"{arg} 中的列重复：{', '.join(dup)}")
    both = [c for c in inputs if c in outputs]
    if both:
        raise InputError(f"列 {', '.join(map(str, both))} 不能既是投入又是产出")
    clash = [c for c in (*inputs, *outputs) if c in (unit_col, period)]
    if clash:
        raise InputError(f"列 {clash[0]} 是单位或期间列（unit_col / period），不能作为投入或产出")
    _checks.columns(panel, "panel", [unit_col, period, *inputs, *outputs])
    _checks.one_of(returns, "returns", RETURNS)
    _checks.one_of(orientation, "orientation", ORIENTATIONS)
    _checks.one_of(convention, "convention", CONVENTIONS)
    for c in (unit_col, period):
        if isinstance(panel[c], pd.DataFrame):
            raise InputError(f"panel 有多个名为 {c} 的列，列名应各不相同")
    _keys(panel, unit_col, "单位")
    _keys(panel, period, "期间")
    dup = panel.duplicated([unit_col, period], keep="first")
    if dup.any():
        u, t = panel.loc[dup, unit_col].iloc[0], panel.loc[dup, period].iloc[0]
        raise InputError(f"panel 中单位 {u} 在期间 {t} 出现不止一次（每个单位每期一行）")
    try:
        order = sorted(panel[period].unique())
    except TypeError:
        raise InputError(f"panel 列 {period} 的期间无法排序（请统一为数字或同一格式的文字）") from None
    if periods is None:
        if len(order) < 2:
            raise InputError(f"panel 只有 {len(order)} 个期间，Malmquist 指数至少需要两期")
        pairs = list(zip(order, order[1:]))
    else:
        if len(periods) != 2:
            raise InputError(f"periods 应为两个期间（起，止），实际为 {periods!r}")
        missing = [p for p in periods if p not in set(order)]
        if missing:
            raise InputError(f"panel 中没有期间 {', '.join(map(str, missing))}（现有：{', '.join(map(str, order))}）")
        if periods[0] == periods[1]:
            raise InputError("periods 的两个期间不能相同")
        pairs = [tuple(periods)]
    x_all = _checks.numbers(panel, "panel", inputs)
    y_all = _checks.numbers(panel, "panel", outputs)
    for name, cols, mat in (("投入", inputs, x_all), ("产出", outputs, y_all)):
        if (mat < 0).any():
            i, j = np.argwhere(mat < 0)[0]
            raise InputError(f"panel 列 {cols[j]} 单位 {panel[unit_col].iloc[i]} 期间 {panel[period].iloc[i]} 为负数 "
                             f"{mat[i, j]:g}：投入和产出都必须是非负数")
        none = np.flatnonzero((mat == 0).all(axis=1))
        if len(none):
            i = none[0]
            raise InputError(f"panel 中单位 {panel[unit_col].iloc[i]} 期间 {panel[period].iloc[i]} 的{name}全部为 0："
                             "每个单位每期至少要有一项正的投入和一项正的产出")
    for name, cols, mat in (("panel", inputs, x_all), ("panel", outputs, y_all)):
        _magnitudes(mat, cols, name)
    xbar = np.where(_means(x_all) > 0, _means(x_all), 1.0)
    ybar = np.where(_means(y_all) > 0, _means(y_all), 1.0)
    per = panel[period].to_numpy()
    names = panel[unit_col].to_numpy()
    rows, means, notes = [], [], []
    vrs = returns == "vrs"
    for p0, p1 in pairs:
        i0 = {u: i for u, i in zip(names[per == p0], np.flatnonzero(per == p0))}
        i1 = {u: i for u, i in zip(names[per == p1], np.flatnonzero(per == p1))}
        common = [u for u in i0 if u in i1]
        dropped = sorted({str(u) for u in (set(i0) ^ set(i1))})
        if dropped:
            notes.append(f"{p0} → {p1}：单位 {'、'.join(dropped)} 只在其中一期出现，未参与计算。")
        notes.extend(_enough_units(len(common), len(inputs), len(outputs), f"{p0} → {p1} 两期共有 "))
        a = np.array([i0[u] for u in common])
        b = np.array([i1[u] for u in common])
        x0, y0 = x_all[a] / xbar, y_all[a] / ybar
        x1, y1 = x_all[b] / xbar, y_all[b] / ybar
        own = np.arange(len(common))

        def eff(xr: np.ndarray, yr: np.ndarray, xe: np.ndarray, ye: np.ndarray, same: bool, v: bool) -> np.ndarray:
            sol = _envelope(xr, yr, xe, ye, phase=1, orientation=orientation, vrs=v, own=own if same else None,
                            start=_start(xr, yr, v))
            e = _efficiency(np.where(sol.feasible, sol.level, np.nan), orientation)
            e[~np.isfinite(e)] = np.nan
            return _snap(e, cap=same)

        e00 = eff(x0, y0, x0, y0, True, vrs)
        e11 = eff(x1, y1, x1, y1, True, vrs)
        e01 = eff(x1, y1, x0, y0, False, vrs)       # period-0 data against the period-1 frontier
        e10 = eff(x0, y0, x1, y1, False, vrs)       # period-1 data against the period-0 frontier
        ec = e11 / e00
        tc = np.sqrt(e10 / e11 * e00 / e01)
        if vrs:
            pech = sech = np.full(len(common), np.nan)
        else:
            pech = eff(x1, y1, x1, y1, True, True) / eff(x0, y0, x0, y0, True, True)
            sech = ec / pech
        idx = [ec, tc, ec * tc, pech, sech]
        if convention == "inverse":
            idx = [1 / v for v in idx]
        table = pd.DataFrame({"unit": common, "from": p0, "to": p1, "ec": idx[0], "tc": idx[1], "m": idx[2],
                              "pech": idx[3], "sech": idx[4], "e00": e00, "e01": e01, "e10": e10, "e11": e11})
        rows.append(table)
        bad = [str(u) for u, t in zip(common, tc) if not np.isfinite(t)]
        if bad:
            notes.append(f"{p0} → {p1}：单位 {'、'.join(bad)} 的跨期线性规划无可行解（规模报酬可变时可能出现），"
                         "技术变化和 Malmquist 指数为空。")

        def gmean(v: np.ndarray) -> float:
            v = v[np.isfinite(v) & (v > 0)]
            return float(np.exp(np.log(v).mean())) if len(v) else math.nan

        means.append({"from": p0, "to": p1, **{k: gmean(table[k].to_numpy()) for k in ("ec", "tc", "m", "pech", "sech")}})
    notes.insert(0, (f"Malmquist 指数（Färe、Grosskopf、Norris、Zhang 1994）：以相邻两期技术前沿的几何平均度量，"
                     f"M = EC × TC，EC 为技术效率变化（追赶效应），TC 为技术变化（前沿移动）；{RETURNS[returns]}，"
                     f"{ORIENTATIONS[orientation]}。"))
    notes.insert(1, f"报告约定：{CONVENTIONS[convention]}。")
    if not vrs:
        notes.insert(2, "EC 进一步分解为纯技术效率变化 pech（规模报酬可变前沿）与规模效率变化 sech，EC = pech × sech；"
                        "各期均值为几何平均。")
    else:
        notes.insert(2, "规模报酬可变时不再分解 pech 与 sech（为空）；各期均值为几何平均。")
    return MalmquistResult(indices=pd.concat(rows, ignore_index=True), means=pd.DataFrame(means),
                           convention=convention, returns=returns, orientation=orientation, notes=tuple(notes))


__all__ = ["DEAResult", "GapResult", "MalmquistResult", "benchmark_gaps", "dea", "malmquist"]
