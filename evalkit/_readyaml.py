"""YAML as a case is read: safe, bounded, without duplicates and without YAML 1.1 guesses.

PyYAML follows YAML 1.1, which guesses: ``0123`` is the octal number 83, ``190:0:0`` the base-60
number 684000, ``0xD93618`` a hexadecimal number, ``1_000`` the number 1000, ``on`` and ``no`` are
booleans; and of two equal keys in one mapping it silently keeps the last. A case file must mean what
it says, so :func:`load` reads plain scalars by the YAML 1.2 core schema only (``null``, ``true``/
``false``, decimal integers without leading zeros, decimal floats, ISO dates); everything else is the
text as typed. A scalar that YAML 1.1 would have read as a number is reported in ``notes`` (the text
was kept, never the guess), and a repeated key is reported in ``duplicates`` with both lines.

The document is also bounded: nesting deeper than :data:`DEPTH` and aliases that expand beyond
:data:`NODES` nodes or refer to themselves (the "billion laughs") are refused before anything is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

#: the most nodes a case.yaml may expand to through its aliases (``*name``); a real one has hundreds
NODES = 100_000
#: the deepest nesting of a case.yaml; a real one nests four levels
DEPTH = 100
_FLOW = re.compile(r"'[^'\n]*'|\"(?:[^\"\\\n]|\\.)*\"|#[^\n]*|[\[\]{}]")   # quoted text and comments skipped


class TooBig(ValueError):
    """The YAML nests too deeply, its aliases expand beyond :data:`NODES` nodes, or refer to themselves."""


@dataclass(frozen=True)
class Duplicate:
    """A key written twice in one mapping: its dotted path and the 1-based lines of both."""

    key: str
    first: int
    again: int


@dataclass
class Document:
    """What :func:`load` read: the data, the node tree (for line numbers) and what the reader must know."""

    data: Any
    node: yaml.Node | None
    duplicates: list[Duplicate] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)     # (line, sentence)


class _Loader(yaml.SafeLoader):
    """The safe loader with the YAML 1.2 core schema's implicit types only, an impossible date
    (``2023-02-30``) or an integer too long for Python kept as the text typed (the field it belongs to
    says what is wrong with it), and nesting deeper than :data:`DEPTH` refused at once."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > DEPTH:
                raise TooBig(f"YAML 嵌套层次过深（超过 {DEPTH} 层），无法读取")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
        ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
        ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
        ("int", r"^[-+]?(?:0|[1-9][0-9]*)$", list("-+0123456789")),
        ("float", r"^(?:[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
                  r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", list("-+0123456789.")),
        ("timestamp", r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}"                      # ISO 8601, as YAML 1.1 has it
                      r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
                      r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$", list("0123456789")),
        ("merge", r"^<<$", ["<"])):
    _Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), _first)


def _lenient(construct: Any) -> Any:
    def build(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, OverflowError):
            return loader.construct_scalar(node)

    return build


for _tag, _construct in (("timestamp", yaml.SafeLoader.construct_yaml_timestamp),
                         ("int", yaml.SafeLoader.construct_yaml_int),
                         ("float", yaml.SafeLoader.construct_yaml_float)):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _lenient(_construct))

_OLD = yaml.SafeLoader.yaml_implicit_resolvers
_GUESSES = {"int": "整数", "float": "数"}


def _old_guess(value: str) -> str | None:
    """What YAML 1.1 would have read a plain scalar as, when it is a number the 1.2 core schema does not read."""
    for tag, regexp in _OLD.get(value[:1], []):
        short = tag.rsplit(":", 1)[-1]
        if regexp.match(value):
            if short not in _GUESSES:
                return None
            try:
                number = yaml.safe_load(value)
            except (yaml.YAMLError, ValueError, OverflowError):
                return None
            return f"{_GUESSES[short]} {number:g}" if isinstance(number, float) else f"{_GUESSES[short]} {number}"
    return None


def load(text: str) -> Document:
    """Read one YAML document (see the module docstring for what is read and what is refused).

    Raises
    ------
    TooBig
        If the document nests too deeply or its aliases expand too far.
    yaml.YAMLError
        If it is not YAML.
    """
    depth = 0
    for m in _FLOW.finditer(text):         # PyYAML's scanner is quadratic in the depth of [ and {
        depth += 1 if m.group() in "[{" else -1 if m.group() in "]}" else 0
        if depth > DEPTH:
            raise TooBig(f"YAML 嵌套层次过深（超过 {DEPTH} 层），无法读取")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document(None, None)
        doc = Document(None, node)
        _walk(node, doc)
        doc.data = loader.construct_document(node)
        return doc
    finally:
        loader.dispose()


def _walk(root: yaml.Node, doc: Document) -> None:
    """Size every node (refusing what expands too far), and find duplicate keys and 1.1 guesses."""
    sizes: dict[int, int] = {}
    inside: set[int] = set()

    def size(n: yaml.Node, path: str) -> int:
        if id(n) in sizes:
            return sizes[id(n)]
        if id(n) in inside:
            raise TooBig("YAML 中的别名（*）引用了包含它自己的内容，无法读取")
        inside.add(id(n))
        if isinstance(n, yaml.SequenceNode):
            total = 1 + sum(size(c, path) for c in n.value)
        elif isinstance(n, yaml.MappingNode):
            seen: dict[Any, int] = {}
            total = 1
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                    key = f"{path}{k.value}"
                    if k.value in seen:
                        doc.duplicates.append(Duplicate(key, seen[k.value], k.start_mark.line + 1))
                    seen.setdefault(k.value, k.start_mark.line + 1)
                    total += size(k, path) + size(v, key + ".")
                else:
                    total += size(k, path) + size(v, path)
        else:
            total = 1
            if n.tag == "tag:yaml.org,2002:str" and n.style is None and n.value:
                guess = _old_guess(n.value)
                if guess is not None:
                    doc.notes.append((n.start_mark.line + 1, f"「{n.value}」按原文读取（旧的 YAML 1.1 规则会把它读作{guess}）"))
        inside.discard(id(n))
        if total > NODES:
            raise TooBig(f"YAML 中的锚点和别名（& 与 *）展开后超过 {NODES} 项，无法读取")
        sizes[id(n)] = total
        return total

    size(root, "")


def lines(root: yaml.Node | None) -> dict[str, int]:
    """Dotted key → 1-based line of its key, for messages (the first of duplicate keys)."""
    out: dict[str, int] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = f"{prefix}{k.value}"
                out.setdefault(key, k.start_mark.line + 1)
                walk(v, key + ".")

    walk(root, "")
    return out
