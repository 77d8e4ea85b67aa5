import evalkit as ek


def test_public_names_are_pinned():
    assert sorted(ek.__all__) == sorted([
        "BatchStopped", "Case", "CaseError", "EvalkitError", "EvalkitWarning", "ExportError", "InputError", "Issue", "Report",
        "RunError", "SCHEMES", "Scheme", "Scorecard", "__version__", "ahp", "appraise", "benchmark_gaps",
        "chain_substitution", "cost_benefit", "cronbach_alpha", "dea", "diff_in_diff", "drivers",
        "entropy_weights", "example_case", "exploratory_factor_analysis", "get_scheme", "group_test", "irr_all",
        "least_cost", "lmdi", "load_case", "malmquist", "new_case", "peer_comparison", "plan_vs_actual", "report",
        "risk", "run_batch", "run_case", "sample_size", "satisfaction", "score", "scorecard", "sensitivity", "shapley_decomposition",
        "topsis", "trend", "unit_cost", "validate_case",
    ])
    for name in ek.__all__:
        assert hasattr(ek, name), name


def test_error_tree():
    assert issubclass(ek.InputError, ValueError) and issubclass(ek.InputError, ek.EvalkitError)
    for cls in (ek.CaseError, ek.RunError, ek.ExportError, ek.BatchStopped):
        assert issubclass(cls, ek.EvalkitError)
    assert issubclass(ek.EvalkitWarning, UserWarning)


def test_case_error_lists_every_issue_in_its_message():
    issues = [ek.Issue("case.yaml", "缺少必填字段「主管部门」", row=3, column="project.department"),
              ek.Issue("case.xlsx", "必须为数字，实际为「十」", sheet="指标体系", row=7, column="分值")]
    err = ek.CaseError(issues, "cases/x")
    assert "2 处问题" in str(err)
    assert "case.yaml 第3行 列「project.department」：缺少必填字段「主管部门」" in str(err)
    assert "case.xlsx 工作表「指标体系」 第7行 列「分值」：必须为数字，实际为「十」" in str(err)


def test_no_module_of_the_package_shadows_a_standard_module():
    """The fork server runs evalkit/_forkkernel.py as a script, so evalkit/ is first on its sys.path:
    a module there named like a standard one (``_csv``) would replace it for every library. Modules
    built into the interpreter (``_io``) are never looked up on the path."""
    import sys
    from pathlib import Path

    import evalkit

    names = {p.stem for p in Path(evalkit.__file__).parent.glob("*.py")} | {
        p.name for p in Path(evalkit.__file__).parent.iterdir() if p.is_dir()}
    assert not names & (set(sys.stdlib_module_names) - set(sys.builtin_module_names))
