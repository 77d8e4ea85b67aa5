"""The method results a case's report uses, computed once per case from its tables and parameters."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache

from .. import costbenefit as cb
from ..case import Case


@dataclass(frozen=True, eq=False)
class CostBenefitFigures:
    economic: cb.AppraisalResult
    financial: cb.AppraisalResult | None
    sensitivity: cb.SensitivityResult
    risk: cb.RiskResult | None
    convention: str


def parameter(case: Case, key: str):  # noqa: ANN201
    from .._schema import PARAMETERS

    return case.evaluation.get("parameters", {}).get(key, PARAMETERS[key].default)


def seed(case: Case) -> int:
    """The case's Monte Carlo seed: declared, or derived from its id (stable across runs and machines)."""
    declared = parameter(case, "seed")
    return int(declared) if declared is not None else zlib.crc32(case.id.encode())


@lru_cache(maxsize=16)
def cost_benefit(case: Case) -> CostBenefitFigures | None:
    table = case.table("cashflows")
    if table is None or table.empty:
        return None
    convention = parameter(case, "convention")
    rate = parameter(case, "social_discount_rate")
    wide, costs, benefits, investment = cb.case_flows(table, "经济")
    kw = dict(costs=costs, benefits=benefits, convention=convention)
    economic = cb.appraise(wide, kind="economic", rate=rate, long_lived=parameter(case, "long_lived"),
                           payback_benchmark=parameter(case, "payback_benchmark"), investment=investment, **kw)
    financial = None
    benchmark = parameter(case, "benchmark_rate")
    if benchmark is not None and (table["analysis"] != "经济").any():
        fw, fc, fb, fi = cb.case_flows(table, "财务")
        financial = cb.appraise(fw, kind="financial", rate=benchmark, costs=fc, benefits=fb, investment=fi,
                                payback_benchmark=parameter(case, "payback_benchmark"), convention=convention)
    sens = cb.sensitivity(wide, discount_rate=rate, **kw)
    risk = None
    dist = case.table("distributions")
    if dist is not None and len(dist):
        risk = cb.risk(wide, discount_rate=rate, distributions=dist, n=parameter(case, "risk_draws"),
                       seed=seed(case), **kw)
    return CostBenefitFigures(economic, financial, sens, risk, convention)


@lru_cache(maxsize=16)
def least_cost(case: Case) -> cb.LeastCostResult | None:
    table = case.table("alternatives")
    if table is None or table.empty:
        return None
    return cb.least_cost(table)
