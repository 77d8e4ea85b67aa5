"""CSV as a case is read: every record with the lines it came from, and a refusal for a broken quote.

Python's csv module reads one stray ``"`` as the start of a quoted field that runs on to the next
``"`` in the file — many lines later, or the end of the file — and says nothing: the rows in between
become one cell. :func:`read` parses in strict mode, so a quote that is never closed, or that closes
in the middle of a field (``"a"b``), is one located refusal; it also refuses NUL bytes. What strict
parsing cannot see — a quote closed further down by another field's opening quote, so that the rows
between were swallowed whole — is found by :func:`swallowed` from the records' line spans.
"""

from __future__ import annotations

import csv
import io


class Broken(ValueError):
    """The text cannot be read as CSV without guessing; ``line`` is where the trouble starts."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def read(text: str) -> tuple[list[tuple[int, list[str]]], dict[int, int]]:
    """(records, spans): every record of ``text`` with the 1-based line it starts on (a blank line is a
    record with no cells), and for each record that runs over several lines, its first line → last line.

    Raises
    ------
    Broken
        If the text holds a NUL byte or a double quote that does not pair up, with the line.
    """
    nul = text.find("\0")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise Broken("含有空字符（\\0）：文件已损坏，或不是文本格式的 CSV（在 Excel 中请另存为“CSV UTF-8”）", line)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    if '"' not in text:                    # no quotes: one record per line
        return list(enumerate(reader, start=1)), {}
    out: list[tuple[int, list[str]]] = []
    spans: dict[int, int] = {}
    end = 0
    while True:
        start = end + 1
        try:
            cells = next(reader)
        except StopIteration:
            return out, spans
        except csv.Error as exc:
            raise Broken(_quote_message(start, reader.line_num, str(exc)), start) from None
        end = reader.line_num
        out.append((start, cells))
        if end > start:
            spans[start] = end


def _quote_message(start: int, line: int, reason: str) -> str:
    fix = "含逗号、引号或换行的内容须整个用一对英文双引号括起，内容中的双引号写成两个（\"\"）"
    if "end of data" in reason or "EOF" in reason:
        return f"第{start}行的英文双引号（\"）没有闭合：从这里到文件末尾（第{line}行）都会被读成一个单元格。{fix}"
    if line > start:
        return f"第{start}行的英文双引号（\"）不配对：第{start}行到第{line}行被连成了一个单元格，且结束引号后还有其他字符。{fix}"
    return f"英文双引号（\"）不配对：一个单元格的结束引号后还有其他字符（如 \"a\"b）。{fix}"


def shape(text: str) -> str:
    """The outline of a value, to tell a row's first cell from other text: ``B13`` → ``A99``."""
    return "".join("9" if c.isdigit() else "A" if c.isascii() and c.isalpha() else "汉" if "\u4e00" <= c <= "\u9fff"
                   else c for c in text.strip())


def swallowed(cells: list[str], line: int, width: int, firsts: set[str]) -> int | None:
    """The line of a record starting on ``line`` that looks like a whole CSV row of ``width`` fields
    swallowed into a quoted cell, or None. A line inside the cell looks like a row when it holds
    ``width - 1`` commas; the cell's last line does when it begins like the table's rows begin (the
    :func:`shape` of its first field is among ``firsts``, the shapes of the rows' first cells) and its
    commas and the fields after the cell add up to a row (``B13,0.5,原因",DG-03``: a row whose opening
    quote was a line up)."""
    if width < 2:
        return None
    for pos, cell in enumerate(cells):
        if "\n" not in cell and "\r" not in cell:
            continue
        pieces = cell.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        after = len(cells) - pos - 1
        for offset, piece in enumerate(pieces[1:], start=1):
            commas = piece.count(",")
            last = offset == len(pieces) - 1
            if commas >= width - 1 or (last and commas and commas + after >= width - 1
                                       and shape(piece.split(",", 1)[0]) in firsts):
                return line + offset
    return None
