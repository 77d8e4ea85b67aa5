"""evalkit batch: parallel equals sequential, incremental, robust to failing cases, Dask."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from evalkit.batch import run_batch
from evalkit.cli import main as cli_main
from evalkit.run import NOTEBOOK

from .conftest import DEMO_CASES, ROOT

pytestmark = pytest.mark.slow


def copy_cases(dest, names=("demo-water", "demo-greening", "demo-microcredit")):
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copytree(ROOT / "cases" / name, dest / name)
    return dest


def statuses(res):
    return {r.get("id") or r["path"]: r["status"] for r in res.records}


@pytest.fixture(scope="module")
def parallel(tmp_path_factory):
    out = tmp_path_factory.mktemp("batch")
    cases = copy_cases(tmp_path_factory.mktemp("cases"))
    first = run_batch([cases], out, jobs=2, formats=("html",), summary=True, progress=lambda r: None)
    return cases, out, first


def test_parallel_batch_equals_sequential_runs(parallel, built):
    _, out, first = parallel
    assert first.counts == {"ok": 3, "up-to-date": 0, "failed": 0}
    for case in DEMO_CASES:
        for name in ("results.json", "report.html"):
            assert (out / case.name / name).read_bytes() == (built[case.name].out_dir / name).read_bytes(), name


def test_manifest_and_summary(parallel):
    _, out, first = parallel
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    by_id = {c["id"]: c for c in manifest["cases"]}
    for case in DEMO_CASES:
        want = json.loads((case / "expected.json").read_text(encoding="utf-8"))
        assert (by_id[case.name]["score"], by_id[case.name]["grade"]) == (pytest.approx(want["score"]), want["grade"])
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert "重点评价结果汇总（3 个项目）" in html and "评价等级：优 1 个、良 1 个、中 1 个、差 0 个" in html
    assert first.summary == out / "summary.html"


def test_unchanged_rerun_executes_nothing_and_touching_one_reruns_it(parallel):
    cases, out, _ = parallel
    again = run_batch([cases], out, jobs=2, formats=("html",), summary=False, progress=lambda r: None)
    assert set(statuses(again).values()) == {"up-to-date"}
    yaml_path = cases / "demo-water" / "case.yaml"
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace("title: ", "title: （修订）", 1),
                         encoding="utf-8")
    third = run_batch([cases], out, jobs=2, formats=("html",), summary=False, progress=lambda r: None)
    assert statuses(third) == {"demo-water": "ok", "demo-greening": "up-to-date", "demo-microcredit": "up-to-date"}
    assert "（修订）" in (out / "demo-water" / "report.html").read_text(encoding="utf-8")


def test_failing_cases_do_not_stop_the_others(tmp_path):
    cases = copy_cases(tmp_path / "cases", ("demo-water", "demo-greening"))
    out = tmp_path / "out"
    first = run_batch([cases], out, jobs=2, formats=("html",), summary=False, progress=lambda r: None)
    good_html = (out / "demo-greening" / "report.html").read_bytes()
    # break one case's data, and make the notebook raise for every case
    ind = cases / "demo-water" / "indicators.csv"
    ind.write_text(ind.read_text(encoding="utf-8").replace(",定性,", ",定型,", 1), encoding="utf-8")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("raise RuntimeError('故意出错')"))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    res = run_batch([cases], out, jobs=2, formats=("html",), summary=False, notebook=broken, progress=lambda r: None)
    by_id = {r.get("id"): r for r in res.records}
    assert first.counts["ok"] == 2 and res.counts["failed"] == 2
    assert by_id["demo-greening"]["error"]["ename"] == "RuntimeError"
    assert "故意出错" in by_id["demo-greening"]["error"]["evalue"]
    water = next(r for r in res.records if "demo-water" in r["path"])
    assert water["error"]["kind"] == "invalid" and "定型" in water["error"]["message"]
    assert (out / "demo-greening" / "report.html").read_bytes() == good_html      # the last good report stays
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {c["status"] for c in manifest["cases"]} == {"failed"}
    assert cli_main(["batch", str(cases), "--out", str(out), "--format", "html", "--no-summary",
                        "--notebook", str(broken)]) == 1


def test_a_hung_cell_is_ended_by_the_time_limit(tmp_path):
    cases = copy_cases(tmp_path / "cases", ("demo-greening",))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("import time\ntime.sleep(600)"))
    hung = tmp_path / "hung.ipynb"
    nbformat.write(nb, hung)
    res = run_batch([cases], tmp_path / "out", jobs=1, formats=("html",), summary=False, notebook=hung,
                    timeout=5, progress=lambda r: None)
    (record,) = res.records
    assert record["status"] == "failed" and record["seconds"] < 120
    assert "Timeout" in record["error"]["message"] or "timed out" in record["error"]["message"].lower()


def test_dask_local_cluster_gives_the_same_results(tmp_path, built):
    distributed = pytest.importorskip("distributed")
    cases = copy_cases(tmp_path / "cases", ("demo-water",))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        res = run_batch([cases], tmp_path / "out", formats=("html",), summary=False,
                        scheduler=cluster.scheduler_address, progress=lambda r: None)
    assert res.counts["ok"] == 1
    assert (tmp_path / "out" / "demo-water" / "results.json").read_bytes() == \
        (built["demo-water"].out_dir / "results.json").read_bytes()
