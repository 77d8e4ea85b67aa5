"""Scoring schemes and the checks of an indicator system against one.

A :class:`Scheme` holds every rule of the domain standard §4 that a case may set (the [U] and [I]
rules are parameters, listed by :meth:`Scheme.rules` with their status); :func:`check_indicators`
is the one check of an indicator table against a scheme, used by the case loader (located
messages) and by :func:`evalkit.scoring.score` (a bare table).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import pandas as pd

from ._schema import _said
from .errors import InputError, Problem

# ----------------------------------------------------------------------------------------------
# The scheme


@dataclass(frozen=True)
class Param:
    status: str          # V verified, U unverified, I interpretation (domain standard §0)
    zh: str              # what it means, for the report


#: the parameters a case may override, with their status in the domain standard
PARAMS: dict[str, Param] = {
    "total": Param("V", "总分"),
    "grades": Param("I", "等级划分（下限含、上限不含）"),
    "reverse_formula": Param("U", "反向指标计分公式"),
    "qualitative_bands": Param("U", "定性指标三档下限（占分值比例）"),
    "overachievement_ratio": Param("U", "超额完成需说明偏差原因的比例"),
    "overachievement_zero_target": Param("I", "指标值为 0 时需说明偏差原因的实际值"),
    "survey_formula": Param("I", "满意度指标计分公式"),
    "budget_execution_base": Param("U", "预算执行率的分母"),
    "decimals": Param("I", "单项得分保留小数位数（四舍五入后求和）"),
    "min_output_benefit": Param("V", "产出与效益指标权重合计下限（占总分%）"),
    "survey_measure": Param("I", "由问卷计算满意度指标实际值的口径"),
    "satisfaction_levels": Param("U", "多级满意度的等级分值（很不满意→很满意）"),
    "consistency": Param("I", "案例自身数据核对不符时的处理"),
}
CONSISTENCY = {"warning": "列为提示，照常计分", "error": "视为案例错误，不予计分"}
SURVEY_MEASURES = {"rate": "满意率（选择满意档的答案占有效答案的比例）", "index": "满意度指数（各等级分值的平均）"}

REVERSE_FORMULAS = {
    "linear": "A≤T 得满分；T<A<2T 得 w·(2−A/T)；A≥2T 得 0 分",
    "ratio": "得 w·min(1, T/A)",
}
SURVEY_FORMULAS = {
    "proportional": "得 w·min(1, A/T)",
    "threshold": "A≥T 得满分，否则 0 分",
}
BUDGET_BASES = {"allocated": "到位数", "planned": "预算数"}

#: the largest total a scheme may have: leaf scores keep ``decimals`` places in 28-digit decimals
MAX_TOTAL = 1e6

#: indicators whose actual value can be derived from the case's funding: name → (numerator, key)
DERIVED = {"预算执行率": "spent", "资金到位率": "allocated"}


@dataclass(frozen=True)
class Scheme:
    """A scoring scheme: the indicator framework and every rule that turns actuals into points.

    Use :func:`get_scheme` for a shipped scheme and :meth:`with_overrides` to change a rule.
    """

    name: str
    title: str
    level1: tuple[str, ...]                               # 一级指标, in report order
    level1_weights: tuple[tuple[str, float], ...] = ()    # fixed 一级 weights, when the scheme has them
    output_benefit: tuple[str, ...] = ()                  # the 一级 indicators of 产出 + 效益
    total: float = 100.0
    grades: tuple[tuple[str, float], ...] = (("优", 90.0), ("良", 80.0), ("中", 60.0), ("差", 0.0))
    reverse_formula: str = "linear"
    qualitative_bands: tuple[float, float] = (0.8, 0.6)
    overachievement_ratio: float = 1.3
    overachievement_zero_target: float = 30.0
    survey_formula: str = "proportional"
    budget_execution_base: str = "allocated"
    decimals: int = 2
    min_output_benefit: float | None = None
    survey_measure: str = "rate"
    satisfaction_levels: tuple[float, ...] = (20.0, 40.0, 60.0, 80.0, 100.0)
    consistency: str = "warning"
    overrides: tuple[str, ...] = field(default=(), compare=False)   # keys a case changed

    # -- construction ---------------------------------------------------------------------------
    def with_overrides(self, overrides: Mapping[str, Any] | None) -> Scheme:
        """A copy with some rules changed; raises :class:`InputError` naming each bad key.

        >>> get_scheme("mof-2020-key").with_overrides({"reverse_formula": "ratio"}).reverse_formula
        'ratio'
        """
        if not overrides:
            return self
        problems, changes = [], {}
        for key, value in overrides.items():
            try:
                changes[key] = _coerce_param(key, value)
            except InputError as exc:
                problems.append(str(exc))
        if problems:
            raise InputError("；".join(problems))
        return replace(self, **changes, overrides=tuple(sorted(set(self.overrides) | set(changes))))

    # -- rules ----------------------------------------------------------------------------------
    def grade(self, total: float | Decimal) -> str:
        """The grade of a total: the first band whose lower bound it reaches (half-open bands).

        >>> s = get_scheme("mof-2020-key")
        >>> [s.grade(x) for x in (90, 89.99, 80, 79.99, 60, 59.99)]
        ['优', '良', '良', '中', '中', '差']
        """
        value = Decimal(str(total))
        for label, lower in self.grades:
            if value >= Decimal(str(lower)):
                return label
        return self.grades[-1][0]

    def canonical_level1(self, name: str) -> str | None:
        """The scheme's 一级指标 that ``name`` denotes (``产出`` and ``产出指标`` are the same)."""
        bare = str(name).strip().removesuffix("指标")
        for known in self.level1:
            if bare == known.removesuffix("指标"):
                return known
        return None

    def rules(self) -> pd.DataFrame:
        """The rules in force: one row per parameter with its value, status and whether a case set it."""
        rows = []
        for key, param in PARAMS.items():
            rows.append({
                "parameter": key,
                "meaning": param.zh,
                "value": _describe(key, getattr(self, key)),
                "status": param.status,
                "overridden": key in self.overrides,
            })
        return pd.DataFrame(rows)


def _describe(key: str, value: Any) -> str:
    if key == "grades":
        return "；".join(f"{label} ≥ {_num(lower)}" for label, lower in value[:-1]) + f"；{value[-1][0]} 其余"
    if key == "reverse_formula":
        return f"{value}（{REVERSE_FORMULAS[value]}）"
    if key == "survey_formula":
        return f"{value}（{SURVEY_FORMULAS[value]}）"
    if key == "budget_execution_base":
        return f"执行数 ÷ {BUDGET_BASES[value]}"
    if key == "qualitative_bands":
        return f"达成 ≥ {value[0]:.0%}，部分达成 ≥ {value[1]:.0%}"
    if key == "min_output_benefit":
        return "不检查" if value is None else f"{_num(value)}%"
    if key == "survey_measure":
        return f"{value}（{SURVEY_MEASURES[value]}）"
    if key == "consistency":
        return f"{value}（{CONSISTENCY[value]}）"
    if key == "satisfaction_levels":
        return "、".join(_num(v) for v in value)
    return _num(value)


def _num(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _coerce_param(key: str, value: Any) -> Any:
    if key not in PARAMS:
        raise InputError(f"评分规则中没有「{key}」这一项（可用：{', '.join(PARAMS)}）")
    try:
        if key in ("reverse_formula", "survey_formula", "budget_execution_base", "survey_measure", "consistency"):
            allowed = {"reverse_formula": REVERSE_FORMULAS, "survey_formula": SURVEY_FORMULAS,
                       "budget_execution_base": BUDGET_BASES, "survey_measure": SURVEY_MEASURES,
                       "consistency": CONSISTENCY}[key]
            if value not in allowed:
                raise ValueError(f"应为 {' / '.join(allowed)}")
            return value
        if key == "grades":
            if not isinstance(value, Mapping) or not value:
                raise ValueError("应为“等级: 下限”的映射，如 {优: 90, 良: 80, 中: 60, 差: 0}")
            pairs = sorted(((str(k), _real(v)) for k, v in value.items()), key=lambda p: -p[1])
            if not all(math.isfinite(v) for _, v in pairs):
                raise ValueError("各等级的下限应为有限的数字")
            return tuple(pairs)
        if key == "qualitative_bands":
            hi, lo = (_real(v) for v in value)
            if not 0 <= lo <= hi <= 1:
                raise ValueError("应为两个 0 到 1 之间的比例，且第一个不小于第二个")
            return (hi, lo)
        if key == "satisfaction_levels":
            levels = tuple(_real(v) for v in value)
            if len(levels) < 2 or not all(map(math.isfinite, levels)) or any(b < a for a, b in zip(levels, levels[1:])):
                raise ValueError("应为从最不满意到最满意、不递减的分值列表，如 [20, 40, 60, 80, 100]")
            return levels
        if key == "decimals":
            v = _real(value)
            if not v.is_integer() or not 0 <= v <= 6:
                raise ValueError("应为 0 到 6 的整数")
            return int(v)
        if key == "min_output_benefit" and value is None:
            return None
        number = _real(value)
        if not math.isfinite(number) or number < 0:
            raise ValueError("应为非负数")
        if key == "total" and not 0 < number <= MAX_TOTAL:
            raise ValueError(f"应为大于 0、不超过 {MAX_TOTAL:g} 的数")
        return number
    except (TypeError, ValueError, OverflowError) as exc:
        why = str(exc) if isinstance(exc, ValueError) and str(exc) and not str(exc).startswith(
            ("could not", "invalid", "too many", "not enough", "cannot")) else "格式不对"
        raise InputError(f"评分规则「{key}」的值 {_said(value)} 无效：{why}") from None


def _real(v: Any) -> float:
    """A number of a scoring rule: a real number or plain half-width text, never a bool, a date, or the
    full-width digits and ``1_000`` that Python's ``float`` alone would read without a word."""
    if isinstance(v, str) and _PLAIN.fullmatch(v.strip()):
        return float(v)
    if isinstance(v, bool) or not isinstance(v, (int, float, Decimal)):
        raise ValueError(f"应为数字，实际为 {_said(v)}")
    try:
        return float(v)
    except OverflowError:
        raise ValueError("超出了数值范围") from None


_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", flags=re.ASCII)




SCHEMES: dict[str, Scheme] = {
    "mof-2020-key": Scheme(
        name="mof-2020-key",
        title="财预〔2020〕10号 重点评价指标体系（决策/过程/产出/效益）",
        level1=("决策", "过程", "产出", "效益"),
        output_benefit=("产出", "效益"),
        min_output_benefit=60.0,
        budget_execution_base="allocated",
    ),
    "mof-2020-self": Scheme(
        name="mof-2020-self",
        title="财预〔2020〕10号 单位自评指标体系（产出50/效益30/满意度10/预算执行率10）",
        level1=("产出指标", "效益指标", "满意度指标", "预算执行率"),
        level1_weights=(("产出指标", 50.0), ("效益指标", 30.0), ("满意度指标", 10.0), ("预算执行率", 10.0)),
        output_benefit=("产出指标", "效益指标"),
        min_output_benefit=None,
        budget_execution_base="planned",
    ),
}


def get_scheme(name: str | Scheme) -> Scheme:
    """A shipped scheme by name (``mof-2020-key`` or ``mof-2020-self``); a Scheme passes through."""
    if isinstance(name, Scheme):
        return name
    try:
        return SCHEMES[name]
    except KeyError:
        raise InputError(f"没有名为「{name}」的评分方案（可用：{', '.join(SCHEMES)}）") from None


# ----------------------------------------------------------------------------------------------
# Checks shared by the case validator and score()


def _dec(x: Any) -> Decimal:
    return Decimal(repr(float(x)))


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or (isinstance(x, str) and not x.strip())


def _fmt(d: Decimal | float) -> str:
    d = Decimal(str(d)).normalize()
    return f"{d:f}"


def check_indicators(indicators: pd.DataFrame, scheme: Scheme, *, deductions: pd.DataFrame | None = None,
                     funding: Mapping[str, float] | None = None, derived: Collection[str] = ()) -> list[Problem]:
    """Every problem that stops the indicator table being scored under ``scheme``.

    ``derived`` names the codes whose actual value comes from evidence (the survey), so an empty
    实际完成值 is allowed there.

    Expects the canonical, typed table that :func:`evalkit.load_case` produces.
    """
    probs: list[Problem] = []
    df = indicators
    low, mid = scheme.qualitative_bands
    for row, r in df.iterrows():
        w = r.get("weight")
        if _missing(w):
            probs.append(Problem("分值不能为空", row, "weight"))
        elif w < 0:
            probs.append(Problem(f"分值必须为非负数，实际为 {_fmt(w)}", row, "weight"))
        if scheme.canonical_level1(r.get("level1", "")) is None and not _missing(r.get("level1")):
            probs.append(Problem(f"一级指标「{r['level1']}」不属于评分方案 {scheme.name}"
                                 f"（应为：{'、'.join(scheme.level1)}）", row, "level1"))
        kind = r.get("type")
        if kind in ("定量", "满意度"):
            if kind == "定量" and _missing(r.get("direction")):
                probs.append(Problem("定量指标必须填写指标方向（正向/反向/等于）", row, "direction"))
            target = r.get("target")
            if _missing(target):
                probs.append(Problem(f"{kind}指标必须填写指标值", row, "target"))
            elif target < 0:
                probs.append(Problem(f"指标值不能为负数，实际为 {_fmt(target)}", row, "target"))
            elif kind == "满意度" and target == 0:
                probs.append(Problem("满意度指标的指标值必须大于 0", row, "target"))
            if _missing(r.get("actual")) and r.get("code") not in derived:
                name = str(r.get("name", "")).strip()
                if name not in DERIVED or kind != "定量":
                    probs.append(Problem(f"{kind}指标必须填写实际完成值", row, "actual"))
                elif funding is None:
                    probs.append(Problem(f"「{name}」的实际完成值为空，且没有资金数据可供计算", row, "actual"))
            if _missing(r.get("unit")):
                probs.append(Problem(f"{kind}指标必须填写计量单位", row, "unit"))
        elif kind == "定性":
            grade, s = r.get("grade"), r.get("score")
            if _missing(grade):
                probs.append(Problem("定性指标必须填写定性等级（达成/部分达成/未达成）", row, "grade"))
            elif grade not in ("达成", "部分达成", "未达成"):
                probs.append(Problem(f"定性等级「{grade}」无效（应为：达成/部分达成/未达成）", row, "grade"))
                grade = None
            if _missing(s):
                probs.append(Problem("定性指标必须填写评分", row, "score"))
            elif not _missing(w) and w >= 0:
                lo_hi = _band_limits(grade, _dec(w), scheme) if not _missing(grade) else (Decimal(0), _dec(w))
                sd = _dec(s)
                lo, hi, top_open = lo_hi[0], lo_hi[1], grade not in (None, "达成") and not _missing(grade)
                if sd < lo or sd > hi or (top_open and sd >= hi):
                    rng = f"[{_fmt(lo)}, {_fmt(hi)}{')' if top_open else ']'}"
                    what = f"「{grade}」档" if not _missing(grade) else "分值"
                    probs.append(Problem(f"评分 {_fmt(sd)} 不在{what}范围 {rng} 内"
                                         f"（分值 {_fmt(w)}，三档下限 {low:.0%}/{mid:.0%}）", row, "score"))
    if "code" in df:
        dup = df["code"][df["code"].duplicated(keep="first") & df["code"].astype(bool)]
        for row, code in dup.items():
            probs.append(Problem(f"指标编码「{code}」重复", row, "code"))
    if not any(p.column == "weight" for p in probs):      # sums of unreadable weights would mislead
        probs += _check_weights(df, scheme)
    if deductions is not None and len(deductions):
        probs += _check_deductions(df, deductions)
    return probs


def _band_limits(grade: str, w: Decimal, scheme: Scheme) -> tuple[Decimal, Decimal]:
    hi, lo = (Decimal(repr(b)) for b in scheme.qualitative_bands)
    return {"达成": (hi * w, w), "部分达成": (lo * w, hi * w), "未达成": (Decimal(0), lo * w)}[grade]


def _check_weights(df: pd.DataFrame, scheme: Scheme) -> list[Problem]:
    probs: list[Problem] = []
    total = _dec(scheme.total)
    weights = df["weight"].map(_dec)
    got = sum(weights, Decimal(0))
    if got != total:
        probs.append(Problem(f"全部三级指标分值合计为 {_fmt(got)}，应为 {_fmt(total)}", None, "weight"))
    level1 = df["level1"].map(lambda x: scheme.canonical_level1(x) or x)
    by_l1 = weights.groupby(level1, sort=False).sum()
    fixed = dict(scheme.level1_weights)
    for l1, want in fixed.items():
        have = by_l1.get(l1, Decimal(0))
        if have != _dec(want):
            probs.append(Problem(f"一级指标「{l1}」下三级指标分值合计为 {_fmt(have)}，"
                                 f"评分方案 {scheme.name} 规定为 {_fmt(_dec(want))}", None, "weight"))
    for col, keys, label in (("level1_weight", [level1], "一级指标"),
                             ("level2_weight", [level1, df["level2"]], "二级指标")):
        if col not in df or df[col].isna().all():
            continue
        parents: dict[Any, Decimal] = {}
        for row, r in df.iterrows():
            key = tuple(k[row] for k in keys)
            v = r[col]
            name = "／".join(str(k) for k in key)
            if _missing(v):
                probs.append(Problem(f"{label}分值为空（同一{label}「{name}」的其他行已填写）", row, col))
            elif key in parents and parents[key] != _dec(v):
                probs.append(Problem(f"{label}「{name}」的分值 {_fmt(v)} 与前面的行"
                                     f"（{_fmt(parents[key])}）不一致", row, col))
            else:
                parents.setdefault(key, _dec(v))
        sums = weights.groupby(keys, sort=False).sum()
        for key, want in parents.items():
            have = sums[key if len(key) > 1 else key[0]]
            if have != want:
                name = "／".join(str(k) for k in key)
                probs.append(Problem(f"{label}「{name}」分值为 {_fmt(want)}，其下三级指标合计为 {_fmt(have)}",
                                     None, col))
        if col == "level1_weight":
            s1 = sum(parents.values(), Decimal(0))
            if s1 != total and not any(p.column == col for p in probs):
                probs.append(Problem(f"一级指标分值合计为 {_fmt(s1)}，应为 {_fmt(total)}", None, col))
    if scheme.min_output_benefit is not None and scheme.output_benefit and got > 0:
        ob = sum((by_l1.get(k, Decimal(0)) for k in scheme.output_benefit), Decimal(0))
        share = ob / got * 100
        if share < _dec(scheme.min_output_benefit):
            probs.append(Problem(f"{'与'.join(scheme.output_benefit)}指标分值合计占 {float(share):.2f}%，"
                                 f"低于规定的 {_fmt(_dec(scheme.min_output_benefit))}%（财预〔2020〕10号）",
                                 None, "weight"))
    return probs


def _check_deductions(df: pd.DataFrame, ded: pd.DataFrame) -> list[Problem]:
    probs = []
    kinds = dict(zip(df.get("code", pd.Series(dtype=str)), df["type"]))
    for row, r in ded.iterrows():
        code = r.get("code")
        if _missing(code):
            probs.append(Problem("指标编码不能为空", row, "code", "deductions"))
        elif code not in kinds:
            probs.append(Problem(f"指标体系中没有编码为「{code}」的指标", row, "code", "deductions"))
        elif kinds[code] not in ("扣分", ""):                 # "" : an unreadable type, reported already
            probs.append(Problem(f"指标「{code}」的类型是{kinds[code]}，不是扣分指标", row, "code", "deductions"))
        p = r.get("points")
        if _missing(p):
            probs.append(Problem("扣分不能为空", row, "points", "deductions"))
        elif p <= 0:
            probs.append(Problem(f"扣分必须为正数，实际为 {_fmt(p)}", row, "points", "deductions"))
        if _missing(r.get("reason")):
            probs.append(Problem("每条扣分必须写明扣分原因", row, "reason", "deductions"))
    return probs


