"""The cross-case summary of a batch: what ``notebooks/portfolio_summary.ipynb`` shows.

Reads ``build/manifest.json`` and each case's ``results.json`` (never HTML).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from .. import charts
from .._fmt import value
from .document import Cover, Figure, Heading, Para, table
from .tables import pct, pts

GRADES = ("优", "良", "中", "差")


class Portfolio:
    """All cases of a batch, from its output folder."""

    def __init__(self, build_dir: str | Path = "build"):
        from .._paths import from_root

        self.build_dir = from_root(build_dir, "批量运行的输出目录")
        manifest = json.loads((self.build_dir / "manifest.json").read_text(encoding="utf-8"))
        self.manifest = manifest
        rows = []
        for entry in manifest["cases"]:
            if entry["status"] == "failed" or not entry.get("id"):
                continue
            path = self.build_dir / entry["id"] / "results.json"
            if path.is_file():
                rows.append(json.loads(path.read_text(encoding="utf-8")))
        self.results = rows
        self.failed = [e for e in manifest["cases"] if e["status"] == "failed"]

    def frame(self) -> pd.DataFrame:
        """One row per scored case: id, title, project, year, score, grade, money and 得分率 by 一级指标."""
        rows = []
        for r in self.results:
            row = {"id": r["id"], "project": r.get("project", ""), "evaluator": r.get("evaluator", ""),
                   "score": r["score"], "grade": r["grade"], "planned": r["funding"]["planned"],
                   "spent": r["funding"]["spent"]}
            row.update({f"rate:{k}": v for k, v in r.get("rates", {}).items()})
            rows.append(row)
        return pd.DataFrame(rows)

    def _block(self, nodes: list, section: str) -> Any:
        from . import Block

        return Block(nodes, section)

    def cover(self) -> Any:
        return self._block([Cover((f"重点评价结果汇总（{len(self.results)} 个项目）",), kicker="绩效评价结果汇总")], "cover")

    def overview(self) -> Any:
        f = self.frame()
        out: list = [Heading(1, "一、", "总体情况", "overview")]
        if f.empty:
            return self._block([*out, Para.of("没有评分成功的案例。", "absent")], "overview")
        counts = {g: int((f["grade"] == g).sum()) for g in GRADES}
        other = len(f) - sum(counts.values())
        text = (f"本批次共评价项目 {len(f)} 个，涉及预算资金 {value(f['planned'].sum() / 1e8, 4)} 亿元、实际支出 "
                f"{value(f['spent'].sum() / 1e8, 4)} 亿元；平均得分 {f['score'].mean():.2f} 分，最高 {f['score'].max():.2f} 分，"
                f"最低 {f['score'].min():.2f} 分。评价等级：" + "、".join(f"{g} {n} 个" for g, n in counts.items())
                + (f"、其他 {other} 个" if other else "") + "。")
        if self.failed:
            text += f"另有 {len(self.failed)} 个案例未能生成报告，见第四部分。"
        out.append(Para.of(text))
        out.append(table(["等级", "项目数", "占比"], [[g, n, pct(n / len(f), 1)] for g, n in counts.items()],
                         numeric=[1, 2], caption="评价等级分布"))
        out.append(_figure(charts.grade_distribution(list(counts), list(counts.values())), "图 评价等级分布"))
        return self._block(out, "overview")

    def ranking(self) -> Any:
        f = self.frame().sort_values(["score", "id"], ascending=[False, True], kind="stable")
        rows = [[i, r.project, r.id, pts(r.score), r.grade, value(r.planned / 1e4)] for i, r in
                enumerate(f.itertuples(), start=1)]
        return self._block([Heading(1, "二、", "项目得分排序", "ranking"), table(
            ["排名", "项目", "案例编号", "得分", "等级", "预算（万元）"], rows, numeric=[0, 3, 5], caption="项目得分排序")],
            "ranking")

    def heatmap(self) -> Any:
        f = self.frame().sort_values("score", ascending=False, kind="stable")
        cols = [c for c in f.columns if c.startswith("rate:")]
        head = Heading(1, "三、", "各一级指标得分率", "heatmap")
        if f.empty or not cols:
            return self._block([head, Para.of("没有可比较的得分率。", "absent")], "heatmap")
        fig = charts.heatmap(list(f["project"]), [c.removeprefix("rate:") for c in cols], f[cols].to_numpy(dtype=float))
        return self._block([head, Para.of("颜色越深表示得分率越高；空白表示该案例没有这一一级指标。"),
                            _figure(fig, "图 各项目一级指标得分率")], "heatmap")

    def failures(self) -> Any:
        head = Heading(1, "四、", "未能生成报告的案例", "failed")
        if not self.failed:
            return self._block([head, Para.of("本批次所有案例均已生成报告。", "absent")], "failures")
        rows = [[e.get("id") or Path(e["path"]).name, e["path"], e.get("error", {}).get("message", "")[:300]]
                for e in self.failed]
        return self._block([head, table(["案例", "路径", "原因"], rows, caption="失败的案例")], "failures")


def _figure(fig: Any, caption: str) -> Figure:
    """A chart of the summary: SVG only (the summary has no Word rendering)."""
    return Figure(charts.to_svg(fig), b"", caption)
