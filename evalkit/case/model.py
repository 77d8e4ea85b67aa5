"""The loaded case: what the loader hands to the rest of evalkit."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._result import one_line
from ..errors import Issue
from ..schemes import Scheme, get_scheme

ID_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\Z")

@dataclass(frozen=True, eq=False)
class Case:
    """A validated case. Money in 元; tables with canonical column names, indexed by source row."""

    path: Path
    form: str                                   # "folder" or "workbook"
    meta: Mapping[str, Any]
    tables: Mapping[str, pd.DataFrame]
    sources: Mapping[str, tuple[str, str | None]]   # table → (file, sheet) for messages
    files: tuple[Path, ...]
    notes: tuple[str, ...] = ()                 # how ambiguous but readable values were read
    warnings: tuple[Issue, ...] = ()            # figures the case states that disagree with what it holds
    headers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # table → column → header as written

    @property
    def id(self) -> str:
        return self.meta["id"]

    @property
    def title(self) -> str:
        return self.meta["title"]

    @property
    def project(self) -> Mapping[str, Any]:
        return self.meta["project"]

    @property
    def funding(self) -> Mapping[str, float]:
        return self.meta["funding"]

    @property
    def evaluation(self) -> Mapping[str, Any]:
        return self.meta["evaluation"]

    @property
    def narrative(self) -> Mapping[str, str]:
        return self.meta.get("narrative", {})

    @property
    def scheme(self) -> Scheme:
        """The scoring scheme with the case's overrides applied."""
        return get_scheme(self.meta["scheme"]).with_overrides(self.evaluation.get("scoring"))

    @property
    def indicators(self) -> pd.DataFrame:
        return self.tables["indicators"]

    def table(self, name: str) -> pd.DataFrame | None:
        """An evidence table, or None when the case has none."""
        return self.tables.get(name)

    def content_hash(self) -> str:
        """SHA-256 over the case's input files (names relative to the case, and bytes)."""
        return inputs_hash(self.path, self.files)

    def __repr__(self) -> str:
        evidence = [name for name in self.tables if name != "indicators"]
        return one_line("Case", {"id": self.id, "project": self.project.get("name", ""), "form": self.form,
                                 "indicators": len(self.indicators), "evidence": len(evidence)})


def inputs_hash(path: str | Path, files: list[Path] | tuple[Path, ...], seed: str = "") -> str:
    """SHA-256 over ``seed`` and the input ``files`` of the case at ``path`` (names relative to the case,
    and bytes): :meth:`Case.content_hash`, and with the environment as ``seed`` the batch's change key."""
    p = Path(path)
    base = p if p.is_dir() else p.parent
    h = hashlib.sha256(seed.encode())
    for f in sorted(files):                  # a firm's house-style folder may lie beside the case
        h.update(os.path.relpath(f, base).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()
