"""evalkit: reproducible 重点评价 (key performance evaluation) reports for public projects.

``import evalkit as ek`` gives every public name; importing does no work beyond loading modules
(scipy and statsmodels are imported by the functions that need them).
"""

from __future__ import annotations

from . import report
from ._paths import example_case
from ._version import __version__
from .batch import run_batch
from .benchmark import benchmark_gaps, dea, malmquist
from .case import Case, load_case, new_case, validate_case
from .compare import diff_in_diff, group_test, peer_comparison, plan_vs_actual, trend
from .costbenefit import appraise, cost_benefit, irr_all, least_cost, risk, sensitivity, unit_cost
from .errors import BatchStopped, CaseError, EvalkitError, EvalkitWarning, ExportError, InputError, Issue, RunError
from .factors import chain_substitution, drivers, exploratory_factor_analysis, lmdi, shapley_decomposition
from .report import Report
from .report.analyses import scorecard
from .run import run_case
from .schemes import SCHEMES, Scheme, get_scheme
from .scoring import Scorecard, score
from .survey import cronbach_alpha, sample_size, satisfaction
from .weights import ahp, entropy_weights, topsis

__all__ = [
    "SCHEMES", "BatchStopped", "Case", "CaseError", "EvalkitError", "EvalkitWarning", "ExportError", "InputError", "Issue",
    "Report", "RunError", "Scheme", "Scorecard", "__version__", "ahp", "appraise", "benchmark_gaps",
    "chain_substitution", "cost_benefit", "cronbach_alpha", "dea", "diff_in_diff", "drivers", "entropy_weights",
    "example_case", "exploratory_factor_analysis", "get_scheme", "group_test", "irr_all", "least_cost", "lmdi",
    "load_case", "malmquist", "new_case", "peer_comparison", "plan_vs_actual", "report", "risk", "run_batch", "run_case",
    "sample_size", "satisfaction", "score", "scorecard", "sensitivity", "shapley_decomposition", "topsis", "trend", "unit_cost",
    "validate_case",
]
