"""DEA speed: evalkit.benchmark.dea on 100, 1,000 and 5,000 units (3 inputs, 3 outputs, CRS, input
orientation), beside a naive loop measured in the same run.

``dea`` solves, for every unit, the CRS programme, the VRS programme (for scale efficiency) and the
CRS second phase (slacks). The naive loop does the same three programmes one unit at a time, each
built from scratch with pandas over all n units and passed to ``scipy.optimize.linprog(method="highs")``
with default options (the way a spreadsheet-minded script does it); it is timed on a sample of units
and scaled to n. Prints numbers only.
Run: .venv/bin/python bench/dea.py
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from evalkit.benchmark import dea

SIZES = (100, 1_000, 5_000)
SAMPLE = 60                      # units of the naive loop timed at each size


def data(n: int, seed: int = 20200225) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    names = [f"单位{i:04d}" for i in range(n)]
    x = pd.DataFrame(rng.uniform(10, 100, (n, 3)), index=names, columns=["资金", "人员", "设备"])
    y = pd.DataFrame(rng.uniform(10, 100, (n, 3)), index=names, columns=["服务人次", "覆盖户数", "满意度得分"])
    return x, y


def naive_unit(x: pd.DataFrame, y: pd.DataFrame, o: str) -> float:
    """CRS θ, VRS θ and the CRS max-slack phase for one unit, each programme rebuilt with pandas."""
    units = list(x.index)
    # phase 1, CRS: variables θ, λ_1..λ_n
    a = pd.concat([pd.concat([-x.loc[[o]].T.set_axis(["θ"], axis=1), x.T], axis=1),
                   pd.concat([pd.DataFrame(0.0, index=y.columns, columns=["θ"]), -y.T], axis=1)])
    b = pd.concat([pd.Series(0.0, index=x.columns), -y.loc[o]])
    c = pd.Series(0.0, index=["θ", *units])
    c["θ"] = 1.0
    crs = linprog(c.to_numpy(), A_ub=a.to_numpy(), b_ub=b.to_numpy(), bounds=(0, None), method="highs")
    # phase 1, VRS: the same with Σλ = 1
    eq = pd.DataFrame([[0.0] + [1.0] * len(units)], columns=["θ", *units])
    linprog(c.to_numpy(), A_ub=a.to_numpy(), b_ub=b.to_numpy(), A_eq=eq.to_numpy(), b_eq=[1.0], bounds=(0, None),
            method="highs")
    # phase 2, CRS: max Σ s⁻/x̄ + Σ s⁺/ȳ at θ*, over λ, s⁻, s⁺
    theta = crs.x[0]
    xs, ys = x / x.mean(), y / y.mean()
    a2 = pd.concat([pd.concat([xs.T, pd.DataFrame(np.eye(3), index=x.columns, columns=[f"s-{c}" for c in x.columns]),
                               pd.DataFrame(0.0, index=x.columns, columns=[f"s+{c}" for c in y.columns])], axis=1),
                    pd.concat([ys.T, pd.DataFrame(0.0, index=y.columns, columns=[f"s-{c}" for c in x.columns]),
                               pd.DataFrame(-np.eye(3), index=y.columns, columns=[f"s+{c}" for c in y.columns])],
                              axis=1)])
    b2 = pd.concat([theta * xs.loc[o], ys.loc[o]])
    c2 = pd.Series(0.0, index=a2.columns)
    c2[[c for c in a2.columns if str(c).startswith("s")]] = -1.0
    linprog(c2.to_numpy(), A_eq=a2.to_numpy(), b_eq=b2.to_numpy(), bounds=(0, None), method="highs")
    return theta


def main() -> None:
    print(f"{os.cpu_count()} CPU(s); 3 inputs, 3 outputs; CRS, input orientation (VRS and slacks computed too)")
    dea(*data(50))                                             # warm-up: imports
    for n in SIZES:
        x, y = data(n)
        t0 = time.perf_counter()
        res = dea(x, y)
        fast = time.perf_counter() - t0
        sample = list(x.index[:: max(1, n // SAMPLE)][:SAMPLE])
        t0 = time.perf_counter()
        thetas = [naive_unit(x, y, o) for o in sample]
        per_unit = (time.perf_counter() - t0) / len(sample)
        assert np.allclose(thetas, res.efficiency[sample], atol=1e-7)   # the two agree
        slow = per_unit * n
        print(f"n = {n:>5,}: evalkit.dea {fast:6.2f} s ({(res.efficiency >= 1).sum()} efficient); "
              f"naive loop {per_unit * 1000:5.1f} ms a unit → {slow:7.1f} s for {n:,} (from {len(sample)}); "
              f"ratio {slow / fast:5.1f}×")


if __name__ == "__main__":
    main()
