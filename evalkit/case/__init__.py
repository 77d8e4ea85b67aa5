"""A case: load it from a folder (``case.yaml`` + CSV) or one ``.xlsx`` workbook, and validate it.

The format is described in ``docs/case-format.md`` and, as data, in :mod:`evalkit._schema`. This
package is the one place that enforces it:

- :mod:`.read` reads the files (YAML, CSV, workbook sheets) and the cells (:mod:`.cells`: numbers,
  percents, money units, dates, Excel number formats);
- :mod:`.rules` holds the rules across tables and figures (the evidence tables' checks, the
  questionnaire's items and answers, the figures a case states twice);
- :mod:`.skeleton` writes a new case that validates.

It imports nothing but evalkit's base modules (errors, schemes, the readers); no method and no report.
Validation collects **every** problem before it reports, each with its file, sheet, row and column
and a Chinese message; :func:`load_case` raises :class:`~evalkit.errors.CaseError` carrying them.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import CaseError, Issue
from .model import ID_PATTERN, Case, inputs_hash
from .read import XLSX_LIMIT, _Reader
from .rules import Question, answers, questions, satisfied_levels, scale_value
from .skeleton import new_case


def load_case(path: str | Path) -> Case:
    """Read and validate a case folder or workbook.

    Parameters
    ----------
    path
        A folder with ``case.yaml`` (or ``case.xlsx``), a ``case.yaml`` file or an ``.xlsx`` workbook.

    Raises
    ------
    CaseError
        If anything is wrong; ``.issues`` lists every problem with file, sheet, row and column.
    """
    reader = _Reader(Path(path))
    case, issues = reader.read()
    if issues:
        raise CaseError(issues, str(path), reader.notes)
    assert case is not None
    return case


def case_inputs(path: str | Path) -> tuple[str, list[Path]]:
    """(case id, input files) of a case, read cheaply: ``case.yaml`` and the table files it names, or
    the workbook's 案例编号 — with the loader's protections (alias bombs, nesting, duplicate keys,
    encodings, workbook size) and its located messages, but without reading the tables.

    Raises
    ------
    CaseError
        If the case cannot even be read that far, or its id cannot name an output folder.
    """
    return _Reader(Path(path)).inputs()




def validate_case(path: str | Path) -> list[Issue]:
    """Every problem of a case (an empty list when it is valid). Never raises for bad content."""
    return _Reader(Path(path)).read()[1]


__all__ = ["ID_PATTERN", "XLSX_LIMIT", "Case", "Question", "answers", "case_inputs", "inputs_hash", "load_case", "new_case",
           "questions", "satisfied_levels", "scale_value", "validate_case"]
