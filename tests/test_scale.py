"""Scale limits: 2,000 indicators and a survey of 200,000 respondents, scored exactly and reported
within a stated memory bound.

Every expected value is recomputed here from the generated CSV files, independently of evalkit: the
leaf scores in decimal arithmetic by the formulas of the domain standard §4, the survey's rates with
pandas ``value_counts``. The end-to-end run watches the kernel's peak resident memory (its VmHWM in
/proc, read while it runs) and asserts the bound documented for this size.
"""

from __future__ import annotations

import io
import os
import re
import threading
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import evalkit as ek
from evalkit.demo import make_large_case
from evalkit.errors import InputError
from evalkit.survey import satisfaction

INDICATORS = 2_000
RESPONDENTS = 200_000
KERNEL_BOUND = 1 << 30           # 1 GiB for the report kernel of this case (measured ≈ 0.45 GiB)
LEVELS = ("决策", "过程", "产出", "效益")


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    return make_large_case(tmp_path_factory.mktemp("scale"), indicators=INDICATORS, respondents=RESPONDENTS)


@pytest.fixture(scope="module")
def large_case(large):
    return ek.load_case(large)


# ----------------------------------------------------------------------------------------------
# The independent computation


def _d(text: str) -> Decimal:
    return Decimal(str(text).strip())


def _survey_counts(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the survey read by pandas, the questions table)."""
    return pd.read_csv(folder / "survey.csv"), pd.read_csv(folder / "questions.csv", dtype=str).fillna("")


def _pooled(survey: pd.DataFrame, columns: list[str]) -> tuple[int, int]:
    """(satisfied answers, valid answers) over ``columns``: levels 4 and 5 count as satisfied."""
    answers = survey[columns].to_numpy(dtype=float).ravel()
    counts = pd.Series(answers[~np.isnan(answers)]).astype(int).value_counts()
    return int(counts.get(4, 0) + counts.get(5, 0)), int(counts.sum())


def expected_scores(folder: Path) -> dict[str, Decimal]:
    """Every leaf score of the generated case, and the total under ``"total"``, computed from its files
    by the rules of scheme mof-2020-key (reverse linear, survey proportional, 执行数 ÷ 到位数)."""
    ind = pd.read_csv(folder / "indicators.csv", dtype=str).fillna("")
    ded = pd.read_csv(folder / "deductions.csv", dtype=str)
    funding = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))["funding"]
    points = {code: sum((_d(p) for p in g), Decimal(0)) for code, g in ded.groupby("code")["points"]}
    survey, questions = _survey_counts(folder)
    fed = {}
    for code, g in questions[questions["indicator"] != ""].groupby("indicator"):
        yes, valid = _pooled(survey, list(g["column"]))
        fed[code] = Decimal(repr(yes / valid * 100))
    out, cent = {}, Decimal("0.01")
    for r in ind.itertuples():
        w = _d(r.weight)
        if r.type == "定性":
            raw = _d(r.score)
        elif r.type == "扣分":
            raw = w - points.get(r.code, Decimal(0))
        else:
            t = _d(r.target)
            if r.actual:
                a = Decimal(repr(float(r.actual)))
            elif r.type == "满意度":
                a = fed[r.code]
            else:                                            # 资金到位率 / 预算执行率 from the funding
                num = funding["allocated"] if r.name == "资金到位率" else funding["spent"]
                den = funding["planned"] if r.name == "资金到位率" else funding["allocated"]
                a = _d(num) / _d(den) * 100
            if r.type == "满意度":
                raw = w * min(Decimal(1), a / t)
            elif r.direction in ("反向", "等于") and t == 0:
                raw = w if a <= 0 else Decimal(0)
            elif r.direction == "反向":
                raw = w if a <= t else Decimal(0) if a >= 2 * t else w * (2 - a / t)
            elif t == 0:
                raw = w if a >= 0 else Decimal(0)
            else:                                            # 正向, and 等于 with a target above 0
                raw = w if a >= t else w * a / t
        out[r.code] = min(w, max(Decimal(0), raw)).quantize(cent, ROUND_HALF_UP)
    out["total"] = sum(out.values(), Decimal(0))
    return out


# ----------------------------------------------------------------------------------------------
# The generator


def test_large_case_is_deterministic_and_valid(tmp_path):
    a = make_large_case(tmp_path / "a", indicators=120, respondents=500, seed=3)
    b = make_large_case(tmp_path / "b", indicators=120, respondents=500, seed=3)
    for name in ("case.yaml", "indicators.csv", "deductions.csv", "budget.csv", "survey.csv", "questions.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert ek.validate_case(a) == []
    ind = pd.read_csv(a / "indicators.csv", dtype=str)
    assert len(ind) == 120 and set(ind["level1"]) == set(LEVELS)
    assert sum(_d(w) for w in ind["weight"]) == 100
    assert set(ind["type"]) == {"定量", "定性", "扣分", "满意度"}


@pytest.mark.parametrize("kwargs, word", [({"indicators": 10}, "indicators"), ({"respondents": 5}, "respondents"),
                                          ({"questions": 40}, "questions")])
def test_large_case_refuses_sizes_it_cannot_make(tmp_path, kwargs, word):
    with pytest.raises(InputError, match=word):
        make_large_case(tmp_path, **kwargs)


def test_many_indicators_get_a_banded_completion_chart():
    from evalkit import charts

    rates, met = [0.05, 0.95, 1.0, 1.2, 1.2, 2.0, 0.9], [False, False, True, True, True, True, True]
    fig = charts.completion_summary(rates, met)
    bars = fig.axes[0].patches
    assert len(bars) == 32                                   # 16 bands, met and not met stacked
    yes, no = [b.get_height() for b in bars[:16]], [b.get_height() for b in bars[16:]]
    assert (yes[9], yes[10], yes[12], yes[15]) == (1, 1, 2, 1) and sum(yes) == 5
    assert (no[0], no[9]) == (1, 1) and sum(no) == 2
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["达到目标（5 项）", "未达到目标（2 项）"]


def test_a_table_longer_than_a_page_may_start_where_it_is():
    from evalkit.report.document import LONG_TABLE, html, table

    def shown(t):
        return html([t])

    assert shown(table(["a"], [[i] for i in range(LONG_TABLE)], cls="scores")).startswith('<table class="scores">')
    assert shown(table(["a"], [[i] for i in range(LONG_TABLE + 1)], cls="scores")).startswith('<table class="scores long">')
    assert shown(table(["a"], [[i] for i in range(LONG_TABLE + 1)])).startswith('<table class="long">')


# ----------------------------------------------------------------------------------------------
# Unit level: score() and satisfaction() at full size


@pytest.mark.slow
def test_score_of_2000_indicators_is_exact(large, large_case):
    want = expected_scores(large)
    card = ek.scorecard(large_case)
    assert len(card.indicators) == INDICATORS
    got = dict(zip(card.indicators["code"], card.indicators["score"]))
    assert {c: Decimal(repr(s)) for c, s in got.items()} == {c: v for c, v in want.items() if c != "total"}
    assert Decimal(repr(card.total)) == want["total"]
    assert card.grade == ("优" if want["total"] >= 90 else "良" if want["total"] >= 80 else
                          "中" if want["total"] >= 60 else "差")
    by_level = card.levels.set_index("level1")["score"]
    ind = pd.read_csv(large / "indicators.csv", dtype=str)
    for level in LEVELS:
        codes = ind.loc[ind["level1"] == level, "code"]
        assert Decimal(repr(float(by_level[level]))) == sum((want[c] for c in codes), Decimal(0))


@pytest.mark.slow
def test_satisfaction_of_200000_responses_matches_value_counts(large):
    survey, questions = _survey_counts(large)
    items = list(questions.loc[questions["kind"] == "量表", "column"])
    groups = list(questions.loc[questions["kind"] == "分组", "column"])
    res = satisfaction(survey, items=items, groups=groups)
    yes, valid = _pooled(survey, items)
    assert (res.overall.n, res.overall.satisfied) == (valid, yes)
    assert res.overall.rate == pytest.approx(yes / valid, rel=1e-12)
    assert res.respondents == int(survey[items].notna().any(axis=1).sum())
    for r in res.items.itertuples():
        counts = survey[r.item].value_counts()
        assert (r.n, r.satisfied) == (int(counts.sum()), int(counts.get(4, 0) + counts.get(5, 0)))
    # respondent-level: satisfied when the mean of one's answers reaches level 4
    assert res.alternative.satisfied == int((survey[items].mean(axis=1) >= 4).sum())
    for level, mine in survey.groupby("年龄段"):
        row = res.by_group[(res.by_group["group"] == "年龄段") & (res.by_group["level"] == level)
                           & (res.by_group["item"] == "总体")].iloc[0]
        assert (row.n, row.satisfied) == _pooled(mine, items)[::-1]
    assert len(res.group_tests) == len(groups) * (len(items) + 1)


@pytest.mark.slow
def test_parallel_analysis_of_many_rows_draws_the_same_distribution():
    """Above 200,000 cells the random data's correlation matrices come from the Wishart distribution of
    their scatter matrix; their eigenvalues must be distributed as those of generated data."""
    from evalkit.factors import WISHART_CELLS, _random_eigenvalues

    n, p, sims = 25_000, 9, 300
    assert n * p > WISHART_CELLS
    drawn = _random_eigenvalues(n, p, sims, np.random.default_rng(11))
    rng = np.random.default_rng(12)
    generated = np.array([np.linalg.eigvalsh(np.corrcoef(rng.standard_normal((n, p)), rowvar=False))[::-1]
                          for _ in range(sims)])
    assert drawn.shape == generated.shape == (sims, p)
    assert np.allclose(drawn.sum(axis=1), p)                   # a correlation matrix's trace
    for j in (0, p // 2, p - 1):
        se = np.hypot(drawn[:, j].std(), generated[:, j].std()) / np.sqrt(sims)
        assert abs(drawn[:, j].mean() - generated[:, j].mean()) < 4 * se, j
        assert drawn[:, j].std() == pytest.approx(generated[:, j].std(), rel=0.25), j


# ----------------------------------------------------------------------------------------------
# End to end


class KernelWatch:
    """Peak resident memory (VmHWM) of the IPython kernels this process starts, read while they run."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _descendants(self) -> list[int]:
        out, todo = [], [os.getpid()]
        while todo:
            pid = todo.pop()
            for task in Path(f"/proc/{pid}/task").glob("*"):
                try:
                    kids = [int(k) for k in (task / "children").read_text().split()]
                except OSError:
                    continue
                out += kids
                todo += kids
        return out

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self._descendants():
                try:
                    if b"ipykernel" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                        continue
                    m = re.search(r"^VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
                except OSError:
                    continue
                if m:
                    self.peak = max(self.peak, int(m.group(1)) * 1024)
            time.sleep(0.05)

    def __enter__(self) -> KernelWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.mark.slow
@pytest.mark.pdf
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the kernel's memory from /proc")
def test_report_of_2000_indicators_and_200000_respondents(large, tmp_path):
    want = expected_scores(large)
    with KernelWatch() as watch:
        run = ek.run_case(large, tmp_path / "out", formats=("html", "pdf"))
    assert 0 < watch.peak < KERNEL_BOUND, f"kernel peak {watch.peak / 2**20:.0f} MiB"
    res = run.results
    assert Decimal(repr(res["score"])) == want["total"]
    assert res["indicator_count"] == INDICATORS
    survey, questions = _survey_counts(large)
    items = list(questions.loc[questions["kind"] == "量表", "column"])
    yes, valid = _pooled(survey, items)
    answered = int(survey[items].notna().any(axis=1).sum())
    assert (res["survey"]["answers"], res["survey"]["respondents"]) == (valid, answered)
    assert res["survey"]["rate"] == pytest.approx(yes / valid, rel=1e-12)

    html = run.outputs["report.html"].read_text(encoding="utf-8")
    annex = re.search(r'<table class="scores[^"]*">.*?<tbody>(.*?)</tbody>(.*?)</table>', html, re.S)
    # one row per indicator, a 小计 row per 二级指标 and a 合计 row per 一级指标
    card = ek.report.analyses.scorecard(ek.load_case(large))
    subtotals = card.indicators.groupby(["level1", "level2"]).ngroups + card.indicators["level1"].nunique()
    assert annex is not None and annex.group(1).count("<tr>") == INDICATORS + subtotals
    assert f'<td class="num strong">{want["total"]:.2f}</td>' in annex.group(2)          # the foot's total
    assert html.count('<div class="indicator">') == INDICATORS          # 第四章, one analysis each
    assert "绩效指标完成比例分布" in html and "图 绩效指标完成比例（" not in html   # bands, not 1,000 bars
    assert f"回收有效问卷 {answered} 份" in html and "平行分析提取" in html

    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO(run.outputs["report.pdf"].read_bytes()))
    assert len(pdf.pages) > 100
    assert f"{want['total']:.2f}" in "".join(p.extract_text() for p in pdf.pages[:6])     # the 摘要's score
