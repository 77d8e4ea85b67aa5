"""The Names table of docs/architecture.md, held against the code: one word per idea.

Every public function of the methods (and of the charts and the report's analyses), every public
method of their classes and every field of their dataclasses is read by introspection; a name the
table forbids fails here, naming the word to use instead. The figures the example cases' reports
compute (their tables' columns and ``results.json``) are read the same way.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

import evalkit as ek
from evalkit.errors import InputError

from .conftest import DEMO_CASES

METHODS = ("scoring", "costbenefit", "compare", "factors", "benchmark", "survey", "weights")
MODULES = tuple(f"evalkit.{m}" for m in (*METHODS, "charts", "report.analyses"))

#: a parameter never named so, and the name to use
PARAMETERS = {
    "rate": "discount_rate (a discount rate) or a name that says which rate",
    "p": "p_value (a p value) or proportion (an expected proportion)",
    "pvalue": "p_value",
    "df": "dof (degrees of freedom); df is a DataFrame",
    "conf": "confidence", "level": "confidence", "alpha": "confidence (1 − alpha)",
    "unit_label": "unit (a measure's unit of measurement)",
    "higher_is_better": 'direction="正向" / "反向"',
    "time": "period (the column of periods)",
    "simulations": "draws", "n": "draws (a number of random draws)",
    "ri": "ri_table (which random index table)",
}
#: a dataclass field never named so, and the name to use
FIELDS = {
    "rate": "discount_rate, or a name that says which rate",
    "p": "p_value", "pvalue": "p_value", "df": "dof",
    "conf": "confidence", "level": "confidence",
    "unit_label": "unit", "higher_is_better": "direction",
    "simulations": "draws", "policy_time": "policy_period", "benchmark_kind": "benchmark",
}
#: fields that keep a word the table gives to another idea, and why
KEPT = {("OverallSatisfaction", "rate"): "满意率, the satisfaction rate, as the survey tables' rate column"}
#: a table column or results.json key never named so
KEYS = {"p", "pvalue", "df", "conf", "unit_label", "higher_is_better"}


def _public(module: Any) -> Iterator[tuple[str, Any]]:
    for name, obj in sorted(vars(module).items()):
        if not name.startswith("_") and getattr(obj, "__module__", None) == module.__name__:
            yield name, obj


def functions() -> list[tuple[str, inspect.Signature]]:
    """(qualified name, signature) of every public function and public method of a public class."""
    out = []
    for path in MODULES:
        module = importlib.import_module(path)
        for name, obj in _public(module):
            if inspect.isfunction(obj):
                out.append((f"{path}.{name}", inspect.signature(obj)))
            elif inspect.isclass(obj):
                for attr, member in sorted(vars(obj).items()):
                    if inspect.isfunction(member) and not attr.startswith("_"):
                        out.append((f"{path}.{name}.{attr}", inspect.signature(member)))
    return out


def result_classes() -> list[tuple[str, type]]:
    return [(f"{path}.{name}", obj) for path in MODULES for name, obj in _public(importlib.import_module(path))
            if inspect.isclass(obj) and dataclasses.is_dataclass(obj)]


def _dataframe(annotation: Any) -> bool:
    return "DataFrame" in str(annotation)


def parameter_problems(signatures: list[tuple[str, inspect.Signature]]) -> list[str]:
    out = []
    for where, sig in signatures:
        for p in sig.parameters.values():
            if p.name in PARAMETERS:
                out.append(f"{where}: parameter {p.name} → {PARAMETERS[p.name]}")
            elif p.name.endswith("_p") or p.name.endswith("_pvalue"):
                out.append(f"{where}: parameter {p.name} → {p.name.rsplit('_', 1)[0]}_p_value")
            elif p.name == "unit" and isinstance(p.default, str) and p.default:
                out.append(f"{where}: parameter unit={p.default!r} names a column → unit_col; "
                           "unit is a measure's unit of measurement, as text (default '')")
    return out


def field_problems(classes: list[tuple[str, type]]) -> list[str]:
    out = []
    for where, cls in classes:
        for f in dataclasses.fields(cls):
            if (cls.__name__, f.name) in KEPT:
                continue
            if f.name.endswith("_"):
                out.append(f"{where}.{f.name}: a field ending in _ → a real name, returned by table()")
            elif f.name in FIELDS and not (f.name == "df" and _dataframe(f.type)):
                out.append(f"{where}.{f.name} → {FIELDS[f.name]}")
            elif f.name.endswith("_p") or f.name.endswith("_pvalue"):
                out.append(f"{where}.{f.name} → {f.name.rsplit('_', 1)[0]}_p_value")
            elif f.name.endswith("_df") and not _dataframe(f.type):
                out.append(f"{where}.{f.name} → {f.name[:-3]}_dof (degrees of freedom)")
    return out


def key_problems(name: str, keys: Any) -> list[str]:
    return [f"{name}: {k!r} → {'p_value' if k in ('p', 'pvalue') or str(k).endswith('_p') else 'see docs'}"
            for k in keys if isinstance(k, str) and (k in KEYS or k.endswith("_p") or k.endswith("_pvalue"))]


def test_no_public_parameter_has_a_name_the_table_forbids():
    signatures = functions()
    assert len(signatures) > 60, "the introspection found the methods"
    assert parameter_problems(signatures) == []


def test_no_result_field_has_a_name_the_table_forbids():
    classes = result_classes()
    assert {"GapResult", "MalmquistResult", "DiDResult", "EFAResult", "GroupTestResult"} <= {c.__name__ for _, c in classes}
    assert field_problems(classes) == []


def test_the_check_catches_the_old_names():
    """The names the table replaced, written as they were, are each caught."""

    def old(x, *, rate=None, p=0.5, unit="unit", unit_label="", higher_is_better=True, conf=0.95, time=None, n=10):
        return x

    @dataclasses.dataclass(frozen=True)
    class Old:
        table_: pd.DataFrame
        pretrend_p: float
        bartlett_df: int
        bartlett_p: float
        df: float | None
        unit_label: str
        higher_is_better: bool
        frame_df: pd.DataFrame

    got = parameter_problems([("old", inspect.signature(old))])
    assert [g.split(":")[1].split()[1].split("=")[0] for g in got] == [
        "rate", "p", "unit", "unit_label", "higher_is_better", "conf", "time", "n"]
    got = field_problems([("Old", Old)])
    assert [g.split(".")[1].split()[0].rstrip(":") for g in got] == [
        "table_", "pretrend_p", "bartlett_df", "bartlett_p", "df", "unit_label", "higher_is_better"]
    assert key_problems("t", ["p", "pretrend_p", "p_value", "dof", "df"]) == [
        "t: 'p' → p_value", "t: 'pretrend_p' → p_value", "t: 'df' → see docs"]


# ----------------------------------------------------------------------------------------------
# Which way is better: one vocabulary, one message


#: the spellings of which way is better every method reads (weights.py's, before they were shared)
SPELLINGS = {"正向": "正向", "反向": "反向", "+": "正向", "-": "反向", "max": "正向", "min": "反向", "benefit": "正向",
             "cost": "反向", "＋": "正向", "－": "反向", " 反向 ": "反向"}
BAD = "越大越好"
MESSAGE = r"的方向应为 正向 / 反向( / \S+)?（或 \+、-），实际为 '越大越好'|^direction 应为 正向 / 反向( / \S+)?（或 \+、-），实际为 '越大越好'"

_PEERS = pd.DataFrame({"unit": ["甲", "乙", "丙"], "x": [1.0, 3.0, 2.0], "y": [5.0, 4.0, 6.0]})
_WIDE = _PEERS.set_index("unit")
_HISTORY = pd.DataFrame({"period": [2021, 2022, 2023], "x": [1.0, 2.0, 3.0]})


def _plan(v: str) -> Any:
    return ek.plan_vs_actual(pd.DataFrame({"name": ["x"], "direction": [v], "target": [1.0], "actual": [2.0]}))


#: every function that takes which way is better, called with one spelling; and what it made of it
DIRECTION_CALLS = {
    "evalkit.compare.peer_comparison": (lambda v: ek.peer_comparison(_PEERS, measure="x", direction=v),
                                         lambda r: r.direction),
    "evalkit.compare.trend": (lambda v: ek.trend(_HISTORY, measure="x", direction=v), lambda r: r.direction),
    "evalkit.compare.plan_vs_actual": (_plan, lambda r: r.table()["direction"].iloc[0]),
    "evalkit.benchmark.benchmark_gaps": (lambda v: ek.benchmark_gaps(_PEERS, measures=["x"], directions={"x": v}),
                                         lambda r: r.table()["direction"].iloc[0]),
    "evalkit.weights.entropy_weights": (lambda v: ek.entropy_weights(_WIDE, directions={"x": v}),
                                        lambda r: r.directions["x"]),
    "evalkit.weights.topsis": (lambda v: ek.topsis(_WIDE, weights=[0.5, 0.5], directions={"x": v}),
                               lambda r: r.directions["x"]),
}


def test_every_function_that_takes_a_direction_is_checked_here():
    takers = {where for where, sig in functions() if where.startswith(tuple(f"evalkit.{m}." for m in METHODS))
              and {"direction", "directions"} & set(sig.parameters)}
    assert takers == set(DIRECTION_CALLS) - {"evalkit.compare.plan_vs_actual"}


@pytest.mark.parametrize("where", sorted(DIRECTION_CALLS))
def test_every_method_reads_the_same_directions_and_refuses_with_the_same_message(where):
    call, read = DIRECTION_CALLS[where]
    for spelling, meant in SPELLINGS.items():
        assert read(call(spelling)) == meant, (where, spelling)
    with pytest.raises(InputError, match=MESSAGE):
        call(BAD)


# ----------------------------------------------------------------------------------------------
# What the example cases' reports compute


def _frames(obj: Any, seen: set[int]) -> Iterator[tuple[str, pd.DataFrame]]:
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, pd.DataFrame):
        yield "", obj
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            for where, frame in _frames(getattr(obj, f.name), seen):
                yield f"{type(obj).__name__}.{f.name}" + (f" → {where}" if where else ""), frame
        table = getattr(obj, "table", None)
        if callable(table) and not isinstance(obj, ek.Case):
            try:
                yield f"{type(obj).__name__}.table()", table()
            except TypeError:
                pass
    elif isinstance(obj, (tuple, list)):
        for x in obj:
            yield from _frames(x, seen)


def _keys(data: Any, path: str = "results") -> Iterator[tuple[str, str]]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield path, k
            yield from _keys(v, f"{path}.{k}")
    elif isinstance(data, list):
        for v in data:
            yield from _keys(v, path)


@pytest.mark.parametrize("case_dir", DEMO_CASES, ids=lambda p: p.name)
def test_the_example_reports_tables_and_results_use_the_names(case_dir):
    from evalkit.report import analyses

    rep = ek.Report.from_case(case_dir)
    case, card = rep.case, rep.card
    figures = [card, analyses.cost_benefit(case), analyses.least_cost(case), analyses.comparisons(case, card),
               analyses.benchmarks(case), analyses.survey(case, card), analyses.decompositions(case)]
    problems, seen = [], set()
    for figure in figures:
        for where, frame in _frames(figure, seen):
            cols = [c for c in frame.columns if isinstance(c, str)]
            problems += key_problems(where, cols)
    problems += [p for where, k in _keys(rep.results()) for p in key_problems(where, [k])]
    assert problems == []
    assert np.isfinite(card.total)
