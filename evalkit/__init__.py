"""evalkit: reproducible 重点评价 (key performance evaluation) reports for public projects.

``import evalkit as ek`` gives every public name; importing does no work beyond loading modules.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("evalkit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

from . import report  # noqa: E402
from ._paths import example_case  # noqa: E402
from .case import Case, load_case, new_case, validate_case  # noqa: E402
from .errors import CaseError, EvalkitError, EvalkitWarning, ExportError, InputError, Issue, RunError  # noqa: E402
from .report import Report  # noqa: E402
from .run import run_case  # noqa: E402
from .scoring import SCHEMES, Scheme, Scorecard, get_scheme, score  # noqa: E402

__all__ = [
    "Case", "CaseError", "EvalkitError", "EvalkitWarning", "ExportError", "InputError", "Issue", "Report",
    "RunError", "SCHEMES", "Scheme", "Scorecard", "__version__", "example_case", "get_scheme", "load_case",
    "new_case", "report", "run_case", "score", "validate_case",
]
