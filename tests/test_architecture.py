"""The walls between evalkit's parts (docs/architecture.md): every import of every module, those inside
functions too, held against what its part may import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "evalkit"

#: part → the modules (first name under evalkit/) that belong to it
PARTS = {
    "base": {"errors", "_io", "_text", "_fmt", "_result", "_paths", "_procs", "_readcsv", "_readyaml", "_checks",
             "_schema", "schemes", "charts", "_version"},
    "methods": {"scoring", "costbenefit", "compare", "factors", "benchmark", "survey", "weights"},
    "case": {"case"},
    "report": {"report"},
    "orchestration": {"run", "batch", "cli", "demo", "_kernels", "_forkkernel", "__init__"},
}
#: part → the parts it may import (itself included)
MAY_IMPORT = {
    "base": {"base"},
    "methods": {"base"},          # a method knows no other method, no case, no report
    "case": {"base", "case"},
    "report": {"base", "methods", "case", "report"},
    "orchestration": {"base", "methods", "case", "report", "orchestration"},
}


def part_of(module: str) -> str:
    """``evalkit.case.read`` → ``case``; ``evalkit`` (the package itself) → ``orchestration``."""
    first = module.split(".")[1] if "." in module else "__init__"
    return next(part for part, names in PARTS.items() if first in names)


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, evalkit module imported) for every import in ``source``, at any depth, relative ones
    resolved; ``from evalkit import x`` counts as importing ``evalkit.x`` when x is a module."""
    here = module.split(".") if is_package else module.split(".")[:-1]
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "evalkit"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "evalkit":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                first = sub.split(".")[1] if "." in sub else ""
                is_module = any(first in names for names in PARTS.values()) and target.count(".") == 0
                out.append((node.lineno, sub if is_module else target))
    return out


def crossings(source: str, module: str, is_package: bool = False) -> list[str]:
    """The imports of ``module`` that cross a wall, as ``module:line imports target (part → part)``."""
    mine = part_of(module)
    bad = []
    for line, target in imports(source, module, is_package):
        if target == "evalkit":
            theirs = "orchestration"
        else:
            theirs = part_of(target)
        if theirs not in MAY_IMPORT[mine]:
            bad.append(f"{module}:{line} imports {target} ({mine} → {theirs})")
    return bad


def test_every_module_belongs_to_a_part():
    for path in PACKAGE.rglob("*.py"):
        part_of(module_name(path))          # StopIteration for a module the table does not place


def test_no_import_crosses_a_wall():
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        bad += crossings(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")
    assert bad == [], "imports across the walls of docs/architecture.md:\n" + "\n".join(bad)


@pytest.mark.parametrize(("module", "source", "crossing"), [
    ("evalkit.compare", "def plot(self):\n    from .report import charts\n", "evalkit.report (methods → report)"),
    ("evalkit.compare", "from . import case\n", "evalkit.case (methods → case)"),
    ("evalkit.compare", "import evalkit.scoring\n", "evalkit.scoring (methods → methods)"),
    ("evalkit.case.rules", "from ..survey import satisfaction\n", "evalkit.survey (case → methods)"),
    ("evalkit.case.read", "def f():\n    from evalkit import costbenefit\n", "evalkit.costbenefit (case → methods)"),
    ("evalkit.schemes", "from .case import Case\n", "evalkit.case (base → case)"),
    ("evalkit.charts", "from evalkit.report.tables import table\n", "evalkit.report.tables (base → report)"),
])
def test_the_check_sees_a_forbidden_arrow_wherever_it_is_written(module, source, crossing):
    found = crossings(source, module)
    assert len(found) == 1 and found[0].endswith(crossing), found


@pytest.mark.parametrize(("module", "source"), [
    ("evalkit.report.analyses", "from .. import compare as cmp\nfrom ..case import Case\n"),
    ("evalkit.case.read", "from . import rules\nfrom .. import _checks\nfrom ..schemes import get_scheme\n"),
    ("evalkit.compare", "def plot(self):\n    from . import charts\n"),
])
def test_allowed_arrows_pass(module, source):
    assert crossings(source, module) == []


def test_the_architecture_doc_names_every_part_and_module():
    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    for part, names in PARTS.items():
        assert f"**{part}**" in doc, part
        for name in names - {"__init__"}:
            assert f"`{name}" in doc, name
