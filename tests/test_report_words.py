"""Words a bureau accepts: the defects a senior evaluator found in the report, each as a reproducer,
and the parts real reports carry (评价依据, 局限性, 声明, 评分标准, the annex score table's subtotals)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml
from scipy.stats import spearmanr

import evalkit as ek
from evalkit.cli import main
from evalkit.errors import InputError
from evalkit.report import document, sections
from evalkit.report.house import load_house

from .conftest import ROOT
from .helpers import base_indicators, base_meta, find, write_case, write_csv


def text(block) -> str:
    return block.text


@pytest.fixture(scope="module")
def water():
    return ek.Report.from_case(ROOT / "cases" / "demo-water")


# ----------------------------------------------------------------------------------------------
# Sloppy text, at its cause


@pytest.mark.parametrize(("title", "lines"), [
    ("青山县2023年农村饮水安全巩固提升工程项目绩效评价报告", ("青山县2023年农村饮水安全巩固提升工程", "项目绩效评价报告")),
    ("某市2023年城市园林绿化养护项目绩效评价报告", ("某市2023年城市园林绿化养护", "项目绩效评价报告")),
    ("短标题绩效评价报告", ("短标题绩效评价报告",)),
    ("某县2023年\n农村义务教育营养改善计划\n绩效评价报告", ("某县2023年", "农村义务教育营养改善计划", "绩效评价报告")),
])
def test_a_cover_title_breaks_only_between_words(title, lines):
    assert sections.title_lines(title) == lines
    joined = "".join(lines)
    assert joined == title.replace("\n", "")
    assert not any(line.endswith("项") for line in lines)       # never "…工程项 / 目绩效评价报告"


def test_a_deduction_reason_ending_in_a_full_stop_is_joined_without_double_punctuation(tmp_path):
    # reproducer: "…不完整。，扣 0.5 分"
    ded = [{"code": "B21", "points": 0.5, "reason": "部分合同资料不完整。", "evidence": "GZ-1"},
           {"code": "B21", "points": 0.5, "reason": "验收记录缺签字；", "evidence": ""}]
    rep = ek.Report.from_case(write_case(tmp_path, deductions=ded))
    doc = rep.document().text
    assert "部分合同资料不完整，扣 0.5 分（底稿 GZ-1）；验收记录缺签字，扣 0.5 分。" in doc
    for doubled in ("。，", "；，", "；。", "。。"):
        assert doubled not in doc, doubled


def test_targets_and_rates_are_written_one_way_everywhere(water):
    """Reproducers: "90%" in one table and "≥90%" in another; "≤0起"; 96.15% beside 94.9%."""
    doc = water.document()
    tables = [n for n in walk(doc.nodes) if isinstance(n, document.Table)]
    targets = next(t for t in tables if t.caption == "绩效目标与实际完成情况")
    scores = next(t for t in tables if t.caption == "绩效评价指标评分表")
    by_code = {r[0].text: r[2].text for r in targets.body}
    annex = {}
    for row in scores.body:
        for i, c in enumerate(row):
            m = re.search(r"（([A-Z]\d+)）$", c.text)
            if m:
                annex[m.group(1)] = row[i + 3].text           # 三级指标, 分值, 评分标准, 指标值
    for code, shown in by_code.items():
        assert annex[code] == shown, code
    assert by_code["D31"] == "≥90%" and by_code["D12"] == "0起"
    assert "≤0" not in doc.text
    ind = water.card.indicators.set_index("code")
    # a percentage that is not whole has two decimals, as every rate in the report
    assert f"{ind.loc['B12', 'actual']:.2f}%" == "94.90%" and "实际完成值为 94.90%" in doc.text
    assert "实际完成值为 96.15%" in doc.text


def walk(nodes):
    for n in nodes:
        if isinstance(n, document.Group):
            yield from walk(n.nodes)
        else:
            yield n


def test_the_survey_chart_is_labelled_with_the_question_texts():
    rep = ek.Report.from_case(ROOT / "cases" / "demo-greening")
    fig = next(n for n in walk(rep.survey_annex().nodes) if isinstance(n, document.Figure))
    questions = pd.read_csv(ROOT / "cases" / "demo-greening" / "questions.csv")
    first = str(questions.iloc[0]["text"])[:8]
    assert first in fig.svg and ">q1<" not in fig.svg.lower()


# ----------------------------------------------------------------------------------------------
# Contradictions, at their cause


def test_an_input_is_ranked_as_a_cost_in_the_peer_sentence_the_gaps_and_topsis(water):
    doc = water.document().text
    assert "人均饮水工程投资为 65.9元/人，在 12 个单位中排第" in doc
    m = re.search(r"人均饮水工程投资为 65\.9元/人，在 12 个单位中排第 (\d+) 位（投入指标，按越低越好排序）", doc)
    peers = pd.read_csv(ROOT / "cases" / "demo-water" / "peers.csv")
    spend = peers[peers["measure"] == "人均饮水工程投资"]
    assert int(m.group(1)) == int((spend["value"] < 65.9).sum()) + 1       # lowest first
    assert "TOPSIS 法计算各单位与理想解的贴近度，投入指标按越低越好计" in doc


def test_dea_and_topsis_that_disagree_say_by_how_much_and_why(water):
    b = ek.report.analyses.benchmarks(water.case)
    t = b.topsis.table().set_index("unit")
    common = [u for u in t.index if u in b.dea.efficiency.index]
    rho = spearmanr(b.dea.efficiency[common].rank(ascending=False), t.loc[common, "closeness"].rank(ascending=False))
    doc = water.benchmarking().text
    assert f"斯皮尔曼等级相关系数 {rho.statistic:.2f}" in doc
    if rho.statistic < 0.7:
        assert "两种方法回答的问题不同" in doc


def test_an_economic_only_cost_benefit_analysis_prints_its_payback_periods(tmp_path):
    from .test_costbenefit_case import cb_case, flows_rows

    rows = [dict(r, analysis="经济") for r in flows_rows()]
    rep = ek.Report.from_case(cb_case(tmp_path, rows=rows))
    res = ek.report.analyses.cost_benefit(rep.case)
    assert res.financial is None
    m = res.economic.main
    doc = rep.cost_benefit().text
    assert f"静态投资回收期 {m.payback:.2f} 年" in doc and f"动态投资回收期 {m.discounted_payback:.2f} 年" in doc
    # by hand: 1,000,000 invested in year 1, then 310,000 a year of net benefit: 1 + 1,000,000 / 310,000 years
    assert m.payback == pytest.approx(1 + 1_000_000 / 310_000)


# ----------------------------------------------------------------------------------------------
# Only the methods applied


def test_the_methods_paragraph_lists_exactly_the_methods_with_a_section(water):
    doc = water.document().text
    listed = re.search(r"评价方法：以指标评分为主，结合(.+?)进行分析。", doc).group(1).split("、")
    shown = {"成本效益分析法": "成本效益分析（成本效益分析法）", "比较法": "比较分析（比较法）",
             "标杆管理法": "标杆分析（标杆管理法）", "最低成本法": "最低成本分析（最低成本法）",
             "因素分析法": "影响因素分析（因素分析法）", "公众评判法": "问卷调查分析"}
    for method, heading in shown.items():
        assert (method in listed) == (heading in doc), method
    assert "最低成本" not in doc and "备选方案" not in doc          # demo-water has no alternatives


# ----------------------------------------------------------------------------------------------
# The parts real reports carry, as case fields with defaults


def with_meta(tmp_path, change, **kw):
    meta = base_meta()
    change(meta)
    return write_case(tmp_path, meta=meta, **kw)


def test_basis_limitations_and_statement_default_and_can_be_the_case_s_own(tmp_path):
    rep = ek.Report.from_case(write_case(tmp_path / "a"))
    doc = rep.document().text
    for basis in sections.DEFAULT_BASIS:
        assert basis in doc
    assert "（四）评价的局限性" in doc and "资料的真实性、完整性由提供单位负责" in doc
    assert "某评价机构及评价人员与某县某中心不存在影响独立、客观、公正评价的利害关系。" in doc

    def own(meta):
        meta["evaluation"]["basis"] = ["《某省预算绩效管理办法》", "项目实施方案"]
        meta["narrative"]["limitations"] = "本次评价未能取得项目区的入户数据。"
        meta["narrative"]["statement"] = "本报告由评价组独立完成。"

    doc = ek.Report.from_case(with_meta(tmp_path / "b", own)).document().text
    assert "《某省预算绩效管理办法》；\n项目实施方案。" in doc
    assert "《中华人民共和国预算法》" not in doc
    assert "本次评价未能取得项目区的入户数据。" in doc and "资料的真实性" not in doc
    assert "本报告由评价组独立完成。" in doc and "利害关系" not in doc


def test_the_annex_score_table_has_scoring_rules_deduction_notes_and_subtotals(tmp_path):
    rows = base_indicators()
    rows[0]["criterion"] = "立项程序完整的得满分，每缺一项扣 1 分"
    folder = write_case(tmp_path, indicators=rows)
    write_csv(folder / "indicators.csv", rows, list(rows[0]) + [c for c in ("criterion",) if c not in rows[0]])
    rep = ek.Report.from_case(folder)
    table = next(n for n in rep.annex_scores().nodes if isinstance(n, document.Table))
    assert [c.text for c in table.header[0]] == ["一级指标", "二级指标", "三级指标", "分值", "评分标准", "指标值",
                                                 "实际完成值", "得分", "扣分说明"]
    cells = [c.text for row in table.body for c in row]
    assert "立项程序完整的得满分，每缺一项扣 1 分。" in cells          # as the case wrote it, one full stop
    ind = pd.read_csv(folder / "indicators.csv")
    card = rep.card.indicators
    # a 小计 row per 二级指标 and a 合计 row per 一级指标, with the sums of the indicators' points
    subtotals = [row for row in table.body if row[0].text == "小计"]
    assert len(subtotals) == ind.groupby(["level1", "level2"]).ngroups
    for level1, part in card.groupby("level1", sort=False):
        total = next(row for row in table.body if row[0].text == f"{level1}合计")
        assert total[1].text == f"{part['weight'].sum():.2f}" and total[5].text == f"{part['score'].sum():.2f}"
        first = next(row for row in table.body if row[0].text == level1)
        assert first[0].rowspan == len(part) + part["level2"].nunique() + 1
    lost = card[card["score"] < card["weight"]]
    for r in lost.itertuples():
        row = next(row for row in table.body if any(c.text.endswith(f"（{r.code}）") for c in row))
        assert row[-1].text.startswith(("失 ", f"{r.code}")) or "扣" in row[-1].text
    assert table.foot[0][-1].text == f"评价等级：{rep.card.grade}"


# ----------------------------------------------------------------------------------------------
# Draft and house style as inputs: read strictly, refused in Chinese


def test_a_draft_case_marks_its_report(tmp_path):
    folder = with_meta(tmp_path, lambda m: m["evaluation"].update(status="征求意见稿", number="某所〔2024〕绩评第8号"))
    rep = ek.Report.from_case(folder)
    assert rep.draft
    cover = rep.cover().nodes[0]
    assert cover.draft == "征求意见稿" and cover.number == "某所〔2024〕绩评第8号"
    assert "征求意见稿" in rep.document().html and '@top-right { content: "征求意见稿"' in rep.document().html
    final = ek.Report.from_case(with_meta(tmp_path / "f", lambda m: m["evaluation"].update(status="正式稿")))
    assert not final.draft and "征求意见稿" not in final.document().html


def test_an_unknown_status_is_refused_with_its_field(tmp_path):
    issues = ek.validate_case(with_meta(tmp_path, lambda m: m["evaluation"].update(status="第二稿")))
    (issue,) = find(issues, "报告状态")
    assert "「第二稿」无效（应为：征求意见稿 或 正式稿）" in issue.message


@pytest.mark.parametrize(("style", "said"), [
    ("fonts: {bodyy: 宋体}\n", "未知的样式项「fonts.bodyy」"),
    ("cover:\n  kicker: 甲\ncover:\n  kicker: 乙\n", "样式项「cover」写了两次（第1行和第3行）"),
    ("outline:\n  - {part: summary, title: 摘要}\n", "part「summary」不是报告的组成部分"),
    ("cover: {logo: 没有.png}\n", "cover.logo 指向的图片"),
    ("cover: {date_style: roman}\n", "cover.date_style 应为 chinese（中文数字）或 arabic（阿拉伯数字）"),
    ("fonts: 宋体\n", "样式项「fonts」应为若干子项"),
    ("statement: {paragraphs: ['{评价单位}受{委托单位}委托']}\n", "「{评价单位}」不是可填入的项"),
    ("outline:\n  - {part: annex_scores, title: 评分表, anex: true}\n", "第1项有未知的项「anex」"),
    ("outline:\n  - {part: abstract, title: 摘要, numbered: 'false'}\n", "numbered 应为 true 或 false（不加引号）"),
    ("outline:\n  - {part: basic_info, title: 一、项目基本情况}\n", "不要带编号，编号由报告按顺序加上"),
    ("cover: {fields: [项目名称, 项目负责人]}\n", "cover.fields 中的「项目负责人」不是封面可列的项"),
    ("signature: {roles: 项目负责人}\n", "样式项「signature.roles」应为若干段文字的列表"),
    ("sizes: {body: 三号}\n", "样式项「sizes.body」应为正数（磅或毫米），实际为 '三号'"),
    ("line_spacing_pt: 二十八\n", "样式项「line_spacing_pt」应为正数"),
    ("cover: {logo: ../outside.png}\n", "cover.logo 应为样式文件夹中的图片文件名"),
    ("header: [a\n", "第2行第1列：无法按 YAML 读取"),
])
def test_a_house_style_is_read_strictly(tmp_path, style, said):
    (tmp_path.parent / "outside.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "style.yaml").write_text(style, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(said)) as info:
        load_house(tmp_path)
    assert str(tmp_path / "style.yaml") in str(info.value)


def test_a_case_names_its_firm_folder_relative_to_itself(tmp_path):
    firm = tmp_path / "firm"
    firm.mkdir()
    (firm / "style.yaml").write_text(yaml.safe_dump({"cover": {"kicker": "财政支出绩效评价报告"},
                                                     "header": "某会计师事务所"}, allow_unicode=True),
                                     encoding="utf-8")
    folder = with_meta(tmp_path / "cases", lambda m: m["evaluation"].update(template="../../firm"))
    rep = ek.Report.from_case(folder)
    assert rep.house.folder == firm.resolve()
    assert rep.cover().nodes[0].kicker == "财政支出绩效评价报告"
    assert '@top-left { content: "某会计师事务所"' in rep.document().html


def test_the_command_line_refuses_a_firm_folder_without_a_style(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", str(ROOT / "cases" / "demo-water"), "--out", str(out), "--template", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and f"样式文件夹 {tmp_path} 中没有 style.yaml" in err
    assert not out.exists()


def test_editing_the_firm_folder_a_case_names_changes_its_batch_key(tmp_path):
    from evalkit.batch import case_key

    firm = tmp_path / "firm"
    firm.mkdir()
    (firm / "style.yaml").write_text("header: 甲所\n", encoding="utf-8")
    folder = with_meta(tmp_path / "cases", lambda m: m["evaluation"].update(template="../../firm"))
    _, before = case_key(folder, "env")
    (firm / "style.yaml").write_text("header: 乙所\n", encoding="utf-8")
    _, after = case_key(folder, "env")
    assert before != after
    (firm / "notes.txt").write_text("与报告无关", encoding="utf-8")       # not a file the report reads
    assert case_key(folder, "env")[1] == after


def test_a_header_or_font_name_cannot_end_the_style_sheet(tmp_path):
    firm = tmp_path / "firm"
    firm.mkdir()
    (firm / "style.yaml").write_text(yaml.safe_dump({"header": '某所"; } body { display: none; } x { content: "',
                                                     "fonts": {"body": "宋体\"; } p { color: red"}},
                                                    allow_unicode=True), encoding="utf-8")
    html = ek.Report.from_case(ROOT / "cases" / "demo-water", house=firm, draft=True).document().html
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert "body {" not in css and "p {" not in css and css.count('"') % 2 == 0   # no rule of the firm's text
    assert '@top-left { content: "某所  body  display: none  x  content: "; font-size: 9pt' in css    # text, quoted


def test_a_house_style_s_other_mistakes_are_said_in_chinese(tmp_path):
    firm = tmp_path / "firm"
    firm.mkdir()
    (firm / "style.yaml").write_bytes("header: 某会计师事务所\n".encode("gbk"))
    with pytest.raises(InputError, match="不是 UTF-8 编码的文本文件（请在编辑器中另存为 UTF-8）"):
        load_house(firm)
    with pytest.raises(InputError, match=f"样式文件夹 {re.escape(str(tmp_path / 'none'))} 不存在"):
        load_house(tmp_path / "none")
    (firm / "style.yaml").write_text("cover: {logo: logo.png}\n", encoding="utf-8")
    (firm / "logo.png").write_bytes(b"GIF89a not a png")
    with pytest.raises(InputError, match="不是 PNG 图片"):
        load_house(firm)
    with pytest.raises(InputError, match="是样式文件：请给出它所在的文件夹"):
        load_house(firm / "style.yaml")


def test_a_firm_may_leave_out_the_statement_and_the_signature_page(tmp_path):
    firm = tmp_path / "firm"
    firm.mkdir()
    (firm / "style.yaml").write_text("statement: false\nsignature: false\n", encoding="utf-8")
    rep = ek.Report.from_case(ROOT / "cases" / "demo-water", house=firm)
    anchors = [h.anchor for h in document.headings(rep.document().nodes)]
    assert "statement" not in anchors and "signature" not in anchors and "ch1" in anchors


def test_a_case_naming_a_missing_firm_folder_is_invalid(tmp_path):
    issues = ek.validate_case(with_meta(tmp_path, lambda m: m["evaluation"].update(template="../firm")))
    (issue,) = find(issues, "报告样式文件夹")
    assert "「../firm」" in issue.message and "不存在或其中没有 style.yaml" in issue.message


def test_cover_and_signature_page_write_the_date_one_way_and_the_header_skips_the_cover(tmp_path):
    firm = tmp_path / "firm"
    firm.mkdir()
    (firm / "style.yaml").write_text("header: 某会计师事务所\n", encoding="utf-8")
    rep = ek.Report.from_case(ROOT / "cases" / "demo-water", house=firm)
    doc = rep.document()
    assert "二〇二四年五月二十日" in doc.text and "二○" not in doc.text and "2024年5月20日" not in doc.text
    assert "@page :first { @top-left { content: none; }" in doc.html
