r"""Case text that cannot deceive: invisible control and bidirectional characters.

Text from a case may carry characters that are not seen but act: terminal escapes (``\x1b[31m``,
``\x1b]0;标题\x07``, ``\x1b]8;;…`` hyperlinks), NUL and the other C0 and C1 controls, and the Unicode
bidirectional marks, embeddings, overrides and isolates that make a line display in another order
than it is read (U+202E turns ``txt.exe`` into ``exe.txt``). They meet three walls:

- :func:`clean`: the loader removes them from every text value of a case and says so in a note;
- :func:`drop`: the report's one escaping function removes them again, should any get that far;
- :func:`escape`: the command line prints every message, and the case values it quotes, with
  them written out (``\x1b``, ``\u202e``); :func:`unescape` gives the original back.

Tab and line feed are text (a narrative has lines); a carriage return ends a line like a line feed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

#: the characters removed from case text: C0 controls except tab, line feed and carriage return,
#: DEL, the C1 controls, the bidirectional marks, embeddings, overrides and isolates, and the zero-width
#: space, word joiner and stray byte-order mark (``4\u200b2`` looks like 42 but is not a number)
_CLASS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"
INVISIBLE = re.compile(f"[{_CLASS}]")
_BREAK = re.compile(r"\r\n?")
#: what the terminal form writes out: the invisible characters, tab, line feed, carriage return, and
#: the lone surrogates that stand for the undecodable bytes of a file name
_ESCAPED = re.compile(f"[{_CLASS}\t\n\r\ud800-\udfff]")
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_SURROGATE = re.compile("[\ud800-\udfff]")
#: a backslash that is doubled in the terminal form, because what follows it would read as an escape
_AMBIGUOUS = re.compile(r"\\(?=[\\tnr]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[" + _CLASS
                        + "\t\n\r\ud800-\udfff])")
_ESCAPE = re.compile(r"\\(?:([\\tnr])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4}))")

#: Chinese names of the invisible characters, for the loader's notes
NAMES = {
    0x00: "空字符", 0x07: "响铃", 0x08: "退格", 0x0B: "垂直制表", 0x0C: "换页", 0x1B: "转义", 0x7F: "删除",
    0x9B: "控制序列引导", 0x9D: "操作系统命令",
    0x061C: "阿拉伯字母标记", 0x200B: "零宽空格", 0x2060: "零宽连接符", 0xFEFF: "零宽不换行空格", 0x200E: "从左至右标记", 0x200F: "从右至左标记",
    0x202A: "从左至右嵌入", 0x202B: "从右至左嵌入", 0x202C: "嵌入结束", 0x202D: "从左至右覆盖", 0x202E: "从右至左覆盖",
    0x2066: "从左至右隔离", 0x2067: "从右至左隔离", 0x2068: "首字符方向隔离", 0x2069: "隔离结束",
}


def _name(ch: str) -> str:
    code = ord(ch)
    name = NAMES.get(code) or ("C1 控制字符" if 0x80 <= code <= 0x9F else "控制字符")
    return f"U+{code:04X} {name}"


def removed(chars: Sequence[str]) -> str:
    """What a note says was removed: ``删去了 2 个不可见的控制字符（U+001B 转义、U+202E 从右至左覆盖）``."""
    counts: dict[str, int] = {}
    for ch in chars:
        counts[ch] = counts.get(ch, 0) + 1
    names = [_name(ch) + (f" ×{n}" if n > 1 else "") for ch, n in counts.items()]
    shown = "、".join(names[:6]) + (f" 等 {len(names)} 种" if len(names) > 6 else "")
    return f"删去了 {len(chars)} 个不可见的控制字符（{shown}）"


def clean(text: str) -> tuple[str, str | None]:
    """``(text without invisible characters, what was removed)``; the second is None when nothing was.

    A carriage return (alone or before a line feed) becomes a line feed, silently: it ends a line.

    >>> clean("资金\\u202e到位率")
    ('资金到位率', '删去了 1 个不可见的控制字符（U+202E 从右至左覆盖）')
    >>> clean("第一行\\r\\n第二行\\t完")
    ('第一行\\n第二行\\t完', None)
    """
    text, found = _clean(text)
    return text, removed(found) if found else None


def _clean(text: str) -> tuple[str, list[str]]:
    if "\r" in text:
        text = _BREAK.sub("\n", text)
    found = INVISIBLE.findall(text)
    return (INVISIBLE.sub("", text), found) if found else (text, found)


def drop(text: str) -> str:
    """``text`` without its invisible characters, nothing said (the report's second wall). A lone
    surrogate (an undecodable byte of a file name, which UTF-8 cannot hold) is written out as ``\\udcff``.
    """
    if "\r" in text:
        text = _BREAK.sub("\n", text)
    text = INVISIBLE.sub("", text)
    return _SURROGATE.sub(_escaped, text) if _SURROGATE.search(text) else text


def _escaped(m: re.Match[str]) -> str:
    ch = m.group()
    if ch in _SHORT:
        return _SHORT[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape(text: str) -> str:
    r"""``text`` as a terminal may show it: every invisible character, tab, line feed and carriage
    return written out as ``\x1b``, ``\u202e``, ``\t``, ``\n``, ``\r``, so the output is one line
    that does what it says and nothing else.

    A backslash is doubled only where what follows would read as such an escape, so Windows paths stay
    as typed (``C:\案例\a``) and :func:`unescape` recovers the text exactly.

    >>> escape("\x1b[31m红\x1b[0m\u202e")
    '\\x1b[31m红\\x1b[0m\\u202e'
    >>> escape("C:\\cases\\new")
    'C:\\cases\\\\new'
    """
    if not text:
        return text
    if "\\" in text:
        text = _AMBIGUOUS.sub(r"\\\\", text)
    return _ESCAPED.sub(_escaped, text)


def _unescaped(m: re.Match[str]) -> str:
    short, *codes = m.groups()
    if short is not None:
        return {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}[short]
    return chr(int(next(c for c in codes if c is not None), 16))


def unescape(shown: str) -> str:
    """The text :func:`escape` was given: ``unescape(escape(s)) == s`` for every string ``s``."""
    return _ESCAPE.sub(_unescaped, shown)


# ----------------------------------------------------------------------------------------------
# The loader's walls: a case's metadata and tables


def clean_tree(value: Any, key: str = "") -> tuple[Any, list[tuple[str, str]]]:
    """Every text in nested mappings and lists cleaned (and stripped, as the loader strips text):
    ``(the cleaned value, [(dotted key, what was removed)])``. Keys are left as they are."""
    found: list[tuple[str, str]] = []

    def walk(v: Any, at: str) -> Any:
        if isinstance(v, str):
            text, how = clean(v)
            if how is None:
                return text
            found.append((at, how))
            return text.strip()
        if isinstance(v, dict):
            return {k: walk(x, f"{at}.{k}" if at else str(k)) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x, at) for x in v]
        return v

    return walk(value, key), found


def clean_frame(df: Any) -> dict[str, list[tuple[Any, list[str]]]]:
    """Clean every text cell of a DataFrame in place (and strip it, as the loader strips text):
    ``{column: [(row label, the characters removed)]}`` for the cells that had any.

    A column is looked at as one joined string first, so a table without such characters (nearly
    every one, however large) costs one regular-expression scan per column.
    """
    found: dict[str, list[tuple[Any, list[str]]]] = {}
    for column in df.columns:
        values = df[column].to_numpy()
        if values.dtype != object or not _suspect(values):
            continue
        new = list(values)
        for i, v in enumerate(values):
            if isinstance(v, str):
                text, chars = _clean(v)
                if chars:
                    new[i] = text.strip()
                    found.setdefault(str(column), []).append((df.index[i], chars))
                else:
                    new[i] = text
        df[column] = new
    return found


def cell_notes(where: str, column: str, cells: Sequence[tuple[Any, list[str]]]) -> list[str]:
    """The loader's notes for the cleaned cells of one column (``where`` names the file or sheet):
    one a cell, or one for the column when more than three cells were cleaned."""
    if len(cells) <= 3:
        return [f"{where} 第{row}行 {column}：{removed(chars)}" for row, chars in cells]
    rows = "、".join(str(row) for row, _ in cells[:3])
    return [f"{where} 列「{column}」第{rows}行等 {len(cells)} 个单元格："
            + removed([ch for _, chars in cells for ch in chars])]


def _suspect(values: Iterable[Any]) -> bool:
    try:
        joined = "\n".join(values)
    except TypeError:                                       # not all text: look cell by cell
        joined = "\n".join(v for v in values if isinstance(v, str))
    return "\r" in joined or INVISIBLE.search(joined) is not None
