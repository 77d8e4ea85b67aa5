"""A new case that validates, ready to be filled in (folder or workbook form)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path
from typing import Any

import yaml

from .. import _io
from .. import _schema as S
from ..errors import InputError
from .cells import _get
from .model import ID_PATTERN

# ----------------------------------------------------------------------------------------------
# A new case


_SKELETON_INDICATORS = [
    # code, level1, level2, name, weight, type, direction, target, actual, unit, grade, score, l1w, l2w
    ("A11", "决策", "项目立项", "立项依据充分性", 5, "定性", "", "", "", "", "达成", 5, 15, 5),
    ("A21", "决策", "绩效目标", "绩效目标合理性", 5, "定性", "", "", "", "", "达成", 4, 15, 5),
    ("A31", "决策", "资金投入", "预算编制科学性", 5, "定性", "", "", "", "", "部分达成", 3.5, 15, 5),
    ("B11", "过程", "资金管理", "资金到位率", 5, "定量", "正向", 100, "", "%", "", "", 20, 10),
    ("B12", "过程", "资金管理", "预算执行率", 5, "定量", "正向", 100, "", "%", "", "", 20, 10),
    ("B21", "过程", "组织实施", "制度执行有效性", 10, "扣分", "", "", "", "", "", "", 20, 10),
    ("C11", "产出", "产出数量", "实际完成率", 15, "定量", "正向", 100, 96, "%", "", "", 35, 15),
    ("C21", "产出", "产出质量", "质量达标率", 10, "定量", "正向", 100, 100, "%", "", "", 35, 10),
    ("C31", "产出", "产出时效", "完成及时性", 10, "定性", "", "", "", "", "达成", 9, 35, 10),
    ("D11", "效益", "项目效益", "社会效益", 20, "定性", "", "", "", "", "达成", 17, 30, 20),
    ("D21", "效益", "满意度", "服务对象满意度", 10, "满意度", "", 90, 88, "%", "", "", 30, 10),
]
_SKELETON_COLUMNS = ("code", "level1", "level2", "name", "weight", "type", "direction", "target", "actual", "unit",
                     "grade", "score", "level1_weight", "level2_weight")


def _skeleton_meta(case_id: str) -> dict[str, Any]:
    return {
        "schema": 1, "id": case_id, "title": "（示例，请修改）某县某项目绩效评价报告", "scheme": "mof-2020-key",
        "project": {"name": "某项目", "department": "某县某局", "implementer": "某县某中心",
                    "commissioner": "某县财政局", "region": "某省某县", "year": dt.date.today().year - 1,
                    "category": "", "period": ""},
        "funding": {"planned": 1000000, "allocated": 1000000, "spent": 950000},
        "evaluation": {"kind": "重点评价", "evaluator": "某评价机构", "team": [],
                       "date": dt.date.today().isoformat(), "standards": ["计划标准"], "methods": ["比较法"]},
    }


def new_case(case_id: str, dest: str | Path = "cases", *, xlsx: bool = False) -> Path:
    """Write a case skeleton that validates, ready to be filled in; returns its folder.

    The workbook form (``xlsx=True``) has Chinese headers and drop-down lists for 指标类型, 指标方向
    and 定性等级. An existing folder is never overwritten.

    Raises
    ------
    InputError
        If ``case_id`` is not a valid id, ``dest`` is not a folder, or the case's folder already exists.
    OSError
        If the folder cannot be written (no permission, a full disk); nothing is left behind.
    """
    if not ID_PATTERN.match(case_id):
        raise InputError(f"案例编号「{case_id}」只能由小写字母、数字和 - 组成")
    if problem := _io.folder_problem(dest):
        raise InputError(f"{dest} {problem}，无法在其中新建案例")
    folder = Path(dest) / case_id
    if _io.kind(folder) != "missing":               # a dangling symlink counts: it would be replaced
        raise InputError(f"{folder} 已存在，不会覆盖")
    meta = _skeleton_meta(case_id)
    narrative = {k: f"（请填写{v}）" for k, v in S.NARRATIVE_LABELS.items() if k not in S.OPTIONAL_NARRATIVE}
    rows = [dict(zip(_SKELETON_COLUMNS, r)) for r in _SKELETON_INDICATORS]
    deductions = [{"code": "B21", "points": 1, "reason": "（示例）个别合同未按规定备案", "evidence": "GZ-01"}]
    tmp = Path(dest) / f".{case_id}.new"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        if xlsx:
            _write_workbook(tmp / "case.xlsx", meta, narrative, {"indicators": rows, "deductions": deductions})
        else:
            meta["narrative"] = narrative
            meta["tables"] = {"indicators": "indicators.csv", "deductions": "deductions.csv"}
            (tmp / "case.yaml").write_text(
                "# 案例格式说明见 docs/case-format.md\n"
                + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
            _write_csv(tmp / "indicators.csv", S.TABLES["indicators"], rows)
            _write_csv(tmp / "deductions.csv", S.TABLES["deductions"], deductions)
        tmp.rename(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _write_csv(path: Path, spec: S.Table, rows: list[dict[str, Any]]) -> None:
    names = [c.name for c in spec.columns]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        w.writerows([[r.get(n, "") for n in names] for r in rows])


def _write_workbook(path: Path, meta: dict[str, Any], narrative: dict[str, str],
                    tables: dict[str, list[dict[str, Any]]]) -> None:
    """The workbook form of a case: Chinese headers, drop-down lists, text kept as text."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")

    def put(ws: Any, rows: list[list[Any]], widths: list[int]) -> None:
        for r in rows:
            ws.append(r)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
                    cell.data_type = "s"            # text stays text, never a formula
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
        for i, w in enumerate(widths):
            ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width = w
        ws.freeze_panes = "A2"

    ws = wb.active
    ws.title = S.META_SHEET
    rows = [["字段", "值"]]
    for key, label in S.META_LABELS.items():
        value = _get(meta, key)
        rows.append([label, "、".join(value) if isinstance(value, list) else value])
    put(ws, rows, [18, 60])
    for tname, spec in S.TABLES.items():
        if tname not in tables:
            continue
        ws = wb.create_sheet(spec.sheet)
        put(ws, [[c.zh for c in spec.columns]] + [[r.get(c.name, "") for c in spec.columns] for r in tables[tname]],
            [max(10, 2 * len(c.zh) + 4) for c in spec.columns])
        if tname == "indicators":
            for col, choices in (("type", "定量,定性,扣分,满意度"), ("direction", "正向,反向,等于"),
                                 ("grade", "达成,部分达成,未达成")):
                letter = openpyxl.utils.get_column_letter([c.name for c in spec.columns].index(col) + 1)
                dv = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True,
                                    error=f"请从下拉列表中选择：{choices}", showErrorMessage=True)
                dv.add(f"{letter}2:{letter}500")
                ws.add_data_validation(dv)
    ws = wb.create_sheet(S.NARRATIVE_SHEET)
    put(ws, [["部分", "内容"]] + [[S.NARRATIVE_LABELS[k], v] for k, v in narrative.items()], [20, 100])
    buf = io.BytesIO()
    wb.save(buf)
    from .._io import write_bytes

    write_bytes(path, buf.getvalue())


__all__ = ["new_case"]
