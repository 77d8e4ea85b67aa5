"""Where evalkit finds its notebooks, templates and lock file."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TEMPLATES = ROOT / "templates"
LOCK = ROOT / "uv.lock"
CASES = ROOT / "cases"


def example_case(name: str = "demo-water") -> Path:
    """The folder of a bundled example case (``demo-water``, ``demo-microcredit``, ``demo-greening``)."""
    return CASES / name
