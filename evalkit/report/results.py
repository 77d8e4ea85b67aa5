"""``results.json``: the figures that leave the notebook, so nothing downstream parses HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import _io
from ..case import Case
from ..scoring import Scorecard
from .sections import execution_rate


def results(case: Case, card: Scorecard) -> dict[str, Any]:
    """Plain, deterministic figures of one case: score, grade, subtotals and key money figures."""
    f = case.funding
    return {
        "id": case.id,
        "title": case.title,
        "project": case.project.get("name", ""),
        "year": case.project.get("year"),
        "evaluator": case.evaluation.get("evaluator", ""),
        **card.to_dict(),
        "rules_overridden": list(card.scheme.overrides),
        "funding": {
            "planned": f["planned"],
            "allocated": f["allocated"],
            "spent": f["spent"],
            "arrival_rate": f["allocated"] / f["planned"] if f["planned"] else None,
            "execution_rate": execution_rate(case),
        },
        "indicator_count": len(card.indicators),
        "input_hash": case.content_hash(),
    }


def save_results(data: dict[str, Any], out_dir: str | Path) -> Path:
    """Write ``results.json`` into ``out_dir`` atomically; returns its path."""
    return _io.write_json(Path(out_dir) / "results.json", data)
