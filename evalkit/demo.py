"""Realistic synthetic cases for scale tests and benchmarks (``evalkit demo-cases N DIR``).

Each case is a folder case that validates: a county project of one of several sectors, an indicator
system of 14 indicators over 决策/过程/产出/效益 with every scoring rule, deductions, a budget table and
a short narrative. The same seed gives the same cases, byte for byte.

:func:`make_large_case` writes one case at the scale limits (by default 2,000 indicators and a survey
of 200,000 respondents) from the same pieces, for ``tests/test_scale.py`` and ``bench/scale.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import _io
from .errors import InputError

SECTORS = (
    ("water", "农村饮水安全巩固提升工程", "水利局", "农村供水管理站", "供水管网新建改造长度", "公里", "受益群众满意度"),
    ("road", "农村公路提质改造工程", "交通运输局", "公路建设养护中心", "公路改造里程", "公里", "沿线群众满意度"),
    ("green", "城区绿化养护服务", "城市管理局", "园林绿化服务中心", "养护绿地面积", "万平方米", "市民满意度"),
    ("school", "义务教育薄弱环节改善项目", "教育局", "教育技术装备中心", "改造校舍面积", "平方米", "师生满意度"),
    ("clinic", "村卫生室标准化建设项目", "卫生健康局", "基层卫生服务中心", "达标村卫生室数量", "个", "村民满意度"),
)
COUNTIES = ("青山县", "云岭县", "临江市", "石泉县", "柳河县", "松溪县", "白沙县", "金川县", "桃溪县", "平湖县")
IND_COLUMNS = ("code", "level1", "level2", "name", "weight", "type", "direction", "target", "actual", "unit",
               "grade", "score", "basis", "level1_weight", "level2_weight")


def _indicators(rng: np.random.Generator, sector: tuple) -> tuple[list[dict], list[dict]]:
    _, _, _, _, output, unit, sat = sector
    quality = rng.beta(2.0, 1.6)                      # how well this project went (0 poor … 1 excellent)

    def qual(w: float) -> tuple[str, float]:
        share = float(np.clip(rng.normal(0.45 + 0.5 * quality, 0.08), 0.3, 1.0))
        grade = "达成" if share >= 0.8 else "部分达成" if share >= 0.6 else "未达成"
        s = round(w * share, 1)
        lo, hi = {"达成": (0.8 * w, w), "部分达成": (0.6 * w, 0.8 * w - 0.1), "未达成": (0, 0.6 * w - 0.1)}[grade]
        return grade, float(min(max(s, round(lo + 0.049, 1)), hi))

    rows = []

    def add(code, l1, l2, name, w, kind, **kw):
        rows.append({"code": code, "level1": l1, "level2": l2, "name": name, "weight": w, "type": kind, **kw})

    for code, l2, name, w in (("A11", "项目立项", "立项依据充分性", 4), ("A12", "项目立项", "立项程序规范性", 3),
                              ("A21", "绩效目标", "绩效目标合理性", 4), ("A31", "资金投入", "预算编制科学性", 4)):
        g, s = qual(w)
        add(code, "决策", l2, name, w, "定性", grade=g, score=s)
    add("B11", "过程", "资金管理", "资金到位率", 5, "定量", direction="正向", target=100, unit="%")
    add("B12", "过程", "资金管理", "预算执行率", 5, "定量", direction="正向", target=100, unit="%")
    add("B21", "过程", "组织实施", "制度执行有效性", 10, "扣分")
    planned = float(rng.integers(60, 300))
    add("C11", "产出", "产出数量", output, 12, "定量", direction="正向", target=planned, unit=unit,
        actual=round(planned * float(np.clip(rng.normal(0.55 + 0.45 * quality, 0.06), 0.3, 1.2)), 1))
    add("C21", "产出", "产出质量", "验收合格率", 8, "定量", direction="正向", target=100, unit="%",
        actual=round(float(np.clip(rng.normal(90 + 10 * quality, 3), 70, 100)), 1))
    add("C31", "产出", "产出时效", "按期完成率", 7, "定量", direction="正向", target=100, unit="%",
        actual=round(float(np.clip(rng.normal(60 + 40 * quality, 6), 30, 100)), 1))
    unit_cost = float(rng.integers(40, 90))
    add("C41", "产出", "产出成本", "单位成本", 8, "定量", direction="反向", target=unit_cost, unit="元",
        actual=round(unit_cost * float(np.clip(rng.normal(1.08 - 0.1 * quality, 0.05), 0.85, 1.4)), 1))
    add("D11", "效益", "社会效益", "安全事故发生次数", 8, "定量", direction="反向", target=0, unit="起",
        actual=float(rng.random() > 0.6 + 0.35 * quality))
    g, s = qual(10)
    add("D21", "效益", "可持续影响", "长效管护机制健全性", 10, "定性", grade=g, score=s)
    add("D31", "效益", "满意度", sat, 12, "满意度", target=90, unit="%",
        actual=round(float(np.clip(rng.normal(60 + 35 * quality, 4), 40, 99)), 1))
    l1w = {"决策": 15, "过程": 20, "产出": 35, "效益": 30}
    l2w: dict[tuple, float] = {}
    for r in rows:
        l2w[(r["level1"], r["level2"])] = l2w.get((r["level1"], r["level2"]), 0) + r["weight"]
    for r in rows:
        r["level1_weight"], r["level2_weight"] = l1w[r["level1"]], l2w[(r["level1"], r["level2"])]
        r["basis"] = "依据评价组现场核查和资料审阅结果评分。"
    n_ded = int(rng.integers(0, 4))
    deductions = [{"code": "B21", "points": float(rng.choice([0.5, 1.0, 1.5, 2.0])),
                   "reason": reason, "evidence": f"GZ-{i + 1:02d}"}
                  for i, reason in enumerate(("合同未按规定备案", "验收资料不完整", "资金支付审批手续不全")[:n_ded])]
    return rows, deductions


def make_demo_cases(n: int, dest: str | Path, *, seed: int = 2024) -> list[Path]:
    """Write ``n`` synthetic cases ``dest/demo-0001`` … ; returns their folders."""
    if n < 1:
        raise InputError(f"案例数量必须为正整数，实际为 {n}")
    if problem := _io.folder_problem(dest):
        raise InputError(f"{dest} {problem}，无法在其中生成案例")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = []
    for i in range(1, n + 1):
        sector = SECTORS[int(rng.integers(len(SECTORS)))]
        county = COUNTIES[int(rng.integers(len(COUNTIES)))]
        year = int(rng.integers(2019, 2024))
        planned, allocated, spent = _funding(rng, 50, 3000)
        case_id = f"demo-{i:04d}"
        rows, deductions = _indicators(rng, sector)
        meta = _meta(case_id, f"{county}{year}年{sector[1]}绩效评价报告", f"{year}年{sector[1]}",
                     f"{county}{sector[2]}", f"{county}{sector[3]}", f"{county}财政局", year, planned, allocated, spent)
        meta["narrative"] = {"overview": f"{county}{year}年实施{sector[1]}，预算 {planned / 10000:.0f} 万元。",
                             "problems": "1. 部分产出指标未完成年度目标。\n2. 项目档案管理有待加强。",
                             "suggestions": "1. 科学设定绩效目标。\n2. 加强过程管理和资料归档。"}
        share = float(rng.uniform(0.5, 0.8))
        budget = _budget([("上级补助资金", share), ("县级配套资金", 1 - share)], planned, allocated, spent)
        out.append(_write_case(dest / case_id, meta, {
            "indicators": (IND_COLUMNS, rows),
            "deductions": (DED_COLUMNS, deductions),
            "budget": (BUDGET_COLUMNS, budget),
        }))
    return out


DED_COLUMNS = ("code", "points", "reason", "evidence")
BUDGET_COLUMNS = ("item", "planned", "allocated", "spent")


def _funding(rng: np.random.Generator, low: int, high: int) -> tuple[int, int, int]:
    """预算数 (``low``…``high`` 万元), 到位数 and 执行数 in 元, whole hundreds."""
    planned = int(rng.integers(low, high)) * 10000
    allocated = int(planned * float(rng.uniform(0.85, 1.0)) // 100 * 100)
    spent = int(allocated * float(rng.uniform(0.8, 1.0)) // 100 * 100)
    return planned, allocated, spent


def _meta(case_id: str, title: str, name: str, department: str, implementer: str, commissioner: str, year: int,
          planned: int, allocated: int, spent: int) -> dict:
    return {
        "schema": 1, "id": case_id, "title": title,
        "project": {"name": name, "department": department, "implementer": implementer,
                    "commissioner": commissioner, "year": year},
        "funding": {"planned": planned, "allocated": allocated, "spent": spent},
        "evaluation": {"kind": "重点评价", "evaluator": "示例绩效评价咨询有限公司", "date": f"{year + 1}-05-20",
                       "standards": ["计划标准", "行业标准"], "methods": ["比较法", "公众评判法"]},
    }


def _budget(parts: list[tuple[str, float]], planned: int, allocated: int, spent: int) -> list[dict]:
    """The budget table by source; the last source takes what is left, so every column adds up."""
    budget: list[dict] = []
    for k, (name, s) in enumerate(parts):
        last = k == len(parts) - 1
        budget.append({"item": name, **{col: (total - sum(b[col] for b in budget)) if last else int(total * s)
                                        for col, total in (("planned", planned), ("allocated", allocated),
                                                           ("spent", spent))}})
    return budget


def _write_case(folder: Path, meta: dict, tables: dict[str, tuple[tuple[str, ...], list[dict]] | pd.DataFrame]
                ) -> Path:
    """``case.yaml`` (with its ``tables`` map) and one CSV file per table; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    meta = {**meta, "tables": {name: f"{name}.csv" for name in tables}}
    (folder / "case.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for name, table in tables.items():
        if isinstance(table, pd.DataFrame):
            table.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
        else:
            _csv(folder / f"{name}.csv", *table)
    return folder


# ----------------------------------------------------------------------------------------------
# One large case: a provincial programme over several counties, for the scale limits


#: 一级指标 of the large case: (name, points, its 二级指标 — each repeated once per county)
LARGE_LEVELS = (
    ("决策", 15, ("项目立项", "绩效目标", "资金投入")),
    ("过程", 20, ("资金管理", "组织实施")),
    ("产出", 35, ("产出数量", "产出质量", "产出时效", "产出成本")),
    ("效益", 30, ("经济效益", "社会效益", "生态效益", "可持续影响", "满意度")),
)
#: what a 三级指标 under each 二级指标 measures: (name, kind, direction, unit); kind 定量/定性/扣分/满意度
_LARGE_NAMES = {
    "项目立项": (("立项依据充分性", "定性", "", ""), ("立项程序规范性", "定性", "", "")),
    "绩效目标": (("绩效目标合理性", "定性", "", ""), ("绩效指标明确性", "定性", "", "")),
    "资金投入": (("预算编制科学性", "定性", "", ""), ("资金分配合理性", "定性", "", "")),
    "资金管理": (("资金拨付及时率", "定量", "正向", "%"), ("资金使用合规性", "扣分", "", ""),
                 ("会计核算规范性", "定性", "", "")),
    "组织实施": (("管理制度健全性", "定性", "", ""), ("制度执行有效性", "扣分", "", ""),
                 ("政府采购合规率", "定量", "正向", "%")),
    "产出数量": (("新建改造工程量", "定量", "正向", "公里"), ("受益人口覆盖数", "定量", "正向", "人"),
                 ("设备配置数量", "定量", "正向", "台")),
    "产出质量": (("工程验收合格率", "定量", "正向", "%"), ("设备完好率", "定量", "正向", "%"),
                 ("资料归档完整率", "定量", "等于", "%")),
    "产出时效": (("按期完成率", "定量", "正向", "%"), ("平均完工天数", "定量", "反向", "天")),
    "产出成本": (("单位工程造价", "定量", "反向", "万元/公里"), ("运行维护成本", "定量", "反向", "万元")),
    "经济效益": (("带动就业人数", "定量", "正向", "人"), ("群众增收金额", "定量", "正向", "万元")),
    "社会效益": (("安全事故发生次数", "定量", "反向", "起"), ("服务响应及时率", "定量", "正向", "%"),
                 ("社会影响", "定性", "", "")),
    "生态效益": (("污水处理达标率", "定量", "正向", "%"), ("环境投诉件数", "定量", "反向", "件")),
    "可持续影响": (("长效管护机制健全性", "定性", "", ""), ("设施持续运行率", "定量", "正向", "%")),
    "满意度": (("受益群众满意度", "满意度", "", "%"),),
}
#: the questionnaire: 5 themes of 3 five-level questions; each theme feeds one 满意度 indicator
_SURVEY_THEMES = (
    ("工程质量", ("工程建设质量", "设施使用便利程度", "设施外观与整洁")),
    ("服务水平", ("管理人员服务态度", "报修处理及时性", "信息公开程度")),
    ("施工影响", ("施工期间出行影响", "施工噪声与扬尘控制", "施工安全防护")),
    ("项目效果", ("生活条件改善程度", "环境改善程度", "项目持续发挥作用")),
    ("群众参与", ("项目前期征求意见", "群众参与监督渠道", "问题反映渠道畅通")),
)
_SURVEY_GROUPS = {
    "年龄段": (("18—35岁", 0.30, 0.10), ("36—55岁", 0.42, 0.0), ("56岁以上", 0.28, -0.35)),
    "受访方式": (("入户走访", 0.45, 0.05), ("电话回访", 0.35, -0.05), ("网络问卷", 0.20, -0.15)),
}


def make_large_case(dest: str | Path, *, indicators: int = 2000, respondents: int = 200_000, questions: int = 15,
                    seed: int = 2024, case_id: str = "large") -> Path:
    """Write one large, valid case ``dest/<case_id>``: a provincial programme over several counties.

    - **indicators** 三级指标 under 决策 15 / 过程 20 / 产出 35 / 效益 30 points and their 14 二级指标
      repeated once per county (one county per 700 indicators, at least one): weights with two decimals
      that add up to 100 exactly at every level; 定量 (正向, 反向 with zero targets, 等于), 定性, 扣分
      (with findings in 扣分明细) and 满意度 indicators; 资金到位率 and 预算执行率 left empty, so they
      come from the funding.
    - a survey of **respondents** respondents × **questions** five-level questions (at most 15: five
      themes of three, each theme feeding one 满意度 indicator whose 实际完成值 is empty) with three
      group columns (县区, 年龄段, 受访方式) and a few blank answers; the other 满意度 indicators carry
      their own actual. ``respondents=0`` writes no survey.

    The same arguments give the same bytes. Returns the case folder.
    """
    if not 60 <= indicators <= 10_000:
        raise InputError(f"indicators 应为 60～10000 的整数，实际为 {indicators}")
    if respondents and not 100 <= respondents <= 10_000_000:
        raise InputError(f"respondents 应为 0 或 100～10000000 的整数，实际为 {respondents}")
    if not 3 <= questions <= 15:
        raise InputError(f"questions 应为 3～15 的整数，实际为 {questions}")
    rng = np.random.default_rng(seed)
    counties = COUNTIES[:max(1, min(len(COUNTIES), round(indicators / 700)))]
    year = 2023
    planned, allocated, spent = _funding(rng, 20_000, 60_000)
    rows, deductions = _large_indicators(rng, indicators, counties, fed=min(len(_SURVEY_THEMES), questions // 3)
                                         if respondents else 0)
    meta = _meta(case_id, f"某省{year}年农村基础设施提升专项资金绩效评价报告", f"{year}年农村基础设施提升专项资金",
                 "某省财政厅", "某省农业农村厅", "某省财政厅", year, planned, allocated, spent)
    meta["evaluation"]["methods"] = ["比较法", "公众评判法", "因素分析法"]
    tables: dict = {"indicators": ((*IND_COLUMNS, "deviation"), rows), "deductions": (DED_COLUMNS, deductions)}
    shares = rng.dirichlet(np.full(len(counties), 8.0)) if len(counties) > 1 else np.ones(1)
    tables["budget"] = (BUDGET_COLUMNS, _budget([(f"{c}专项资金", float(s)) for c, s in zip(counties, shares)],
                                                planned, allocated, spent))
    if respondents:
        survey, qtable = _large_survey(rng, respondents, questions, counties, rows)
        tables["survey"], tables["questions"] = survey, qtable
        meta["evaluation"]["parameters"] = {"survey_population": int(respondents * 25),
                                            "survey_approached": int(respondents * 1.08)}
    meta["narrative"] = {
        "overview": f"{year}年某省在{'、'.join(counties)}实施农村基础设施提升专项，预算 {planned / 10000:,.0f} 万元，"
                    f"绩效指标体系共 {indicators} 个三级指标。",
        "problems": "1. 部分县区产出指标未完成年度目标。\n2. 个别项目资金拨付不及时。",
        "suggestions": "1. 加强项目储备和前期论证。\n2. 完善绩效监控，及时纠偏。",
    }
    return _write_case(Path(dest) / case_id, meta, tables)


def _spread(total: int, n: int, rng: np.random.Generator) -> list[int]:
    """``n`` positive integers adding up to ``total``: random shares, each at least 1, largest remainder."""
    raw = rng.gamma(4.0, size=n)
    extra = (total - n) * raw / raw.sum()
    out = np.floor(extra).astype(int)
    out[np.argsort(-(extra - out), kind="stable")[: total - n - int(out.sum())]] += 1
    return [int(v) + 1 for v in out]


def _qualitative(rng: np.random.Generator, w: int, quality: float) -> tuple[str, int]:
    """A 定性 grade and a score inside its band, both in hundredths of a point (the band limits of the
    default scheme: 达成 ≥ 80 %, 部分达成 ≥ 60 %, upper limits open below 达成)."""
    share = float(np.clip(rng.normal(0.45 + 0.5 * quality, 0.1), 0.0, 1.0))
    bands = {"达成": (-(-8 * w // 10), w), "部分达成": (-(-6 * w // 10), -(-8 * w // 10) - 1),
             "未达成": (0, -(-6 * w // 10) - 1)}
    grade = "达成" if share >= 0.8 else "部分达成" if share >= 0.6 else "未达成"
    for g in (grade, "部分达成", "达成"):
        lo, hi = bands[g]
        if lo <= hi:
            return g, int(min(max(round(w * share), lo), hi))
    raise AssertionError(w)                  # 达成 is never empty


def _large_indicators(rng: np.random.Generator, n: int, counties: tuple[str, ...], fed: int
                      ) -> tuple[list[dict], list[dict]]:
    quality = 0.55
    letters = "ABCD"
    per_l1 = _spread_exact([w for _, w, _ in LARGE_LEVELS], n)
    rows, deductions = [], []
    for (l1, l1w, level2s), letter, count in zip(LARGE_LEVELS, letters, per_l1):
        groups = [(f"{l2}（{c}）" if len(counties) > 1 else l2, l2) for c in counties for l2 in level2s]
        sizes = _spread_exact([1] * len(groups), count)
        weights = _spread(l1w * 100, count, rng)          # hundredths of a point
        k = 0
        for g, ((l2_name, base), size) in enumerate(zip(groups, sizes)):
            pool = _LARGE_NAMES[base]
            for j in range(size):
                w = weights[k]
                k += 1
                code = f"{letter}{g + 1:02d}{j + 1:03d}"
                name, kind, direction, unit = pool[j % len(pool)]
                if g == 0 and l1 == "过程" and j < 2:          # derived from the funding
                    name, kind, direction, unit = (("资金到位率", "预算执行率")[j], "定量", "正向", "%")
                elif j >= len(pool):
                    name = f"{name}（{j // len(pool) + 1}号子项目）"
                r = {"code": code, "level1": l1, "level2": l2_name, "name": name, "weight": f"{w / 100:.2f}",
                     "type": kind, "direction": direction, "unit": unit,
                     "basis": "依据评价组现场核查、资料审阅和抽样复核结果评分。"}
                if kind == "定性":
                    grade, s = _qualitative(rng, w, quality)
                    r.update(grade=grade, score=f"{s / 100:.2f}")
                elif kind == "扣分":
                    for f in range(int(rng.integers(0, 3))):
                        deductions.append({"code": code, "points": f"{int(rng.integers(1, max(2, w // 2))) / 100:.2f}",
                                           "reason": ("合同未按规定备案", "验收资料不完整", "资金支付审批手续不全")[f],
                                           "evidence": f"GZ-{len(deductions) + 1:05d}"})
                elif kind == "满意度":
                    r["target"] = 90
                    if g == len(level2s) - 1 and j < fed:        # the first county's 满意度: from the survey
                        r["name"] = f"{_SURVEY_THEMES[j][0]}满意度"
                    else:
                        r["actual"] = round(float(np.clip(rng.normal(86, 5), 50, 100)), 1)
                elif r["name"] in ("资金到位率", "预算执行率"):
                    r["target"] = 100
                else:
                    r.update(_quantity(rng, direction, unit, quality))
                    if r["direction"] == "正向" and r["target"] and r["actual"] >= 1.3 * r["target"] and j % 2:
                        r["deviation"] = "当年追加建设任务，实际完成量超过年初目标。"
                rows.append(r)
    # every 一级/二级 carries its subtotal, written with two decimals like the weights
    l1w, l2w = {}, {}
    for r in rows:
        w = int(round(float(r["weight"]) * 100))
        l1w[r["level1"]] = l1w.get(r["level1"], 0) + w
        l2w[(r["level1"], r["level2"])] = l2w.get((r["level1"], r["level2"]), 0) + w
    for r in rows:
        r["level1_weight"] = f"{l1w[r['level1']] / 100:.2f}"
        r["level2_weight"] = f"{l2w[(r['level1'], r['level2'])] / 100:.2f}"
    return rows, deductions


def _spread_exact(weights: list[float], n: int) -> list[int]:
    """``n`` split in proportion to ``weights`` by largest remainder (deterministic)."""
    w = np.asarray(weights, dtype=float)
    raw = n * w / w.sum()
    out = np.floor(raw).astype(int)
    out[np.argsort(-(raw - out), kind="stable")[: n - int(out.sum())]] += 1
    return [int(v) for v in out]


def _quantity(rng: np.random.Generator, direction: str, unit: str, quality: float) -> dict:
    """Target and actual of a 定量 indicator."""
    if direction == "等于":
        return {"target": 100, "actual": 100 if rng.random() < 0.85 else round(float(rng.uniform(90, 99.9)), 1)}
    if direction == "反向":
        if unit in ("起", "件") and rng.random() < 0.5:        # zero tolerance: target 0
            return {"target": 0, "actual": int(rng.random() < 0.3)}
        target = float(rng.integers(20, 400))
        return {"target": target, "actual": round(target * float(np.clip(rng.normal(1.02, 0.08), 0.7, 1.6)), 1)}
    if unit == "%":
        return {"target": 100, "actual": round(float(np.clip(rng.normal(90 + 8 * quality, 5), 50, 100)), 1)}
    target = float(rng.integers(50, 3000))
    return {"target": target, "actual": round(target * float(np.clip(rng.normal(0.95, 0.15), 0.3, 1.6)), 1)}


def _large_survey(rng: np.random.Generator, n: int, questions: int, counties: tuple[str, ...], rows: list[dict]
                  ) -> tuple[pd.DataFrame, tuple[tuple[str, ...], list[dict]]]:
    """The 满意度调查 (one respondent a row) and 问卷题目 tables, answers from an attitude model as in
    ``cases/demo-greening/make_survey.py``: a respondent's attitude shifted by group, an item level, noise."""
    fed = {r["name"]: r["code"] for r in rows if r["type"] == "满意度" and "actual" not in r}
    places = counties if len(counties) > 1 else ("城关镇", "河口镇", "新集镇", "石门乡", "桥头乡")
    where = rng.integers(0, len(places), n)
    attitude = rng.normal(0.0, 0.55, n) + np.linspace(0.2, -0.3, len(places))[where]
    cols: dict[str, object] = {"respondent": [f"R{i:07d}" for i in range(1, n + 1)], "县区": np.array(places)[where]}
    for gname, levels in _SURVEY_GROUPS.items():
        p = np.array([s for _, s, _ in levels])
        idx = rng.choice(len(levels), size=n, p=p / p.sum())
        cols[gname] = np.array([lv for lv, _, _ in levels])[idx]
        attitude = attitude + np.array([d for _, _, d in levels])[idx]
    qrows = []
    for q in range(questions):
        theme, texts = _SURVEY_THEMES[q // 3]
        level = 4.3 - 0.12 * (q % 7)
        x = np.clip(np.rint(level + attitude + rng.normal(0.0, 0.7, n)), 1, 5).astype("int8")
        answers = pd.array(x, dtype="Int8")
        answers[rng.random(n) < 0.005 + 0.004 * (q % 5)] = pd.NA
        cols[f"Q{q + 1}"] = answers
        qrows.append({"column": f"Q{q + 1}", "text": f"您对{texts[q % 3]}是否满意？", "kind": "量表", "scale": 5,
                      "satisfied": "4、5", "indicator": fed.get(f"{theme}满意度", "")})
    qrows += [{"column": g, "text": t, "kind": "分组"}
              for g, t in (("县区", "受访者所在县区"), ("年龄段", "受访者年龄段"), ("受访方式", "问卷调查方式"))]
    return pd.DataFrame(cols), (("column", "text", "kind", "scale", "satisfied", "indicator"), qrows)


def _csv(path: Path, columns: tuple[str, ...], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])


__all__ = ["make_demo_cases", "make_large_case"]
