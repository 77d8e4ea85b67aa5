"""report.docx from the document nodes, against LibreOffice converting the same report's HTML to Word.

For each example case: the time to render its Word report from the nodes (evalkit.report.word.render,
median of three) and the time LibreOffice (soffice --headless --convert-to docx) takes to turn the
same report's HTML into a .docx — the way to get a Word file without evalkit's renderer, and one that
loses the heading styles, merged cells and page numbers. Prints both and the ratio.

    .venv/bin/python bench/word.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import evalkit as ek  # noqa: E402
from evalkit.report import word  # noqa: E402

CASES = ("demo-water", "demo-greening", "demo-microcredit")


def render(rep: ek.Report, block) -> bytes:
    ev = rep.case.evaluation
    return word.render(block.nodes, rep.house, title=rep.case.title, author=ev.get("evaluator", ""),
                       date=ev.get("date"), draft=rep.draft_mark)


def main() -> None:
    css = (ROOT / "templates" / "evalkit" / "report.css").read_text(encoding="utf-8")
    print(f"{'case':<18}{'nodes':>7}{'evalkit':>11}{'LibreOffice':>14}{'ratio':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in CASES:
            rep = ek.Report.from_case(ROOT / "cases" / name)
            block = rep.document()
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                render(rep, block)
                times.append(time.perf_counter() - t0)
            ours = statistics.median(times)
            html = Path(tmp) / f"{name}.html"
            html.write_text(f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><style>{css}</style>'
                            f"</head><body>{block.html}</body></html>", encoding="utf-8")
            t0 = time.perf_counter()
            subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                            "--convert-to", "docx:MS Word 2007 XML", "--outdir", tmp, str(html)],
                           check=True, capture_output=True, timeout=600)
            theirs = time.perf_counter() - t0
            print(f"{name:<18}{len(block.nodes):>7}{ours:>10.2f}s{theirs:>13.2f}s{theirs / ours:>7.1f}×")


if __name__ == "__main__":
    main()
