"""Property-based fuzzing of every public analysis function.

Each property starts from a valid input, spoils it with one hostile change (an empty table, one row,
NaN, ±inf, None, a negative amount, zeros, 1e300 and 1e-300, text and full-width digits in a number
column, an object column, a duplicate id, a wrong column name, a matrix that is not reciprocal ...)
and calls the function with RuntimeWarnings turned into errors. The only acceptable outcomes are a
result whose headline numbers are finite (or None / NaN where the function documents it, with its
note), or an :class:`InputError` whose message is Chinese and names the argument or column at fault.
Any other exception, an escaping RuntimeWarning or a silent NaN/inf headline fails the property.

The example counts come from the hypothesis profile (tests/conftest.py): ``ci`` by default,
``EVALKIT_FUZZ=long`` for many more. The example-based tests at the end pin each bug these
properties found, with the message the user now sees.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

import evalkit as ek
from evalkit.errors import CaseError, InputError
from evalkit.report import sentences

CJK = re.compile(r"[\u4e00-\u9fff]")
SLOW = settings(max_examples=max(10, settings().max_examples // 5))

# Values that do not belong in a number column, or sit at the edge of what a float can hold.
HOSTILE_NUMBERS = [math.nan, math.inf, -math.inf, -1.0, -1e300, 0.0, -0.0, 1e300, 1e-300, 5e-324,
                   1.7976931348623157e308, 1e15, -1e-9]
HOSTILE_OTHER = [None, pd.NA, pd.NaT, "", "  ", "abc", "１２", "１２．５", "1,200", "85%", "3", " 4 ", "nan", "inf",
                 "1e400", "1_000", "٣", True, False, np.True_, [1], {"a": 1}, 10 ** 400, np.int64(7), np.float32(2.5),
                 complex(1, 1), pd.Timestamp("2024-01-01"), Decimal("2.5"), b"12"]
hostile_cell = st.one_of(st.sampled_from(HOSTILE_NUMBERS + HOSTILE_OTHER), st.floats(), st.integers(-10 ** 20, 10 ** 20),
                         st.text(max_size=4))
# Mistyped or extreme scalar arguments.
hostile_scalar = st.one_of(st.sampled_from(HOSTILE_NUMBERS + HOSTILE_OTHER + [-2, 2, 100, 0.5, "0.08", "8%"]),
                           st.floats())


# ----------------------------------------------------------------------------------------------
# The property every call must satisfy


def outcome(call, names: Any = (), *, refused: bool = False) -> Any:
    """The result of ``call()``, or None when it raised an InputError/CaseError whose message is Chinese
    and names one of ``names`` (the arguments or columns that were spoilt). Anything else escapes; with
    ``refused`` (a value went in that no number column may take) a result is a silent guess and fails."""
    names = [str(n) for n in ([names] if isinstance(names, str) else names)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            res = call()
            assert not refused, "a value that must be refused (text, bool, ±inf ...) was read as a number"
            event("result")
            return res
        except (InputError, CaseError) as exc:
            event("InputError")
            msg = str(exc)
            note(f"InputError: {msg}")
            assert CJK.search(msg), f"message not in Chinese: {msg}"
            if names:
                assert any(n in msg for n in names), f"message names none of {names}: {msg}"
            return None


def finite(*values: Any, allow_none: bool = False) -> None:
    for v in values:
        if v is None and allow_none:
            continue
        assert v is not None, "a headline figure is None"
        assert isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool), repr(v)
        assert math.isfinite(float(v)), f"a headline figure is {v!r}"


def finite_or_none(*values: Any) -> None:
    finite(*values, allow_none=True)


def finite_column(frame: pd.DataFrame, *cols: str, nan_ok: bool = False) -> None:
    for c in cols:
        v = pd.to_numeric(frame[c], errors="raise").to_numpy(dtype=float)
        if nan_ok:
            v = v[~np.isnan(v)]
        assert np.isfinite(v).all(), f"column {c} has {v}"


# ----------------------------------------------------------------------------------------------
# Spoiling a valid table


def must_refuse(v: Any) -> bool:
    """A value no number column may take silently: anything but a finite number, the text of a plain
    half-width number, or a missing value (None, NaN, blank), which a function may leave out."""
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return False
    if isinstance(v, (bool, np.bool_)):
        return True
    if isinstance(v, str):
        t = v.strip()
        if not t:
            return False
        if re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", t):
            return not math.isfinite(float(t))
        return True
    if isinstance(v, (int, float, np.integer, np.floating, Decimal)):
        try:
            return not math.isfinite(float(v))
        except OverflowError:
            return True
    return True


def _set_cell(df: pd.DataFrame, i: int, col: str, v: Any) -> pd.DataFrame:
    df = df.copy()
    df[col] = df[col].astype(object)
    df.iat[i, df.columns.get_loc(col)] = v
    return df


@st.composite
def spoilt(draw, df: pd.DataFrame, *, arg: str, cols: list[str], key: str | None = None,
           labels: tuple[str, ...] = ()) -> tuple[Any, list[str], bool]:
    """One hostile change to ``df`` (columns ``cols`` are spoilt, ``key`` is the id column, ``labels``
    columns may hold text), the names a message about it may cite, and whether the change put in a
    value that must be refused."""
    kinds = ["none", "cell", "cell", "cell", "cells", "text", "drop", "rename", "empty", "one_row", "constant", "zeros",
             "scale", "negate", "not_a_frame", "nan_row", "object", "dup_column", "index", "dtype"]
    if key is not None:
        kinds += ["duplicate", "key_cell"]
    kind = draw(st.sampled_from(kinds))
    note(f"spoil: {kind}")
    n = len(df)
    col = draw(st.sampled_from(cols))
    if kind == "none":
        return df, [], False
    if kind == "cell":
        i = draw(st.integers(0, n - 1))
        v = draw(hostile_cell)
        note(f"{col}[{i}] = {v!r}")
        return _set_cell(df, i, col, v), [col], col not in labels and must_refuse(v)
    if kind == "cells":
        v = draw(hostile_cell)
        out = df
        for i in draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True)):
            out = _set_cell(out, i, col, v)
        note(f"{col}[...] = {v!r}")
        return out, [col], col not in labels and must_refuse(v)
    if kind == "text":                    # the whole column as text, the way a CSV read as str gives it
        grouped = draw(st.booleans())
        text = df[col].map(lambda v: f"{v:,}" if grouped and isinstance(v, (int, float)) else str(v))
        return df.assign(**{col: text}), [col], col not in labels and text.str.contains(",").any()
    if kind == "object":
        return df.astype(object), [], False
    if kind == "dup_column":              # two columns of one name
        return pd.concat([df, df[[col]]], axis=1), [col], False
    if kind == "index":                   # an index that is not 0, 1, 2 …: repeated labels or text
        index = draw(st.sampled_from([["x"] * n, [f"行{i}" for i in range(n)], list(range(n, 0, -1))]))
        return df.set_axis(index, axis=0), [arg], False
    if kind == "dtype":                   # the same numbers in another pandas dtype
        dtype = draw(st.sampled_from(["category", "Float64", "string", "float32"]))
        try:
            return df.assign(**{col: df[col].astype(dtype)}), [col], False
        except (TypeError, ValueError):
            return df, [], False
    if kind == "drop":
        return df.drop(columns=[col]), [col], False
    if kind == "rename":
        new = draw(st.sampled_from([col.upper() + "_", " " + col, col + " ", "１２"]))
        return df.rename(columns={col: new}), [col], False
    if kind == "empty":
        return df.iloc[:0], [arg], False
    if kind == "one_row":
        return df.iloc[:1], [arg], False
    if kind == "constant":
        return df.assign(**{col: df[col].iloc[0]}), [col], False
    if kind == "zeros":
        return df.assign(**{col: 0.0}), [col], False
    if kind == "scale":
        factor = draw(st.sampled_from([1e300, 1e-300, 1e150, 1e-150, 1e15]))
        return df.assign(**{col: pd.to_numeric(df[col]) * factor}), [col], False
    if kind == "negate":
        return df.assign(**{col: -pd.to_numeric(df[col])}), [col], False
    if kind == "not_a_frame":
        return draw(st.sampled_from([df.to_dict("list"), df.to_numpy(), None, "table.csv", list(df.columns)])), [arg], False
    if kind == "nan_row":
        i = draw(st.integers(0, n - 1))
        out = df.copy().astype({c: object for c in cols})
        for c in cols:
            out.iat[i, out.columns.get_loc(c)] = np.nan
        return out, [*cols, arg], False
    if kind == "duplicate":
        i = draw(st.integers(0, n - 1))
        return pd.concat([df, df.iloc[[i]]], ignore_index=True), [key, arg], False
    # key_cell
    i = draw(st.integers(0, n - 1))
    return _set_cell(df, i, key, draw(hostile_cell)), [key], False


# ----------------------------------------------------------------------------------------------
# 成本效益分析法 and 最低成本法

def plain(low: float, high: float) -> st.SearchStrategy[float]:
    """Ordinary numbers for the valid starting point (three decimals: no subnormals, nothing odd)."""
    return st.floats(low, high).map(lambda v: round(v, 3))


amount = plain(0, 1e6)


@st.composite
def flows_tables(draw, min_rows: int = 1) -> pd.DataFrame:
    n = draw(st.integers(min_rows, 12))
    start = draw(st.integers(1990, 2100))
    return pd.DataFrame({"year": range(start, start + n),
                         "cost": draw(st.lists(amount, min_size=n, max_size=n)),
                         "benefit": draw(st.lists(amount, min_size=n, max_size=n))})


rates = st.one_of(plain(-0.99, 2.0), hostile_scalar)


def check_cost_benefit(res: ek.costbenefit.CostBenefitResult) -> None:
    finite(res.npv, res.pv_benefit, res.pv_cost, res.discount_rate)
    finite_or_none(res.bcr, res.modified_bcr, res.irr, res.payback, res.discounted_payback)
    assert all(math.isfinite(r) for r in res.irrs)
    finite_column(res.flows, "cost", "benefit", "net", "factor", "pv_cost", "pv_benefit", "pv_net",
                  "cumulative_net", "cumulative_pv_net")
    finite_column(res.items, "total", "pv")
    if res.irr is None:
        assert any("内部收益率" in n for n in res.notes), res.notes


@given(data=st.data())
def test_cost_benefit_survives_hostile_flows(data):
    refused = False
    flows = data.draw(flows_tables())
    which = data.draw(st.sampled_from(["flows", "flows", "rate", "convention"]))
    rate, convention, names = 0.08, "end-of-year", []
    if which == "flows":
        flows, names, refused = data.draw(spoilt(flows, arg="flows", cols=["year", "cost", "benefit"], key="year"))
    elif which == "rate":
        rate, names = data.draw(rates), ["discount_rate"]
    else:
        convention, names = data.draw(st.sampled_from(["end-of-year", "year-0", "begin", "", None, 1])), ["convention"]
    res = outcome(lambda: ek.cost_benefit(flows, discount_rate=rate, convention=convention), names, refused=refused)
    if res is not None:
        check_cost_benefit(res)


@given(net=st.lists(st.one_of(plain(-1e6, 1e6), st.sampled_from(HOSTILE_NUMBERS)), max_size=40))
def test_irr_all_survives_hostile_flows(net):
    res = outcome(lambda: ek.irr_all(net), ["net"])
    if res is not None:
        assert all(math.isfinite(r) and -0.99 < r < 10 for r in res)


@given(data=st.data())
def test_irr_all_survives_mistyped_arguments(data):
    net = data.draw(st.one_of(st.just([-100, 60, 60]), st.sampled_from([None, "abc", [], [[1, 2]], {"a": 1}, 5,
                                                                        ["-100", "60"], [True, False], [None, 1]])))
    bounds = data.draw(st.one_of(st.just((-0.99, 10.0)), st.sampled_from([(1, 0), (0,), None, "x", (math.nan, 1),
                                                                           (-5, 5), (0.1, math.inf)])))
    res = outcome(lambda: ek.irr_all(net, bounds=bounds), ["net", "bounds"])
    if res is not None:
        assert all(math.isfinite(r) for r in res)


@given(data=st.data())
def test_appraise_survives_hostile_input(data):
    refused = False
    flows = data.draw(flows_tables())
    which = data.draw(st.sampled_from(["flows", "discount_rate", "kind", "payback", "long_lived"]))
    kw: dict[str, Any] = {"kind": "economic"}
    names: list[str] = []
    if which == "flows":
        flows, names, refused = data.draw(spoilt(flows, arg="flows", cols=["year", "cost", "benefit"], key="year"))
    elif which == "discount_rate":
        kw.update(kind=data.draw(st.sampled_from(["economic", "financial"])), discount_rate=data.draw(rates))
        names = ["discount_rate"]
    elif which == "kind":
        kw["kind"] = data.draw(st.sampled_from(["financial", "economics", "", None]))
        names = ["kind", "discount_rate"]
    elif which == "payback":
        kw["payback_benchmark"] = data.draw(hostile_scalar)
        names = ["payback_benchmark"]
    else:
        kw["long_lived"] = data.draw(st.sampled_from([True, "yes", None, 1]))
        names = ["long_lived"]
    res = outcome(lambda: ek.appraise(flows, **kw), names, refused=refused)
    if res is not None:
        for run in res.runs:
            check_cost_benefit(run)
        v = res.verdicts
        for val, passed in zip(v["value"], v["passed"]):
            finite_or_none(None if val is None or (isinstance(val, float) and math.isnan(val)) else val)
            assert passed in (True, False, None) or (isinstance(passed, float) and math.isnan(passed))
        assert isinstance(res.accepted, bool)


@given(data=st.data())
def test_sensitivity_survives_hostile_input(data):
    refused = False
    flows = data.draw(flows_tables())
    which = data.draw(st.sampled_from(["flows", "flows", "rate", "changes", "variables"]))
    kw: dict[str, Any] = {"discount_rate": 0.08}
    names: list[str] = []
    if which == "flows":
        flows, names, refused = data.draw(spoilt(flows, arg="flows", cols=["year", "cost", "benefit"], key="year"))
    elif which == "rate":
        kw["discount_rate"], names = data.draw(rates), ["discount_rate"]
    elif which == "changes":
        kw["changes"] = data.draw(st.one_of(st.lists(st.one_of(plain(-0.9, 1.0), hostile_scalar), max_size=5),
                                            st.sampled_from([None, 0.1, "0.1", ()])))
        names = ["changes"]
    else:
        kw["variables"] = data.draw(st.sampled_from([[], ["cost", "cost"], ["x"], "cost", ["costs"], ["benefits"], None,
                                                     [1], ["benefit", "costs"]]))
        names = ["variables"]
    res = outcome(lambda: ek.sensitivity(flows, **kw), names, refused=refused)
    if res is not None:
        finite(res.base_npv, res.discount_rate)
        finite_or_none(res.base_irr)
        finite_column(res.results, "change", "npv")
        finite_column(res.results, "npv_change", nan_ok=True)
        finite_column(res.switching, "pv")
        finite_column(res.switching, "switching_value", nan_ok=True)
        assert all(math.isfinite(c) for c in res.changes)


distribution_specs = st.one_of(
    st.fixed_dictionaries({"distribution": st.just("triangular"), "low": plain(0, 1), "mode": plain(0, 2),
                           "high": plain(0, 3)}),
    st.fixed_dictionaries({"distribution": st.just("pert"), "low": plain(0, 1), "mode": plain(0, 2),
                           "high": plain(0, 3)}),
    st.fixed_dictionaries({"distribution": st.just("uniform"), "low": plain(0, 1), "high": plain(0, 3)}),
    st.fixed_dictionaries({"distribution": st.just("normal"), "mean": plain(0, 2), "sd": plain(0, 1)}),
)


@st.composite
def hostile_distribution(draw) -> Any:
    spec = dict(draw(distribution_specs))
    kind = draw(st.sampled_from(["none", "value", "kind", "drop", "type"]))
    if kind == "value":
        key = draw(st.sampled_from(sorted(k for k in spec if k != "distribution")))
        spec[key] = draw(hostile_scalar)
    elif kind == "kind":
        spec["distribution"] = draw(st.sampled_from(["gamma", "", None, 3, "Normal", "三角"]))
    elif kind == "drop":
        spec.pop(draw(st.sampled_from(sorted(spec))))
    elif kind == "type":
        return draw(st.sampled_from([None, 3, "normal", [1, 2], ("uniform", 0, 1)]))
    return spec


@given(data=st.data())
def test_risk_survives_hostile_input(data):
    refused = False
    flows = data.draw(flows_tables())
    which = data.draw(st.sampled_from(["flows", "dist", "dist", "dists", "draws", "seed", "rate"]))
    kw: dict[str, Any] = {"discount_rate": 0.08, "draws": 200,
                          "distributions": {"benefit": {"distribution": "uniform", "low": 0.8, "high": 1.2}}}
    names: list[str] = []
    if which == "flows":
        flows, names, refused = data.draw(spoilt(flows, arg="flows", cols=["year", "cost", "benefit"], key="year"))
    elif which == "dist":
        kw["distributions"] = {data.draw(st.sampled_from(["cost", "benefit"])): data.draw(hostile_distribution())}
        names = ["distributions"]
    elif which == "dists":
        kw["distributions"] = data.draw(st.sampled_from([None, [], "benefit", {}, {"x": {"distribution": "normal"}},
                                                         pd.DataFrame({"item": ["benefit"]}),
                                                         pd.DataFrame(columns=["item", "distribution"]),
                                                         {1: {"distribution": "uniform", "low": 0, "high": 1}}]))
        names = ["distributions"]
    elif which == "draws":
        kw["draws"], names = data.draw(st.one_of(st.integers(-5, 3), hostile_scalar)), ["draws"]
    elif which == "seed":
        kw["seed"], names = data.draw(st.one_of(st.integers(-5, 3), hostile_scalar)), ["seed"]
    else:
        kw["discount_rate"], names = data.draw(rates), ["discount_rate"]
    res = outcome(lambda: ek.risk(flows, **kw), names, refused=refused)
    if res is not None:
        finite(res.mean, res.p5, res.p50, res.p95, res.prob_negative, res.expected_npv, res.base_npv, res.discount_rate)
        finite_or_none(res.sd)
        assert np.isfinite(res.npvs).all()
        assert 0 <= res.prob_negative <= 1


@st.composite
def alternatives_tables(draw) -> pd.DataFrame:
    n = draw(st.integers(1, 6))
    return pd.DataFrame({"name": [f"方案{i}" for i in range(n)],
                         "cost": draw(st.lists(plain(0, 1e6), min_size=n, max_size=n)),
                         "effect": draw(st.lists(plain(0.01, 1e4), min_size=n, max_size=n))})


@given(data=st.data())
def test_least_cost_survives_hostile_alternatives(data):
    refused = False
    alt = data.draw(alternatives_tables())
    alt, names, refused = data.draw(spoilt(alt, arg="alternatives", cols=["cost", "effect"], key="name"))
    res = outcome(lambda: ek.least_cost(alt), names, refused=refused)
    if res is not None:
        t = res.table()
        finite_column(t, "cost_per_effect", "gap", "rank")
        finite_column(t, "icer", nan_ok=True)
        assert isinstance(res.cheapest, str)


@given(cost=st.one_of(plain(0, 1e9), hostile_scalar), output=st.one_of(plain(0, 1e9), hostile_scalar))
def test_unit_cost_survives_hostile_values(cost, output):
    res = outcome(lambda: ek.unit_cost(cost, output), ["cost", "output"])
    if res is not None:
        finite(res)


# ----------------------------------------------------------------------------------------------
# 比较法


@st.composite
def indicator_tables(draw) -> pd.DataFrame:
    n = draw(st.integers(1, 6))
    return pd.DataFrame({"code": [f"C{i}" for i in range(n)], "name": [f"指标{i}" for i in range(n)],
                         "direction": draw(st.lists(st.sampled_from(["正向", "反向", "等于", ""]), min_size=n, max_size=n)),
                         "target": draw(st.lists(plain(-100, 1e4), min_size=n, max_size=n)),
                         "actual": draw(st.lists(plain(-100, 1e4), min_size=n, max_size=n))})


@given(data=st.data())
def test_plan_vs_actual_survives_hostile_indicators(data):
    refused = False
    t = data.draw(indicator_tables())
    which = data.draw(st.sampled_from(["table", "table", "direction", "overachievement_ratio"]))
    kw: dict[str, Any] = {}
    names: list[str] = []
    if which == "table":
        t, names, refused = data.draw(spoilt(t, arg="indicators", cols=["target", "actual"], key="name"))
    elif which == "direction":
        t = _set_cell(t, 0, "direction", data.draw(st.sampled_from(["反", "negative", None, 1, "正向 ", "＋"])))
        names = ["direction"]
    else:
        kw["overachievement_ratio"], names = data.draw(hostile_scalar), ["overachievement_ratio"]
    res = outcome(lambda: ek.plan_vs_actual(t, **kw), names, refused=refused)
    if res is not None:
        tab = res.table()
        finite_column(tab, "target", "actual", "deviation")
        finite_column(tab, "completion", nan_ok=True)
        assert set(tab["flag"]) <= {"", "未完成", "超额需说明"}
        assert set(tab["direction"]) <= {"正向", "反向", "等于"}
        assert res.notes


@st.composite
def history_tables(draw) -> pd.DataFrame:
    n = draw(st.integers(2, 8))
    start = draw(st.integers(2000, 2030))
    return pd.DataFrame({"period": range(start, start + n), "v": draw(st.lists(plain(-1e4, 1e4), min_size=n,
                                                                                max_size=n))})


@given(data=st.data())
def test_trend_survives_hostile_history(data):
    refused = False
    h = data.draw(history_tables())
    which = data.draw(st.sampled_from(["table", "table", "current_period", "measure", "direction", "long"]))
    kw: dict[str, Any] = {"measure": "v"}
    names: list[str] = []
    if which == "table":
        h, names, refused = data.draw(spoilt(h, arg="history", cols=["v", "period"], key="period", labels=("period",)))
    elif which == "current_period":
        kw["current_period"], names = data.draw(st.one_of(hostile_scalar, st.integers(1990, 2040))), ["current_period", "期间"]
    elif which == "measure":
        kw["measure"], names = data.draw(st.sampled_from(["w", "V", "", "period"])), ["measure", "history"]
    elif which == "direction":
        kw["direction"], names = data.draw(st.sampled_from(["正", "higher", None])), ["direction"]
    else:
        long = h.melt(id_vars="period", var_name="measure", value_name="value")
        h, names, refused = data.draw(spoilt(long, arg="history", cols=["value", "period"], key="period",
                                                 labels=("period",)))
        kw["value"] = "value"
    res = outcome(lambda: ek.trend(h, **kw), names, refused=refused)
    if res is not None:
        finite(res.current)
        finite_or_none(res.previous, res.change, res.growth, res.cagr, res.historical_standard, res.historical_best)
        finite_column(res.table(), "value")
        finite_column(res.table(), "change", "growth", nan_ok=True)
        assert CJK.search(sentences.trend(res))


@st.composite
def peer_tables(draw) -> pd.DataFrame:
    n = draw(st.integers(2, 8))
    return pd.DataFrame({"unit": [f"县{i}" for i in range(n)], "cost": draw(st.lists(plain(0, 1e6), min_size=n, max_size=n)),
                         "people": draw(st.lists(plain(0.5, 100), min_size=n, max_size=n)),
                         "is_self": [True] + [False] * (n - 1)})


@given(data=st.data())
def test_peer_comparison_survives_hostile_peers(data):
    refused = False
    p = data.draw(peer_tables())
    which = data.draw(st.sampled_from(["table", "table", "self", "is_self", "per"]))
    kw: dict[str, Any] = {"measure": "cost", "per": data.draw(st.sampled_from([None, "people"]))}
    names: list[str] = []
    if which == "table":
        p, names, refused = data.draw(spoilt(p, arg="peers", cols=["cost", "people"] if kw["per"] else ["cost"],
                                                 key="unit"))
    elif which == "self":
        kw["self_unit"], names = data.draw(st.sampled_from(["县0", "县9", "", None, 0])), ["self_unit", "县9", "单位"]
    elif which == "is_self":
        p = p.assign(is_self=data.draw(st.sampled_from([["是"] + ["否"] * (len(p) - 1), [True] * len(p),
                                                        [np.nan] * len(p), [1] + [0] * (len(p) - 1)])))
        names = ["is_self"]
    else:
        kw["per"], names = data.draw(st.sampled_from(["cost", "unit", "x"])), ["per", "cost", "unit", "x"]
    res = outcome(lambda: ek.peer_comparison(p, **kw), names, refused=refused)
    if res is not None:
        t = res.table()
        finite_column(t, "value", "rank", "percentile", "z")
        assert t["is_self"].sum() <= 1
        said = sentences.peer(res)
        assert (said is None) == (res.self_row is None)
        assert said is None or ("nan" not in said and "inf" not in said), said


samples = st.lists(st.one_of(plain(-1e3, 1e3), st.sampled_from([1.0, 2.0, 3.0])), max_size=38).map(
    lambda xs: [*xs, 1.0, 2.5])          # never all equal


@given(data=st.data())
def test_group_test_survives_hostile_samples(data):
    a, b = data.draw(samples), data.draw(samples)
    which = data.draw(st.sampled_from(["a", "a", "b", "type", "kind", "confidence", "labels", "categories"]))
    kw: dict[str, Any] = {}
    names: list[str] = []
    if which in ("a", "b"):
        target = a if which == "a" else b
        for i in data.draw(st.lists(st.integers(0, len(target) - 1), min_size=1, max_size=3)):
            target[i] = data.draw(hostile_cell)
        names = [which]
    elif which == "type":
        a = data.draw(st.sampled_from(["abc", None, 5, {"x": 1}, pd.DataFrame({"x": [1, 2]}), np.ones((2, 2)), []]))
        names = ["a"]
    elif which == "kind":
        kw["kind"] = data.draw(st.sampled_from(["auto", "welch", "mannwhitney", "chi2", "t", None]))
        names = ["kind", "a", "b", "数值", "检验"]
    elif which == "confidence":
        kw["confidence"], names = data.draw(hostile_scalar), ["confidence"]
    elif which == "labels":
        kw["labels"], names = data.draw(st.sampled_from([("x",), "ab", None, ("x", "y", "z"), (1, 2)])), ["labels"]
    else:
        a = data.draw(st.lists(st.sampled_from(["是", "否", "不知道"]), min_size=2, max_size=30))
        b = data.draw(st.lists(st.sampled_from(["是", "否"]), min_size=2, max_size=30))
        kw["kind"] = data.draw(st.sampled_from(["auto", "chi2", "welch"]))
        names = ["kind", "类别"]
    res = outcome(lambda: ek.group_test(a, b, **kw), names)
    if res is not None:
        finite(res.statistic, res.p_value)
        assert 0 <= res.p_value <= 1
        finite_or_none(res.dof, res.effect, res.estimate, res.ci_low, res.ci_high)
        said = sentences.group_test(res)
        assert "nan" not in said and "inf" not in said, said


@st.composite
def did_panels(draw) -> pd.DataFrame:
    units = draw(st.integers(4, 10))
    years = draw(st.integers(2, 5))
    policy = draw(st.integers(1, years - 1))
    y = draw(st.lists(plain(-100, 100), min_size=units * years, max_size=units * years))
    rows = [{"unit": f"u{u}", "year": 2015 + t, "treated": int(u < units // 2), "post": int(t >= policy),
             "y": y[u * years + t]} for u in range(units) for t in range(years)]
    return pd.DataFrame(rows)


@SLOW
@given(data=st.data())
def test_diff_in_diff_survives_hostile_panels(data):
    refused = False
    p = data.draw(did_panels())
    which = data.draw(st.sampled_from(["table", "table", "table", "confidence", "options"]))
    kw: dict[str, Any] = {"outcome": "y", "treated": "treated", "post": "post",
                          "cluster": data.draw(st.sampled_from([None, "unit"])),
                          "period": data.draw(st.sampled_from([None, "year"]))}
    names: list[str] = []
    if which == "table":
        p, names, refused = data.draw(spoilt(p, arg="panel", key="unit",
                                                 cols=["y", "treated", "post"] + (["year"] if kw["period"] else [])))
        names += ["政策前后"]
    elif which == "confidence":
        kw["confidence"], names = data.draw(hostile_scalar), ["confidence"]
    else:
        kw[data.draw(st.sampled_from(["outcome", "treated", "post", "cluster", "period"]))] = \
            data.draw(st.sampled_from(["x", "unit", "y", "year"]))
        names = ["panel", "outcome", "treated", "post", "cluster", "period", "unit", "year", "x"]
    res = outcome(lambda: ek.diff_in_diff(p, **kw), names, refused=refused)
    if res is not None:
        finite(res.estimate, res.se, res.p_value, res.ci_low, res.ci_high)
        assert 0 <= res.p_value <= 1
        finite_or_none(res.pretrend_p_value, res.pretrend_slope)
        assert np.isfinite(res.means.to_numpy(dtype=float)).all()
        s = sentences.did(res)
        assert "nan" not in s and "inf" not in s, s


# ----------------------------------------------------------------------------------------------
# 因素分析法


@st.composite
def factor_pairs(draw, positive: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    k = draw(st.integers(2, 5))
    names = [f"因素{i}" for i in range(k)]
    val = plain(0.01, 1e3) if positive else plain(-1e3, 1e3)
    return (dict(zip(names, draw(st.lists(val, min_size=k, max_size=k)))),
            dict(zip(names, draw(st.lists(val, min_size=k, max_size=k)))))


@st.composite
def spoilt_pair(draw, positive: bool = False) -> tuple[Any, Any, list[str], bool]:
    base, current = draw(factor_pairs(positive))
    kind = draw(st.sampled_from(["none", "value", "value", "missing", "extra", "type", "one", "many", "huge",
                                 "series", "zero"]))
    note(f"spoil pair: {kind}")
    target = draw(st.sampled_from(["base", "current"]))
    d = dict(base if target == "base" else current)
    factor = draw(st.sampled_from(sorted(d)))
    names: list[str] = []
    refused = False
    if kind == "value":
        d[factor] = draw(hostile_cell)
        names, refused = [factor], must_refuse(d[factor])
    elif kind == "zero":
        d[factor] = 0.0
        names = [factor]
    elif kind == "missing":
        d.pop(factor)
        names = [factor]
    elif kind == "extra":
        d["多余因素"] = 1.0
        names = ["多余因素"]
    elif kind == "type":
        d = draw(st.sampled_from([None, [1, 2], "产量", 5, pd.DataFrame({"a": [1.0]}), np.array([1.0, 2.0])]))
        names = [target]
    elif kind == "one":
        base, current = {factor: base[factor]}, {factor: current[factor]}
        return base, current, ["因素"], False
    elif kind == "many":
        base = {f"f{i}": 1.0 + i for i in range(9)}
        current = {f"f{i}": 2.0 + i for i in range(9)}
        return base, current, ["因素"], False
    elif kind == "huge":
        d = {k: v * 1e300 if v else 1e300 for k, v in d.items()}
        names = [target]
    elif kind == "series":
        d = pd.Series(d)
    if kind != "none":
        base, current = (d, current) if target == "base" else (base, d)
    return base, current, names, refused


def check_decomposition(res: Any) -> None:
    finite(res.base_value, res.current_value, res.total_change)
    finite_column(res.effects, "effect")
    if res.total_change == 0:
        assert res.effects["share"].isna().all() and any("无法计算" in n for n in res.notes)
    else:
        finite_column(res.effects, "share")
    scale = max(1.0, abs(res.base_value), abs(res.current_value), *np.abs(res.effects["effect"]))
    assert res.effects["effect"].sum() == pytest.approx(res.total_change, abs=1e-9 * scale)


@given(data=st.data())
def test_chain_substitution_survives_hostile_factors(data):
    refused = False
    base, current, names, refused = data.draw(spoilt_pair())
    kw: dict[str, Any] = {"form": data.draw(st.sampled_from(["product", "ratio"]))}
    if data.draw(st.integers(0, 3)) == 0:
        kw["order"] = data.draw(st.sampled_from([None, "因素0", ["因素1", "因素0"], ["因素0", "因素0"], [1, 2], 5]))
        names = names + ["order", "因素"]
    if data.draw(st.integers(0, 9)) == 0:
        kw["form"] = data.draw(st.sampled_from(["sum", "", None, "Product"]))
        names = ["form"]
    res = outcome(lambda: ek.chain_substitution(base, current, **kw), names + ["因素", "base", "current"], refused=refused)
    if res is not None:
        finite(res.base_value, res.current_value, res.total_change)
        finite_column(res.effects, "base", "current", "after", "effect")
        finite_column(res.spread, "min", "max")
        assert np.isfinite(res.shapley.to_numpy()).all()
        if res.total_change != 0:
            finite_column(res.effects, "share")


@st.composite
def factor_tables(draw, positive: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = draw(st.integers(1, 4))
    k = draw(st.integers(2, 4))
    val = plain(0.01, 1e3) if positive else plain(-1e3, 1e3)
    cols = [f"x{j}" for j in range(k)]
    index = [f"行业{i}" for i in range(rows)]
    def make() -> pd.DataFrame:
        values = draw(st.lists(val, min_size=rows * k, max_size=rows * k))
        return pd.DataFrame(np.array(values).reshape(rows, k), columns=cols, index=index)

    return make(), make()


@given(data=st.data())
def test_shapley_and_lmdi_survive_hostile_factors(data):
    refused = False
    fn = data.draw(st.sampled_from([ek.shapley_decomposition, ek.lmdi]))
    positive = fn is ek.lmdi and data.draw(st.booleans())
    if data.draw(st.booleans()):
        base, current, names, refused = data.draw(spoilt_pair(positive))
    else:
        base, current = data.draw(factor_tables(positive))
        if data.draw(st.booleans()):
            base, names, refused = data.draw(spoilt(base, arg="base", cols=list(base.columns)))
        else:
            current, names, refused = data.draw(spoilt(current, arg="current", cols=list(current.columns)))
        names = names + ["行"]
    form = data.draw(st.sampled_from(["product", "ratio"]))
    res = outcome(lambda: fn(base, current, form=form), names + ["因素", "base", "current"], refused=refused)
    if res is not None:
        check_decomposition(res)
        finite_column(res.by_row, *[c for c in res.by_row.columns if c != "row"])


@st.composite
def regression_tables(draw) -> pd.DataFrame:
    k = draw(st.integers(1, 3))
    n = draw(st.integers(k + 2, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    x = rng.normal(size=(n, k))
    y = x @ rng.uniform(-1, 1, size=k) + rng.normal(size=n)
    return pd.DataFrame(np.round(np.column_stack([y, x]), 3), columns=["y", *(f"x{j}" for j in range(k))])


@given(data=st.data())
def test_drivers_survives_hostile_data(data):
    refused = False
    d = data.draw(regression_tables())
    predictors = [c for c in d.columns if c != "y"]
    which = data.draw(st.sampled_from(["table", "table", "table", "predictors", "confidence", "collinear"]))
    kw: dict[str, Any] = {"outcome": "y", "predictors": predictors}
    names: list[str] = []
    if which == "table":
        d, names, refused = data.draw(spoilt(d, arg="data", cols=list(d.columns)))
        names = names + ["predictors", "共线"]
    elif which == "predictors":
        kw["predictors"] = data.draw(st.sampled_from([[], "x0", ["y"], ["x0", "x0"], ["z"], None, [1], [f"x{i}" for i in range(13)]]))
        names = ["predictors", "outcome", "预测变量", "data"]
    elif which == "confidence":
        kw["confidence"], names = data.draw(hostile_scalar), ["confidence"]
    else:                                   # a predictor that is a linear combination of the others
        d = d.assign(z=2 * d["x0"] - 1 + (d[predictors[-1]] if len(predictors) > 1 else 0))
        kw["predictors"] = [*predictors, "z"]
        names = ["共线", "data"]
    res = outcome(lambda: ek.drivers(d, **kw), names, refused=refused)
    if res is not None:
        finite(res.r2, res.adj_r2)
        c = res.coefficients
        finite_column(c, "coef", "se", "t", "p_value", "ci_low", "ci_high")
        finite_column(c.iloc[1:], "beta", "lmg")
        finite_column(c.iloc[1:], "lmg_share", nan_ok=any("R² 为 0" in n for n in res.notes))
        assert 0 <= res.r2 <= 1 + 1e-12


@st.composite
def item_tables(draw) -> pd.DataFrame:
    p = draw(st.integers(3, 5))
    n = draw(st.integers(p + 1, 30))
    seed = draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 1))
    x = f @ rng.uniform(0.3, 0.9, size=(1, p)) + rng.normal(scale=0.6, size=(n, p))
    return pd.DataFrame(np.round(x, 3), columns=[f"q{j}" for j in range(p)])


@SLOW
@given(data=st.data())
def test_exploratory_factor_analysis_survives_hostile_items(data):
    refused = False
    items = data.draw(item_tables())
    which = data.draw(st.sampled_from(["table", "table", "table", "n_factors", "rotation", "draws", "seed",
                                       "singular"]))
    kw: dict[str, Any] = {"draws": 10}
    names: list[str] = []
    if which == "table":
        items, names, refused = data.draw(spoilt(items, arg="items", cols=list(items.columns)))
        names = names + ["奇异", "items"]
    elif which == "n_factors":
        kw["n_factors"], names = data.draw(st.one_of(hostile_scalar, st.integers(-1, 6))), ["n_factors"]
    elif which == "rotation":
        kw["rotation"] = data.draw(st.sampled_from(["varimax", "promax", None, "oblimin", "", 1]))
        kw["n_factors"] = data.draw(st.sampled_from([None, 1, 2]))
        names = ["rotation", "n_factors"]
    elif which == "draws":
        kw["draws"], names = data.draw(st.one_of(hostile_scalar, st.integers(-2, 3))), ["draws"]
    elif which == "seed":
        kw["seed"], names = data.draw(st.one_of(hostile_scalar, st.integers(-3, 3))), ["seed"]
    else:                                   # an item that is the sum of two others: a singular correlation matrix
        items = items.assign(q_sum=items["q0"] + items["q1"])
        names = ["奇异", "items"]
    res = outcome(lambda: ek.exploratory_factor_analysis(items, **kw), names, refused=refused)
    if res is not None:
        finite(res.kmo, res.bartlett_chi2, res.bartlett_p_value)
        assert np.isfinite(res.loadings.to_numpy()).all()
        assert np.isfinite(res.communalities.to_numpy()).all()
        assert np.isfinite(res.kmo_items.to_numpy()).all()
        assert np.isfinite(res.factor_correlations.to_numpy()).all()
        finite_column(res.eigenvalues, "eigenvalue", "proportion", "cumulative", "threshold")


# ----------------------------------------------------------------------------------------------
# 标杆管理法


@st.composite
def gap_tables(draw) -> pd.DataFrame:
    n = draw(st.integers(2, 8))
    return pd.DataFrame({"unit": [f"县{i}" for i in range(n)],
                         "覆盖率": draw(st.lists(plain(0, 1), min_size=n, max_size=n)),
                         "单位成本": draw(st.lists(plain(-10, 500), min_size=n, max_size=n))})


@given(data=st.data())
def test_benchmark_gaps_survive_hostile_data(data):
    refused = False
    d = data.draw(gap_tables())
    kw: dict[str, Any] = {"measures": ["覆盖率", "单位成本"], "directions": {"单位成本": "反向"},
                          "benchmark": data.draw(st.sampled_from(["best", "percentile", "standard"]))}
    if kw["benchmark"] == "standard":
        kw["standard"] = {"覆盖率": 0.9, "单位成本": 100.0}
    which = data.draw(st.sampled_from(["table", "table", "percentile", "standard", "directions", "measures", "method"]))
    names: list[str] = []
    if which == "table":
        d, names, refused = data.draw(spoilt(d, arg="data", cols=["覆盖率", "单位成本"], key="unit"))
        names = names + ["单位"]
    elif which == "percentile":
        kw.update(benchmark="percentile", standard=None, percentile=data.draw(hostile_scalar))
        names = ["percentile"]
    elif which == "standard":
        kw.update(benchmark="standard", standard=data.draw(st.sampled_from([
            None, {"覆盖率": 0.9}, {"覆盖率": "90%", "单位成本": 100}, {"覆盖率": math.nan, "单位成本": 1},
            {"覆盖率": 0.9, "单位成本": 100, "x": 1}, [0.9, 100], {"覆盖率": True, "单位成本": 100},
            {"覆盖率": 0.0, "单位成本": -5.0}, {"覆盖率": 1e-300, "单位成本": 1e300}])))
        names = ["standard"]
    elif which == "directions":
        kw["directions"] = data.draw(st.sampled_from([{"单位成本": "反"}, {"x": "正向"}, ["反向"], "反向", None,
                                                      {"单位成本": None}]))
        names = ["directions"]
    elif which == "measures":
        kw["measures"] = data.draw(st.sampled_from([[], "覆盖率", ["覆盖率", "覆盖率"], ["x"], None, ["unit"], [1]]))
        names = ["measures", "data", "unit"]
    else:
        kw.update(benchmark="percentile", standard=None, percentile_method=data.draw(st.sampled_from(["linear", "excel", None])))
        names = ["percentile_method"]
    res = outcome(lambda: ek.benchmark_gaps(d, **kw), names, refused=refused)
    if res is not None:
        t = res.table()
        finite_column(t, "value", "benchmark", "rank")
        nonpositive = any("不为正数" in n for n in res.notes)
        finite_column(t, "gap", nan_ok=nonpositive)
        assert (t["gap"].dropna() >= 0).all()


@st.composite
def dea_frames(draw, n_min: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    m, s = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    n = draw(st.integers(max(n_min, m + s + 1), 12))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    x = np.round(rng.uniform(1, 20, (n, m)), 2)
    y = np.round(rng.uniform(1, 20, (n, s)), 2)
    index = [f"单位{i}" for i in range(n)]
    return (pd.DataFrame(x, columns=[f"x{i}" for i in range(m)], index=index),
            pd.DataFrame(y, columns=[f"y{r}" for r in range(s)], index=index))


@SLOW
@given(data=st.data())
def test_dea_survives_hostile_units(data):
    refused = False
    x, y = data.draw(dea_frames())
    kw: dict[str, Any] = {"returns": data.draw(st.sampled_from(["crs", "vrs"])),
                          "orientation": data.draw(st.sampled_from(["input", "output"])),
                          "super_efficiency": data.draw(st.booleans())}
    which = data.draw(st.sampled_from(["inputs", "inputs", "outputs", "outputs", "names", "options", "zeros"]))
    names: list[str] = []
    if which in ("inputs", "outputs"):
        frame = x if which == "inputs" else y
        frame, names, refused = data.draw(spoilt(frame, arg=which, cols=list(frame.columns)))
        names = names + ["单位", which, "DEA"]
        x, y = (frame, y) if which == "inputs" else (x, frame)
    elif which == "names":
        kw["names"] = data.draw(st.sampled_from([["a"] * len(x), ["a"], [None] * len(x), "abc",
                                                 [f"u{i}" for i in range(len(x))], [math.nan] + list(range(len(x) - 1))]))
        names = ["names", "单位"]
    elif which == "zeros":                  # zero inputs and outputs in some units: allowed where each has one positive
        rng = np.random.default_rng(data.draw(st.integers(0, 99)))
        x = x.where(rng.random(x.shape) > 0.3, 0.0)
        y = y.where(rng.random(y.shape) > 0.3, 0.0)
        names = ["全部为 0", "单位"]
    else:
        key = data.draw(st.sampled_from(["returns", "orientation", "super_efficiency"]))
        kw[key] = data.draw(st.sampled_from(["ccr", "投入", None, "yes", 1]))
        names = [key]
    res = outcome(lambda: ek.dea(x, y, **kw), names, refused=refused)
    if res is not None:
        for s in (res.efficiency, res.crs_efficiency, res.vrs_efficiency, res.scale_efficiency, res.lambda_sum):
            assert np.isfinite(s.to_numpy(dtype=float)).all(), s
        e = res.efficiency.to_numpy(dtype=float)
        assert ((e > 0) & (e <= 1)).all()
        assert np.isfinite(res.input_slacks.to_numpy()).all() and np.isfinite(res.output_slacks.to_numpy()).all()
        assert np.isfinite(res.targets.to_numpy()).all()
        if res.super_efficiency is not None and res.super_efficiency.isna().any():
            assert any("超效率" in n and "无可行解" in n for n in res.notes)
        res.table()


@st.composite
def malmquist_panels(draw) -> pd.DataFrame:
    n = draw(st.integers(3, 8))
    periods = draw(st.integers(2, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    return pd.DataFrame({"unit": [f"u{i}" for _ in range(periods) for i in range(n)],
                         "period": [2020 + t for t in range(periods) for _ in range(n)],
                         "x": np.round(rng.uniform(1, 20, n * periods), 2), "y": np.round(rng.uniform(1, 20, n * periods), 2)})


@SLOW
@given(data=st.data())
def test_malmquist_survives_hostile_panels(data):
    refused = False
    p = data.draw(malmquist_panels())
    kw: dict[str, Any] = {"inputs": ["x"], "outputs": ["y"], "returns": data.draw(st.sampled_from(["crs", "vrs"])),
                          "orientation": data.draw(st.sampled_from(["input", "output"]))}
    which = data.draw(st.sampled_from(["table", "table", "table", "periods", "columns"]))
    names: list[str] = []
    if which == "table":
        p, names, refused = data.draw(spoilt(p, arg="panel", cols=["x", "y", "period"], key="unit", labels=("period",)))
        names = names + ["单位", "期间", "panel"]
    elif which == "periods":
        kw["periods"] = data.draw(st.sampled_from([(2020, 2021), (2020, 2020), (2019, 2020), (2020,), "2020", None,
                                                   [2020, 2021], (2021, 2020)]))
        names = ["periods", "期间"]
    else:
        kw.update(data.draw(st.sampled_from([{"inputs": []}, {"inputs": "x"}, {"inputs": ["x", "x"]}, {"outputs": ["x"]},
                                             {"inputs": ["unit"]}, {"inputs": None}])))
        names = ["inputs", "outputs", "列", "panel", "unit"]
    res = outcome(lambda: ek.malmquist(p, **kw), names, refused=refused)
    if res is not None:
        t = res.table()
        assert np.isfinite(t[["e00", "e11"]].to_numpy(dtype=float)).all()
        if not np.isfinite(t[["ec", "tc", "m"]].to_numpy(dtype=float)).all():
            assert any("无可行解" in n for n in res.notes), res.notes
        if kw["returns"] == "crs":
            assert np.isfinite(t[["ec", "tc", "m", "pech", "sech"]].to_numpy(dtype=float)).all()


# ----------------------------------------------------------------------------------------------
# 公众评判法


@st.composite
def survey_tables(draw) -> pd.DataFrame:
    n = draw(st.integers(2, 40))
    answers = st.lists(st.one_of(st.integers(1, 5), st.none()), min_size=n - 1, max_size=n - 1)
    return pd.DataFrame({"态度": [draw(st.integers(1, 5)), *draw(answers)], "效率": [draw(st.integers(1, 5)), *draw(answers)],
                         "区域": draw(st.lists(st.sampled_from(["城区", "乡镇"]), min_size=n, max_size=n))})


@given(data=st.data())
def test_satisfaction_survives_hostile_responses(data):
    refused = False
    r = data.draw(survey_tables())
    kw: dict[str, Any] = {"items": ["态度", "效率"], "groups": data.draw(st.sampled_from([None, ["区域"]])),
                          "overall": data.draw(st.sampled_from(["pooled", "respondent"]))}
    which = data.draw(st.sampled_from(["table", "table", "table", "scale", "satisfied", "level_scores", "population",
                                       "approached", "confidence", "items", "groups", "group_cell"]))
    names: list[str] = []
    if which == "table":
        r, names, refused = data.draw(spoilt(r, arg="responses", cols=["态度", "效率"]))
        names = names + ["responses"]
    elif which == "scale":
        kw["scale"] = data.draw(st.one_of(hostile_scalar, st.integers(-1, 13)))
        names = ["scale", "responses", "satisfied"]
    elif which == "satisfied":
        kw["satisfied"] = data.draw(st.sampled_from([(5,), (), (4, 6), "45", 4, (4.5,), (4, 4), (True,), None, [0, 5]]))
        names = ["satisfied"]
    elif which == "level_scores":
        kw["level_scores"] = data.draw(st.sampled_from([[1, 2, 3], {1: 0, 2: 25, 3: 50, 4: 75, 5: 100},
                                                        {"一": 1}, [0, 25, 50, 75, math.nan], "abc",
                                                        [0, 25, 50, 75, "100%"], {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6},
                                                        [1e308, 1e308, 1e308, 1e308, 1e308], None]))
        names = ["level_scores"]
    elif which in ("population", "approached"):
        kw[which] = data.draw(st.one_of(hostile_scalar, st.integers(-2, 100), st.just(10 ** 12)))
        names = [which]
    elif which == "confidence":
        kw["confidence"], names = data.draw(hostile_scalar), ["confidence"]
    elif which == "items":
        kw["items"] = data.draw(st.sampled_from([[], "态度", ["态度", "态度"], ["x"], None, ["区域"]]))
        names = ["items", "responses", "groups"]
    elif which == "groups":
        kw["groups"] = data.draw(st.sampled_from([["x"], ["态度"], "区域", ["区域", "区域"]]))
        names = ["groups", "responses"]
    else:
        r = _set_cell(r, data.draw(st.integers(0, len(r) - 1)), "区域", data.draw(hostile_cell))
        kw["groups"], names = ["区域"], ["区域"]
    res = outcome(lambda: ek.satisfaction(r, **kw), names, refused=refused)
    if res is not None:
        for o in (res.overall, res.alternative):
            finite(o.rate, o.ci_low, o.ci_high, o.index, o.effective_n)
            assert 0 <= o.ci_low <= o.rate <= o.ci_high <= 1
            finite_or_none(o.margin)
        t = res.items
        empty = t["n"] == 0
        if empty.any():
            assert any("没有有效答案" in n for n in res.notes)
        finite_column(t[~empty], "rate", "ci_low", "ci_high", "index", "mean")
        if not res.by_group.empty:
            finite_column(res.by_group[res.by_group["n"] > 0], "rate", "ci_low", "ci_high", "index")
        finite_or_none(res.response_rate)
        for r in res.group_tests.itertuples():
            sentence = sentences.survey_group_test(res, r.group, r.item)
            assert not re.search(r"(nan|inf)%|= (nan|inf)", sentence), sentence


@st.composite
def likert_items(draw) -> pd.DataFrame:
    k = draw(st.integers(2, 5))
    n = draw(st.integers(2, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    trait = rng.normal(size=(n, 1))
    x = np.clip(np.round(3 + trait + rng.normal(scale=0.8, size=(n, k))), 1, 5)
    return pd.DataFrame(x, columns=[f"q{j}" for j in range(k)])


@given(data=st.data())
def test_cronbach_alpha_survives_hostile_items(data):
    refused = False
    items = data.draw(likert_items())
    kw: dict[str, Any] = {}
    if data.draw(st.integers(0, 4)) == 0:
        kw["confidence"], names = data.draw(hostile_scalar), ["confidence", "items"]   # the items may have no spread
    else:
        items, names, refused = data.draw(spoilt(items, arg="items", cols=list(items.columns)))
        names = names + ["items"]
    res = outcome(lambda: ek.cronbach_alpha(items, **kw), names, refused=refused)
    if res is not None:
        finite(res.alpha, res.ci_low, res.ci_high)
        assert res.ci_low <= res.ci_high       # Feldt's interval need not hold α at a low confidence
        finite_column(res.item_stats, "mean", "sd")
        st_ = res.item_stats
        if st_["item_total"].isna().any():
            assert any("全部相同" in n and "题总相关无法计算" in n for n in res.notes)
        if res.k > 2:
            finite_column(st_, "alpha_if_deleted", nan_ok=True)


@given(population=st.one_of(st.none(), st.integers(-5, 10 ** 7), hostile_scalar, st.just(10 ** 30)),
       margin=st.one_of(plain(0.001, 0.5), hostile_scalar), confidence=st.one_of(plain(0.5, 0.999), hostile_scalar),
       proportion=st.one_of(plain(0.01, 0.99), hostile_scalar))
def test_sample_size_survives_hostile_arguments(population, margin, confidence, proportion):
    res = outcome(lambda: ek.sample_size(population, margin=margin, confidence=confidence, proportion=proportion),
                  ["population", "margin", "confidence", "proportion"])
    if res is not None:
        assert isinstance(res, int) and res >= 1
        if population is not None:
            assert res <= float(population)


# ----------------------------------------------------------------------------------------------
# 指标权重


def consistent_matrix(w: list[float], labels: list[str]) -> pd.DataFrame:
    a = np.array(w)[:, None] / np.array(w)[None, :]
    return pd.DataFrame(a, index=labels, columns=labels)


@st.composite
def ahp_matrices(draw) -> pd.DataFrame:
    n = draw(st.integers(1, 6))
    labels = [f"准则{i}" for i in range(n)]
    scale = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1 / 2, 1 / 3, 1 / 4, 1 / 5, 1 / 6, 1 / 7, 1 / 8, 1 / 9]
    a = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            a[i, j] = draw(st.sampled_from(scale))
            a[j, i] = 1 / a[i, j]
    return pd.DataFrame(a, index=labels, columns=labels)


@given(data=st.data())
def test_ahp_survives_hostile_judgements(data):
    m = data.draw(ahp_matrices())
    n = len(m)
    kind = data.draw(st.sampled_from(["none", "cell", "cell", "pair", "diagonal", "labels", "shape", "experts",
                                      "ri_table", "type", "text"]))
    kw: dict[str, Any] = {}
    names: list[str] = ["matrix", "判断矩阵"]
    refused = False
    matrix: Any = m
    if kind in ("cell", "pair") and n > 1:
        i, j = data.draw(st.permutations(range(n)))[:2]
        v = data.draw(st.one_of(hostile_cell, st.sampled_from(["1/3", "１／５", "0", "-3", "1/0", "3/", "1e308"])))
        matrix = _set_cell(m, i, m.columns[j], v)
        if kind == "pair":                  # the other side agrees: only the value itself is hostile
            back = v
            try:
                back = 1 / float(v)
            except (TypeError, ValueError, ZeroDivisionError, OverflowError):
                pass
            matrix = _set_cell(matrix, j, m.columns[i], back)
        names, refused = ["行", "列"], not_a_judgement(v)
    elif kind == "diagonal":
        i = data.draw(st.integers(0, n - 1))
        matrix = _set_cell(m, i, m.columns[i], data.draw(st.sampled_from([2.0, 0.0, "1", "１", 1 + 1e-12, math.nan])))
        names = ["对角线", "行", "列"]
    elif kind == "labels":
        matrix = m.rename(columns={m.columns[0]: "别的"}) if data.draw(st.booleans()) else \
            m.set_axis([m.index[0]] * n, axis=0)
        names = ["标签"]
    elif kind == "shape":
        matrix = m.iloc[:, : max(0, n - 1)] if data.draw(st.booleans()) else m.iloc[:0, :0]
        names = ["方阵", "空表", "matrix"]
    elif kind == "experts":
        other = data.draw(st.sampled_from(["same", "other_labels", "empty_list", "not_frame", "reordered"]))
        matrix = {"same": [m, m], "other_labels": [m, m.rename(index=str.upper, columns=str.upper).set_axis(
            [f"x{i}" for i in range(n)], axis=0).set_axis([f"x{i}" for i in range(n)], axis=1)],
                  "empty_list": [], "not_frame": [m, "m"], "reordered": [m, m.iloc[::-1, ::-1]]}[other]
        names = ["专家", "matrix"]
    elif kind == "ri_table":
        kw["ri_table"], names = data.draw(st.sampled_from(["cn", "saaty", "cn-1000", "alonso-lamata", "x", None, 1])), ["ri_table"]
    elif kind == "type":
        matrix = data.draw(st.sampled_from([None, [[1, 2], [0.5, 1]], np.ones((2, 2)), "matrix", {"a": 1}]))
        names = ["matrix"]
    elif kind == "text":
        matrix = m.map(lambda v: str(Fraction_text(v)))
    res = outcome(lambda: ek.ahp(matrix, **kw), names, refused=refused)
    if res is not None:
        w = res.weights.to_numpy()
        assert np.isfinite(w).all() and (w >= 0).all() and w.sum() == pytest.approx(1.0)
        finite(res.lambda_max, res.ri)
        finite_or_none(res.ci, res.cr)
        assert res.verdict in ("通过一致性检验", "未通过一致性检验", "无需检验")
        assert np.isfinite(res.expert_weights.to_numpy()).all()


def not_a_judgement(v: Any) -> bool:
    """A cell no judgement matrix may take: a boolean, text that is no fraction, or a number that is
    not finite and positive."""
    if isinstance(v, (bool, np.bool_)):
        return True
    if isinstance(v, str):
        try:
            f = float(Fraction(unicodedata.normalize("NFKC", v).strip()))
        except (ValueError, ZeroDivisionError, OverflowError):
            return True
        return not (math.isfinite(f) and f > 0)
    try:
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        return True
    return not (math.isfinite(f) and f > 0)


def Fraction_text(v: float) -> str:
    """A judgement as the text an expert types: "3" or "1/3"."""
    return str(int(round(v))) if v >= 1 else f"1/{int(round(1 / v))}"


@st.composite
def indicator_matrix(draw) -> pd.DataFrame:
    n = draw(st.integers(2, 8))
    k = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    x = np.round(rng.uniform(1, 100, (n, k)), 2) + 0.001 * np.arange(n)[:, None]   # no constant column
    return pd.DataFrame(x, columns=[f"指标{j}" for j in range(k)], index=[f"单位{i}" for i in range(n)])


@given(data=st.data())
def test_entropy_weights_survive_hostile_data(data):
    refused = False
    d = data.draw(indicator_matrix())
    kw: dict[str, Any] = {"normalise": data.draw(st.sampled_from(["minmax", "raw"]))}
    which = data.draw(st.sampled_from(["table", "table", "table", "directions", "normalise"]))
    names: list[str] = []
    if which == "table":
        d, names, refused = data.draw(spoilt(d, arg="data", cols=list(d.columns)))
        names = names + ["data", "熵值"]
    elif which == "directions":
        kw["directions"] = data.draw(st.sampled_from([{"指标0": "反向"}, {"x": "反向"}, ["反向"], "反向", {"指标0": None},
                                                      {"指标0": "越小越好"}, ["－"] * len(d.columns)]))
        names = ["directions"]
    else:
        kw["normalise"], names = data.draw(st.sampled_from(["zscore", None, ""])), ["normalise"]
    res = outcome(lambda: ek.entropy_weights(d, **kw), names, refused=refused)
    if res is not None:
        w = res.weights.to_numpy()
        assert np.isfinite(w).all() and (w >= -1e-12).all() and w.sum() == pytest.approx(1.0)
        assert np.isfinite(res.entropy.to_numpy()).all() and np.isfinite(res.shares.to_numpy()).all()


@given(data=st.data())
def test_topsis_survives_hostile_data(data):
    refused = False
    d = data.draw(indicator_matrix())
    k = d.shape[1]
    kw: dict[str, Any] = {"weights": [1 / k] * k, "normalise": data.draw(st.sampled_from(["vector", "minmax"]))}
    which = data.draw(st.sampled_from(["table", "table", "table", "weights", "weights", "directions"]))
    names: list[str] = []
    if which == "table":
        d, names, refused = data.draw(spoilt(d, arg="data", cols=list(d.columns)))
        names = names + ["data", "weights"]
    elif which == "weights":
        kw["weights"] = data.draw(st.one_of(
            st.lists(st.one_of(plain(0, 1), hostile_scalar), min_size=k, max_size=k),
            st.sampled_from([[0.5] * (k + 1), [0.0] * k, [2.0] * k, {"x": 1}, "0.5", None, 0.5,
                             {f"指标{j}": 1 for j in range(k)}, [1e308] * k, [5e-324] * k])))
        names = ["weights"]
    else:
        kw["directions"] = data.draw(st.sampled_from([{"指标0": "反向"}, {"x": "反向"}, ["反向"] * (k + 1), "反向",
                                                      {"指标0": None}, ["cost"] * k]))
        names = ["directions"]
    res = outcome(lambda: ek.topsis(d, **kw), names, refused=refused)
    if res is not None:
        t = res.table()
        finite_column(t, "d_plus", "d_minus")
        if t["closeness"].isna().any():
            assert any("相对贴近度为空" in n for n in res.notes)
        finite_column(t, "closeness", nan_ok=True)
        assert ((t["closeness"].dropna() >= 0) & (t["closeness"].dropna() <= 1)).all()
        w = res.weights.to_numpy()
        assert np.isfinite(w).all() and w.sum() == pytest.approx(1.0)


# ----------------------------------------------------------------------------------------------
# Regressions: each bug the properties found, with the message the user now sees

FLOWS = pd.DataFrame({"year": [2024, 2025, 2026], "cost": [100.0, 10.0, 10.0], "benefit": [0.0, 70.0, 70.0]})
UNIFORM = {"benefit": {"distribution": "uniform", "low": 0.8, "high": 1.2}}
ABC = ["a", "b", "c"]
JUDGEMENTS = pd.DataFrame([[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]], index=ABC, columns=ABC, dtype=object)
RNG_ITEMS = pd.DataFrame(np.random.default_rng(0).normal(size=(30, 4)), columns=list("abcd"))


def with_cell(df: pd.DataFrame, col: str, i: int, v: Any) -> pd.DataFrame:
    return _set_cell(df, i, col, v)


def judgements(i: int, j: int, v: Any) -> pd.DataFrame:
    m = JUDGEMENTS.copy()
    m.iat[i, j] = v
    return m


REFUSED = [
    # 成本效益: a boolean was read as 1 (year 1, cost 1 元, rate 100 %)
    (lambda: ek.cost_benefit(with_cell(FLOWS, "cost", 1, True), discount_rate=0.08),
     r"flows 列 cost 第 2 个值不是有限的数字：逻辑值 True"),
    (lambda: ek.cost_benefit(with_cell(FLOWS, "year", 0, True), discount_rate=0.08),
     r"flows 列 year 第 1 个值不是有限的数字：逻辑值 True"),
    (lambda: ek.cost_benefit(FLOWS, discount_rate=True), r"discount_rate 应为有限的数字，实际为逻辑值 True"),
    (lambda: ek.cost_benefit(with_cell(FLOWS, "cost", 0, "１００"), discount_rate=0.08),
     r"flows 列 cost 第 1 个值不是有限的数字：含全角字符的文字「１００」（请改为半角数字 100）"),
    (lambda: ek.cost_benefit(with_cell(FLOWS, "cost", 0, "1,200"), discount_rate=0.08),
     r"带千位分隔符的文字「1,200」（请去掉逗号，写成 1200）"),
    # the messages did not name the column year
    (lambda: ek.cost_benefit(FLOWS.assign(year=[2024, 2024, 2025]), discount_rate=0.08),
     r"flows 列 year 中年份重复：2024（第 1、2 行"),
    (lambda: ek.cost_benefit(FLOWS.assign(year=[2024, 2026, 2027]), discount_rate=0.08), r"flows 列 year 的年份必须逐年连续"),
    # costs listed twice: TypeError
    (lambda: ek.cost_benefit(FLOWS, discount_rate=0.08, costs=["cost", "cost"]), r"costs 中的列重复：cost"),
    # B/C overflowed to inf
    (lambda: ek.cost_benefit(pd.DataFrame({"year": [1990, 1991], "cost": [0, 2.2e-308], "benefit": [0, 1e300]}),
                             discount_rate=0.08),
     r"效益费用比超出浮点数范围，无法计算：请检查 flows 列 cost、benefit 中的金额"),
    # irr_all: ValueError on text, bounds unchecked
    (lambda: ek.irr_all([-100, "60", "abc"]), r"net 第 3 个值不是有限的数字：文字「abc」"),
    (lambda: ek.irr_all([-100, 60, 60], bounds=(1, 0)), r"bounds 的下限必须小于上限"),
    # appraise: ValueError from a format code; text taken as True
    (lambda: ek.appraise(FLOWS, payback_benchmark="5年"), r"payback_benchmark 应为有限的数字，实际为文字「5年」"),
    (lambda: ek.appraise(FLOWS, long_lived="否"), r"long_lived 应为 True 或 False，实际为 '否'"),
    # sensitivity: TypeError; an empty table then a KeyError in the chart
    (lambda: ek.sensitivity(FLOWS, discount_rate=0.08, changes=0.1), r"changes 应为变化幅度的列表"),
    (lambda: ek.sensitivity(FLOWS, discount_rate=0.08, variables=[]), r"variables 不能为空"),
    (lambda: ek.sensitivity(FLOWS, discount_rate=0.08, changes=[1.7976931348623157e308]),
     r"净现值超出浮点数范围.*changes 的变化幅度"),
    # risk: RuntimeWarning (sd of one draw), ValueError, AttributeError, TypeError, a silent overwrite
    (lambda: ek.risk(FLOWS, discount_rate=0.08, draws=1, distributions=UNIFORM), r"draws 必须不小于 2，实际为 1"),
    (lambda: ek.risk(FLOWS, discount_rate=0.08, draws=100, seed=-1, distributions=UNIFORM), r"seed 必须不小于 0"),
    (lambda: ek.risk(FLOWS, discount_rate=0.08, draws=10 ** 9, distributions=UNIFORM), r"draws 必须不大于 1000000"),
    (lambda: ek.risk(FLOWS, discount_rate=0.08, draws=100, distributions=None), r"distributions 应为「项目 → 分布参数」的映射"),
    (lambda: ek.risk(FLOWS, discount_rate=0.08, draws=100,
                     distributions={"benefit": {"distribution": "uniform", "low": "八成", "high": 1.2}}),
     r"distributions 中 benefit 的参数 low 不是有限的数字：文字「八成」"),
    (lambda: ek.risk(FLOWS, discount_rate=0.08, draws=100, distributions={1: UNIFORM["benefit"]}),
     r"distributions 中的 1 不是成本或效益列"),
    (lambda: ek.risk(FLOWS, discount_rate=0.08, draws=100, distributions=pd.DataFrame(
        {"item": ["benefit", "benefit"], "distribution": ["uniform", "uniform"], "low": [0.8, 0.1], "high": [1.2, 0.2]})),
     r"distributions 中项目 benefit 的分布重复（第 2 行）"),
    # least_cost and unit_cost: overflow RuntimeWarning or inf; a blank name accepted
    (lambda: ek.least_cost(pd.DataFrame({"name": ["A", "B"], "cost": [1e300, 1.0], "effect": [1e-300, 1.0]})),
     r"单位效果成本超出浮点数范围.*alternatives 列 cost 与 effect"),
    (lambda: ek.least_cost(pd.DataFrame({"name": ["A", None], "cost": [1.0, 2.0], "effect": [1.0, 1.0]})),
     r"alternatives 列 name 第 2 个方案名称为空"),
    (lambda: ek.unit_cost(1e300, 1e-300), r"单位成本超出浮点数范围.*cost 与 output"),
    # 比较法: "85%" and "1,200" dropped silently, a typo in direction read as 正向, overflow
    (lambda: ek.plan_vs_actual(pd.DataFrame({"name": ["a", "b"], "target": [100, "85%"], "actual": [90, 80]})),
     r"indicators 列 target 第 2 个值不是有限的数字：带百分号的文字「85%」"),
    (lambda: ek.plan_vs_actual(pd.DataFrame({"name": ["a"], "direction": ["反"], "target": [100], "actual": [90]})),
     r"indicators 列 direction 第 1 个（a）的方向应为 正向 / 反向 / 等于（或 \+、-），实际为 '反'"),
    (lambda: ek.plan_vs_actual(pd.DataFrame({"name": ["a"], "target": [1e-300], "actual": [1e300]})),
     r"完成率或偏差超出浮点数范围.*indicators 列 target 与 actual"),
    (lambda: ek.trend(pd.DataFrame({"period": [2021, 2022, 2023], "v": ["1,200", 1300, 1400]}), measure="v"),
     r"history 列 v 第 1 个值不是有限的数字：带千位分隔符的文字「1,200」"),
    (lambda: ek.trend(pd.DataFrame({"period": [2021, 2022], "v": [1.0, 2.0]}), measure="v", current_period=pd.NA),
     r"current_period 应为一个期间，实际为 <NA>"),                       # TypeError: boolean value of NA is ambiguous
    (lambda: ek.trend(pd.DataFrame({"period": [[1], 2022], "v": [1.0, 2.0]}), measure="v"),
     r"history 列 period 第 1 个期间 \[1\] 不是有效的期间"),
    # every text in is_self was True
    (lambda: ek.peer_comparison(pd.DataFrame({"unit": ["甲", "乙"], "cost": [1.0, 2.0], "is_self": ["是", "否"]}),
                                measure="cost"), r"peers 列 is_self 第 1 个值应为 True 或 False，实际为 '是'"),
    (lambda: ek.peer_comparison(pd.DataFrame({"unit": ["甲", "乙"], "cost": [1.0, 2.0], "is_self": [True, True]}),
                                measure="cost"), r"peers 列 is_self 标记了 2 个本项目单位"),
    # group_test: a string compared character by character, numbers with a "1,200" read as categories,
    # RuntimeWarnings on constant groups and inf, an unpacking ValueError
    (lambda: ek.group_test("abc", "abd"), r"a 应为一组观测值（列表、数组或 pandas.Series），实际为 str"),
    (lambda: ek.group_test([1.0, 2.0, "1,200"], [3.0, 4.0, 5.0]), r"a 中既有数字又有文字或逻辑值（第 3 个有效值 '1,200'）"),
    (lambda: ek.group_test([0.0, 0.0], [0.0, 0.0], kind="welch"), r"a 和 b（A组、B组）的值全部相同，无法检验差异"),
    (lambda: ek.group_test([1.0, 1.0], [2.0, 2.0], kind="welch"), r"a 和 b（A组、B组）的数值各自全部相同（标准差为 0）"),
    (lambda: ek.group_test([1.0, 2.0, math.inf], [3.0, 4.0, 5.0], kind="welch"), r"a 第 3 个有效值不是有限的数字：无穷大"),
    (lambda: ek.group_test([1.0, 2.0, 3.0], [3.0, 4.0, 6.0], labels=("x",)), r"labels 应为两组的名称"),
    # diff_in_diff: se 0 and p NaN for a perfect fit; a confidence of 2 gave NaN intervals
    (lambda: ek.diff_in_diff(pd.DataFrame({"y": [0.0] * 8, "treated": [1, 1, 1, 1, 0, 0, 0, 0],
                                           "post": [0, 1, 0, 1, 0, 1, 0, 1]}), outcome="y", treated="treated",
                             post="post"), r"panel 列 y 在处理组和对照组的政策前后都没有组内差异（残差为 0）"),
    (lambda: ek.diff_in_diff(pd.DataFrame({"y": [10, 11, 10, 14, 9, 10, 9, 10.5], "treated": [1, 1, 1, 1, 0, 0, 0, 0],
                                           "post": [0, 0, 1, 1, 0, 0, 1, 1]}), outcome="y", treated="treated",
                             post="post", confidence=2), r"confidence 应在 0 与 1 之间，实际为 2"),
    # equal values within each cell: se 1.9e-16 from rounding, and "p < 0.001，显著" in the sentence
    (lambda: ek.diff_in_diff(pd.DataFrame({"y": [0.1, 0.1, 0.3, 0.3, 0.1, 0.1, 0.1, 0.1],
                                           "treated": [1, 1, 1, 1, 0, 0, 0, 0], "post": [0, 0, 1, 1, 0, 0, 1, 1]}),
                             outcome="y", treated="treated", post="post"), r"没有组内差异（残差为 0）"),
    (lambda: ek.diff_in_diff(pd.DataFrame({"y": [10, 11, 10, 14, 9, 10, 9, 10.5], "treated": [1, 1, 1, 1, 0, 0, 0, 0],
                                           "post": [0, 0, 1, 1, 0, 0, 1, 1], "unit": [[1], 1, 2, 2, 3, 3, 4, 4]}),
                             outcome="y", treated="treated", post="post", cluster="unit"),
     r"panel 列 unit（索引 0）的值 \[1\] 不能作为聚类标识"),                  # TypeError: unhashable type
    (lambda: ek.diff_in_diff(pd.DataFrame({"y": [10, 11, 10, 14], "treated": [1, 1, 0, 0], "post": [0, 1, 0, 1]}),
                             outcome="y", treated="treated", post="post"), r"panel 只有 4 个有效观测"),
    # 因素分析法: OverflowError, RuntimeWarning, TypeError, and an LMDI whose effects summed to 0, not to the change
    (lambda: ek.chain_substitution({"a": 10 ** 400, "b": 2}, {"a": 1, "b": 2}),
     r"base 中因素 a 应为有限的数字，实际为超出浮点数范围的数（401 位整数）"),
    (lambda: ek.chain_substitution({"a": 1e300, "b": 1e300}, {"a": 1, "b": 2}), r"因素（a、b）的乘积或比值超出浮点数范围"),
    (lambda: ek.chain_substitution({"a": 1, "b": 2}, {"a": 1, "b": 3}, order=5), r"order 应为因素名称的列表"),
    (lambda: ek.lmdi({"a": 1e300, "b": 1e300, "c": 1e300, "d": 1e300}, {"a": 1.0, "b": 1.0, "c": 1.0, "d": 1.0},
                     form="ratio"), r"因素（a、b、c、d）的乘积或比值过小（低于浮点数精度），LMDI 无法计算"),
    # drivers: a constant outcome gave R² = −1.5; None a TypeError
    (lambda: ek.drivers(pd.DataFrame({"y": [0.1] * 6, "x": [1.0, 2, 3, 4, 5, 7]}), outcome="y", predictors=["x"]),
     r"data 列 y 的值全部相同，无法回归"),
    (lambda: ek.drivers(pd.DataFrame({"y": [1.0, 2, 3], "x": [1.0, 2, 4]}), outcome="y", predictors=None),
     r"predictors 应为列名的列表，实际为 None"),
    (lambda: ek.drivers(pd.DataFrame({"y": [1.0, 2, 3, 4], "x": [1.0, 2, 3, 4]}), outcome="y", predictors=["x"]),
     r"data 列 y 可由 predictors（x）完全线性表示（残差为 0）"),
    (lambda: ek.drivers(pd.DataFrame({"y": [1.0, None, 3], "x": [1.0, 2, 4]}), outcome="y", predictors=["x"]),
     r"至少需要 3 行.*有缺失值的列：y"),
    # EFA: IndexError and ValueError
    (lambda: ek.exploratory_factor_analysis(RNG_ITEMS, draws=0.5), r"draws 应为整数，实际为 0.5"),
    (lambda: ek.exploratory_factor_analysis(RNG_ITEMS, seed=-1), r"seed 必须不小于 0"),
    # 标杆管理法: overflow RuntimeWarning, a list read as the mapping {'反': '向'}, an unbounded LP, a name per letter
    (lambda: ek.benchmark_gaps(pd.DataFrame({"unit": ["甲", "乙"], "x": [5e-324, 1.0]}), measures=["x"],
                               directions={"x": "反向"}), r"指标 x 的差距超出浮点数范围.*data 列 x"),
    (lambda: ek.benchmark_gaps(pd.DataFrame({"unit": ["甲", "乙"], "x": [1.0, 2.0]}), measures=["x"],
                               directions=["反向"]), r"directions 应为「指标 → 正向/反向」的映射（dict），实际为 \['反向'\]"),
    (lambda: ek.malmquist(pd.DataFrame({"unit": list("abc") * 2, "period": [1] * 3 + [2] * 3,
                                        "x": [1e300, 2, 3, 2, 2, 3], "y": [1, 2, 3, 1, 3, 3.0]}),
                          inputs=["x"], outputs=["y"], orientation="output"),
     r"panel 列 x 的正值相差超过 1e\+08 倍（最大 1e\+300，最小 2）"),
    (lambda: ek.dea(pd.DataFrame({"x": [1.0, 2, 3]}), pd.DataFrame({"y": [1.0, 3, 2]}), names="abc"),
     r"names 应为各单位名称的列表，实际为 'abc'"),
    (lambda: ek.dea(pd.DataFrame({"x": [1.0, 2, 3]}), pd.DataFrame({"y": [1.0, 2, 1]}), names=[[1], "b", "c"]),
     r"第 1 个单位的名称 \[1\] 无效"),                                           # TypeError: unhashable type
    (lambda: ek.peer_comparison(pd.DataFrame({"unit": [[1], "b"], "c": [1.0, 2]}), measure="c", self_unit="b"),
     r"peers 列 unit 第 1 个单位名称 \[1\] 无效"),                                 # TypeError: unhashable type
    (lambda: ek.dea(pd.DataFrame({"x": [1e-9, 2, 3]}), pd.DataFrame({"y": [1.0, 3, 2]})),
     r"inputs 列 x 的正值相差超过 1e\+08 倍"),
    # 公众评判法: True counted as answer 1, TypeError, OverflowError, RuntimeWarning, ZeroDivisionError
    (lambda: ek.satisfaction(pd.DataFrame({"q": [True, 4, 5]}), items=["q"]),
     r"responses 列 q 第 1 行的回答为 逻辑值 True（请填写数字），应为 1～5 的整数"),
    (lambda: ek.satisfaction(pd.DataFrame({"q": [complex(1, 1), 4, 5]}), items=["q"]),
     r"responses 列 q 第 1 行的回答为 complex128 类型的值"),
    (lambda: ek.satisfaction(pd.DataFrame({"q": ["４", 4, 5]}), items=["q"]), r"responses 列 q 第 1 行的回答为「４」"),
    (lambda: ek.satisfaction(pd.DataFrame({"q": [3, 4, 5]}), items=["q"], scale=math.inf), r"scale 应为 2～11 的整数"),
    (lambda: ek.satisfaction(pd.DataFrame({"q": [3, 4, 5]}), items=["q"], population=10 ** 400),
     r"population 应为有限的数字，实际为超出浮点数范围的数"),
    (lambda: ek.satisfaction(pd.DataFrame({"q": [3, 4, 5]}), items=["q"], level_scores=[1e308] * 5),
     r"level_scores 第 1 个分值为 1e\+308，超出合理范围"),
    (lambda: ek.satisfaction(pd.DataFrame({"q": [1, 4, 5]}), items=["q"], satisfied=(True,)),
     r"satisfied 应为 1～5 中的一个或多个等级"),
    (lambda: ek.satisfaction(pd.DataFrame({"q": [1, 4, 5]}), items=["q"], level_scores={1.5: 1}),
     r"level_scores 的键应为 1～5 的等级，实际有 1.5"),
    (lambda: ek.satisfaction(pd.DataFrame({"q": [4, 5], "区域": ["城区", [1]]}), items=["q"], groups=["区域"]),
     r"responses 列 区域 第 2 行的分组值 \[1\] 无效"),                                # TypeError: unhashable type
    (lambda: ek.satisfaction(pd.DataFrame([[4, 5, 3]], columns=["q", "r", "q"]), items=["q", "r"]),   # AttributeError
     r"responses 有多个名为 q 的列"),
    (lambda: ek.cronbach_alpha(pd.DataFrame({"q0": [4e300, 3e300], "q1": [3.0, 4], "q2": [3.0, 4]})),
     r"items 各列的数值量级相差过大：列 q0 最大为 4e\+300，列 q1 最大为 4"),
    (lambda: ek.cronbach_alpha(pd.DataFrame({"q0": [9007199254740992.0] * 2, "q1": [1.0, 3]})),  # α came out 1.5
     r"items 各列的数值量级相差过大"),
    (lambda: ek.sample_size(None, margin=1e-300), r"margin 为 1e-300，过小"),
    # 权重: a boolean read as 1, ComplexWarning, OverflowError
    (lambda: ek.entropy_weights(pd.DataFrame({"a": [True, 2.0, 3.0], "b": [1.0, 5.0, 2.0]})),
     r"data 列 a 第 1 个值不是有限的数字：逻辑值 True"),
    (lambda: ek.topsis(pd.DataFrame({"a": [complex(1, 1), 2.0, 3.0], "b": [1.0, 5.0, 2.0]}), weights=[0.5, 0.5]),
     r"data 列 a 第 1 个值不是有限的数字：complex128 类型的值"),
    (lambda: ek.ahp(judgements(0, 2, 10 ** 400)), r"matrix 第 1 行（a）第 3 列（c）的值 1000.*… 应为正数"),
    (lambda: ek.ahp(judgements(0, 2, "1e400")), r"matrix 第 1 行（a）第 3 列（c）的值 '1e400' 应为正数"),
    (lambda: ek.ahp(pd.DataFrame([[1, True], [1, 1]], index=["a", "b"], columns=["a", "b"], dtype=object)),
     r"matrix 第 1 行（a）第 2 列（b）的值 True 应为正数"),
]


def _case_id(i: int, call: Any) -> str:
    """The evalkit function a case calls, and its position: ``cost_benefit-3``."""
    return next((f"{n}-{i}" for n in call.__code__.co_names if n in ek.__all__), f"case-{i}")


@pytest.mark.parametrize(("call", "message"), REFUSED, ids=[_case_id(i, c) for i, (c, _) in enumerate(REFUSED)])
def test_hostile_value_is_refused_with_a_chinese_message_naming_it(call, message):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(InputError, match=message):
            call()


def test_irr_all_ignores_flows_too_small_to_move_a_rate():
    # np.roots overflowed (RuntimeWarning, then LinAlgError) on a leading flow of 5e-324
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert ek.irr_all([-1.0, 5e-324]) == ()
        assert ek.irr_all([5e-324, -1.0]) == ()
        assert ek.irr_all([-1e300, 0.6e300, 0.6e300]) == pytest.approx(ek.irr_all([-100, 60, 60]))


def test_group_test_with_a_group_too_small_for_shapiro_uses_mann_whitney():
    # Shapiro-Wilk on 2 values raised SmallSampleWarning and returned NaN
    r = ek.group_test([6.0, 0.5], [0, 1, 2, 3, 4, 5, 6, 7.5])
    assert r.kind == "mannwhitney" and 0 <= r.p_value <= 1


def test_sample_size_is_at_least_one():
    assert ek.sample_size(None, margin=0.5, confidence=0.5, proportion=1e-300) == 1     # was 0
    assert ek.sample_size(1000, margin=1e-300) == 1000                         # was ZeroDivisionError


def test_trend_reads_text_periods():
    # "2022年" raised ValueError from float()
    r = ek.trend(pd.DataFrame({"period": ["2022年", "2023年"], "v": [1.0, 2.0]}), measure="v")
    assert r.current_period == "2023年" and r.change == 1.0
    assert sentences.trend(r).startswith("2023年v为 2")          # the period says 年 itself: not 2023年年


def test_trend_leaves_out_blank_values_and_says_so():
    r = ek.trend(pd.DataFrame({"period": [2021, 2022, 2023], "v": [1.0, "", 2.0]}), measure="v")
    assert list(r.table()["period"]) == [2021, 2023] and any("1 个期间没有数值" in n for n in r.notes)


def test_plan_vs_actual_counts_the_indicators_left_out():
    r = ek.plan_vs_actual(pd.DataFrame({"name": ["a", "b"], "target": [100, None], "actual": [90, 80]}))
    assert len(r.table()) == 1 and any("另有 1 项指标未同时填写目标值和实际值" in n for n in r.notes)


def test_peer_comparison_z_survives_values_whose_spread_overflows():
    # the standard deviation overflowed to inf and every z came out 0
    r = ek.peer_comparison(pd.DataFrame({"unit": ["甲", "乙"], "cost": [1.7e308, -1.7e308]}), measure="cost")
    assert r.table()["z"].tolist() == pytest.approx([2 ** -0.5, -(2 ** -0.5)])


def test_least_cost_sorts_names_of_mixed_types():
    r = ek.least_cost(pd.DataFrame({"name": ["A", 1], "cost": [1.0, 1.0], "effect": [1.0, 1.0]}))
    assert list(map(str, r.table()["name"])) == ["1", "A"]


def test_topsis_scales_weights_whose_sum_overflows():
    r = ek.topsis(pd.DataFrame({"a": [1.0, 2], "b": [2.0, 1]}), weights=[8.99e307, 8.99e307])
    assert r.weights.tolist() == [0.5, 0.5]


def test_diff_in_diff_notes_the_rows_left_out():
    p = pd.DataFrame({"y": [10, 11, 10, 14, 9, 10, 9, 10.5, None], "treated": [1, 1, 1, 1, 0, 0, 0, 0, 1],
                      "post": [0, 0, 1, 1, 0, 0, 1, 1, 1]})
    r = ek.diff_in_diff(p, outcome="y", treated="treated", post="post")
    assert r.n == 8 and any("删除含缺失值的 1 行" in n for n in r.notes)


def test_diff_in_diff_says_why_the_pre_trend_cannot_be_tested():
    # the treated units are seen in one pre-period only: the notes do not claim a single pre-period
    p = pd.DataFrame({"unit": ["t1", "t1", "t2", "t2", "c1", "c1", "c1", "c2", "c2", "c2"],
                      "year": [2, 3, 2, 3, 1, 2, 3, 1, 2, 3], "treated": [1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
                      "post": [0, 1, 0, 1, 0, 0, 1, 0, 0, 1], "y": [1.0, 3, 2, 5, 1, 1.5, 2, 2, 2.4, 3.1]})
    r = ek.diff_in_diff(p, outcome="y", treated="treated", post="post", period="year", cluster="unit")
    assert r.pretrend_p_value is None and any("观测不足以估计趋势差异" in n for n in r.notes)
    assert not any("政策实施前只有一期数据" in n for n in r.notes) and "趋势" not in sentences.did(r)
