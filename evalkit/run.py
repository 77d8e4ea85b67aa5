"""One case: validate → papermill in a real kernel → nbconvert HTML → Chromium PDF, and Word.

Everything is produced in a staging folder beside the output folder and moved into place only when
every step has succeeded, file by file with an atomic rename, so a failed run leaves the previous
good outputs untouched and an invalid case writes nothing at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from . import _io, _paths, _text
from ._procs import host as _host
from .case import Case, case_inputs, load_case
from .errors import ExportError, InputError, RunError

NOTEBOOK = _paths.NOTEBOOKS / "key_evaluation.ipynb"
TEMPLATE = "evalkit"
FORMATS = ("html", "pdf", "docx")
#: every file a run may leave in a case's output folder (manifest.json aside)
OUTPUTS = ("report.ipynb", "results.json", *(f"report.{f}" for f in FORMATS))
CHROMIUM = "/usr/lib/chromium/chromium"
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage")


@dataclass(frozen=True)
class RunResult:
    """What one run produced. ``outputs`` maps a file name to its final path."""

    case_id: str
    out_dir: Path
    outputs: dict[str, Path]
    durations: dict[str, float]
    results: dict[str, Any] = field(repr=False)


def run_case(case: Case | str | Path, out_dir: str | Path, formats: Sequence[str] = FORMATS, *,
             timeout: float = 600.0, printer: PdfPrinter | None = None, kernels: Any = None,
             notebook: str | Path | None = None, batch_key: str | None = None,
             house: str | Path | None = None, draft: bool = False) -> RunResult:
    """Build the report of one case into ``out_dir``.

    The case is read once, by the notebook's kernel: given a path, this process reads only its id and
    the names of its input files (:func:`evalkit.case.case_inputs`); given a loaded :class:`Case`,
    nothing. An invalid case is read again here only to report its problems file by file.

    Parameters
    ----------
    case
        A case folder or workbook (see ``docs/case-format.md``), or a loaded :class:`Case`.
    out_dir
        The case's output folder; it receives ``report.ipynb``, ``results.json``, ``manifest.json``
        and, as asked, ``report.html``, ``report.pdf`` and ``report.docx``.
    formats
        Any of ``"html"``, ``"pdf"`` and ``"docx"`` (a PDF needs the HTML, which is then produced too).
        The Word report is rendered from the same document nodes the notebook displayed.
    timeout
        Seconds a notebook cell may run before the run is abandoned.
    printer
        A running :class:`PdfPrinter` to reuse; one is started and closed otherwise.
    kernels
        A :class:`evalkit._kernels.KernelSupply` handing out kernels started ahead of need (batch
        runs); a kernel is started for this case otherwise.
    notebook
        Another report notebook (a firm's own variant of ``notebooks/key_evaluation.ipynb`` with the
        same ``case_dir``/``out_dir`` parameters); default the bundled one.
    batch_key
        The batch's change key of this case, recorded in its ``manifest.json`` (which is written once,
        complete, and moved into place last).
    house
        A firm's house-style folder (``docs/house-style.md``); default the one the case names as
        ``evaluation.template``, else the bundled style.
    draft
        Mark every page and the cover 征求意见稿 (a case whose ``evaluation.status`` is 征求意见稿 is
        marked without it).

    Raises
    ------
    CaseError
        If the case is invalid (nothing is written).
    RunError
        If a notebook cell fails; ``cell_index``, ``ename`` and ``evalue`` say which and why.
    ExportError
        If the HTML or PDF cannot be produced, or an output cannot be written.
    InputError
        If ``out_dir`` is a file, ``notebook`` does not exist, or a path cannot be passed to the notebook.
    """
    formats = tuple(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise InputError(f"不支持的输出格式：{', '.join(unknown)}（可用：{', '.join(FORMATS)}）")
    if isinstance(case, Case):
        case_id, case_path = case.id, case.path
    else:
        case_path = Path(case)
        case_id, _ = case_inputs(case_path)
    out = Path(out_dir)
    _check_paths(case_path, out, notebook)
    if house:
        from .report.house import load_house

        load_house(house)                  # a firm folder that cannot be read is refused before anything runs
    try:
        made = _missing_parents(out.parent)
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(out.parent)       # left by a run that was killed
        staging = Path(tempfile.mkdtemp(prefix=staging_prefix(case_id), suffix=".staging", dir=out.parent))
    except OSError as exc:
        raise ExportError(_io.write_failure(exc, out.parent)) from exc
    durations: dict[str, float] = {}
    try:
        t0 = time.perf_counter()
        params = {"case_dir": str(case_path.resolve()), "out_dir": str(staging.resolve()),
                  "house_dir": str(Path(house).resolve()) if house else "", "draft": bool(draft)}
        try:
            nb = _execute(Path(notebook or NOTEBOOK), staging / "report.ipynb", params, case_id, timeout, kernels)
        except RunError as exc:
            if exc.ename == "CaseError":           # the kernel found the case invalid: say where, file by file
                from .report.analyses import checked

                checked(load_case(case_path))
            raise
        durations["execute"] = time.perf_counter() - t0
        res_path = staging / "results.json"
        if not res_path.is_file():
            raise RunError(f"案例 {case_id} 的笔记本运行完毕，但没有写出 results.json（缺少 rep.save(out_dir)）",
                           case_id=case_id)
        results = json.loads(res_path.read_text(encoding="utf-8"))
        if "html" in formats or "pdf" in formats:
            t0 = time.perf_counter()
            _io.write_text(staging / "report.html", export_html(nb, title=results.get("title", case_id)))
            durations["html"] = time.perf_counter() - t0
        if "pdf" in formats:
            t0 = time.perf_counter()
            if printer is None:
                with PdfPrinter() as own:
                    own.print(staging / "report.html", staging / "report.pdf")
            else:
                printer.print(staging / "report.html", staging / "report.pdf")
            durations["pdf"] = time.perf_counter() - t0
        if "docx" in formats:
            t0 = time.perf_counter()
            _io.write_bytes(staging / "report.docx", export_docx(nb))
            durations["docx"] = time.perf_counter() - t0
        produced = ["report.ipynb", "results.json"] + [f"report.{f}" for f in FORMATS
                                                       if (staging / f"report.{f}").exists()]
        _io.write_json(staging / "manifest.json", {
            "id": case_id,
            "status": "ok",
            "input_hash": results["input_hash"],
            "evalkit_version": _version(),
            "code_hash": code_hash(),
            "lock_hash": file_hash(_paths.LOCK),
            "notebook_hash": file_hash(Path(notebook or NOTEBOOK)),
            "template_hash": tree_hash(_paths.TEMPLATES / TEMPLATE),
            "outputs": produced,
            "durations": {k: round(v, 3) for k, v in durations.items()},
            **({"batch_key": batch_key} if batch_key is not None else {}),
        })
        out.mkdir(parents=True, exist_ok=True)
        # the manifest goes first and comes back last: until it is back the folder is not up to date, and
        # an output of a format this run did not produce (an older report.pdf) is removed, not left beside
        # the new results
        (out / "manifest.json").unlink(missing_ok=True)
        outputs = {}
        for name in produced:
            os.replace(staging / name, out / name)
            outputs[name] = out / name
        for name in OUTPUTS:
            if name not in produced:
                (out / name).unlink(missing_ok=True)
        os.replace(staging / "manifest.json", out / "manifest.json")
        outputs["manifest.json"] = out / "manifest.json"
        return RunResult(case_id, out, outputs, durations, results)
    except OSError as exc:                   # a full disk, a folder that cannot be written
        raise ExportError(_io.write_failure(exc, out)) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in made:                  # a failed run leaves no folder it made behind
            with contextlib.suppress(OSError):
                folder.rmdir()


def _missing_parents(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist yet, innermost first."""
    out = []
    while _io.kind(folder) == "missing" and folder != folder.parent:
        out.append(folder)
        folder = folder.parent
    return out


def _check_paths(case_path: Path, out: Path, notebook: str | Path | None) -> None:
    """Refuse, before anything runs, an output folder that is a file and paths the notebook cannot take."""
    if problem := _io.folder_problem(out):
        raise InputError(f"输出目录 {out} {problem}")
    if notebook is not None and _io.kind(notebook) != "file":
        raise InputError(f"报告笔记本 {notebook} {_io.describe(notebook)}")
    for what, path in (("案例路径", case_path), ("输出目录", out)):
        try:
            str(path.absolute()).encode("utf-8")
        except UnicodeEncodeError:           # undecodable bytes in a file name (surrogates)
            raise InputError(f"{what} {path} 含有不是 UTF-8 编码的字节，无法传给笔记本：请把文件夹改名") from None


def staging_prefix(name: str) -> str:
    """The staging folder's name beside the outputs: it says which process on which host owns it."""
    return f".{name}.{_host()}.{os.getpid()}."


def remove_stale_staging(folder: Path) -> list[Path]:
    """Remove the staging folders in ``folder`` left by processes of this host that have died."""
    removed = []
    host = _host()
    for d in Path(folder).glob(".*.staging"):
        parts = d.name.rsplit(".", 4)          # '', name…, host, pid, random, 'staging'
        if len(parts) != 5 or parts[1] != host or not parts[2].isdigit():
            continue
        try:
            os.kill(int(parts[2]), 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
        except PermissionError:
            pass
    return removed


def _execute(notebook: Path, target: Path, parameters: dict[str, Any], case_id: str, timeout: float,
             kernels: Any = None) -> Any:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from . import _kernels

    km = kernels.take() if kernels is not None else _kernels.new_kernel()
    try:
        return pm.execute_notebook(
            str(notebook), str(target), parameters=parameters,
            kernel_name="python3", cwd=str(_paths.NOTEBOOKS), progress_bar=False, log_output=False,
            execution_timeout=timeout, start_timeout=120, km=km,
        )
    except PapermillExecutionError as exc:
        raise RunError(f"案例 {case_id} 的笔记本第 {exc.exec_count} 个代码单元出错：{exc.ename}: {exc.evalue}",
                       case_id=case_id, cell_index=exc.cell_index, ename=exc.ename, evalue=exc.evalue) from exc
    except OSError as exc:
        if exc.errno not in _io.NO_ROOM:
            raise RunError(f"案例 {case_id} 的笔记本未能运行完毕：{_io.os_failure(exc)}", case_id=case_id,
                           ename=type(exc).__name__, evalue=str(exc)) from exc
        raise ExportError(_io.write_failure(exc, target)) from exc     # writing the executed notebook
    except Exception as exc:  # kernel died, timed out, could not start
        raise RunError(f"案例 {case_id} 的笔记本未能运行完毕：{type(exc).__name__}: {exc}",
                       case_id=case_id, ename=type(exc).__name__, evalue=str(exc)) from exc
    finally:
        _kernels.shutdown(km)            # a manager handed to papermill is ours to shut down


def render_notebook(notebook: Path, parameters: dict[str, Any], out_dir: Path, *, stem: str,
                    formats: Sequence[str] = FORMATS, timeout: float = 600.0, title: str) -> Path:
    """Execute any evalkit notebook with ``parameters`` and write ``out_dir/<stem>.html`` (and PDF),
    atomically; returns the HTML path."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=staging_prefix(stem), suffix=".staging", dir=out_dir))
    except OSError as exc:
        raise ExportError(_io.write_failure(exc, out_dir)) from exc
    try:
        nb = _execute(Path(notebook), staging / f"{stem}.ipynb", parameters, stem, timeout)
        _io.write_text(staging / f"{stem}.html", export_html(nb, title=title))
        if "pdf" in formats:
            with PdfPrinter() as printer:
                printer.print(staging / f"{stem}.html", staging / f"{stem}.pdf")
        for name in (f"{stem}.ipynb", f"{stem}.html", f"{stem}.pdf"):
            if (staging / name).exists():
                os.replace(staging / name, out_dir / name)
        return out_dir / f"{stem}.html"
    except OSError as exc:                   # a full disk, a folder that cannot be written
        raise ExportError(_io.write_failure(exc, out_dir / f"{stem}.html")) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def export_html(nb: Any, *, title: str) -> str:
    """The executed notebook as the report's HTML: no code, no prompts, nothing from the network."""
    from nbconvert import HTMLExporter

    nb.metadata["evalkit"] = {"title": _text.drop(title)}
    exporter = HTMLExporter(template_name=TEMPLATE, extra_template_basedirs=[str(_paths.TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    try:
        body, _ = exporter.from_notebook_node(nb)
    except Exception as exc:
        raise ExportError(f"HTML 导出失败：{type(exc).__name__}: {exc}") from exc
    return body


def export_docx(nb: Any) -> bytes:
    """The executed notebook's report as Word: the document nodes its outputs carry beside their HTML."""
    from .report import word

    try:
        return word.render_notebook(nb)
    except Exception as exc:
        raise ExportError(f"Word 报告导出失败：{type(exc).__name__}: {exc}") from exc


class PdfPrinter:
    """Headless Debian Chromium, driven by Playwright, kept open to print many HTML files to PDF.

    The browser is the system one (``/usr/lib/chromium/chromium``); nothing is downloaded. The page
    size and margins come from the report's CSS (``@page``).
    """

    def __init__(self, executable: str | None = None):
        self.executable = executable or os.environ.get("EVALKIT_CHROMIUM", CHROMIUM)
        self._pw = self._browser = self._page = None

    def __enter__(self) -> Self:
        from playwright.sync_api import sync_playwright

        if not Path(self.executable).exists():
            raise ExportError(f"找不到 Chromium：{self.executable}（请运行 scripts/setup.sh 或 apt-get install chromium）")
        self._pw = sync_playwright().start()
        try:
            self._launch()
        except ExportError:
            self.close()
            raise
        return self

    def _launch(self) -> None:
        from playwright.sync_api import Error

        try:
            self._browser = self._pw.chromium.launch(executable_path=self.executable, args=list(CHROMIUM_ARGS))
            self._page = self._browser.new_page()
        except Error as exc:
            raise ExportError(f"无法启动 Chromium：{exc}") from exc

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for obj, how in ((self._browser, "close"), (self._pw, "stop")):
            if obj is not None:
                with contextlib.suppress(Exception):     # closing a browser that already crashed
                    getattr(obj, how)()
        self._pw = self._browser = self._page = None

    def print(self, html_path: Path, pdf_path: Path) -> Path:
        """Print one HTML file to PDF (A4 and margins from its CSS), atomically.

        A browser that has crashed or been killed since the last file is started again, once.
        """
        from playwright.sync_api import Error

        if self._page is None:
            raise ExportError("PdfPrinter 未启动（请在 with 语句中使用）")
        for attempt in (1, 2):
            try:
                data = self._render(Path(html_path))
                break
            except Error as exc:
                if attempt == 2:
                    raise ExportError(f"PDF 打印失败：{exc}") from exc
                with contextlib.suppress(Exception):
                    self._browser.close()
                self._launch()
        return _io.write_bytes(pdf_path, data)

    def _render(self, html_path: Path) -> bytes:
        self._page.goto(html_path.resolve().as_uri(), wait_until="load")
        self._page.evaluate("document.fonts.ready")
        if self._page.evaluate(_HAS_TOC):
            # a first pass, untagged and so cheaper (a 470-page report: 8 s instead of 12 s), gives the
            # page of each chapter from the named destinations of the contents page's links; they are
            # written into the contents page, which has a fixed size, so no page moves in the final pass
            first = self._page.pdf(prefer_css_page_size=True, print_background=True)
            self._page.evaluate(_SET_TOC_PAGES, destination_pages(first))
        return stable_node_ids(self._pdf())

    def _pdf(self) -> bytes:
        return self._page.pdf(prefer_css_page_size=True, print_background=True, outline=True, tagged=True)


_HAS_TOC = "() => document.querySelector('nav.toc a[href^=\"#\"]') !== null"
_SET_TOC_PAGES = """pages => {
  let n = 0;
  for (const a of document.querySelectorAll('nav.toc a[href^="#"]')) {
    const page = pages[a.getAttribute('href').slice(1)];
    if (page) { a.dataset.page = page; n += 1; }
  }
  return n;
}"""


_NODE_ID = re.compile(rb"\(node(\d{8})\)")


def stable_node_ids(pdf: bytes) -> bytes:
    """Number the tagged PDF's structure ids ``(node00001753)`` in order of first appearance.

    Chromium takes them from a counter that keeps running across the documents a browser prints, so
    the same report printed twice would differ in them; renumbered, it differs only in its dates.
    Every id has eight digits before and after, so no byte moves and the cross-reference table holds.
    """
    ids: dict[bytes, bytes] = {}
    return _NODE_ID.sub(lambda m: b"(node%08d)" % ids.setdefault(m.group(1), len(ids) + 1), pdf)


def destination_pages(pdf: bytes) -> dict[str, int]:
    """Named destination → 1-based page number. Chromium names the destination of an ``#id`` link
    after the id, in tagged and untagged PDFs alike."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    out: dict[str, int] = {}
    for name, dest in reader.named_destinations.items():
        num = reader.get_destination_page_number(dest)
        if num is not None and num >= 0:
            out[str(name).removeprefix("/")] = num + 1
    return out


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest() if Path(path).exists() else ""


def tree_hash(folder: Path, pattern: str = "*") -> str:
    h = hashlib.sha256()
    for f in sorted(p for p in Path(folder).rglob(pattern) if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(f.relative_to(folder)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def code_hash() -> str:
    """SHA-256 over evalkit's own source files and data (the bundled house style), as installed: what a
    version string does not say, a change of a scoring rule or of the default 声明 between two runs of the
    same version does."""
    global _CODE_HASH
    if _CODE_HASH is None:
        package = Path(__file__).resolve().parent
        _CODE_HASH = hashlib.sha256((tree_hash(package, "*.py") + tree_hash(package, "*.yaml")).encode()).hexdigest()
    return _CODE_HASH


_CODE_HASH: str | None = None


def _version() -> str:
    from . import __version__

    return __version__
