"""Where evalkit finds its notebooks, templates and lock file, and where a notebook's relative paths point."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import InputError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TEMPLATES = ROOT / "templates"
LOCK = ROOT / "uv.lock"
CASES = ROOT / "cases"
#: the default output root of the notebooks: ``build/<案例编号>/`` for a case, ``build/`` for a batch
BUILD = ROOT / "build"


def example_case(name: str = "demo-water") -> Path:
    """The folder of a bundled example case (``demo-water``, ``demo-microcredit``, ``demo-greening``)."""
    return CASES / name


def in_checkout() -> bool:
    """Whether evalkit runs from a repository checkout (an editable install), so that :data:`ROOT` is
    the repository root; installed from a wheel, it is ``site-packages``."""
    return (ROOT / "pyproject.toml").is_file() and NOTEBOOKS.is_dir()


def from_root(path: str | Path, what: str = "路径") -> Path:
    """A path given to a notebook parameter, made absolute the same way wherever the kernel runs.

    JupyterLab starts a notebook's kernel in ``notebooks/``, papermill in whatever folder it was called
    from, so a relative path is read from the repository root :data:`ROOT` instead: ``cases/demo-water``
    is the bundled case from JupyterLab, from the root and from ``/tmp`` alike. An absolute path (or one
    starting with ``~``) is taken as it is. ``what`` names the path in a message (``案例路径``).

    Raises
    ------
    InputError
        If the relative path also names something from the current folder that is not the same place
        (it exists there, and from the root it does not exist or is another thing): which one was meant
        cannot be told, so it is not guessed; the message gives the spelling of each. Also if evalkit
        is not installed from a checkout, where there is no repository root to read it from.
    """
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    if not in_checkout():
        raise InputError(f"{what}「{path}」是相对路径，应从仓库根目录算起，但 evalkit 并非从仓库检出目录安装"
                         f"（{ROOT}）：请写绝对路径")
    target = ROOT / p
    try:
        here = Path.cwd()
    except OSError:                       # the current folder was removed: nothing to mistake it for
        return target
    other = here / p
    if not os.path.exists(other) or _same(other, target):
        return target
    other = other.resolve()
    if os.path.exists(target):
        raise InputError(f"{what}「{path}」指向不明：从仓库根目录 {ROOT} 算起是 {target}，从当前目录 {here} 算起是 "
                         f"{other}，两处都有。若指后者，请写「{_spelling(other)}」；若指前者，请写「{target}」")
    raise InputError(f"{what}「{path}」指向不明：相对路径从仓库根目录 {ROOT} 算起，那里没有（{target}）；从当前目录 "
                     f"{here} 算起倒有 {other}。若指后者，请写「{_spelling(other)}」")


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def _spelling(path: Path) -> str:
    """How to write ``path`` as a notebook parameter: from the repository root if it is inside it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)
