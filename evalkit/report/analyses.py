"""The method results a case's report uses, computed once per case from its tables and parameters."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache

from .. import compare as cmp
from .. import costbenefit as cb
from ..case import Case
from ..errors import InputError
from ..scoring import Scorecard


@dataclass(frozen=True, eq=False)
class CostBenefitFigures:
    economic: cb.AppraisalResult
    financial: cb.AppraisalResult | None
    sensitivity: cb.SensitivityResult
    risk: cb.RiskResult | None
    convention: str


def parameter(case: Case, key: str):
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


@dataclass(frozen=True, eq=False)
class Comparisons:
    plan: cmp.PlanActualResult | None
    trends: tuple[cmp.TrendResult, ...]
    peers: tuple[cmp.PeerResult, ...]
    peer_period: int | None
    did: tuple[cmp.DiDResult, ...]
    did_skipped: str | None          # why no difference-in-differences was estimated, when peers exist


@lru_cache(maxsize=16)
def comparisons(case: Case, card: Scorecard) -> Comparisons:
    try:
        plan = cmp.plan_vs_actual(card.indicators[card.indicators["type"].isin(["定量", "满意度"])],
                                  threshold=card.scheme.overachievement_ratio)
    except InputError:
        plan = None
    trends = []
    hist = case.table("history")
    if hist is not None and len(hist):
        for measure, rows in hist.groupby("measure", sort=False):
            if rows["period"].nunique() < 2:
                continue
            trends.append(cmp.trend(rows, measure=measure, period="period", value="value",
                                    unit=next((u for u in rows["unit"] if u), ""),
                                    direction=rows["direction"].iloc[0] or "正向"))
    peers, period, did, skipped = [], None, [], None
    table = case.table("peers")
    if table is not None and len(table):
        periods = sorted({int(p) for p in table["period"].dropna()})
        period = periods[-1] if periods else None
        latest = table if period is None else table[table["period"] == period]
        wide = cmp.peers_wide(latest)
        for measure, rows in latest.groupby("measure", sort=False):
            if rows["unit"].nunique() < 2:
                continue
            sub = wide[["unit", "is_self", measure]].dropna()
            peers.append(cmp.peer_comparison(sub, measure=measure, higher_is_better=rows["direction"].iloc[0] != "反向",
                                             unit_label=next((u for u in rows["measure_unit"] if u), "")))
        policy = parameter(case, "policy_year")
        if policy is None:
            skipped = "案例未给出政策实施年份（policy_year），未做双重差分估计。"
        elif not (table["group"] != "").any():
            skipped = "标杆对比表未区分处理组与对照组，未做双重差分估计。"
        else:
            for measure, rows in table[table["group"] != ""].groupby("measure", sort=False):
                panel = rows.assign(treated=(rows["group"] == "处理组").astype(int),
                                    post=(rows["period"] >= policy).astype(int))
                try:
                    did.append(cmp.diff_in_diff(panel, outcome="value", treated="treated", post="post",
                                            cluster="unit", time="period", cluster_label="单位"))
                except InputError as exc:
                    skipped = f"「{measure}」无法做双重差分估计：{exc}"
                    continue
                did[-1] = _renamed(did[-1], measure)
    return Comparisons(plan, tuple(trends), tuple(peers), period, tuple(did), skipped)


def _renamed(res: cmp.DiDResult, outcome: str) -> cmp.DiDResult:
    from dataclasses import replace

    return replace(res, outcome=outcome)


@dataclass(frozen=True, eq=False)
class Benchmarks:
    self_unit: str | None
    gaps: object                      # benchmark.GapResult
    dea: object | None                # benchmark.DEAResult
    dea_skipped: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    entropy: object | None
    topsis: object | None


@lru_cache(maxsize=16)
def benchmarks(case: Case) -> Benchmarks | None:
    from .. import benchmark as bm
    from .. import weights as wt

    table = case.table("peers")
    if table is None or table.empty:
        return None
    periods = sorted({int(p) for p in table["period"].dropna()})
    latest = table if not periods else table[table["period"] == periods[-1]]
    wide = cmp.peers_wide(latest).set_index("unit")
    selfs = wide.index[wide["is_self"]]
    me = str(selfs[0]) if len(selfs) else None
    info = latest.drop_duplicates("measure").set_index("measure")
    measures = [m for m in info.index if wide[m].notna().sum() >= 2]
    directions = {m: ("反向" if info.loc[m, "direction"] == "反向" else "正向") for m in measures}
    gaps = bm.benchmark_gaps(wide.reset_index(), measures=measures, directions=directions, unit="unit")
    inputs = tuple(m for m in measures if info.loc[m, "role"] == "投入")
    outputs = tuple(m for m in measures if info.loc[m, "role"] == "产出")
    dea, skipped = None, ""
    complete = wide[list(inputs + outputs)].dropna() if inputs and outputs else None
    if not inputs or not outputs:
        skipped = "标杆对比表未区分投入与产出指标（类别 = 投入 / 产出），未做数据包络分析。"
    else:
        try:
            dea = bm.dea(complete[list(inputs)], complete[list(outputs)], returns="crs", orientation="input",
                         super_efficiency=True)
        except InputError as exc:
            skipped = f"未做数据包络分析：{exc}"
    entropy = topsis = None
    full = wide[measures].dropna()
    if len(measures) >= 2 and len(full) >= 3:
        try:
            entropy = wt.entropy_weights(full, directions=directions)
            topsis = wt.topsis(full, weights=entropy.weights, directions=directions)
        except InputError:
            entropy = topsis = None
    return Benchmarks(me, gaps, dea, skipped, inputs, outputs, entropy, topsis)


@dataclass(frozen=True, eq=False)
class SurveyFigures:
    result: object                     # survey.SatisfactionResult
    alpha: object | None               # survey.AlphaResult
    efa: object | None                 # factors.EFAResult
    items: tuple[str, ...]
    text: dict


@lru_cache(maxsize=16)
def survey(case: Case, card: Scorecard) -> SurveyFigures | None:
    from .. import derive
    from ..factors import exploratory_factor_analysis
    from ..survey import cronbach_alpha, satisfaction

    data, table = case.table("survey"), case.table("questions")
    if data is None or table is None or data.empty:
        return None
    items, groups = derive.questions(table)
    if not items:
        return None
    scale = items[0].scale
    same = [q for q in items if q.scale == scale]
    answers = derive.answers(data, same)
    frame = answers.join(data[groups]) if groups else answers
    res = satisfaction(frame, items=[q.column for q in same], scale=scale, satisfied=same[0].satisfied,
                       level_scores=derive.level_scores(card.scheme, scale),
                       groups=groups or None, population=parameter(case, "survey_population"),
                       approached=parameter(case, "survey_approached"))
    alpha = cronbach_alpha(answers) if len(same) >= 2 else None
    efa = None
    if len(same) >= 4 and answers.dropna().shape[0] >= 50:
        try:
            efa = exploratory_factor_analysis(answers.dropna())
        except InputError:
            efa = None
    return SurveyFigures(res, alpha, efa, tuple(q.column for q in same), {q.column: q.text for q in same})
