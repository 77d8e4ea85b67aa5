"""The method results a case's report uses, computed once per case from its tables and parameters."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .. import compare as cmp
from .. import costbenefit as cb
from .. import factors as fa
from .._schema import PARAMETERS
from ..case import Case, answers, questions, scale_value
from ..case.rules import TOP, agrees, children
from ..errors import CaseError, InputError, Issue
from ..schemes import Scheme, get_scheme
from ..scoring import Scorecard, reweighted, score

# ----------------------------------------------------------------------------------------------
# The scorecard: the case's indicators, with what its evidence derives, scored


@lru_cache(maxsize=16)
def scorecard(case: Case, scheme: str | Scheme | None = None) -> Scorecard:
    """Score a case: its indicators with the 满意度 actuals its survey gives (where the table leaves
    them empty) and, with ``weighting: ahp``, the weights its experts' judgements give.

    ``scheme`` replaces the case's own scheme (with its overrides) when given.
    """
    the_scheme = case.scheme if scheme is None else get_scheme(scheme)
    indicators = case.indicators
    weighting = None
    if parameter(case, "weighting") == "ahp":
        weighting = ahp_weights(indicators, case.tables["judgements"], total=the_scheme.total,
                                decimals=the_scheme.decimals)
        indicators = reweighted(indicators, weighting.weights, the_scheme)
    # a stated actual is scored as stated (cross_checks warns when it disagrees with the survey)
    stated = set(indicators.loc[indicators["actual"].notna(), "code"])
    actuals = {code: a for code, a in survey_actuals(case, the_scheme).items() if code not in stated}
    if actuals:
        indicators = indicators.copy()
        for code, (value, _) in actuals.items():
            indicators.loc[indicators["code"] == code, "actual"] = value
    card = score(indicators, scheme=the_scheme, deductions=case.tables.get("deductions"), funding=case.funding)
    notes = [f"{code} {note}" for code, (_, note) in actuals.items()]
    if weighting is not None:
        notes += list(weighting.notes)
    if notes or weighting is not None:
        card = replace(card, notes=(*card.notes, *notes), weighting=weighting)
    return card


def cross_checks(case: Case) -> tuple[Issue, ...]:
    """Figures the case states that a method recomputes from its evidence, where the two disagree:
    a 满意度 actual stated in the indicator table against the satisfaction its survey gives."""
    if "survey" not in case.tables or "questions" not in case.tables:
        return ()
    ind, out = case.indicators, []
    stated = set(ind.loc[ind["actual"].notna(), "code"])
    if not stated & {q.indicator for q in questions(case.tables["questions"])[0] if q.indicator}:
        return ()
    try:
        fed = survey_actuals(case, case.scheme)
    except InputError:
        return ()                         # the survey check reports what is wrong with the survey
    file, sheet = case.sources["indicators"]
    column = case.headers.get("indicators", {}).get("actual", "actual")
    warned = {(w.file, w.sheet, w.row, w.column) for w in case.warnings}   # one warning a cell
    for code, (value, _) in fed.items():
        rows = ind.index[ind["code"] == code]
        if (len(rows) and code in stated and (file, sheet, int(rows[0]), column) not in warned
                and not agrees(ind.at[rows[0], "actual"], Decimal(repr(value)))):
            out.append(Issue(file, f"{ind.at[rows[0], 'name']}的实际完成值填写为 {ind.at[rows[0], 'actual']:g}，由问卷计算为 "
                             f"{value:.2f}：两者不符；计分采用填写的数值，请核对（留空则采用问卷计算的结果）", sheet,
                             int(rows[0]), column))
    return tuple(out)


def checked(case: Case) -> Case:
    """The case with :func:`cross_checks` added to its warnings; a :class:`CaseError` instead when its
    scheme's ``consistency`` rule makes disagreements errors."""
    extra = cross_checks(case)
    if not extra:
        return case
    if case.scheme.consistency == "error":
        raise CaseError([*case.warnings, *extra], str(case.path), case.notes)
    return replace(case, warnings=(*case.warnings, *extra))


@dataclass(frozen=True, eq=False)
class CostBenefitFigures:
    economic: cb.AppraisalResult
    financial: cb.AppraisalResult | None
    sensitivity: cb.SensitivityResult
    risk: cb.RiskResult | None
    convention: str


def parameter(case: Case, key: str) -> Any:
    """A case parameter (``evaluation.parameters``), or its documented default."""
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
    wide, costs, benefits, investment = case_flows(table, "经济")
    kw = dict(costs=costs, benefits=benefits, convention=convention)
    economic = cb.appraise(wide, kind="economic", discount_rate=rate, long_lived=parameter(case, "long_lived"),
                           payback_benchmark=parameter(case, "payback_benchmark"), investment=investment, **kw)
    financial = None
    benchmark = parameter(case, "benchmark_rate")
    if benchmark is not None and (table["analysis"] != "经济").any():
        fw, fc, fb, fi = case_flows(table, "财务")
        financial = cb.appraise(fw, kind="financial", discount_rate=benchmark, costs=fc, benefits=fb, investment=fi,
                                payback_benchmark=parameter(case, "payback_benchmark"), convention=convention)
    sens = cb.sensitivity(wide, discount_rate=rate, **kw)
    risk = None
    dist = case.table("distributions")
    if dist is not None and len(dist):
        risk = cb.risk(wide, discount_rate=rate, distributions=dist, draws=parameter(case, "risk_draws"),
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
    roles: dict = field(default_factory=dict)     # peer measure → its role (投入 / 产出 / 其他)


def peer_direction(row: Any) -> str:
    """The direction a peer measure is ranked in: an input (类别 投入) is a cost, lower is better, as data
    envelopment analysis treats it, whatever the direction column says; otherwise the column's."""
    if row["role"] == "投入":
        return "反向"
    return "反向" if row["direction"] == "反向" else "正向"


@lru_cache(maxsize=16)
def comparisons(case: Case, card: Scorecard) -> Comparisons:
    try:
        plan = cmp.plan_vs_actual(card.indicators[card.indicators["type"].isin(["定量", "满意度"])],
                                  overachievement_ratio=card.scheme.overachievement_ratio)
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
    peers, period, did, skipped, roles = [], None, [], None, {}
    table = case.table("peers")
    if table is not None and len(table):
        periods = sorted({int(p) for p in table["period"].dropna()})
        period = periods[-1] if periods else None
        latest = table if period is None else table[table["period"] == period]
        wide = peers_wide(latest)
        for measure, rows in latest.groupby("measure", sort=False):
            if rows["unit"].nunique() < 2:
                continue
            sub = wide[["unit", "is_self", measure]].dropna()
            peers.append(cmp.peer_comparison(sub, measure=measure, direction=peer_direction(rows.iloc[0]),
                                             unit=next((u for u in rows["measure_unit"] if u), "")))
            roles[measure] = str(rows["role"].iloc[0])
        policy = parameter(case, "policy_year")
        if policy is None:
            skipped = "案例未给出政策实施年份，未做双重差分估计。"
        elif not (table["group"] != "").any():
            skipped = "标杆对比表未区分处理组与对照组，未做双重差分估计。"
        else:
            for measure, rows in table[table["group"] != ""].groupby("measure", sort=False):
                panel = rows.assign(treated=(rows["group"] == "处理组").astype(int),
                                    post=(rows["period"] >= policy).astype(int))
                try:
                    did.append(cmp.diff_in_diff(panel, outcome="value", treated="treated", post="post",
                                            cluster="unit", period="period", cluster_label="单位"))
                except InputError as exc:
                    skipped = f"「{measure}」无法做双重差分估计：{exc}"
                    continue
                did[-1] = _renamed(did[-1], measure)
    return Comparisons(plan, tuple(trends), tuple(peers), period, tuple(did), skipped, roles)


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
    wide = peers_wide(latest).set_index("unit")
    selfs = wide.index[wide["is_self"]]
    me = str(selfs[0]) if len(selfs) else None
    info = latest.drop_duplicates("measure").set_index("measure")
    measures = [m for m in info.index if wide[m].notna().sum() >= 2]
    directions = {m: peer_direction(info.loc[m]) for m in measures}
    gaps = bm.benchmark_gaps(wide.reset_index(), measures=measures, directions=directions, unit_col="unit")
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
class Decomposition:
    subject: str
    chain: fa.ChainSubstitutionResult
    shapley: fa.DecompositionResult
    lmdi: fa.DecompositionResult


@lru_cache(maxsize=16)
def decompositions(case: Case) -> tuple[Decomposition, ...]:
    """The case's 因素分析 decompositions (连环替代法, Shapley, LMDI), one per subject, in table order."""
    table = case.table("drivers")
    if table is None:
        return ()
    return tuple(Decomposition(subject, fa.chain_substitution(base, current, form=form),
                               fa.shapley_decomposition(base, current, form=form), fa.lmdi(base, current, form=form))
                 for subject, form, base, current in case_subjects(table))


@dataclass(frozen=True, eq=False)
class SurveyFigures:
    result: object                     # survey.SatisfactionResult
    alpha: object | None               # survey.AlphaResult
    efa: object | None                 # factors.EFAResult
    items: tuple[str, ...]
    text: dict


@lru_cache(maxsize=16)
def survey(case: Case, card: Scorecard) -> SurveyFigures | None:
    from ..survey import cronbach_alpha, satisfaction

    data, table = case.table("survey"), case.table("questions")
    if data is None or table is None or data.empty:
        return None
    items, groups = questions(table)
    if not items:
        return None
    scale = items[0].scale
    same = [q for q in items if q.scale == scale]
    numbers = answers(data, same)
    frame = numbers.join(data[groups]) if groups else numbers
    res = satisfaction(frame, items=[q.column for q in same], scale=scale, satisfied=same[0].satisfied,
                       level_scores=level_scores(card.scheme, scale),
                       groups=groups or None, population=parameter(case, "survey_population"),
                       approached=parameter(case, "survey_approached"))
    alpha = cronbach_alpha(numbers) if len(same) >= 2 else None
    efa = None
    if len(same) >= 4 and numbers.dropna().shape[0] >= 50:
        try:
            efa = fa.exploratory_factor_analysis(numbers.dropna())
        except InputError:
            efa = None
    return SurveyFigures(res, alpha, efa, tuple(q.column for q in same), {q.column: q.text for q in same})


# ----------------------------------------------------------------------------------------------
# The case's tables as the methods take them


def case_flows(cashflows: pd.DataFrame, analysis: str) -> tuple[pd.DataFrame, list[str], list[str], list[str]]:
    """A case's long 成本效益 table → (wide flows, cost items, benefit items, investment items).

    ``analysis`` is ``"经济"`` or ``"财务"``: rows marked for the other analysis are left out; rows
    marked 全部 count in both.
    """
    rows = cashflows[cashflows["analysis"].isin([analysis, "全部"])]
    wide = rows.pivot_table(index="year", columns="item", values="amount", aggfunc="sum", fill_value=0.0,
                            sort=False)
    if len(wide):
        wide = wide.reindex(range(int(wide.index.min()), int(wide.index.max()) + 1), fill_value=0.0)
    wide = wide.reset_index()
    wide.columns.name = None
    order = list(dict.fromkeys(rows["item"]))
    kind = dict(zip(rows["item"], rows["kind"]))
    costs = [i for i in order if kind[i] in ("成本", "投资")]
    benefits = [i for i in order if kind[i] == "效益"]
    investment = [i for i in order if kind[i] == "投资"]
    return wide, costs, benefits, investment


def peers_wide(table: pd.DataFrame, period: Any = None) -> pd.DataFrame:
    """A case's long 标杆对比 table → one row per unit (``unit``, ``is_self``, a column per measure)."""
    rows = table if period is None else table[table["period"] == period]
    wide = rows.pivot_table(index="unit", columns="measure", values="value", aggfunc="first", sort=False)
    wide.columns.name = None
    wide = wide.reset_index()
    selfs = set(rows.loc[rows["self"] == "是", "unit"])
    wide["is_self"] = wide["unit"].isin(selfs)
    return wide


def case_subjects(table: pd.DataFrame) -> list[tuple[str, str, dict[str, float], dict[str, float]]]:
    """(subject, form, base, current) for each decomposition in a case's 因素分析 table, rows in order."""
    out = []
    quant = table[table["subject"] != ""]
    for subject, rows in quant.groupby("subject", sort=False):
        out.append((subject, rows["form"].iloc[0] or "product", dict(zip(rows["factor"], rows["base"].astype(float))),
                    dict(zip(rows["factor"], rows["current"].astype(float)))))
    return out


def survey_actuals(case: Case, scheme: Scheme) -> dict[str, tuple[float, str]]:
    """code → (actual in %, how it was computed) for 满意度 indicators fed by the survey."""
    survey, table = case.tables.get("survey"), case.tables.get("questions")
    if survey is None or table is None:
        return {}
    from ..survey import satisfaction

    items, _ = questions(table)
    data = answers(survey, items)
    out = {}
    for code in dict.fromkeys(q.indicator for q in items if q.indicator):
        mine = [q for q in items if q.indicator == code]
        scale = mine[0].scale
        res = satisfaction(data, items=[q.column for q in mine], scale=scale, satisfied=mine[0].satisfied,
                           level_scores=level_scores(scheme, scale))
        if scheme.survey_measure == "index":
            value, what = res.overall.index, "满意度指数"
        else:
            value, what = res.overall.rate * 100, "满意率"
        out[code] = (float(value), f"实际完成值由问卷计算：{len(mine)} 道题、{int(res.overall.n)} 个有效答案的{what}"
                                   f" {value:.2f}%")
    return out


def level_scores(scheme: Scheme, scale: int) -> dict[int, float] | None:
    levels = scheme.satisfaction_levels
    return dict(zip(range(1, scale + 1), levels)) if len(levels) == scale else None


@dataclass(frozen=True, eq=False)
class DerivedWeights:
    weights: pd.Series                # leaf weights (points), aligned with the indicator table
    nodes: tuple[tuple[str, Any], ...]   # (parent, AHPResult) for each node the experts compared
    notes: tuple[str, ...]


def matrices(table: pd.DataFrame, parent: str, kids: list[str]) -> list[pd.DataFrame]:
    """One reciprocal judgement matrix per expert for ``parent``."""
    out = []
    for _, rows in table[table["parent"] == parent].groupby("expert", sort=False):
        m = pd.DataFrame(np.ones((len(kids), len(kids))), index=kids, columns=kids)
        for r in rows.itertuples():
            v = scale_value(r.value)
            m.loc[r.a, r.b] = v
            m.loc[r.b, r.a] = 1 / v
        out.append(m)
    return out


def ahp_weights(indicators: pd.DataFrame, table: pd.DataFrame, *, total: float, decimals: int = 2,
                ri_table: str = "cn") -> DerivedWeights:
    """Leaf weights from the experts' judgements; uncompared levels keep the table's proportions."""
    from ..weights import ahp

    w = indicators["weight"].astype(float)
    share = {"level1": {}, "level2": {}, "name": {}}
    nodes = []
    for parent in dict.fromkeys(table["parent"]):
        level, kids = children(indicators, parent)
        res = ahp(matrices(table, parent, kids), ri_table=ri_table)
        nodes.append((parent, res))
        for kid, value in res.weights.items():
            share[level][(parent, kid)] = float(value)
    l1_total = w.groupby(indicators["level1"], sort=False).sum()
    root = next((p for p in TOP if any(k[0] == p for k in share["level1"])), None)
    frac = np.ones(len(indicators))
    for i, (label, r) in enumerate(indicators.iterrows()):
        f1 = share["level1"].get((root, r["level1"])) if root else None
        f1 = f1 if f1 is not None else l1_total[r["level1"]] / w.sum()
        in_l1 = indicators["level1"] == r["level1"]
        l2_total = w[in_l1].groupby(indicators.loc[in_l1, "level2"], sort=False).sum()
        f2 = share["level2"].get((r["level1"], r["level2"]))
        f2 = f2 if f2 is not None else (l2_total[r["level2"]] / l2_total.sum() if l2_total.sum() else 0.0)
        in_l2 = in_l1 & (indicators["level2"] == r["level2"])
        f3 = share["name"].get((r["level2"], r["name"]), share["name"].get((f"{r['level1']}/{r['level2']}", r["name"])))
        f3 = f3 if f3 is not None else (w[label] / w[in_l2].sum() if w[in_l2].sum() else 0.0)
        frac[i] = f1 * f2 * f3
    raw = frac * total
    rounded = _largest_remainder(raw, total, decimals)
    notes = ("指标权重由专家两两比较判断（1～9 标度）按层次分析法计算：多位专家的判断矩阵按几何平均合并，取最大特征值对应的特征向量；"
             "未作比较的层级沿用指标表中的相对权重；各三级指标分值按最大余数法保留两位小数，合计等于总分。"
             "定性指标的评分按其占分值的比例随分值调整，扣分项的扣分不变。",)
    return DerivedWeights(pd.Series(rounded, index=indicators.index), tuple(nodes), notes)


def _largest_remainder(raw: np.ndarray, total: float, decimals: int) -> np.ndarray:
    unit = 10 ** decimals
    scaled = raw * unit
    floor = np.floor(scaled + 1e-9)
    left = int(round(total * unit - floor.sum()))
    order = np.argsort(-np.round(scaled - floor, 9), kind="stable")     # ties: table order, not float noise
    floor[order[:left]] += 1
    return floor / unit
