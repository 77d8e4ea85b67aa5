"""成本效益分析法 and 最低成本法: NPV, IRR, B/C, payback, sensitivity, Monte Carlo risk, least cost.

Formulas follow 《建设项目经济评价方法与参数》(第三版), domain standard §7: flows at year end,
discounted to the start of the first year, NPV = Σ (B − C)_t (1 + i)^−t with t = 1 … n. Amounts
in 元, rates as fractions. Every result names the convention it used in ``notes``.

Conventions that change answers, and the options offered:

- ``convention="end-of-year"`` (default, the guide's; equals Excel ``NPV(r, v1..vn)``) or
  ``"year-0"`` (the first year undiscounted; equals Excel ``v1 + NPV(r, v2..vn)``);
- B/C is the conventional PV(B) / PV(C); with ``investment`` items the modified ratio
  (PV(B) − PV(operating costs)) / PV(investment) is reported beside it;
- IRR: every root between −99 % and 1000 % is found; ``irr`` is set only when there is exactly one.

Hostile input: numbers in tables and numeric arguments are read strictly, by the shared readers of
``evalkit._checks`` (``read_number``): anything but a plain number is refused with an InputError that
names the column and position (or the argument), never guessed; so is a figure that would overflow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _checks
from ._result import Result
from .errors import InputError

CONVENTIONS = {
    "end-of-year": "各年现金流量按年末发生、折现到第1年年初（《建设项目经济评价方法与参数》的做法）",
    "year-0": "第1年现金流量作为第0期不折现，其后各年按年末折现",
}
IRR_RANGE = (-0.99, 10.0)
SOCIAL_DISCOUNT_RATE = 0.08          # 社会折现率 [V]
LONG_LIVED_RATE = 0.06               # the floor for long-lived public-welfare projects [V]


# ----------------------------------------------------------------------------------------------
# Shared pieces


@dataclass(frozen=True)
class _Flows:
    years: np.ndarray             # int
    costs: pd.DataFrame           # one column per cost item, 元
    benefits: pd.DataFrame
    investment: tuple[str, ...]

    @property
    def cost(self) -> np.ndarray:
        return self.costs.sum(axis=1).to_numpy(dtype=float)

    @property
    def benefit(self) -> np.ndarray:
        return self.benefits.sum(axis=1).to_numpy(dtype=float)


def _names(cols: Any, arg: str) -> tuple[str, ...]:
    """Column names given as one name or a sequence of names, each once."""
    if isinstance(cols, str):
        return (cols,)
    if cols is None or not isinstance(cols, (Sequence, np.ndarray, pd.Index)):
        raise InputError(f"{arg} 应为列名或列名的列表，实际为 {cols!r}")
    cols = tuple(cols)
    dup = sorted({str(c) for c in cols if cols.count(c) > 1})
    if dup:
        raise InputError(f"{arg} 中的列重复：{', '.join(dup)}（每列只能列一次，否则会重复计算）")
    return cols


def _flows(flows: pd.DataFrame, costs: Sequence[str], benefits: Sequence[str],
           investment: Sequence[str] = ()) -> _Flows:
    _checks.frame(flows, "flows")
    costs, benefits = _names(costs, "costs"), _names(benefits, "benefits")
    investment = _names(investment, "investment")
    if not costs and not benefits:
        raise InputError("flows 至少需要一个成本列或效益列")
    overlap = set(costs) & set(benefits)
    if overlap:
        raise InputError(f"列 {', '.join(sorted(overlap))} 不能既是成本又是效益")
    stray = [c for c in investment if c not in costs]
    if stray:
        raise InputError(f"investment 中的 {', '.join(stray)} 必须也列在 costs 中")
    _checks.columns(flows, "flows", ("year", *costs, *benefits))
    years = _checks.numbers(flows, "flows", ["year"])[:, 0]
    odd = np.flatnonzero((years != np.round(years)) | (years < 0) | (years > 9999))
    if len(odd):
        raise InputError(f"flows 列 year 第 {odd[0] + 1} 个值 {years[odd[0]]:g} 不是年份：year 必须为 0～9999 的整数年份")
    years = years.astype(int)
    if len(set(years)) != len(years):
        dup = sorted({int(y) for y in years if list(years).count(y) > 1})
        rows = [str(i + 1) for i in np.flatnonzero(years == dup[0])]
        raise InputError(f"flows 列 year 中年份重复：{', '.join(map(str, dup))}（第 {'、'.join(rows)} 行；每年一行）")
    order = np.argsort(years)
    years = years[order]
    if np.any(np.diff(years) != 1):
        raise InputError(f"flows 列 year 的年份必须逐年连续，实际为 {', '.join(map(str, years))}（缺少的年份请填 0）")
    values = {}
    for group, cols in (("成本", costs), ("效益", benefits)):
        m = _checks.numbers(flows, "flows", cols)[order] if cols else np.empty((len(years), 0))
        if (m < 0).any():
            i, j = np.argwhere(m < 0)[0]
            raise InputError(f"flows 列 {cols[j]}（{group}）{years[i]} 年为负数 {m[i, j]:g}：成本和效益都应为非负数，"
                             "回收的残值请列为效益")
        values[group] = pd.DataFrame(m, columns=list(cols), index=years)
    return _Flows(years, values["成本"], values["效益"], investment)


def _periods(n: int, convention: str) -> np.ndarray:
    _checks.one_of(convention, "convention", CONVENTIONS)
    return np.arange(n) + (1 if convention == "end-of-year" else 0)


def _discount(t: np.ndarray, rate: float) -> np.ndarray:
    return (1.0 + rate) ** -t.astype(float)


def _overflow(f: _Flows, figures: Mapping[str, Any], *tables: pd.DataFrame, also: str = "") -> None:
    """Huge or tiny amounts, or a rate close to −1 over many years, can overflow a float: say which
    figure and which columns (``also``: another argument to check)."""
    cols = "、".join(map(str, [*f.costs.columns, *f.benefits.columns]))
    hint = f"请检查 flows 列 {cols} 中的金额（单位为元）{also}是否有误，或 discount_rate 是否过于接近 −1"
    for label, v in figures.items():
        if v is not None:
            _checks.finite_result(v, label, hint)
    for t in tables:
        _checks.finite_result(t.to_numpy(dtype=float), "逐年折现表", hint)


def _sign_changes(net: np.ndarray) -> int:
    s = np.sign(net[net != 0])
    return int(np.count_nonzero(s[1:] != s[:-1]))


def irr_all(net: Sequence[float] | np.ndarray, *, bounds: tuple[float, float] = IRR_RANGE) -> tuple[float, ...]:
    """Every internal rate of return of a flow series inside ``bounds``, ascending.

    The rates are the real positive roots x of Σ net_t x^t = 0 with x = 1 / (1 + r), found as
    polynomial roots and polished by Newton's method, so no root is missed or picked silently.
    ``net`` is a sequence of finite numbers (see :func:`evalkit._checks.read_number`: text such as
    "1,200" is refused, not guessed); ``bounds`` two numbers, low < high. The roots do not depend on
    the scale of the flows, so they are found on the flows divided by their largest magnitude (a
    flow below 1e-200 of the largest, which cannot move a rate inside the bounds, counts as 0).

    Raises
    ------
    InputError
        If ``net`` is not a sequence of finite numbers or ``bounds`` not two numbers low < high.

    Examples
    --------
    >>> [round(r, 6) for r in irr_all([-1600, 10000, -10000])]      # Lorie and Savage's pump
    [0.25, 4.0]
    """
    net = _net_series(net)
    if isinstance(bounds, (str, bytes)) or not isinstance(bounds, (Sequence, np.ndarray)) or len(bounds) != 2:
        raise InputError(f"bounds 应为两个数字（下限, 上限），实际为 {bounds!r}")
    low, high = (_checks.real(b, "bounds") for b in bounds)
    if not low < high:
        raise InputError(f"bounds 的下限必须小于上限，实际为 {low:g}、{high:g}")
    if _sign_changes(net) == 0:
        return ()
    scaled = net / np.abs(net).max()           # the roots do not depend on the scale; flows below 1e-200
    scaled[np.abs(scaled) < 1e-200] = 0.0      # of the largest cannot move a rate in the bounds
    if _sign_changes(scaled) == 0:
        return ()
    nz = np.flatnonzero(scaled)
    trimmed = scaled[nz[0]: nz[-1] + 1]       # leading zeros shift t, trailing zeros add root x = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        roots = np.roots(trimmed[::-1])       # a root beyond the float range is no rate in the bounds
    t = np.arange(len(trimmed), dtype=float)
    found: list[float] = []
    for x in roots:
        if not np.isfinite(x) or abs(x.imag) > 1e-7 * max(1.0, abs(x)) or x.real <= 0:
            continue
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            r = 1.0 / x.real - 1.0
            for _ in range(50):                   # Newton on f(r) = Σ net_t (1 + r)^−t
                d = (1.0 + r) ** -t
                f = trimmed @ d
                fp = -(t * trimmed) @ (d / (1.0 + r))
                if fp == 0 or not (math.isfinite(f) and math.isfinite(fp)):
                    break
                step = f / fp
                r -= step
                if r <= -1 or not math.isfinite(r):
                    break
                if abs(step) < 1e-14 * max(1.0, abs(r)):
                    break
        if math.isfinite(r) and low < r < high and all(abs(r - g) > 1e-9 * max(1.0, abs(g)) for g in found):
            found.append(float(r))
    return tuple(sorted(found))


def _net_series(net: Any) -> np.ndarray:
    if isinstance(net, (str, bytes, Mapping)) or not isinstance(net, (Sequence, np.ndarray, pd.Series)):
        raise InputError(f"net 应为各期净现金流量的序列（数字列表），实际为 {type(net).__name__}")
    if isinstance(net, np.ndarray) and net.ndim != 1:
        raise InputError(f"net 应为一维的数字序列，实际为 {net.ndim} 维数组")
    if isinstance(net, np.ndarray) and net.dtype.kind in "iuf" and np.isfinite(net).all():
        return net.astype(float)
    values = list(net.to_numpy() if isinstance(net, pd.Series) else net)
    out = np.empty(len(values))
    for i, v in enumerate(values):
        out[i], why = _checks.read_number(v)
        if why is not None:
            raise InputError(f"net 第 {i + 1} 个值不是有限的数字：{why}")
    return out


def _payback(net: np.ndarray, t: np.ndarray) -> tuple[float | None, str | None]:
    """(T − 1) + |cumulative_{T−1}| / NCF_T, T the first period whose cumulative net flow is ≥ 0."""
    cum = np.cumsum(net)
    hits = np.flatnonzero(cum >= 0)
    if len(hits) == 0:
        return None, None
    k = int(hits[0])
    before = cum[k - 1] if k > 0 else 0.0
    value = float(t[k] - 1 + (abs(before) / net[k] if before < 0 else 0.0))
    later = np.flatnonzero(cum[k:] < 0)
    warn = f"累计净现金流量在第 {int(t[k + later[0]])} 期后再次为负" if len(later) else None
    return max(0.0, value), warn


# ----------------------------------------------------------------------------------------------
# Cost-benefit


@dataclass(frozen=True, eq=False, repr=False)
class CostBenefitResult(Result):
    """Headline figures of a cost-benefit analysis. Amounts in 元, rates as fractions, periods in years.

    ``flows`` has one row per year: ``year``, ``t`` (the discounting period), ``cost``, ``benefit``,
    ``net``, ``factor``, ``pv_cost``, ``pv_benefit``, ``pv_net``, ``cumulative_net``,
    ``cumulative_pv_net``. ``items`` has one row per cost or benefit item: ``item``, ``kind``,
    ``total``, ``pv``. ``notes``: the first names the discount rate and the convention, the others
    are caveats (several IRRs, no payback, the modified B/C ratio).
    """

    npv: float
    pv_benefit: float
    pv_cost: float
    bcr: float | None                   # PV(B) / PV(C); None when PV(C) is 0
    modified_bcr: float | None          # (PV(B) − PV(operating costs)) / PV(investment)
    irr: float | None                   # None unless exactly one rate makes the NPV zero
    irrs: tuple[float, ...]             # every such rate found between −99 % and 1000 %
    payback: float | None               # static payback period, years
    discounted_payback: float | None
    discount_rate: float
    convention: str
    base_year: int
    flows: pd.DataFrame
    items: pd.DataFrame
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        """One row per figure: ``metric``, ``value``, ``unit``."""
        rows = [("净现值 NPV", self.npv, "元"), ("效益现值 PV(B)", self.pv_benefit, "元"),
                ("成本现值 PV(C)", self.pv_cost, "元"), ("效益费用比 B/C", self.bcr, ""),
                ("修正效益费用比", self.modified_bcr, ""), ("内部收益率 IRR", self.irr, ""),
                ("静态投资回收期", self.payback, "年"), ("动态投资回收期", self.discounted_payback, "年"),
                ("折现率", self.discount_rate, "")]
        return pd.DataFrame(rows, columns=["metric", "value", "unit"])

    def _headline(self) -> dict[str, Any]:
        return {"npv": self.npv, "bcr": self.bcr, "irr": self.irr, "discount_rate": self.discount_rate}


def cost_benefit(flows: pd.DataFrame, *, discount_rate: float, costs: Sequence[str] = ("cost",),
                 benefits: Sequence[str] = ("benefit",), investment: Sequence[str] = (),
                 convention: str = "end-of-year") -> CostBenefitResult:
    """Net present value, benefit-cost ratio, internal rate of return and payback of yearly flows.

    Parameters
    ----------
    flows
        One row per year (consecutive years), a ``year`` column and one column per cost or benefit
        item, in 元. Items are summed and also kept one by one.
    discount_rate
        Annual rate as a fraction: ``0.08`` means 8 %.
    costs, benefits
        The item columns of each side.
    investment
        Cost items that are investment, for the modified B/C ratio.
    convention
        ``"end-of-year"`` (default) or ``"year-0"``; see the module notes.

    Returns
    -------
    CostBenefitResult

    Raises
    ------
    InputError
        If a column is missing or listed twice, a year repeats or is skipped or is no whole year
        0 … 9999, an amount is negative or not a number (naming the column and position; see the
        module notes for text such as "1,200"), ``discount_rate`` is not above −1, or a result
        overflows a float (huge amounts, or a rate close to −1 over many years).

    Notes
    -----
    NPV = Σ (B_t − C_t)(1 + i)^−t; B/C = PV(B) / PV(C); IRR: every r with Σ (B_t − C_t)(1 + r)^−t = 0;
    payback P = (T − 1) + |Σ_{t<T} NCF_t| / NCF_T, T the first period whose cumulative flow is ≥ 0
    (domain standard §7.2).
    Checked against: published Excel/FormCalc NPV and IRR examples and numpy-financial
    (tests/test_costbenefit.py, tests/reference/costbenefit_published.csv).

    Examples
    --------
    >>> flows = pd.DataFrame({"year": [2024, 2025, 2026],
    ...                       "cost": [100.0, 10.0, 10.0], "benefit": [0.0, 70.0, 70.0]})
    >>> res = cost_benefit(flows, discount_rate=0.08)
    >>> round(res.npv, 2), round(res.bcr, 3), round(res.irr, 4), round(res.payback, 3)
    (6.48, 1.059, 0.1307, 2.667)
    """
    rate = _checks.real(discount_rate, "discount_rate", above=-1)
    f = _flows(flows, costs, benefits, investment)
    t = _periods(len(f.years), convention)
    with np.errstate(all="ignore"):            # overflow is caught below, with a message
        d = _discount(t, rate)
        cost, benefit = f.cost, f.benefit
        net = benefit - cost
        pv_c, pv_b = float(cost @ d), float(benefit @ d)
        notes = [f"折现率 {rate:.2%}；{CONVENTIONS[convention]}。"]
        bcr = pv_b / pv_c if pv_c > 0 else None
        modified = None
        if f.investment:
            pv_i = float(f.costs[list(f.investment)].sum(axis=1).to_numpy() @ d)
            modified = (pv_b - (pv_c - pv_i)) / pv_i if pv_i > 0 else None
            notes.append("修正效益费用比 =（效益现值 − 运营成本现值）÷ 投资现值；常规效益费用比 = 效益现值 ÷ 成本现值。")
        irrs = irr_all(net)
        changes = _sign_changes(net)
        irr = irrs[0] if len(irrs) == 1 else None
        if changes == 0:
            notes.append("净现金流量没有正负变化，内部收益率不存在。")
        elif len(irrs) > 1:
            notes.append(f"净现金流量正负变化 {changes} 次，存在多个内部收益率（"
                         + "、".join(f"{r:.2%}" for r in irrs) + "），内部收益率不宜作为判据，应以净现值为准。")
        elif changes > 1 and len(irrs) == 1:
            notes.append(f"净现金流量正负变化 {changes} 次，在 −99%～1000% 范围内只找到一个内部收益率。")
        elif not irrs:
            notes.append("在 −99%～1000% 范围内没有找到内部收益率。")
        payback, warn = _payback(net, t)
        dpayback, dwarn = _payback(net * d, t)
        if payback is None:
            notes.append("累计净现金流量在计算期内始终为负，投资未能回收。")
        for w in dict.fromkeys(filter(None, (warn, dwarn))):
            notes.append(w + "，回收期按首次回正计算。")
        table = pd.DataFrame({
            "year": f.years, "t": t, "cost": cost, "benefit": benefit, "net": net, "factor": d,
            "pv_cost": cost * d, "pv_benefit": benefit * d, "pv_net": net * d,
            "cumulative_net": np.cumsum(net), "cumulative_pv_net": np.cumsum(net * d),
        })
        items = pd.DataFrame(
            [{"item": c, "kind": "投资" if c in f.investment else "成本", "total": float(f.costs[c].sum()),
              "pv": float(f.costs[c].to_numpy() @ d)} for c in f.costs.columns]
            + [{"item": b, "kind": "效益", "total": float(f.benefits[b].sum()), "pv": float(f.benefits[b].to_numpy() @ d)}
               for b in f.benefits.columns])
    _overflow(f, {"效益现值": pv_b, "成本现值": pv_c, "净现值": pv_b - pv_c, "效益费用比": bcr, "修正效益费用比": modified,
                  "投资回收期": payback, "动态投资回收期": dpayback}, table.drop(columns=["year", "t"]),
              items[["total", "pv"]])
    return CostBenefitResult(npv=pv_b - pv_c, pv_benefit=pv_b, pv_cost=pv_c, bcr=bcr, modified_bcr=modified,
                             irr=irr, irrs=irrs, payback=payback, discounted_payback=dpayback,
                             discount_rate=rate, convention=convention, base_year=int(f.years[0]), flows=table,
                             items=items, notes=tuple(notes))


# ----------------------------------------------------------------------------------------------
# Financial and economic appraisal


@dataclass(frozen=True, eq=False, repr=False)
class AppraisalResult(Result):
    """A financial (FNPV/FIRR) or economic (ENPV/EIRR/EBCR) analysis judged by its acceptance rules.

    ``runs`` holds one :class:`CostBenefitResult` per rate (the main rate first; for a long-lived
    public-welfare project the 6 % run beside the 8 % one). ``verdicts`` has one row per rule:
    ``indicator``, ``value``, ``criterion``, ``threshold``, ``passed``, ``discount_rate``.
    """

    kind: str                          # "financial" or "economic"
    runs: tuple[CostBenefitResult, ...]
    verdicts: pd.DataFrame
    notes: tuple[str, ...] = ()

    @property
    def main(self) -> CostBenefitResult:
        return self.runs[0]

    @property
    def accepted(self) -> bool:
        """Every acceptance rule at the main rate is met."""
        v = self.verdicts
        return bool(v.loc[v["discount_rate"] == self.main.discount_rate, "passed"].fillna(False).all())

    def table(self) -> pd.DataFrame:
        return self.verdicts

    def _headline(self) -> dict[str, Any]:
        m = self.main
        return {"kind": self.kind, "accepted": self.accepted, "npv": m.npv, "irr": m.irr,
                "discount_rate": m.discount_rate}


def appraise(flows: pd.DataFrame, *, kind: str = "economic", discount_rate: float | None = None,
             long_lived: bool = False,
             payback_benchmark: float | None = None, costs: Sequence[str] = ("cost",),
             benefits: Sequence[str] = ("benefit",), investment: Sequence[str] = (),
             convention: str = "end-of-year") -> AppraisalResult:
    """Financial or economic analysis of a project, each indicator judged against its acceptance rule.

    Parameters
    ----------
    kind
        ``"economic"``: ENPV ≥ 0, EIRR ≥ i_s, EBCR ≥ 1 at the social discount rate
        ``discount_rate`` (default 8 %); with ``long_lived=True`` the same at 6 % beside it.
        ``"financial"``: FNPV ≥ 0, FIRR ≥ i_c at the sector benchmark rate ``discount_rate``
        (required: the guide's sector rates are not verified, so none is assumed).
    discount_rate
        Annual rate as a fraction: ``0.08`` means 8 %.
    payback_benchmark
        The benchmark payback period P_c in years (a positive number), when the sector has one.
    long_lived
        True or False (text such as "是" is refused).

    Notes
    -----
    Acceptance rules of domain standard §7.2. Checked against: the rules applied by hand to the
    flows in tests/test_costbenefit.py.

    Examples
    --------
    >>> flows = pd.DataFrame({"year": [2024, 2025, 2026], "cost": [100.0, 10.0, 10.0],
    ...                       "benefit": [0.0, 70.0, 70.0]})
    >>> res = appraise(flows)
    >>> res.accepted, list(res.verdicts["indicator"])
    (True, ['ENPV', 'EIRR', 'EBCR'])
    """
    _checks.one_of(kind, "kind", ("economic", "financial"))
    if kind == "financial" and discount_rate is None:
        raise InputError("财务分析需要给出行业基准收益率 discount_rate（i_c），例如 0.06")
    main = SOCIAL_DISCOUNT_RATE if discount_rate is None else _checks.real(discount_rate, "discount_rate", above=-1)
    if not isinstance(long_lived, (bool, np.bool_)):
        raise InputError(f"long_lived 应为 True 或 False，实际为 {long_lived!r}")
    if payback_benchmark is not None:
        payback_benchmark = _checks.real(payback_benchmark, "payback_benchmark", above=0)
    rates = [main]
    notes = []
    if kind == "economic" and long_lived and main > LONG_LIVED_RATE:
        rates.append(LONG_LIVED_RATE)
        notes.append("项目属于效益期很长的公益性项目，按规定另以 6% 的社会折现率计算，结果一并列示。")
    runs = tuple(cost_benefit(flows, discount_rate=r, costs=costs, benefits=benefits, investment=investment,
                              convention=convention) for r in rates)
    prefix = "E" if kind == "economic" else "F"
    rows = []
    for run in runs:
        r = run.discount_rate
        rows.append({"indicator": f"{prefix}NPV", "value": run.npv, "criterion": "≥ 0", "threshold": 0.0,
                     "passed": run.npv >= 0, "discount_rate": r})
        rows.append({"indicator": f"{prefix}IRR", "value": run.irr, "criterion": f"≥ {r:.0%}", "threshold": r,
                     "passed": None if run.irr is None else run.irr >= r, "discount_rate": r})
        if kind == "economic":
            rows.append({"indicator": "EBCR", "value": run.bcr, "criterion": "≥ 1", "threshold": 1.0,
                         "passed": None if run.bcr is None else run.bcr >= 1, "discount_rate": r})
        if payback_benchmark is not None and r == main:
            p = run.payback
            rows.append({"indicator": "静态投资回收期", "value": p, "criterion": f"≤ {payback_benchmark:g} 年",
                         "threshold": float(payback_benchmark), "passed": p is not None and p <= payback_benchmark,
                         "discount_rate": r})
    verdicts = pd.DataFrame(rows)
    return AppraisalResult(kind=kind, runs=runs, verdicts=verdicts, notes=tuple(notes))


# ----------------------------------------------------------------------------------------------
# Sensitivity


@dataclass(frozen=True, eq=False, repr=False)
class SensitivityResult(Result):
    """NPV and IRR when one variable changes at a time, and each variable's switching value.

    ``table``: ``variable``, ``change`` (fraction), ``npv``, ``irr``, ``npv_change`` (fraction of the
    base NPV). ``switching``: ``variable``, ``side`` (成本/效益), ``pv`` (元), ``switching_value``
    (the fractional change of the variable that brings the NPV to zero; NaN when no change of that
    variable alone can, e.g. a small benefit that would have to fall below zero).
    """

    base_npv: float
    base_irr: float | None
    discount_rate: float
    changes: tuple[float, ...]
    results: pd.DataFrame
    switching: pd.DataFrame
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return self.results

    def _headline(self) -> dict[str, Any]:
        sw = self.switching["switching_value"].abs() if len(self.switching) else pd.Series(dtype=float)
        most = self.switching["variable"].iloc[int(np.argmin(sw.fillna(np.inf).to_numpy()))] \
            if len(sw) and sw.notna().any() else None
        return {"base_npv": self.base_npv, "base_irr": self.base_irr, "discount_rate": self.discount_rate,
                "variables": len(self.switching), "most_sensitive": most}

    def plot(self) -> Any:
        from . import charts

        lo, hi = min(self.changes), max(self.changes)
        r = self.results
        names = list(dict.fromkeys(r["variable"]))
        low = [float(r.loc[(r["variable"] == v) & (r["change"] == lo), "npv"].iloc[0]) for v in names]
        high = [float(r.loc[(r["variable"] == v) & (r["change"] == hi), "npv"].iloc[0]) for v in names]
        return charts.tornado(names, low, high, self.base_npv, low_label=f"{lo:+.0%}", high_label=f"{hi:+.0%}")


GROUPS = {"costs": "全部成本", "benefits": "全部效益"}


def sensitivity(flows: pd.DataFrame, *, discount_rate: float, costs: Sequence[str] = ("cost",),
                benefits: Sequence[str] = ("benefit",), variables: Sequence[str] | None = None,
                changes: Sequence[float] = (-0.2, -0.1, 0.1, 0.2),
                convention: str = "end-of-year") -> SensitivityResult:
    """One-at-a-time sensitivity of NPV and IRR, with switching values and a tornado chart.

    ``variables`` are item columns, or ``"costs"`` / ``"benefits"`` for a whole side; by default every
    item, plus each side as a whole when it has more than one item (an empty list is refused). A
    change scales the variable in every year; ``changes`` is a list of numbers above −1.
    ``npv_change`` is None where the base NPV is 0 (or so small that the ratio overflows).

    Notes
    -----
    NPV is linear in each variable: NPV(s) = NPV₀ ± s·PV(variable), so the switching value is
    s* = −NPV₀ / PV for a benefit and NPV₀ / PV for a cost (EU Guide to Cost-Benefit Analysis of
    Investment Projects, 2014, §2.9). Checked against: NPV recomputed at each switching value.

    Examples
    --------
    >>> flows = pd.DataFrame({"year": [2024, 2025, 2026], "cost": [100.0, 10.0, 10.0],
    ...                       "benefit": [0.0, 70.0, 70.0]})
    >>> s = sensitivity(flows, discount_rate=0.08)
    >>> round(float(s.switching.set_index("variable").loc["benefit", "switching_value"]), 4)
    -0.056
    """
    f = _flows(flows, costs, benefits)
    rate = _checks.real(discount_rate, "discount_rate", above=-1)
    if isinstance(changes, (str, bytes)) or not isinstance(changes, (Sequence, np.ndarray)):
        raise InputError(f"changes 应为变化幅度的列表（如 [-0.2, -0.1, 0.1, 0.2]），实际为 {changes!r}")
    changes = tuple(_checks.real(c, f"changes 第 {i + 1} 个值", above=-1) for i, c in enumerate(changes))
    if not changes:
        raise InputError("changes 不能为空")
    t = _periods(len(f.years), convention)
    with np.errstate(over="ignore"):
        d = _discount(t, rate)                 # an overflow shows in the NPVs, checked below
    if variables is None:
        variables = [*f.costs.columns, *f.benefits.columns]
        variables += [g for g, side in (("costs", f.costs), ("benefits", f.benefits)) if side.shape[1] > 1]
    variables = _names(variables, "variables")
    if not variables:
        raise InputError("variables 不能为空（不填则分析全部成本和效益列）")
    vecs: dict[str, tuple[str, np.ndarray]] = {}
    for v in variables:
        if not isinstance(v, str):
            raise InputError(f"variables 中的 {v!r} 应为列名（文字）")
        if v == "costs":
            vecs[GROUPS[v]] = ("成本", f.cost)
        elif v == "benefits":
            vecs[GROUPS[v]] = ("效益", f.benefit)
        elif v in f.costs.columns:
            vecs[v] = ("成本", f.costs[v].to_numpy(dtype=float))
        elif v in f.benefits.columns:
            vecs[v] = ("效益", f.benefits[v].to_numpy(dtype=float))
        else:
            raise InputError(f"variables 中的 {v} 不是成本或效益列（可用：{', '.join([*f.costs, *f.benefits])}，"
                             "或 costs / benefits）")
    def ratio(a: float, b: float) -> float | None:
        q = a / b if b else None
        return q if q is not None and math.isfinite(q) else None

    with np.errstate(all="ignore"):            # overflow is caught below, with a message
        net0 = f.benefit - f.cost
        npv0 = float(net0 @ d)
        irr0 = irr_all(net0)
        rows, switch = [], []
        for name, (side, vec) in vecs.items():
            sign = 1.0 if side == "效益" else -1.0
            pv = float(vec @ d)
            for c in changes:
                net = net0 + sign * c * vec
                npv = float(net @ d)
                roots = irr_all(net) if np.isfinite(net).all() else ()
                rows.append({"variable": name, "change": c, "npv": npv, "irr": roots[0] if len(roots) == 1 else None,
                             "npv_change": ratio(npv - npv0, abs(npv0))})
            s = ratio(-npv0, sign * pv)
            if s is not None and s <= -1:
                s = None                               # would need the variable to fall below zero
            switch.append({"variable": name, "side": side, "pv": pv, "switching_value": s})
    _overflow(f, {"净现值": [npv0, *(r["npv"] for r in rows)], "现值": [r["pv"] for r in switch]},
              also="、changes 的变化幅度")
    notes = ("敏感性分析每次只改变一个因素，变化幅度作用于该因素各年的全部数值；临界值为使净现值等于零的变化幅度。",)
    return SensitivityResult(base_npv=npv0, base_irr=irr0[0] if len(irr0) == 1 else None, discount_rate=rate,
                             changes=changes, results=pd.DataFrame(rows), switching=pd.DataFrame(switch), notes=notes)


# ----------------------------------------------------------------------------------------------
# Monte Carlo risk


@dataclass(frozen=True)
class Distribution:
    """A multiplier on an item's flows in every year (1 = the base case)."""

    kind: str                   # triangular | normal | uniform | pert
    low: float | None = None
    mode: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = None

    @property
    def expected(self) -> float:
        if self.kind == "triangular":
            return (self.low + self.mode + self.high) / 3
        if self.kind == "pert":
            return (self.low + 4 * self.mode + self.high) / 6
        if self.kind == "uniform":
            return (self.low + self.high) / 2
        return self.mean

    def describe(self) -> str:
        if self.kind == "normal":
            return f"正态分布（均值 {self.mean:g}，标准差 {self.sd:g}）"
        if self.kind == "uniform":
            return f"均匀分布（{self.low:g}～{self.high:g}）"
        name = "三角分布" if self.kind == "triangular" else "PERT 分布"
        return f"{name}（{self.low:g}，{self.mode:g}，{self.high:g}）"

    def draw(self, rng: np.random.Generator, draws: int) -> np.ndarray:
        if self.kind == "triangular":
            if self.low == self.high:
                return np.full(draws, self.low)
            return rng.triangular(self.low, self.mode, self.high, draws)
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high, draws)
        if self.kind == "normal":
            return rng.normal(self.mean, self.sd, draws)
        span = self.high - self.low                     # PERT: a scaled beta with λ = 4
        a = 1 + 4 * (self.mode - self.low) / span
        b = 1 + 4 * (self.high - self.mode) / span
        return self.low + span * rng.beta(a, b, draws)


def _distributions(spec: Mapping[str, Any] | pd.DataFrame) -> dict[str, Distribution]:
    if isinstance(spec, pd.DataFrame):
        _checks.columns(spec, "distributions", ("item", "distribution"))
        dup = spec["item"].astype(str).duplicated()
        if dup.any():
            raise InputError(f"distributions 中项目 {spec['item'][dup].iloc[0]} 的分布重复（第 "
                             f"{int(np.argmax(dup.to_numpy())) + 1} 行）：每个项目只能有一个分布")
        spec = {r["item"]: {k: r.get(k) for k in ("distribution", "low", "mode", "high", "mean", "sd")}
                for _, r in spec.iterrows()}
    if not isinstance(spec, Mapping):
        raise InputError("distributions 应为「项目 → 分布参数」的映射（dict）或含 item、distribution 列的表，"
                         f"实际为 {type(spec).__name__}")
    if not spec:
        raise InputError("distributions 为空：至少给出一个成本或效益项目的分布")
    out = {}
    for item, p in spec.items():
        if isinstance(p, Distribution):
            p = {"distribution": p.kind, "low": p.low, "mode": p.mode, "high": p.high, "mean": p.mean, "sd": p.sd}
        if not isinstance(p, Mapping):
            raise InputError(f"distributions 中 {item} 的分布应为参数的映射，如 {{'distribution': 'uniform', "
                             f"'low': 0.8, 'high': 1.2}}，实际为 {p!r}")
        p = dict(p)
        kind = p.pop("distribution", p.pop("kind", None))

        def val(k: str) -> float | None:
            v = p.get(k)
            if v is None or (isinstance(v, float) and np.isnan(v)):
                return None
            x, why = _checks.read_number(v)
            if why is not None:
                raise InputError(f"distributions 中 {item} 的参数 {k} 不是有限的数字：{why}")
            return x

        params = {k: val(k) for k in ("low", "mode", "high", "mean", "sd")}
        probs = _checks.distribution_problems(kind, **params)
        if probs:
            raise InputError(f"distributions 中 {item} 的分布参数无效：" + "；".join(m for _, m in probs))
        out[item] = Distribution(kind, **params)
    return out


@dataclass(frozen=True, eq=False, repr=False)
class RiskResult(Result):
    """Monte Carlo distribution of the NPV (元). Quantiles at 5 %, 50 %, 95 %; ``prob_negative`` = P(NPV < 0).

    ``draws`` is the number of draws, ``npvs`` the NPV of each; ``expected_npv`` is the analytic mean
    the draws converge to (NPV is linear in the multipliers).
    """

    draws: int
    seed: int
    discount_rate: float
    mean: float
    sd: float
    p5: float
    p50: float
    p95: float
    prob_negative: float
    expected_npv: float
    base_npv: float
    npvs: np.ndarray
    inputs: pd.DataFrame          # item, side, pv, distribution, expected multiplier
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        rows = [("模拟次数", self.draws), ("净现值均值", self.mean), ("净现值标准差", self.sd), ("P5", self.p5),
                ("P50", self.p50), ("P95", self.p95), ("净现值小于零的概率", self.prob_negative)]
        return pd.DataFrame(rows, columns=["metric", "value"])

    def _headline(self) -> dict[str, Any]:
        return {"draws": self.draws, "mean": self.mean, "p5": self.p5, "p95": self.p95, "prob_negative": self.prob_negative}

    def plot(self) -> Any:
        from . import charts

        return charts.distribution(self.npvs)


def risk(flows: pd.DataFrame, *, discount_rate: float, distributions: Mapping[str, Any] | pd.DataFrame,
         draws: int = 10_000, seed: int = _checks.DEFAULT_SEED, costs: Sequence[str] = ("cost",),
         benefits: Sequence[str] = ("benefit",), convention: str = "end-of-year") -> RiskResult:
    """Monte Carlo risk analysis of the NPV over declared distributions of items.

    Each distribution is a multiplier on one item's flows in every year (1 = as planned): triangular
    (low, mode, high), PERT (low, mode, high; λ = 4), uniform (low, high) or normal (mean, sd).
    Items without a distribution stay at their base values. Draws are vectorised: the NPV of draw k is
    Σ_j ±m_kj · PV_j, so 100,000 draws of a 30-year project take milliseconds. ``draws`` is a whole
    number from 2 to 1,000,000 (a standard deviation needs two draws); ``seed`` a whole number ≥ 0;
    ``distributions`` a mapping item → parameters or a table with ``item`` and ``distribution``
    columns, at least one item, none twice, every parameter a finite number.

    Notes
    -----
    Multipliers of one item are perfectly correlated across years; items are independent of each
    other. Checked against: the analytic mean Σ ±E[m_j]·PV_j, and reproducibility with the seed.

    Examples
    --------
    >>> flows = pd.DataFrame({"year": [2024, 2025, 2026], "cost": [100.0, 10.0, 10.0],
    ...                       "benefit": [0.0, 70.0, 70.0]})
    >>> r = risk(flows, discount_rate=0.08, distributions={"benefit": {"distribution": "uniform",
    ...          "low": 0.8, "high": 1.2}}, draws=1000, seed=1)
    >>> round(r.expected_npv, 6) == round(r.base_npv, 6), 0 < r.prob_negative < 1
    (True, True)
    """
    f = _flows(flows, costs, benefits)
    rate = _checks.real(discount_rate, "discount_rate", above=-1)
    draws = _checks.whole(draws, "draws", at_least=2, at_most=_checks.MAX_DRAWS)
    seed = _checks.whole(seed, "seed", at_least=0)
    dists = _distributions(distributions)
    t = _periods(len(f.years), convention)
    known = [*f.costs.columns, *f.benefits.columns]
    stray = [str(k) for k in dists if k not in known]
    if stray:
        raise InputError(f"distributions 中的 {', '.join(stray)} 不是成本或效益列（可用：{', '.join(map(str, known))}）")
    with np.errstate(all="ignore"):            # overflow is caught below, with a message
        d = _discount(t, rate)
        items = [(c, "成本", f.costs[c].to_numpy(dtype=float) @ d) for c in f.costs.columns] + \
                [(b, "效益", f.benefits[b].to_numpy(dtype=float) @ d) for b in f.benefits.columns]
        rng = np.random.default_rng(seed)
        signed = np.array([pv if side == "效益" else -pv for _, side, pv in items])
        mult = np.ones((draws, len(items)))
        for j, (name, _, _) in enumerate(items):
            if name in dists:
                mult[:, j] = dists[name].draw(rng, draws)
        npv = mult @ signed
        expected = float(sum(s * (dists[name].expected if name in dists else 1.0)
                             for s, (name, _, _) in zip(signed, items)))
        mean, sd = float(npv.mean()), float(npv.std(ddof=1))
        p5, p50, p95 = (float(x) for x in np.percentile(npv, [5, 50, 95])) if np.isfinite(npv).all() else [np.nan] * 3
    _checks.finite_result([*signed, mean, sd, p5, p50, p95, expected], "模拟的净现值",
                          f"请检查 flows 列 {'、'.join(map(str, known))} 中的金额（单位为元）、distributions 的参数是否过大，"
                          "或 discount_rate 是否过于接近 −1")
    inputs = pd.DataFrame([{"item": name, "side": side, "pv": float(pv),
                            "distribution": dists[name].describe() if name in dists else "固定（基准值）",
                            "expected": dists[name].expected if name in dists else 1.0}
                           for name, side, pv in items])
    notes = (f"蒙特卡洛模拟 {draws:,} 次（随机数种子 {seed}），每个因素的分布为其各年数值的乘数，"
             "同一因素各年完全相关、不同因素相互独立。",)
    return RiskResult(draws=draws, seed=int(seed), discount_rate=rate, mean=mean, sd=sd,
                      p5=p5, p50=p50, p95=p95, prob_negative=float((npv < 0).mean()), expected_npv=expected,
                      base_npv=float(signed.sum()), npvs=npv, inputs=inputs, notes=notes)


# ----------------------------------------------------------------------------------------------
# Least cost


@dataclass(frozen=True, eq=False, repr=False)
class LeastCostResult(Result):
    """Cost-effectiveness of alternatives. ``alternatives`` (also ``table()``): ``name``, ``cost``, ``effect``, ``cost_per_effect``,
    ``rank`` (1 = cheapest per unit of effect), ``gap`` (fraction above the cheapest), ``dominated``
    (``""``, ``"强劣势"`` or ``"扩展劣势"``), ``icer`` (incremental cost per extra unit of effect against the
    next less effective non-dominated option), plus any other columns of the input."""

    alternatives: pd.DataFrame
    cheapest: str
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return self.alternatives

    def _headline(self) -> dict[str, Any]:
        t = self.table()
        return {"cheapest": self.cheapest, "cost_per_effect": float(t["cost_per_effect"].iloc[0]),
                "alternatives": len(t)}


def least_cost(alternatives: pd.DataFrame, *, cost: str = "cost", effect: str = "effect",
               name: str = "name") -> LeastCostResult:
    """最低成本法: cost per unit of effect, ranking, gap to the cheapest, dominance and ICERs.

    Names must be present and distinct; costs non-negative and effects positive numbers.
    An option is strongly dominated when another costs no more and achieves no less (one strictly);
    extendedly dominated when a mix of two others would give more effect per unit of cost, which
    shows as a non-monotonic incremental cost-effectiveness ratio (Drummond et al., *Methods for the
    Economic Evaluation of Health Care Programmes*, 4th ed., §4.4).

    Examples
    --------
    >>> alt = pd.DataFrame({"name": ["A", "B", "C"], "cost": [100.0, 150.0, 160.0], "effect": [10.0, 12.0, 11.0]})
    >>> res = least_cost(alt)
    >>> res.cheapest, list(res.table()["dominated"])
    ('A', ['', '', '强劣势'])
    """
    _checks.frame(alternatives, "alternatives")
    _checks.columns(alternatives, "alternatives", (name, cost, effect))
    _checks.labels(alternatives, "alternatives", name, "方案名称")
    c = _checks.numbers(alternatives, "alternatives", [cost])[:, 0]
    e = _checks.numbers(alternatives, "alternatives", [effect])[:, 0]
    if (c < 0).any():
        i = int(np.argmax(c < 0))
        raise InputError(f"alternatives 列 {cost} 不能为负数：第 {i + 1} 个方案为 {c[i]:g}")
    if (e <= 0).any():
        i = int(np.argmax(e <= 0))
        raise InputError(f"alternatives 列 {effect} 必须大于 0（效果为零的方案无法比较单位成本）：第 {i + 1} 个方案为 {e[i]:g}")
    out = alternatives.copy()
    with np.errstate(all="ignore"):            # overflow is caught below, with a message
        out["cost_per_effect"] = c / e
        best = float(out["cost_per_effect"].min())
        out["gap"] = out["cost_per_effect"] / best - 1 if best > 0 else 0.0
        dominated = [""] * len(out)
        for i in range(len(out)):
            for j in range(len(out)):
                if i != j and c[j] <= c[i] and e[j] >= e[i] and (c[j] < c[i] or e[j] > e[i]):
                    dominated[i] = "强劣势"
                    break
        icer = [None] * len(out)
        frontier = sorted((i for i in range(len(out)) if not dominated[i]), key=lambda i: (e[i], c[i]))
        changed = True
        while changed and len(frontier) > 2:        # remove extended dominance until ICERs increase
            changed = False
            ratios = [(c[b] - c[a]) / (e[b] - e[a]) if e[b] > e[a] else np.inf for a, b in zip(frontier, frontier[1:])]
            for k in range(len(ratios) - 1):
                if ratios[k] > ratios[k + 1]:
                    dominated[frontier[k + 1]] = "扩展劣势"
                    del frontier[k + 1]
                    changed = True
                    break
        for a, b in zip(frontier, frontier[1:]):
            icer[b] = float((c[b] - c[a]) / (e[b] - e[a])) if e[b] > e[a] else None
    _checks.finite_result([*out["cost_per_effect"], *out["gap"], *(v for v in icer if v is not None)],
                          "单位效果成本", f"alternatives 列 {cost} 与 {effect} 的数值相差过大，请检查单位")
    out["rank"] = out["cost_per_effect"].rank(method="min").astype(int)
    out["dominated"] = dominated
    out["icer"] = icer
    out = out[list(dict.fromkeys([*alternatives.columns, "cost_per_effect", "rank", "gap", "dominated", "icer"]))]
    out = out.sort_values(["rank", name], kind="stable", key=lambda s: s if s.name == "rank" else s.astype(str)) \
        .reset_index(drop=True)
    cheapest = str(out.loc[0, name])
    notes = ("单位效果成本 = 成本 ÷ 效果，按从低到高排序；劣势方案指存在成本更低且效果更好（或二者组合更优）的其他方案。",)
    return LeastCostResult(alternatives=out, cheapest=cheapest, notes=notes)


def unit_cost(cost: float, output: float) -> float:
    """单位成本 = cost ÷ output, for 产出成本 indicators.

    >>> unit_cost(1_200_000, 400)
    3000.0
    """
    c = _checks.real(cost, "cost")
    o = _checks.real(output, "output")
    if c < 0:
        raise InputError(f"cost 不能为负数，实际为 {c:g}")
    if o <= 0:
        raise InputError(f"output 必须大于 0，实际为 {o:g}")
    with np.errstate(all="ignore"):
        u = c / o
    _checks.finite_result(u, "单位成本", "cost 与 output 的数值相差过大，请检查单位")
    return u


# ----------------------------------------------------------------------------------------------
# Case tables


__all__ = ["AppraisalResult", "CostBenefitResult", "Distribution", "LeastCostResult", "RiskResult",
           "SensitivityResult", "appraise", "cost_benefit", "irr_all", "least_cost", "risk",
           "sensitivity", "unit_cost"]
