from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import evalkit as ek

ROOT = Path(__file__).resolve().parent.parent
DEMO_CASES = sorted(p for p in (ROOT / "cases").iterdir() if p.is_dir() and not p.name.startswith("."))
CHROMIUM_MISSING = not Path(ek.run.CHROMIUM).exists()

# Property-based tests take their example counts from a profile: ``ci`` (the default, what CI runs)
# or ``long`` (EVALKIT_FUZZ=long, many more examples for a run before a release). A test that sets
# ``max_examples`` itself keeps its own count.
_FUZZ = {"ci": 150, "long": 3000}
for _name, _n in _FUZZ.items():
    settings.register_profile(_name, max_examples=_n, deadline=None, print_blob=True,
                              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("EVALKIT_FUZZ", "ci"))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "pdf" in item.keywords and CHROMIUM_MISSING:
            item.add_marker(pytest.mark.skip(reason="Debian chromium is not installed (scripts/setup.sh installs it)"))


@pytest.fixture
def demo_copy(tmp_path):
    """A fresh, writable copy of an example case."""

    def make(name: str = "demo-water") -> Path:
        dest = tmp_path / "cases" / name
        shutil.copytree(ROOT / "cases" / name, dest)
        return dest

    return make


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Every example case built once, one case after another, HTML and PDF, with one browser."""
    out = tmp_path_factory.mktemp("build")
    with ek.run.PdfPrinter() as printer:
        return {case.name: ek.run_case(case, out / case.name, printer=printer) for case in DEMO_CASES}
