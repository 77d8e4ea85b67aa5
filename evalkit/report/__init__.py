"""What the report notebook displays: one method per section of the 重点评价 report.

``Report`` binds a case to its scorecard; each method returns a :class:`Block` that JupyterLab and
nbconvert show as HTML. The notebook stays one line per section; the logic is in
:mod:`evalkit.report.sections`, tested without a kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .._result import one_line
from .._version import __version__
from ..case import Case, load_case
from ..schemes import Scheme
from ..scoring import Scorecard
from . import analyses, sections, sentences
from .portfolio import Portfolio
from .results import results, save_results


@dataclass(frozen=True)
class Block:
    """An HTML fragment shown as rich output; ``section`` names the report section that made it.

    >>> Block("<p>x</p>", "cover")
    Block(cover: 8 characters)
    """

    html: str
    section: str = ""

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"Block({self.section + ': ' if self.section else ''}{len(self.html):,} characters)"


class Report:
    """The 重点评价 report of one case, section by section.

    >>> import evalkit as ek
    >>> rep = ek.Report.from_case(ek.example_case("demo-water"))
    >>> rep.card.grade in ("优", "良", "中", "差")
    True
    """

    def __init__(self, case: Case, *, scheme: str | Scheme | None = None):
        self.case = analyses.checked(case)
        self.card: Scorecard = analyses.scorecard(self.case, scheme)

    def __repr__(self) -> str:
        return one_line("Report", {"case": self.case.id, "total": self.card.total, "grade": self.card.grade})

    @classmethod
    def from_case(cls, path: str | Path, **kwargs: object) -> Report:
        """The report of the case at ``path``; a relative path is read from the repository root, wherever
        the kernel runs (:func:`evalkit._paths.from_root`)."""
        from .. import _paths

        return cls(load_case(_paths.from_root(path, "案例路径")), **kwargs)

    def _block(self, fn, **kw) -> Block:
        return Block(fn(self.case, self.card, **kw), fn.__name__)

    def cover(self) -> Block:
        return self._block(sections.cover)

    def contents(self) -> Block:
        return self._block(sections.contents)

    def abstract(self) -> Block:
        return self._block(sections.abstract)

    def basic_info(self) -> Block:
        return self._block(sections.basic_info)

    def evaluation_work(self) -> Block:
        return self._block(sections.evaluation_work)

    def conclusion(self) -> Block:
        return self._block(sections.conclusion)

    def indicator_analysis(self) -> Block:
        return self._block(sections.indicator_analysis)

    def cost_benefit(self) -> Block:
        """第四章 (五): 成本效益分析法 — economic and financial analysis, sensitivity, risk."""
        return self._block(sections.cost_benefit)

    def least_cost(self) -> Block:
        """第四章 (六): 最低成本法 — the alternatives' cost per unit of effect."""
        return self._block(sections.least_cost)

    def comparison(self) -> Block:
        """第四章 (七): 比较法 — plan, history, peers and a difference-in-differences estimate."""
        return self._block(sections.comparison)

    def benchmarking(self) -> Block:
        """第四章 (八): 标杆管理法 — gaps to the best peers, DEA efficiency, entropy-weighted TOPSIS."""
        return self._block(sections.benchmarking)

    def lessons_and_problems(self) -> Block:
        return self._block(sections.lessons_and_problems)

    def suggestions(self) -> Block:
        return self._block(sections.suggestions)

    def other_matters(self) -> Block:
        return self._block(sections.other_matters, input_hash=self.case.content_hash(), version=__version__)

    def annex_scores(self) -> Block:
        return self._block(sections.annex_scores)

    def survey_annex(self) -> Block:
        """附件二: 问卷调查分析 — sample, reliability, satisfaction by item and by group."""
        return self._block(sections.survey_annex)

    def results(self) -> dict:
        return results(self.case, self.card)

    def save(self, out_dir: str | Path | None = "") -> Block:
        """Write ``results.json`` to ``out_dir``; shows nothing in the report.

        Empty (the notebook's default), it is ``build/<案例编号>`` under the repository root, so a notebook
        run for another case never writes into the first one's folder; a relative path is read from the
        repository root (:func:`evalkit._paths.from_root`), an absolute one is taken as it is.
        """
        from .. import _paths

        out = _paths.BUILD / self.case.id if out_dir in ("", None) else _paths.from_root(out_dir, "输出目录")
        save_results(self.results(), out)
        return Block("", "save")


__all__ = ["Block", "Portfolio", "Report", "results", "save_results", "sections", "sentences"]
