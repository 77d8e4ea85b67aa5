"""Realistic synthetic cases for scale tests and benchmarks (``evalkit demo-cases N DIR``).

Each case is a folder case that validates: a county project of one of several sectors, an indicator
system of 14 indicators over 决策/过程/产出/效益 with every scoring rule, deductions, a budget table and
a short narrative. The same seed gives the same cases, byte for byte.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import yaml

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
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = []
    for i in range(1, n + 1):
        sector = SECTORS[int(rng.integers(len(SECTORS)))]
        county = COUNTIES[int(rng.integers(len(COUNTIES)))]
        year = int(rng.integers(2019, 2024))
        planned = int(rng.integers(50, 3000)) * 10000
        allocated = int(planned * float(rng.uniform(0.85, 1.0)) // 100 * 100)
        spent = int(allocated * float(rng.uniform(0.8, 1.0)) // 100 * 100)
        case_id = f"demo-{i:04d}"
        folder = dest / case_id
        folder.mkdir(parents=True, exist_ok=True)
        rows, deductions = _indicators(rng, sector)
        meta = {
            "schema": 1, "id": case_id, "title": f"{county}{year}年{sector[1]}绩效评价报告",
            "project": {"name": f"{year}年{sector[1]}", "department": f"{county}{sector[2]}",
                        "implementer": f"{county}{sector[3]}", "commissioner": f"{county}财政局", "year": year},
            "funding": {"planned": planned, "allocated": allocated, "spent": spent},
            "evaluation": {"kind": "重点评价", "evaluator": "示例绩效评价咨询有限公司", "date": f"{year + 1}-05-20",
                           "standards": ["计划标准", "行业标准"], "methods": ["比较法", "公众评判法"]},
            "narrative": {"overview": f"{county}{year}年实施{sector[1]}，预算 {planned / 10000:.0f} 万元。",
                          "problems": "1. 部分产出指标未完成年度目标。\n2. 项目档案管理有待加强。",
                          "suggestions": "1. 科学设定绩效目标。\n2. 加强过程管理和资料归档。"},
            "tables": {"indicators": "indicators.csv", "deductions": "deductions.csv", "budget": "budget.csv"},
        }
        (folder / "case.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
        _csv(folder / "indicators.csv", IND_COLUMNS, rows)
        _csv(folder / "deductions.csv", ("code", "points", "reason", "evidence"), deductions)
        share = float(rng.uniform(0.5, 0.8))
        parts = [("上级补助资金", share), ("县级配套资金", 1 - share)]
        budget = []
        for k, (name, s) in enumerate(parts):
            last = k == len(parts) - 1
            budget.append({"item": name, **{col: (total - sum(b[col] for b in budget)) if last else int(total * s)
                                            for col, total in (("planned", planned), ("allocated", allocated),
                                                               ("spent", spent))}})
        _csv(folder / "budget.csv", ("item", "planned", "allocated", "spent"), budget)
        out.append(folder)
    return out


def _csv(path: Path, columns: tuple[str, ...], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])


__all__ = ["make_demo_cases"]
