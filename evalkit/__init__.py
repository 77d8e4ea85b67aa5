"""evalkit: reproducible 重点评价 (key performance evaluation) reports for public projects.

``import evalkit as ek`` gives every public name; importing does no work beyond loading modules.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("evalkit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

from . import report
from ._paths import example_case
from .case import Case, load_case, new_case, validate_case
from .errors import (
    CaseError,
    EvalkitError,
    EvalkitWarning,
    ExportError,
    InputError,
    Issue,
    RunError,
)
from .report import Report
from .run import run_case
from .scoring import SCHEMES, Scheme, Scorecard, get_scheme, score

__all__ = [
    "SCHEMES",
    "Case",
    "CaseError",
    "EvalkitError",
    "EvalkitWarning",
    "ExportError",
    "InputError",
    "Issue",
    "Report",
    "RunError",
    "Scheme",
    "Scorecard",
    "__version__",
    "example_case",
    "get_scheme",
    "load_case",
    "new_case",
    "report",
    "run_case",
    "score",
    "validate_case",
]
