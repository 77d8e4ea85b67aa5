"""``results.json``: the figures that leave the notebook, so nothing downstream parses HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import _io
from ..case import Case
from ..scoring import Scorecard
from . import analyses
from .sections import execution_rate


def results(case: Case, card: Scorecard) -> dict[str, Any]:
    """Plain, deterministic figures of one case: score, grade, subtotals and key money figures."""
    f = case.funding
    return {
        "id": case.id,
        "title": case.title,
        "project": case.project.get("name", ""),
        "year": case.project.get("year"),
        "evaluator": case.evaluation.get("evaluator", ""),
        **card.to_dict(),
        "rules_overridden": list(card.scheme.overrides),
        "funding": {
            "planned": f["planned"],
            "allocated": f["allocated"],
            "spent": f["spent"],
            "arrival_rate": f["allocated"] / f["planned"] if f["planned"] else None,
            "execution_rate": execution_rate(case),
        },
        "indicator_count": len(card.indicators),
        "cost_benefit": _cost_benefit(case),
        "least_cost": _least_cost(case),
        "compare": _compare(case, card),
        "factors": _factors(case),
        "benchmark": _benchmark(case),
        "survey": _survey(case, card),
        "weights": _weights(card),
        "input_hash": case.content_hash(),
        "warnings": [str(w) for w in case.warnings],
        "notes": list(case.notes),
    }


def _cost_benefit(case: Case) -> dict[str, Any] | None:
    figs = analyses.cost_benefit(case)
    if figs is None:
        return None
    m = figs.economic.main
    out = {"discount_rate": m.discount_rate, "convention": figs.convention, "enpv": m.npv, "eirr": m.irr,
           "eirrs": list(m.irrs), "ebcr": m.bcr, "economic_accepted": figs.economic.accepted}
    if figs.financial is not None:
        f = figs.financial.main
        out.update({"benchmark_rate": f.discount_rate, "fnpv": f.npv, "firr": f.irr, "payback": f.payback,
                    "financial_accepted": figs.financial.accepted})
    if figs.risk is not None:
        out.update({"risk_draws": figs.risk.draws, "risk_seed": figs.risk.seed, "enpv_mean": figs.risk.mean,
                    "enpv_p5": figs.risk.p5, "enpv_p95": figs.risk.p95, "prob_enpv_negative": figs.risk.prob_negative})
    return out


def _least_cost(case: Case) -> dict[str, Any] | None:
    res = analyses.least_cost(case)
    if res is None:
        return None
    t = res.table()
    chosen = t.loc[t["chosen"] == "是", "name"].tolist() if "chosen" in t else []
    return {"cheapest": res.cheapest, "chosen": chosen[0] if chosen else None,
            "cost_per_effect": dict(zip(t["name"], t["cost_per_effect"]))}


def _compare(case: Case, card: Scorecard) -> dict[str, Any]:
    c = analyses.comparisons(case, card)
    out: dict[str, Any] = {}
    if c.plan is not None:
        t = c.plan.table()
        out["targets"] = {"count": len(t), "met": int(t["met"].sum()), "shortfalls": t.loc[t["flag"] == "未完成", "code"].tolist(),
                          "overachieved": t.loc[t["flag"] == "超额需说明", "code"].tolist()}
    if c.trends:
        out["trend_change"] = {t.measure: t.change for t in c.trends}
    if c.peers:
        out["peer_period"] = c.peer_period
        out["peer_ranks"] = {r.measure: int(r.self_row["rank"]) for r in c.peers if r.self_row is not None}
        out["peer_counts"] = {r.measure: len(r.table()) for r in c.peers}
    if c.did:
        out["did"] = {d.outcome: {"estimate": d.estimate, "se": d.se, "p_value": d.p_value, "ci_low": d.ci_low,
                                  "ci_high": d.ci_high, "pretrend_p_value": d.pretrend_p_value} for d in c.did}
    return out


def _factors(case: Case) -> dict[str, Any]:
    out = {}
    for d in analyses.decompositions(case):
        chain = d.chain
        out[d.subject] = {"base": chain.base_value, "current": chain.current_value, "change": chain.total_change,
                          "shapley": {k: float(v) for k, v in chain.shapley.items()},
                          "chain_substitution": dict(zip(chain.effects["factor"], map(float, chain.effects["effect"])))}
    return out


def _benchmark(case: Case) -> dict[str, Any] | None:
    b = analyses.benchmarks(case)
    if b is None:
        return None
    out: dict[str, Any] = {"self": b.self_unit}
    g = b.gaps.table()
    mine = g[g["unit"] == b.self_unit]
    out["gaps"] = {r.measure: r.gap for r in mine.itertuples()}
    if b.dea is not None:
        d = b.dea
        out["dea_efficient_units"] = [str(u) for u in d.efficiency.index[d.efficiency >= 1 - 1e-9]]
        if b.self_unit in d.efficiency.index:
            out.update({"dea_efficiency": float(d.efficiency[b.self_unit]),
                        "dea_vrs_efficiency": float(d.vrs_efficiency[b.self_unit]),
                        "dea_scale_efficiency": float(d.scale_efficiency[b.self_unit])})
    if b.topsis is not None:
        t = b.topsis.table()
        row = t[t["unit"] == b.self_unit]
        if len(row):
            out.update({"topsis_closeness": float(row["closeness"].iloc[0]), "topsis_rank": int(row["rank"].iloc[0])})
    return out


def _survey(case: Case, card: Scorecard) -> dict[str, Any] | None:
    s = analyses.survey(case, card)
    if s is None:
        return None
    o = s.result.overall
    out = {"respondents": s.result.respondents, "answers": o.n, "rate": o.rate, "ci_low": o.ci_low, "ci_high": o.ci_high,
           "index": o.index}
    if s.alpha is not None:
        out["cronbach_alpha"] = s.alpha.alpha
    return out


def _weights(card: Scorecard) -> dict[str, Any]:
    if card.weighting is None:
        return {"source": "table"}
    return {"source": "ahp", "nodes": {parent: {"weights": {k: float(v) for k, v in res.weights.items()},
                                                "cr": res.cr, "consistent": res.consistent}
                                       for parent, res in card.weighting.nodes}}


def save_results(data: dict[str, Any], out_dir: str | Path) -> Path:
    """Write ``results.json`` into ``out_dir`` atomically; returns its path."""
    return _io.write_json(Path(out_dir) / "results.json", data)
