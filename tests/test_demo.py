"""Synthetic cases: valid, varied and the same for the same seed."""

from __future__ import annotations

import collections

import evalkit as ek
from evalkit.batch import case_key, discover
from evalkit.cli import main
from evalkit.demo import make_demo_cases


def test_demo_cases_validate_and_vary(tmp_path):
    folders = make_demo_cases(25, tmp_path / "a")
    assert [f.name for f in folders] == [f"demo-{i:04d}" for i in range(1, 26)]
    assert all(ek.validate_case(f) == [] for f in folders)
    grades = collections.Counter(ek.scorecard(ek.load_case(f)).grade for f in folders)
    assert len(grades) >= 3, grades


def test_demo_cases_are_deterministic(tmp_path):
    make_demo_cases(5, tmp_path / "a", seed=7)
    make_demo_cases(5, tmp_path / "b", seed=7)
    for name in ("demo-0001", "demo-0005"):
        for f in ("case.yaml", "indicators.csv", "deductions.csv", "budget.csv"):
            assert (tmp_path / "a" / name / f).read_bytes() == (tmp_path / "b" / name / f).read_bytes()


def test_case_keys_change_only_with_the_inputs(tmp_path):
    (folder,) = make_demo_cases(1, tmp_path)
    _, k1 = case_key(folder, "env")
    assert case_key(folder, "env")[1] == k1 and case_key(folder, "other")[1] != k1
    (folder / "indicators.csv").write_text((folder / "indicators.csv").read_text(encoding="utf-8") + "\n",
                                           encoding="utf-8")
    assert case_key(folder, "env")[1] != k1
    assert discover([tmp_path]) == [folder]


def test_cli_demo_cases(tmp_path, capsys):
    assert main(["demo-cases", "3", str(tmp_path / "x")]) == 0
    assert "已生成 3 个示例案例" in capsys.readouterr().out
    assert main(["demo-cases", "0", str(tmp_path / "y")]) == 2
