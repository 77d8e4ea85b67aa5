"""The firm's house style: fonts and sizes, cover, 声明, signature page, header and footer, the outline.

The bundled default (``house.yaml`` beside this module) follows the Ministry of Finance outline and
GB/T 9704-2012. A firm keeps a folder with a ``style.yaml`` that states only what it changes (a
mapping replaces key by key, a list as a whole), and beside it, optionally, ``reference.docx`` (the
Word styles to start from) and the cover logo. A case names the folder as ``evaluation.template``;
``evalkit run --template`` names it for a run.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import _readyaml
from ..errors import InputError

DEFAULT = Path(__file__).with_name("house.yaml")
#: the file of a firm's folder that holds its style
STYLE_FILE = "style.yaml"
REFERENCE_DOCX = "reference.docx"

#: the parts a report is made of, which an outline orders
#: the pages a firm may leave out by writing ``false``
OPTIONAL_PAGES = ("statement", "signature")
#: the style items that hold numbers (points or millimetres), written into the CSS and the Word file as numbers
NUMBERS = {"sizes": None, "margins_mm": None, "line_spacing_pt": None}
#: the style items that hold lists of text
TEXT_LISTS = (("cover", "fields"), ("statement", "paragraphs"), ("signature", "roles"))
PNG = b"\x89PNG\r\n\x1a\n"
OUTLINE_KEYS_ORDER = ("part", "title", "numbered", "annex")
OUTLINE_KEYS = frozenset(OUTLINE_KEYS_ORDER)
#: what a cover may list, and what the 声明 may name in braces (evalkit.report.sections.fields)
COVER_FIELDS = ("项目名称", "项目单位", "实施单位", "主管部门", "委托单位", "评价类型", "评价机构", "报告日期", "文号")
PLACEHOLDERS = (*COVER_FIELDS, "报告标题")

PARTS = ("abstract", "basic_info", "evaluation_work", "conclusion", "indicator_analysis", "lessons_and_problems",
         "suggestions", "other_matters", "annex_scores", "survey_annex", "technical_annex")


@dataclass(frozen=True)
class OutlineEntry:
    part: str
    title: str
    numbered: bool = True
    annex: bool = False


@dataclass(frozen=True)
class HouseStyle:
    """A house style, read by :func:`load_house`; ``folder`` is the firm's folder (None: the default)."""

    data: dict
    folder: Path | None = None

    def __repr__(self) -> str:
        return f"HouseStyle({self.name!r}{', ' + str(self.folder) if self.folder else ''})"

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @property
    def name(self) -> str:
        return str(self.data.get("name", ""))

    @property
    def outline(self) -> tuple[OutlineEntry, ...]:
        return tuple(OutlineEntry(e["part"], e["title"], bool(e.get("numbered", True)), bool(e.get("annex", False)))
                     for e in self.data["outline"])

    @property
    def reference_docx(self) -> Path | None:
        if self.folder is not None and (self.folder / REFERENCE_DOCX).is_file():
            return self.folder / REFERENCE_DOCX
        return None

    @property
    def logo(self) -> bytes:
        """The cover logo's PNG bytes (checked by :func:`load_house`: a PNG inside the firm's folder)."""
        name = self.data["cover"].get("logo") or ""
        if not name or self.folder is None:
            return b""
        return (self.folder / str(name)).read_bytes()

    def css(self) -> str:
        """The house fonts and sizes as CSS for the HTML and PDF (the fonts a machine lacks fall back to Noto)."""
        f, s = self.data["fonts"], self.data["sizes"]

        def family(name: str, fallback: str) -> str:
            return f'"{css_text(f["latin"])}", "{css_text(f[name])}", {fallback}'

        serif, sans = '"Noto Serif CJK SC", serif', '"Noto Sans CJK SC", sans-serif'
        return (f":root {{ --body-font: {family('body', serif)}; --h1-font: {family('heading1', sans)}; "
                f"--h2-font: {family('heading2', serif)}; --h3-font: {family('heading3', serif)}; "
                f"--title-font: {family('title', sans)}; --table-font: {family('table', serif)}; "
                f"--title-size: {s['title']}pt; --body-size: {s['body'] * 0.75:g}pt; "
                f"--table-size: {s['table'] * 0.85:g}pt; }}")


def css_text(name: object) -> str:
    """Text as it may stand in CSS quotes (a font name, a header): no quote, brace, semicolon, backslash or
    angle bracket, which could end the string or the style sheet."""
    return re.sub(r'["\'{}\\;<>\n\r]', "", str(name))


def _merge(base: dict, over: dict, where: str, path: str = "") -> dict:
    out = copy.deepcopy(base)
    for key, value in over.items():
        dotted = f"{path}{key}"
        if key not in base:
            raise InputError(f"{where}：未知的样式项「{dotted}」（可用：{'、'.join(map(str, base))}）")
        if isinstance(base[key], dict):
            if key in OPTIONAL_PAGES and value in (None, False):        # statement: false, signature: false
                out[key] = False
                continue
            if not isinstance(value, dict):
                raise InputError(f"{where}：样式项「{dotted}」应为若干子项，实际为 {value!r}")
            out[key] = _merge(base[key], value, where, dotted + ".")
        else:
            out[key] = value
    return out


@lru_cache(maxsize=1)
def _default() -> dict:
    return _readyaml.load(DEFAULT.read_text(encoding="utf-8")).data


def _check(data: dict, where: str) -> None:
    seen = set()
    for i, e in enumerate(data["outline"], start=1):
        if not isinstance(e, dict) or "part" not in e or "title" not in e:
            raise InputError(f"{where}：提纲（outline）第{i}项应写明 part 和 title")
        if unknown := set(e) - OUTLINE_KEYS:
            raise InputError(f"{where}：提纲（outline）第{i}项有未知的项「{'、'.join(sorted(map(str, unknown)))}」"
                             f"（可用：{'、'.join(OUTLINE_KEYS_ORDER)}）")
        for key in ("numbered", "annex"):
            if key in e and not isinstance(e[key], bool):
                raise InputError(f"{where}：提纲（outline）第{i}项的 {key} 应为 true 或 false（不加引号），实际为 {e[key]!r}")
        if re.match(r"\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|附件\s*\d)", str(e["title"])):
            raise InputError(f"{where}：提纲（outline）第{i}项的 title「{e['title']}」不要带编号，编号由报告按顺序加上")
        if e["part"] not in PARTS:
            raise InputError(f"{where}：提纲（outline）第{i}项的 part「{e['part']}」不是报告的组成部分"
                             f"（可用：{'、'.join(PARTS)}）")
        if e["part"] in seen:
            raise InputError(f"{where}：提纲（outline）中「{e['part']}」出现了两次")
        seen.add(e["part"])
    for key in OPTIONAL_PAGES:
        if data[key] not in (None, False) and not isinstance(data[key], dict):
            raise InputError(f"{where}：样式项「{key}」应为若干子项，或写 false 表示不要")
    for key in NUMBERS:
        values = data[key] if isinstance(data[key], dict) else {"": data[key]}
        for sub, v in values.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < 1000:
                name = f"{key}.{sub}" if sub else key
                raise InputError(f"{where}：样式项「{name}」应为正数（磅或毫米），实际为 {v!r}")
    if unknown := [x for x in (data["cover"].get("fields") or []) if x not in COVER_FIELDS]:
        raise InputError(f"{where}：cover.fields 中的「{'、'.join(map(str, unknown))}」不是封面可列的项"
                         f"（可用：{'、'.join(COVER_FIELDS)}）")
    texts = [*(data["statement"] or {}).get("paragraphs", [])] if data["statement"] else []
    for text in texts:
        for name in re.findall(r"\{([^{}]*)\}", str(text)):
            if name not in PLACEHOLDERS:
                raise InputError(f"{where}：statement.paragraphs 中的「{{{name}}}」不是可填入的项"
                                 f"（可用：{'、'.join('{' + p + '}' for p in PLACEHOLDERS)}）")
    for section, key in TEXT_LISTS:
        if not data[section]:
            continue
        v = data[section].get(key)
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise InputError(f"{where}：样式项「{section}.{key}」应为若干段文字的列表（每项一行，以 - 开头），实际为 {v!r}")
    if data["cover"].get("date_style") not in ("chinese", "arabic"):
        raise InputError(f"{where}：cover.date_style 应为 chinese（中文数字）或 arabic（阿拉伯数字）")


def load_house(folder: str | Path | None = None) -> HouseStyle:
    """The house style of a firm's folder (its ``style.yaml`` over the default), or the default.

    Raises
    ------
    InputError
        If the folder or its ``style.yaml`` is missing, is not YAML, or names an unknown style item.
    """
    base = _default()
    if folder in (None, ""):
        return HouseStyle(copy.deepcopy(base))
    folder = Path(folder)
    path = folder / STYLE_FILE
    if folder.name == STYLE_FILE and folder.is_file():
        raise InputError(f"{folder} 是样式文件：请给出它所在的文件夹 {folder.parent}")
    if not folder.is_dir():
        raise InputError(f"样式文件夹 {folder} 不存在")
    if not path.is_file():
        raise InputError(f"样式文件夹 {folder} 中没有 {STYLE_FILE}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}：不是 UTF-8 编码的文本文件（请在编辑器中另存为 UTF-8）") from None
    try:
        doc = _readyaml.load(text)
    except Exception as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"第{mark.line + 1}行第{mark.column + 1}列：" if mark is not None else ""
        raise InputError(f"{path}：{at}无法按 YAML 读取（缩进须用空格，“项: 值”的冒号后要有空格，"
                         "含冒号或 # 的文字要加引号）") from exc
    over = doc.data or {}
    if not isinstance(over, dict):
        raise InputError(f"{path}：样式文件应为若干「项: 值」")
    if doc.duplicates:
        d = doc.duplicates[0]
        raise InputError(f"{path}：样式项「{d.key}」写了两次（第{d.first}行和第{d.again}行）")
    data = _merge(base, over, str(path))
    _check(data, str(path))
    logo = data["cover"].get("logo")
    if logo:
        image = (folder / str(logo)).resolve()
        if not image.is_relative_to(folder.resolve()):
            raise InputError(f"{path}：cover.logo 应为样式文件夹中的图片文件名，实际为 {logo!r}")
        if not image.is_file():
            raise InputError(f"{path}：cover.logo 指向的图片 {folder / logo} 不存在")
        with image.open("rb") as fh:
            if fh.read(8) != PNG:
                raise InputError(f"{path}：cover.logo 指向的 {folder / logo} 不是 PNG 图片")
    return HouseStyle(data, folder.resolve())
