"""Determinism: the same case gives the same bytes, run alone or in a parallel batch.

``results.json`` and ``report.html`` are byte-identical; a PDF differs at most in its creation and
modification dates.
"""

from __future__ import annotations

import re

import pytest

import evalkit as ek
from evalkit.batch import run_batch
from evalkit.run import stable_node_ids

from .conftest import ROOT
from .test_batch import copy_cases

pytestmark = [pytest.mark.slow, pytest.mark.pdf]

_DATES = re.compile(rb"/(CreationDate|ModDate) \(D:[0-9+\-Z']*\)")


def undated(pdf: bytes) -> bytes:
    return _DATES.sub(b"", pdf)


def test_undated_removes_only_the_dates():
    pdf = b"<</CreationDate (D:20261122174222+00'00') /ModDate (D:20261122174222+00'00')>> /Title (x)"
    assert undated(pdf) == b"<< >> /Title (x)"


def test_structure_ids_are_numbered_in_order_of_appearance():
    pdf = b"/ID (node00001753) /Headers [(node00001753)] /ID (node00000019)"
    assert stable_node_ids(pdf) == b"/ID (node00000001) /Headers [(node00000001)] /ID (node00000002)"


def test_the_same_case_twice_in_one_browser_and_in_a_parallel_batch(built, tmp_path):
    names = ("demo-water", "demo-greening")
    with ek.run.PdfPrinter() as printer:            # a browser that has printed before
        printer.print(built["demo-water"].out_dir / "report.html", tmp_path / "warm-up.pdf")
        again = ek.run_case(ROOT / "cases" / "demo-water", tmp_path / "again" / "demo-water", printer=printer)
    res = run_batch([copy_cases(tmp_path / "cases", names)], tmp_path / "batch", jobs=2, formats=("html", "pdf"),
                    summary=False, progress=lambda r: None)
    assert res.counts["ok"] == 2
    outs = {"again": {"demo-water": again.out_dir},
            "batch": {n: tmp_path / "batch" / n for n in names}}
    for run, dirs in outs.items():
        for name, folder in dirs.items():
            first = built[name].out_dir
            for f in ("results.json", "report.html"):
                assert (folder / f).read_bytes() == (first / f).read_bytes(), (run, name, f)
            a, b = (first / "report.pdf").read_bytes(), (folder / "report.pdf").read_bytes()
            assert undated(a) == undated(b), (run, name)
            assert _DATES.search(a)                  # the dates are there, and only they may differ
