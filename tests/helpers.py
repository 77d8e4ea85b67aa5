"""Build small cases on disk from Python data, for the case and CLI tests.

The Chinese headers and labels below are copied from docs/case-format.md on purpose (not imported
from evalkit._schema), so a drift between the documented format and the loader shows up as a failure.
"""

from __future__ import annotations

import copy
import csv
from pathlib import Path
from typing import Any

import openpyxl
import yaml

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "cases"
DEMO_CASES = [CASES / "demo-water", CASES / "demo-greening", CASES / "demo-microcredit" / "case.xlsx"]

#: canonical column → 中文表头 (docs/case-format.md §2)
ZH_HEADERS: dict[str, dict[str, str]] = {
    "indicators": {
        "code": "指标编码", "level1": "一级指标", "level2": "二级指标", "name": "三级指标",
        "description": "指标解释", "weight": "分值", "type": "指标类型", "direction": "指标方向",
        "target": "指标值", "actual": "实际完成值", "unit": "计量单位", "grade": "定性等级",
        "score": "评分", "basis": "评分依据", "standard": "评价标准", "deviation": "偏差原因",
        "level1_weight": "一级指标分值", "level2_weight": "二级指标分值",
    },
    "deductions": {"code": "指标编码", "points": "扣分", "reason": "扣分原因", "evidence": "底稿编号"},
    "budget": {"item": "资金来源", "planned": "预算数（元）", "allocated": "到位数（元）", "spent": "执行数（元）"},
    "cashflows": {"year": "年份", "item": "项目", "kind": "类别", "amount": "金额（元）", "analysis": "分析类型"},
    "distributions": {"item": "项目", "distribution": "分布", "low": "下限", "mode": "最可能值", "high": "上限",
                      "mean": "均值", "sd": "标准差"},
    "alternatives": {"name": "方案", "cost": "成本（元）", "effect": "效果", "unit": "效果单位", "chosen": "是否采用",
                     "note": "说明"},
    "history": {"period": "年度", "measure": "指标", "value": "数值", "unit": "计量单位", "direction": "指标方向"},
    "peers": {"unit": "单位", "measure": "指标", "value": "数值", "period": "期间", "measure_unit": "计量单位",
              "role": "类别", "direction": "指标方向", "self": "本项目", "group": "分组"},
    "drivers": {"factor": "因素", "subject": "分析对象", "base": "基期值", "current": "报告期值", "form": "关系",
                "side": "内外部", "effect": "影响", "evidence": "依据", "indicators": "影响指标"},
}

#: sheet names of the workbook form
SHEETS = {"indicators": "指标体系", "deductions": "扣分明细", "budget": "预算执行", "cashflows": "成本效益",
          "distributions": "风险分布", "alternatives": "备选方案", "history": "历史数据", "peers": "标杆对比",
          "drivers": "因素分析"}

#: 基本信息 labels (docs/case-format.md §1)
META_LABELS_ZH = {
    "schema": "格式版本", "id": "案例编号", "title": "报告标题", "scheme": "评分方案",
    "project.name": "项目名称", "project.department": "主管部门", "project.implementer": "实施单位",
    "project.commissioner": "委托单位", "project.region": "项目地区", "project.year": "项目年度",
    "project.category": "项目类别", "project.period": "实施期间",
    "funding.planned": "预算数（元）", "funding.allocated": "到位数（元）", "funding.spent": "执行数（元）",
    "evaluation.kind": "评价类型", "evaluation.evaluator": "评价机构", "evaluation.team": "评价组成员",
    "evaluation.date": "报告日期", "evaluation.standards": "评价标准", "evaluation.methods": "评价方法",
    "evaluation.parameters.social_discount_rate": "社会折现率",
    "evaluation.parameters.benchmark_rate": "行业基准收益率", "evaluation.parameters.long_lived": "长效公益项目",
    "evaluation.parameters.convention": "折现惯例", "evaluation.parameters.payback_benchmark": "基准投资回收期（年）",
    "evaluation.parameters.risk_draws": "模拟次数", "evaluation.parameters.seed": "随机数种子",
    "evaluation.parameters.policy_year": "政策实施年份",
    "evaluation.parameters.survey_approached": "发放问卷数量", "evaluation.parameters.survey_valid": "有效问卷数量",
}

#: 报告文字 part names (docs/case-format.md §1)
NARRATIVE_LABELS_ZH = {
    "overview": "项目概况", "goals": "绩效目标", "process": "评价工作过程", "experience": "主要经验及做法",
    "problems": "存在的问题", "causes": "原因分析", "suggestions": "有关建议", "other": "其他需要说明的问题",
}

IND_COLUMNS = ["code", "level1", "level2", "name", "weight", "type", "direction", "target", "actual", "unit",
               "grade", "score"]
DED_COLUMNS = ["code", "points", "reason", "evidence"]
BUDGET_COLUMNS = ["item", "planned", "allocated", "spent"]


def base_meta(case_id: str = "tiny-case") -> dict[str, Any]:
    """Valid case.yaml content (without ``tables``, which write_case adds)."""
    return {
        "schema": 1,
        "id": case_id,
        "title": "某县2023年测试项目绩效评价报告",
        "scheme": "mof-2020-key",
        "project": {"name": "测试项目", "department": "某县某局", "implementer": "某县某中心", "year": 2023},
        "funding": {"planned": 1000000, "allocated": 900000, "spent": 855000},
        "evaluation": {"kind": "重点评价", "evaluator": "某评价机构", "team": ["张三", "李四"],
                       "date": "2024-05-20", "standards": ["计划标准"], "methods": ["比较法"]},
        "narrative": {"overview": "项目概况文字。"},
    }


def base_indicators() -> list[dict[str, Any]]:
    """A valid 5-row indicator table; data rows are rows 2..6 (A11, B11, B21, C11, D11)."""
    return [
        {"code": "A11", "level1": "决策", "level2": "项目立项", "name": "立项依据充分性", "weight": 20,
         "type": "定性", "grade": "达成", "score": 18},
        {"code": "B11", "level1": "过程", "level2": "资金管理", "name": "预算执行率", "weight": 10,
         "type": "定量", "direction": "正向", "target": 100, "actual": 95, "unit": "%"},
        {"code": "B21", "level1": "过程", "level2": "组织实施", "name": "制度执行有效性", "weight": 10,
         "type": "扣分"},
        {"code": "C11", "level1": "产出", "level2": "产出数量", "name": "实际完成率", "weight": 30,
         "type": "定量", "direction": "正向", "target": 100, "actual": 96, "unit": "%"},
        {"code": "D11", "level1": "效益", "level2": "满意度", "name": "服务对象满意度", "weight": 30,
         "type": "满意度", "target": 90, "actual": 88, "unit": "%"},
    ]


def base_deductions() -> list[dict[str, Any]]:
    return [{"code": "B21", "points": 1, "reason": "个别合同未按规定备案", "evidence": "GZ-01"}]


def base_budget() -> list[dict[str, Any]]:
    """Adds up to base_meta()'s funding."""
    return [
        {"item": "中央补助资金", "planned": 600000, "allocated": 500000, "spent": 480000},
        {"item": "县级配套资金", "planned": 400000, "allocated": 400000, "spent": 375000},
    ]


_DEFAULT = object()


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str], *, table: str | None = None,
              zh: bool = False) -> Path:
    """Rows (dicts keyed by canonical name) → CSV; extra keys become extra columns; None → empty cell."""
    cols = list(columns)
    for r in rows:
        cols += [k for k in r if k not in cols]
    header = [ZH_HEADERS[table].get(c, c) for c in cols] if zh else cols
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in cols])
    return path


def write_case(root: Path, *, meta: dict[str, Any] | None = None, indicators: Any = _DEFAULT,
               deductions: Any = _DEFAULT, budget: Any = _DEFAULT, zh: bool = False,
               tables: dict[str, Any] | None = None, name: str = "case") -> Path:
    """Write a folder case under ``root/name``; returns the folder.

    ``indicators``/``deductions``/``budget``: a list of row dicts (default: the valid base tables) or
    None to leave the table out. ``tables`` replaces the ``tables`` map of case.yaml when given.
    ``zh`` writes the Chinese headers instead of the English ones.
    """
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    meta = copy.deepcopy(base_meta() if meta is None else meta)
    data = {
        "indicators": base_indicators() if indicators is _DEFAULT else indicators,
        "deductions": base_deductions() if deductions is _DEFAULT else deductions,
        "budget": base_budget() if budget is _DEFAULT else budget,
    }
    columns = {"indicators": IND_COLUMNS, "deductions": DED_COLUMNS, "budget": BUDGET_COLUMNS}
    tmap = {}
    for tname, rows in data.items():
        if rows is None:
            continue
        write_csv(folder / f"{tname}.csv", rows, columns[tname], table=tname, zh=zh)
        tmap[tname] = f"{tname}.csv"
    meta["tables"] = tmap if tables is None else tables
    (folder / "case.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False),
                                      encoding="utf-8")
    return folder


def yaml_line(folder: Path, prefix: str, name: str = "case.yaml") -> int:
    """1-based number of the first line of case.yaml that starts (after indentation) with ``prefix``."""
    for n, line in enumerate((folder / name).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip().startswith(prefix):
            return n
    raise AssertionError(f"{prefix!r} not in {name}")


def find(issues: list[Any], fragment: str) -> list[Any]:
    """The issues whose message contains ``fragment``."""
    return [i for i in issues if fragment in i.message]


def only(issues: list[Any], fragment: str) -> Any:
    """The single issue whose message contains ``fragment`` (fails with the full list otherwise)."""
    hits = find(issues, fragment)
    assert len(hits) == 1, f"expected one issue containing {fragment!r}, got {hits!r} in {issues!r}"
    return hits[0]


def cell_as_typed(value: str, numeric: bool):
    """A CSV cell as a person would type it into Excel: numbers as numbers, empty as empty."""
    if value == "":
        return None
    if numeric:
        f = float(value)
        return int(f) if f.is_integer() else f
    return value


NUMERIC = {
    "indicators": {"weight", "target", "actual", "score", "level1_weight", "level2_weight"},
    "deductions": {"points"},
    "budget": {"planned", "allocated", "spent"},
    "cashflows": {"year", "amount"},
    "distributions": {"low", "mode", "high", "mean", "sd"},
    "alternatives": {"cost", "effect"},
    "history": {"period", "value"},
    "peers": {"value", "period"},
    "drivers": {"base", "current"},
}


def folder_to_workbook(folder: Path, out: Path) -> Path:
    """Write the workbook form of a folder case with openpyxl only (independent of evalkit's writer)."""
    meta = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "基本信息"
    ws.append(["字段", "值"])
    for key, label in META_LABELS_ZH.items():
        value = meta
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            continue
        if isinstance(value, bool):
            value = "是" if value else "否"
        ws.append([label, "、".join(value) if isinstance(value, list) else value])
    for tname, sheet in SHEETS.items():
        rel = meta["tables"].get(tname)
        if rel is None:
            continue
        with (folder / rel).open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            head = next(reader)
            rows = list(reader)
        ws = wb.create_sheet(sheet)
        ws.append([ZH_HEADERS[tname][h] for h in head])
        for r in rows:
            ws.append([cell_as_typed(v, h in NUMERIC[tname]) for h, v in zip(head, r, strict=True)])
    ws = wb.create_sheet("报告文字")
    ws.append(["部分", "内容"])
    for key, text in meta.get("narrative", {}).items():
        ws.append([NARRATIVE_LABELS_ZH[key], text])
    wb.save(out)
    return out
