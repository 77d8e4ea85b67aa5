"""Report sections, without a kernel: what a reader sees, hostile text kept inert, absent evidence said."""

from __future__ import annotations

import re

import pytest
import yaml

import evalkit as ek
from evalkit.report import sections

from .conftest import ROOT

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def edit_yaml(case_dir, change):
    path = case_dir / "case.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return case_dir


def full_html(rep: ek.Report) -> str:
    return "".join(getattr(rep, name)()._repr_html_() for name in (
        "cover", "contents", "abstract", "basic_info", "evaluation_work", "conclusion", "indicator_analysis",
        "lessons_and_problems", "suggestions", "other_matters", "annex_scores"))


@pytest.fixture(scope="module")
def water():
    return ek.Report.from_case(ROOT / "cases" / "demo-water")


def test_case_text_with_html_is_shown_as_text(demo_copy):
    def change(d):
        d["project"]["name"] = HOSTILE
        d["title"] = HOSTILE
        d["narrative"]["problems"] = f"1. **加粗** {HOSTILE}\n2. [点我](javascript:alert(1))"

    html = full_html(ek.Report.from_case(edit_yaml(demo_copy(), change)))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "onerror=alert(1)&gt;" in html
    assert 'href="javascript:' not in html
    assert "<strong>加粗</strong>" in html, "narrative Markdown keeps its formatting"


def test_absent_evidence_is_said_in_one_sentence(demo_copy):
    case = edit_yaml(demo_copy(), lambda d: (d.pop("narrative"), d["tables"].pop("budget")))
    html = full_html(ek.Report.from_case(case))
    for sentence in ("项目概况从略。", "主要经验及做法从略。", "针对上述问题，建议被评价单位逐项整改。",
                     "无其他需要说明的问题。"):
        assert sentence in html
    assert "案例" not in re.sub(r"<[^>]+>", "", html)        # the report never speaks of its input


def test_abstract_states_money_score_grade_and_largest_losses(water):
    card, case = water.card, water.case
    text = re.sub(r"<[^>]+>", "", water.abstract()._repr_html_())
    f = case.funding
    assert f"项目预算 {f['planned'] / 1e4:,.2f} 万元" in text
    assert f"预算执行率 {f['spent'] / f['allocated'] * 100:.2f}%" in text
    assert f"综合得分 {card.total:.2f} 分，评价等级为“{card.grade}”" in text
    gaps = card.indicators.assign(gap=card.indicators["weight"] - card.indicators["score"])
    worst = gaps.sort_values("gap", ascending=False, kind="stable").iloc[0]
    assert f"{worst['name']}（失 {worst['gap']:.2f} 分）" in text


def test_indicator_analysis_states_rule_points_and_basis(water):
    html = water.indicator_analysis()._repr_html_()
    ind = water.card.indicators
    for r in ind.itertuples():
        assert f"（{r.code}）</h4>" in html
        assert f"分值 {r.weight:.2f} 分，得分 {r.score:.2f} 分" in html
    assert "评分标准：实际完成值不高于指标值的得满分；高于指标值的，按超出比例扣减，超出一倍及以上不得分。" in html
    assert "w·" not in html and "A≤T" not in html                # a rule in words, not a formula
    assert "按扣分制评分，发现问题" in html


def test_other_matters_states_the_rules_as_the_evaluator_s_choices(demo_copy):
    rep = ek.Report.from_case(ROOT / "cases" / "demo-greening")
    html = rep.other_matters()._repr_html_()
    assert "评价等级划分为优（90 分及以上）、良（80 分及以上、90 分以下）、中（60 分及以上、80 分以下）、差（60 分以下）" in html
    # demo-greening changes the reverse formula: said as the evaluator's adjustment, in words
    assert "结合项目实际，评价组对以下评分规则作了调整：" in html
    assert "按指标值占实际完成值的比例计分" in html
    for word in ("mof-2020", "未核实", "w·", "本案例设定", "其余", "V 已核实"):
        assert word not in html, word


def test_results_hold_score_grade_subtotals_and_money(water):
    res = water.results()
    f = water.case.funding
    assert res["score"] == water.card.total and res["grade"] == water.card.grade
    assert res["subtotals"] == {r.level1: r.score for r in water.card.levels.itertuples()}
    assert res["funding"]["execution_rate"] == f["spent"] / f["allocated"]
    assert res["indicator_count"] == len(water.case.indicators)
    assert len(res["input_hash"]) == 64


def test_charts_are_deterministic_svg_with_text_kept_as_text():
    from evalkit import charts

    a = charts.to_svg(charts.level_rates(["决策", "过程"], [0.9, 0.55]))
    assert a == charts.to_svg(charts.level_rates(["决策", "过程"], [0.9, 0.55]))
    assert a.startswith("<svg") and "决策" in a and "55.00%" in a
    assert "<metadata>" not in a


def test_markdown_never_passes_raw_html():
    out = sections.markdown("正文<b>粗</b>\n\n<div onclick=x>块</div>")
    assert "<b>" not in out and "<div onclick" not in out and "&lt;b&gt;" in out


def test_method_figures_draw_chinese_outside_evalkit_style(tmp_path):
    """A result's .plot() shown in JupyterLab is drawn with the user's rcParams: no missing glyphs."""
    import warnings

    import pandas as pd

    flows = pd.DataFrame({"year": [2024, 2025, 2026], "cost": [100.0, 10, 10], "benefit": [0.0, 70, 70]})
    figs = [ek.sensitivity(flows, discount_rate=0.08).plot(),
            ek.chain_substitution({"长度": 126, "单价": 6.5}, {"长度": 118.4, "单价": 6.89}).plot(),
            ek.trend(pd.DataFrame({"period": [2022, 2023], "普及率": [88.0, 92.0]}), measure="普及率").plot()]
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # "Glyph … missing from font(s)" is a UserWarning
        for i, fig in enumerate(figs):
            fig.savefig(tmp_path / f"{i}.png")


SECTIONS = ("cover", "contents", "abstract", "basic_info", "evaluation_work", "conclusion", "indicator_analysis",
            "cost_benefit", "least_cost", "comparison", "benchmarking", "lessons_and_problems", "suggestions",
            "other_matters", "annex_scores", "survey_annex")
#: what a bureau must not read: identifiers, scheme ids, Python's words, doubled punctuation
TOOL_WORDS = re.compile(r"\b[a-z]+_[a-z_]+\b|mof-20\d\d|evalkit|\bNone\b|\bNaN\b|\bnan\b|。，|，。")


@pytest.mark.parametrize("case", ["demo-water", "demo-microcredit", "demo-greening"])
def test_no_section_speaks_tool_language(case):
    rep = ek.Report.from_case(ROOT / "cases" / case)
    html = "".join(getattr(rep, name)()._repr_html_() for name in SECTIONS)
    text = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    assert TOOL_WORDS.findall(text) == []
