"""``report.docx``: the document nodes (:mod:`evalkit.report.document`) as an editable Word report.

Real Word heading styles (so the navigation pane and the TOC field work), body text in the house
style's fonts and sizes (3号仿宋 by default, GB/T 9704-2012), tables as Word tables with repeating
header rows, merged cells and right-aligned numbers, charts as print-resolution PNG, the cover and the
contents page unnumbered and "— n —" page numbers after them, A4 with the house margins. With a firm's
``reference.docx`` its styles are used as they are. The file has fixed timestamps: the same case gives
the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from .document import Cell, Contents, Cover, Figure, Group, Heading, Items, PageBreak, Para, Run, Style, Table
from .house import HouseStyle

#: the fixed time of every part in the zip, so that the bytes depend on the content only
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_STYLE_OF = {1: "Heading 1", 2: "Heading 2", 3: "Heading 3", 4: "Heading 4"}


def _fonts(target: Any, east: str, latin: str) -> None:
    """Set a run's or a style's fonts: ``east`` for Chinese, ``latin`` for digits and Latin letters."""
    from docx.oxml.ns import qn

    target.font.name = latin                   # makes w:rFonts in its place in w:rPr
    fonts = target.element.rPr.find(qn("w:rFonts"))
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)       # a theme font would win over the house font in Word and WPS
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east)


class _Writer:
    def __init__(self, house: HouseStyle, *, title: str, author: str, date: Any):
        import docx
        from docx.shared import Mm

        self.house = house
        self.draft = ""                # the draft mark of every page's header
        self.break_before = False      # the next heading starts a page
        self._ids = 0                  # bookmark ids
        self._portrait: tuple = ()     # the portrait margins, while a landscape section is open
        ref = house.reference_docx
        self.doc = docx.Document(str(ref)) if ref else docx.Document()
        if ref:                                   # keep the firm's styles and page setup, not its text
            body = self.doc.element.body
            for child in list(body):
                if not child.tag.endswith("}sectPr"):
                    body.remove(child)
        self.styled = ref is None
        self._ensure_styles()
        sec = self.doc.sections[0]
        if self.styled:
            m = house["margins_mm"]
            sec.page_width, sec.page_height = Mm(210), Mm(297)
            sec.top_margin, sec.bottom_margin = Mm(m["top"]), Mm(m["bottom"])
            sec.left_margin, sec.right_margin = Mm(m["left"]), Mm(m["right"])
            sec.footer_distance = Mm(max(5, m["bottom"] - 7 - 10))
            self._styles()
        self.text_width = sec.page_width - sec.left_margin - sec.right_margin
        cp = self.doc.core_properties
        cp.title, cp.author, cp.last_modified_by, cp.comments, cp.revision = title, author, author, "", 1
        cp.keywords = cp.subject = cp.category = ""
        when = _when(date)
        cp.created = cp.modified = when
        cp.last_printed = when

    # -- styles ------------------------------------------------------------------------------
    def _styles(self) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
        from docx.shared import Pt, RGBColor

        f, s = self.house["fonts"], self.house["sizes"]
        bold23 = bool(self.house["heading_bold"])
        styles = self.doc.styles
        line = Pt(float(self.house["line_spacing_pt"]))

        def para(style: Any, *, east: str, size: float, bold: bool = False, indent: bool = False,
                 align: Any = None, exact: bool = True, before: float = 0, after: float = 0) -> None:
            _fonts(style, east, f["latin"])
            style.font.size = Pt(size)
            style.font.bold = bold
            style.font.italic = False
            style.font.color.rgb = RGBColor(0, 0, 0)
            pf = style.paragraph_format
            if exact:
                pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
                pf.line_spacing = line
            else:
                pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
            pf.space_before, pf.space_after = Pt(before), Pt(after)
            pf.first_line_indent = Pt(size * 2) if indent else Pt(0)
            if align is not None:
                pf.alignment = align

        para(styles["Normal"], east=f["body"], size=s["body"], indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
        self._chinese()
        for level, key in ((1, "heading1"), (2, "heading2"), (3, "heading3")):
            st = styles[_STYLE_OF[level]]
            para(st, east=f[key], size=s[key], bold=level > 1 and bold23,      # 黑体 is not made bold
                 indent=True, align=WD_ALIGN_PARAGRAPH.LEFT)
            st.paragraph_format.keep_with_next = True
            st.paragraph_format.page_break_before = False
        para(styles["Title"], east=f["title"], size=s["title"], align=WD_ALIGN_PARAGRAPH.CENTER, exact=False,
             after=6)
        self._remove_borders(styles["Title"])
        para(styles["Caption"], east=f["heading1"], size=s["caption"], align=WD_ALIGN_PARAGRAPH.CENTER, exact=False,
             before=6, after=3)
        para(styles["Table Text"], east=f["table"], size=s["table"], exact=False)
        para(styles["Cover Field"], east=f["body"], size=s["cover_fields"], exact=False, before=4, after=4)
        for level in (1, 2):
            st = styles[self._toc_style(level)]
            para(st, east=f["body"], size=s["body"] - 2, align=WD_ALIGN_PARAGRAPH.LEFT)
            st.paragraph_format.left_indent = Pt((level - 1) * s["body"])

    def _ensure_styles(self) -> None:
        """Every style the report uses, in whatever document it starts from: a firm's reference.docx may
        lack some (Word keeps most built-in styles latent until used). A missing one is made from Normal;
        every heading style carries its outline level, which the navigation pane and the TOC field read."""
        from docx.enum.style import WD_STYLE_TYPE
        from docx.enum.text import WD_LINE_SPACING
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt

        styles = self.doc.styles
        names = {x.name for x in styles}
        wanted = ["Heading 1", "Heading 2", "Heading 3", "Heading 4", "Title", "Caption", "TOC Heading",
                  "Table Text", "Cover Field"]
        wanted += [f"toc {lv}" for lv in (1, 2) if f"TOC {lv}" not in names and f"toc {lv}" not in names]
        for name in wanted:
            if name in names:
                continue
            st = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            st.base_style = styles["Normal"]
            st.paragraph_format.first_line_indent = Pt(0)
            if name in ("Table Text", "Cover Field", "Title", "Caption"):
                st.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        for level in (1, 2, 3, 4):
            ppr = styles[f"Heading {level}"].element.get_or_add_pPr()
            if ppr.find(qn("w:outlineLvl")) is None:
                el = OxmlElement("w:outlineLvl")
                el.set(qn("w:val"), str(level - 1))
                _insert_before(ppr, el, _AFTER_OUTLINE_LVL)
        if "Table Grid" not in names:
            st = styles.add_style("Table Grid", WD_STYLE_TYPE.TABLE)
            tblpr = OxmlElement("w:tblPr")
            borders = OxmlElement("w:tblBorders")
            for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
                b = OxmlElement(f"w:{side}")
                for k, v in (("w:val", "single"), ("w:sz", "4"), ("w:space", "0"), ("w:color", "auto")):
                    b.set(qn(k), v)
                borders.append(b)
            tblpr.append(borders)
            st.element.append(tblpr)

    def _chinese(self) -> None:
        """The document's languages: Chinese for East Asian text (python-docx's template says Japanese,
        which makes Word pick Japanese fonts and line breaking), no theme fonts in the defaults."""
        from docx.oxml.ns import qn

        root = self.doc.styles.element
        for fonts in root.iter(qn("w:rFonts")):
            for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                fonts.attrib.pop(qn(attr), None)
        for lang in root.iter(qn("w:lang")):
            lang.set(qn("w:eastAsia"), "zh-CN")
        for lang in self.doc.settings.element.iter(qn("w:themeFontLang")):
            lang.set(qn("w:eastAsia"), "zh-CN")

    @staticmethod
    def _remove_borders(style: Any) -> None:
        from docx.oxml.ns import qn

        ppr = style.element.find(qn("w:pPr"))
        if ppr is not None:
            for el in ppr.findall(qn("w:pBdr")):
                ppr.remove(el)

    # -- blocks -------------------------------------------------------------------------------
    def paragraph(self, runs: Sequence[Run] | str, style: str | None = None, *, align: str = "",
                  indent: bool | None = None) -> Any:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        p = self.doc.add_paragraph(style=style)
        for r in ([Run(runs)] if isinstance(runs, str) else runs):
            self._run(p, r)
        if align:
            p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
                           "left": WD_ALIGN_PARAGRAPH.LEFT}[align]
        if indent is False:
            p.paragraph_format.first_line_indent = Pt(0)
        return p

    def _run(self, p: Any, r: Run) -> None:
        parts = re.split(r"\n", r.text)
        for i, part in enumerate(parts):
            if r.href and not r.href.startswith("#"):
                self._hyperlink(p, part, r.href, r.bold, r.italic)
            else:
                run = p.add_run(part)
                run.bold = r.bold or None
                run.italic = r.italic or None
            if i < len(parts) - 1:
                p.add_run().add_break()

    def _hyperlink(self, p: Any, text: str, url: str, bold: bool, italic: bool) -> None:
        from docx.opc.constants import RELATIONSHIP_TYPE
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        rid = p.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), rid)
        run = OxmlElement("w:r")
        rpr = OxmlElement("w:rPr")
        for tag, on in (("w:b", bold), ("w:i", italic), ("w:u", True)):
            if on:
                el = OxmlElement(tag)
                if tag == "w:u":
                    el.set(qn("w:val"), "single")
                rpr.append(el)
        run.append(rpr)
        t = OxmlElement("w:t")
        t.text = text
        t.set(qn("xml:space"), "preserve")
        run.append(t)
        link.append(run)
        p._p.append(link)

    def heading(self, h: Heading) -> None:
        front = h.level == 1 and h.anchor in _FRONT
        p = self.doc.add_paragraph(h.text, style="TOC Heading" if front else _STYLE_OF.get(h.level, "Heading 4"))
        if self.break_before:
            p.paragraph_format.page_break_before = True
            self.break_before = False
        if front:
            from docx.enum.text import WD_ALIGN_PARAGRAPH

            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.first_line_indent = 0
        if h.anchor:
            _bookmark(p, h.anchor, self._next_id())

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    def page_break(self) -> None:
        from docx.enum.text import WD_BREAK

        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def table(self, t: Table) -> None:
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement

        rows = [*t.header, *t.body, *t.foot]
        if not rows:
            return
        if t.caption:
            self.paragraph(t.caption, "Caption").paragraph_format.keep_with_next = True
        grid = _grid(rows)
        ncols = max(len(r) for r in grid)
        table = self.doc.add_table(rows=len(grid), cols=ncols)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False                      # the widths below, not the text's, set the columns
        widths = list(t.widths) if len(t.widths) == ncols else [1.0] * ncols
        total = sum(widths)
        from docx.shared import Emu
        from docx.table import _Cell

        emus = [Emu(int(self.text_width * w / total)) for w in widths]
        for col, w in zip(table.columns, emus):
            col.width = w
        style_id = self.doc.styles["Table Text"].style_id
        foot_from = len(t.header) + len(t.body)
        # python-docx looks cells up slowly; the grid's cells are taken once, filled, then merged
        tcs = [[_Cell(tc, table) for tc in tr.tc_lst] for tr in table._tbl.tr_lst]
        merges = []
        for i, row in enumerate(grid):
            for j, cell in enumerate(row):
                target = tcs[i][j]
                target.width = emus[j]
                if cell is None or not cell[1]:
                    continue
                c: Cell = cell[0]
                if c.rowspan > 1 or c.colspan > 1:
                    merges.append((i, j, i + c.rowspan - 1, j + c.colspan - 1))
                para = target.paragraphs[0]
                para._p.get_or_add_pPr().get_or_add_pStyle().val = style_id
                run = para.add_run(c.text)
                header = i < len(t.header)
                run.bold = (c.bold or header or i >= foot_from) or None
                para.alignment = (WD_ALIGN_PARAGRAPH.CENTER if header or c.align == "center" else
                                  WD_ALIGN_PARAGRAPH.RIGHT if c.align == "right" else WD_ALIGN_PARAGRAPH.LEFT)
                if c.rowspan > 1:
                    target.vertical_alignment = 1          # centre
        for i, j, i2, j2 in merges:
            tcs[i][j].merge(tcs[i2][j2])
        for i in range(len(t.header)):                     # header rows repeat on every page, never split
            trpr = table.rows[i]._tr.get_or_add_trPr()
            for tag in ("w:tblHeader", "w:cantSplit"):
                el = OxmlElement(tag)
                trpr.append(el)
        for row in table.rows[len(t.header):]:
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        if t.cls == "signature":
            for row in table.rows:
                row.height = int(self.text_width / 10)
        self.doc.add_paragraph(style="Table Text")      # a table is followed by a paragraph, as Word expects

    def figure(self, f: Figure) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Inches

        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.first_line_indent = 0
        p.paragraph_format.keep_with_next = True
        from docx.enum.text import WD_LINE_SPACING

        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        width = min(Inches(f.width_in), self.text_width)
        p.add_run().add_picture(io.BytesIO(f.png), width=width)
        if f.caption:
            self.paragraph(f.caption, "Caption")

    def items(self, it: Items) -> None:
        for n, nodes in enumerate(it.items, start=it.start):
            mark = f"{n}." if it.ordered else "•"
            first = True
            for node in nodes:
                if first and isinstance(node, Para):
                    self.paragraph((Run(mark + ("" if it.ordered else " ")), *node.runs))
                    first = False
                else:
                    self.block(node)

    def cover(self, c: Cover) -> None:
        from docx.shared import Inches, Pt

        if c.draft:
            p = self.paragraph(c.draft, align="right", indent=False)
            p.runs[0].bold = True
        if c.logo:
            from docx.enum.text import WD_LINE_SPACING

            p = self.paragraph("", align="center", indent=False)
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE      # not cut to the text's line height
            p.add_run().add_picture(io.BytesIO(c.logo), height=Inches(0.8))
        for _ in range(3):
            self.paragraph("", indent=False)
        if c.number:                               # above the title, as on the HTML cover
            self.paragraph(c.number, align="center", indent=False)
        for line in c.title_lines:
            self.paragraph(line, "Title", align="center", indent=False)
        if c.kicker:
            p = self.paragraph(c.kicker, "Title", align="center", indent=False)
            if self.styled:                        # a kicker is smaller than the title it stands under
                p.runs[0].font.size = Pt(float(self.house["sizes"]["heading1"]) + 2)
        for _ in range(2):
            self.paragraph("", indent=False)
        if c.fields:
            from docx.enum.table import WD_TABLE_ALIGNMENT

            t = self.doc.add_table(rows=len(c.fields), cols=2)
            t.alignment = WD_TABLE_ALIGNMENT.CENTER
            t.autofit = False
            widths = (int(self.text_width * 0.28), int(self.text_width * 0.62))
            for col, w in zip(t.columns, widths):
                col.width = w
            for i, (k, v) in enumerate(c.fields):
                a, b = t.cell(i, 0), t.cell(i, 1)
                a.width, b.width = widths
                a.paragraphs[0].style = b.paragraphs[0].style = self.doc.styles["Cover Field"]
                a.paragraphs[0].add_run(_spread(k) + "：")
                b.paragraphs[0].add_run(v)
        if c.grade:
            self.paragraph(c.grade, align="center", indent=False)
        for _ in range(2):
            self.paragraph("", indent=False)
        for text in (c.issuer, c.date):
            if text:
                self.paragraph(text, "Cover Field", align="center", indent=False)
        if c.validity:
            self.paragraph(c.validity, align="center", indent=False)

    def contents(self, c: Contents) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        p = self.doc.add_paragraph(c.title, style="TOC Heading" if self.styled else None)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if self.styled:
            _fonts(self.doc.styles["TOC Heading"], self.house["fonts"]["heading1"], self.house["fonts"]["latin"])
        entries = [(a, t, lv) for a, t, lv in c.entries]
        first = self.doc.add_paragraph(style=self._toc_style(1))

        def fld(par: Any, kind: str) -> None:
            r = OxmlElement("w:r")
            ch = OxmlElement("w:fldChar")
            ch.set(qn("w:fldCharType"), kind)
            if kind == "begin":
                ch.set(qn("w:dirty"), "true")
            r.append(ch)
            par._p.append(r)

        fld(first, "begin")
        r = OxmlElement("w:r")
        instr = OxmlElement("w:instrText")
        instr.set(qn("xml:space"), "preserve")
        instr.text = ' TOC \\o "1-1" \\h \\z \\u '
        r.append(instr)
        first._p.append(r)
        fld(first, "separate")
        paras = [first]
        for n, (_, text, level) in enumerate(entries):      # the entries as they stand, until Word updates them
            par = first if n == 0 else self.doc.add_paragraph(style=self._toc_style(level))
            par.add_run(text)
            paras.append(par)
        fld(paras[-1], "end")
        self._update_fields()

    def _toc_style(self, level: int) -> str:
        names = [x.name for x in self.doc.styles]
        for name in (f"TOC {level}", f"toc {level}"):
            if name in names:
                return name
        return "Normal"

    def _update_fields(self) -> None:
        """Ask Word to fill in the contents' page numbers when the file is opened."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        settings = self.doc.settings.element
        if settings.find(qn("w:updateFields")) is None:
            el = OxmlElement("w:updateFields")
            el.set(qn("w:val"), "true")
            _insert_before(settings, el, _AFTER_UPDATE_FIELDS)

    def block(self, n: Any) -> None:
        if isinstance(n, Heading):
            self.heading(n)
        elif isinstance(n, Para):
            align = {"center": "center", "right": "right"}.get(n.kind, "")
            self.paragraph(n.runs, indent=False if n.kind in ("plain", "center", "right") else None, align=align)
        elif isinstance(n, Table):
            self.table(n)
        elif isinstance(n, Figure):
            self.figure(n)
        elif isinstance(n, Items):
            self.items(n)
        elif isinstance(n, Group):
            for x in n.nodes:
                self.block(x)
        elif isinstance(n, Cover):
            self.cover(n)
        elif isinstance(n, Contents):
            self.contents(n)
        elif isinstance(n, PageBreak):
            self.page_break()
        elif isinstance(n, Style):
            pass                                   # CSS: the house style reaches Word through the styles
        else:  # pragma: no cover - a node type without a rendering is a programming error
            raise TypeError(f"no Word rendering for {type(n).__name__}")

    # -- sections, headers and footers --------------------------------------------------------
    def new_section(self, *, numbered: bool, restart: bool = False, landscape: bool = False) -> None:
        from docx.enum.section import WD_ORIENT, WD_SECTION

        sec = self.doc.add_section(WD_SECTION.NEW_PAGE)
        wide = sec.page_width > sec.page_height
        if landscape != wide:                      # the score table's nine columns want a landscape page
            if landscape:
                self._portrait = (sec.top_margin, sec.left_margin, sec.bottom_margin, sec.right_margin)
            sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
            sec.page_width, sec.page_height = sec.page_height, sec.page_width
            if landscape:                          # the binding edge (订口) stays where it was: on top
                top, left, bottom, right = self._portrait
                sec.top_margin, sec.left_margin, sec.bottom_margin, sec.right_margin = left, top, right, bottom
            else:
                sec.top_margin, sec.left_margin, sec.bottom_margin, sec.right_margin = self._portrait
        self.text_width = sec.page_width - sec.left_margin - sec.right_margin
        sec.footer.is_linked_to_previous = False
        sec.header.is_linked_to_previous = False
        self._header(sec)
        if numbered:
            self._page_number(sec.footer.paragraphs[0])
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        pg = sec._sectPr.find(qn("w:pgNumType"))     # a new section copies the last one's: numbering goes on
        if pg is not None:
            sec._sectPr.remove(pg)
        if restart:
            pg = OxmlElement("w:pgNumType")
            pg.set(qn("w:start"), "1")
            _insert_before(sec._sectPr, pg, _AFTER_PG_NUM_TYPE)

    def _header(self, sec: Any, *, cover: bool = False) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        text = "" if cover else "　".join(x for x in (self.house["header"], self.draft) if x)
        p = sec.header.paragraphs[0]
        for r in list(p.runs):
            r._r.getparent().remove(r._r)
        if text:
            p.add_run(text)
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    def _page_number(self, p: Any) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt

        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.first_line_indent = Pt(0)
        before, after = (re.split(r"\{page\}", str(self.house["page_number"]), maxsplit=1) + [""])[:2]
        p.add_run(before)
        for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
            r = p.add_run()                        # the PAGE field: begin, instruction, separate, shown value, end
            if kind is not None:
                ch = OxmlElement("w:fldChar")
                ch.set(qn("w:fldCharType"), kind)
                r._r.append(ch)
            elif text == " PAGE ":
                instr = OxmlElement("w:instrText")
                instr.set(qn("xml:space"), "preserve")
                instr.text = text
                r._r.append(instr)
            else:
                r.text = text
        p.add_run(after)
        if self.styled:
            for r in p.runs:
                r.font.size = Pt(14)

    def save(self) -> bytes:
        buf = io.BytesIO()
        self.doc.save(buf)
        return _fixed_zip(buf.getvalue())


#: the pages that are not chapters: no outline level (the contents leave them out), no page number
_FRONT = {"statement", "signature"}
#: the parts set on landscape pages
_LANDSCAPE = {"annex"}


def _spread(label: str) -> str:
    """A cover label of two characters spread to the width of four, as covers align them under 主管部门:
    ``文号`` → ``文　　号`` (two ideographic spaces); other labels as they are."""
    return "\u3000\u3000".join(label) if len(label) == 2 else label


#: the elements Word's schema puts after w:updateFields in w:settings, and after w:pgNumType in w:sectPr:
#: Word repairs a file whose elements are out of order, so a new one goes before the first of these
_AFTER_UPDATE_FIELDS = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
                        "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
                        "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
                        "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol",
                        "listSeparator")
_AFTER_OUTLINE_LVL = ("divId", "cnfStyle", "rPr", "sectPr", "pPrChange")
_AFTER_PG_NUM_TYPE = ("cols", "formProt", "vAlign", "noEndnote", "titlePg", "textDirection", "bidi", "rtlGutter",
                      "docGrid", "printerSettings", "sectPrChange")


def _insert_before(parent: Any, el: Any, successors: Sequence[str]) -> None:
    from docx.oxml.ns import qn

    names = {qn(f"w:{n}") for n in successors}
    for i, child in enumerate(parent):
        if child.tag in names:
            parent.insert(i, el)
            return
    parent.append(el)


def _bookmark(p: Any, name: str, ident: int) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(ident))
    start.set(qn("w:name"), name.replace("-", "_"))
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(ident))
    ppr = p._p.pPr                             # w:pPr stays the paragraph's first child
    p._p.insert(1 if ppr is not None else 0, start)
    p._p.append(end)


def _grid(rows: Sequence[Sequence[Cell]]) -> list[list[Any]]:
    """The table's rows as a full grid: each position holds (cell, is_origin) or None; spans filled in."""
    grid: list[list[Any]] = [[] for _ in rows]
    for i, row in enumerate(rows):
        j = 0
        for c in row:
            while j < len(grid[i]) and grid[i][j] is not None:
                j += 1
            for a in range(i, min(i + c.rowspan, len(rows))):
                while len(grid[a]) < j + c.colspan:
                    grid[a].append(None)
                for b in range(j, j + c.colspan):
                    grid[a][b] = (c, a == i and b == j)
            j += c.colspan
    width = max(len(r) for r in grid)
    for r in grid:
        r += [(Cell(""), True)] * (width - len(r))
    return grid


def _when(date: Any) -> datetime:
    import datetime as dt

    if isinstance(date, dt.date):
        return datetime(date.year, date.month, date.day, tzinfo=dt.UTC)
    try:
        d = dt.date.fromisoformat(str(date))
        return datetime(d.year, d.month, d.day, tzinfo=dt.UTC)
    except ValueError:
        return datetime(2000, 1, 1, tzinfo=dt.UTC)


#: docProps/app.xml as the report carries it: the starting template's own (its application, template
#: name and page count) would describe that template, not the report
APP_XML = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
           b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
           b"<TotalTime>0</TotalTime><DocSecurity>0</DocSecurity></Properties>")
_THUMBNAIL = re.compile(rb'<Relationship [^>]*Target="docProps/thumbnail\.jpeg"[^>]*/>')


def _fixed_zip(data: bytes) -> bytes:
    """The same package with every part dated :data:`ZIP_TIME`, without the starting template's
    thumbnail (a picture of an empty page) and with :data:`APP_XML`."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            name = info.filename
            if name == "docProps/thumbnail.jpeg":
                continue
            blob = src.read(name)
            if name == "_rels/.rels":
                blob = _THUMBNAIL.sub(b"", blob)
            elif name == "docProps/app.xml":
                blob = APP_XML
            fixed = zipfile.ZipInfo(name, ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, blob)
    return out.getvalue()


def render(nodes: Iterable[Any], house: HouseStyle, *, title: str = "", author: str = "", date: Any = None,
           draft: str = "") -> bytes:
    """The bytes of ``report.docx`` for ``nodes`` (a whole report, :meth:`Report.document`).

    The cover is its own section without page numbers; the 声明 and the contents follow unnumbered;
    the body (from 摘要) restarts the page numbers at 1.
    """
    nodes = list(nodes)
    w = _Writer(house, title=title, author=author, date=date)
    w.draft = draft
    w._header(w.doc.sections[0], cover=True)      # the cover has no header: it carries its own mark
    started_body = landscape = unnumbered = False
    for n in nodes:
        if isinstance(n, Heading) and n.level == 1:
            wide = n.anchor in _LANDSCAPE
            if n.anchor in _FRONT:              # 声明, 签章页: their own unnumbered section
                w.new_section(numbered=False)
                unnumbered = True
            elif not started_body:
                w.new_section(numbered=True, restart=True)
                started_body = True
            elif wide or landscape or unnumbered:
                w.new_section(numbered=True, landscape=wide)
            else:
                w.break_before = True
            landscape = wide
            unnumbered = n.anchor in _FRONT
        elif isinstance(n, Contents):
            w.new_section(numbered=False)
        w.block(n)
    return w.save()


def write(path: str | Path, nodes: Iterable[Any], house: HouseStyle, **kwargs: Any) -> Path:
    from .. import _io

    return _io.write_bytes(Path(path), render(nodes, house, **kwargs))


def from_notebook(nb: Any) -> tuple[list, dict]:
    """The document nodes an executed report notebook displayed, in order, and the meta of its
    whole-report block (house style, title, author, date, draft mark)."""
    from .document import MIME, from_json

    nodes: list = []
    meta: dict = {}
    for cell in nb.cells:
        if "notebook-only" in cell.get("metadata", {}).get("tags", []):
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {}).get(MIME)
            if data:
                nodes += list(from_json(data["nodes"]))
                if "house" in data:
                    meta = {k: v for k, v in data.items() if k != "nodes"}
    return nodes, meta


def render_notebook(nb: Any) -> bytes:
    """``report.docx`` from an executed report notebook: the same nodes its HTML shows."""
    nodes, meta = from_notebook(nb)
    folder = meta.get("house_folder") or None
    house = HouseStyle(meta["house"], Path(folder) if folder else None) if meta else _default_house()
    return render(nodes, house, title=meta.get("title", ""), author=meta.get("author", ""), date=meta.get("date"),
                  draft=meta.get("draft", ""))


def _default_house() -> HouseStyle:
    from .house import load_house

    return load_house()
