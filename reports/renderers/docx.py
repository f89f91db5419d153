"""Word: the document's blocks on A4, with heading styles, a real table of contents field, page numbers,
numbered paragraphs, tables whose columns fit their text, right-to-left paragraphs and a CJK font."""
import datetime
import io

from django.utils import timezone
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

from . import AUTHOR, document_meta, fmt_date, is_rtl, outline, toc_entries

LATIN_FONT = "Arial"
CJK_FONT = "Noto Sans CJK SC"  # Debian's fonts-noto-cjk; Word elsewhere falls back to its own East-Asian font
MARGIN_SIDE, MARGIN_TOP = Mm(20), Mm(20)
TEXT_WIDTH = Mm(210) - 2 * MARGIN_SIDE
NUM_INDENT = Mm(10)
INDENT_STEP = Mm(10)

# Elements that follow w:bidi / w:rtl in their parent, in the schema's order (Word rejects misordered XML).
AFTER_BIDI = ("w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
              "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
              "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
AFTER_RTL = ("w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")


def _fonts(rpr, size=None):
    """Explicit fonts for every script (theme fonts removed), East Asian included so Chinese never overlaps."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), CJK_FONT)


def _styles(doc):
    styles_el = doc.styles.element
    rpr_default = styles_el.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(rpr_default)
    lang = rpr_default.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for name, size in (("Title", 16), ("Heading 1", 13), ("Heading 2", 12), ("Heading 3", 11)):
        style = doc.styles[name]
        _fonts(style.element.get_or_add_rPr())
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.bold = True
        style.font.italic = False
        style.paragraph_format.space_before = Pt(12 if name == "Heading 1" else 9)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True
    title = doc.styles["Title"]
    title_ppr = title.element.get_or_add_pPr()
    for border in title_ppr.findall(qn("w:pBdr")):
        title_ppr.remove(border)
    for name, level in (("toc 1", 0), ("toc 2", 1)):
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.style_id = f"TOC{level + 1}"
        style.base_style = normal
        style.paragraph_format.left_indent = Mm(6 * level)
        style.paragraph_format.space_after = Pt(2)
        style.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)


def _field(paragraph, instruction, placeholder=""):
    """A complex field (PAGE, NUMPAGES, TOC ...): Word and LibreOffice compute it; the placeholder shows till then."""
    def run_with(el):
        r = paragraph.add_run()
        r._r.append(el)
        return r

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    paragraph.add_run(placeholder)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _toc(doc, entries):
    """A TOC field over headings 1–2, its result pre-filled with the entries so a reader that does not
    update fields still shows the contents; Word updates it on open (updateFields), LibreOffice on update."""
    first = doc.add_paragraph(style="toc 1")
    begin, instr, separate = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr.set(qn("xml:space"), "preserve")
    instr.text = ' TOC \\o "1-2" \\h \\z \\u '
    separate.set(qn("w:fldCharType"), "separate")
    for el in (begin, instr, separate):
        first.add_run()._r.append(el)
    paragraphs = [first]
    for i, (level, text, _) in enumerate(entries):
        p = first if i == 0 else doc.add_paragraph(style=f"toc {level}")
        p.add_run(text)
        paragraphs.append(p)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraphs[-1].add_run()._r.append(end)
    settings = doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    compat = settings.find(qn("w:compat"))
    if compat is not None:
        compat.addprevious(update)
    else:
        settings.append(update)


def _rtl(paragraph):
    ppr = paragraph._p.get_or_add_pPr()
    bidi = OxmlElement("w:bidi")
    ppr.insert_element_before(bidi, *AFTER_BIDI)
    for run in paragraph.runs:
        rpr = run._r.get_or_add_rPr()
        rpr.insert_element_before(OxmlElement("w:rtl"), *AFTER_RTL)


def _para(doc, text="", style=None, *, bold=False, italic=False, size=None, align=None, indent=0, num=None,
          rtl=None):
    p = doc.add_paragraph(style=style)
    if num is not None:
        p.add_run(f"{num}.\t")
        p.paragraph_format.left_indent = NUM_INDENT + indent * INDENT_STEP
        p.paragraph_format.first_line_indent = -NUM_INDENT
        p.paragraph_format.tab_stops.add_tab_stop(NUM_INDENT + indent * INDENT_STEP)
    elif indent:
        p.paragraph_format.left_indent = NUM_INDENT + indent * INDENT_STEP
    if text:
        run = p.add_run(text)
        run.bold = bold or None
        run.italic = italic or None
        if size:
            run.font.size = Pt(size)
    if align is not None:
        p.alignment = align
    if rtl if rtl is not None else is_rtl(text):
        _rtl(p)
    return p


def _cell_text(cell, text, *, bold=False, align=None):
    p = cell.paragraphs[0]
    run = p.add_run(str(text))
    run.bold = bold or None
    p.paragraph_format.space_after = Pt(0)
    if align is not None:
        p.alignment = align
    if is_rtl(str(text)):
        _rtl(p)


def _table(doc, block):
    header, rows, total = block["header"], block["rows"], block["total"]
    numeric = set(block["numeric"])
    widths = [int(TEXT_WIDTH * w / sum(block["widths"])) for w in block["widths"]]
    table = doc.add_table(rows=1 + len(rows) + (1 if total else 0), cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False  # a fixed layout: Word keeps the widths below instead of sharing the page equally
    for i, width in enumerate(widths):
        table.columns[i].width = width
    tbl_w = table._tbl.tblPr.find(qn("w:tblW"))
    if tbl_w is not None:  # the table's own width, so readers that ignore the grid do not shrink it to fit
        tbl_w.set(qn("w:type"), "dxa")
        tbl_w.set(qn("w:w"), str(sum(widths) // 635))
    for r, values in enumerate([header, *rows, *([total] if total else [])]):
        row = table.rows[r]
        is_head, is_total = r == 0, total is not None and r == len(rows) + 1
        for i, value in enumerate(values):
            cell = row.cells[i]
            cell.width = widths[i]
            _cell_text(cell, "" if value is None else value, bold=is_head or is_total,
                       align=WD_ALIGN_PARAGRAPH.RIGHT if i in numeric else None)
            if is_head:
                shd = OxmlElement("w:shd")
                shd.set(qn("w:val"), "clear")
                shd.set(qn("w:fill"), "E6E6E6")
                cell._tc.get_or_add_tcPr().append(shd)
        if is_head:
            el = OxmlElement("w:tblHeader")
            el.set(qn("w:val"), "true")
            row._tr.get_or_add_trPr().append(el)
        cant_split = OxmlElement("w:cantSplit")
        row._tr.get_or_add_trPr().append(cant_split)
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(8 if block.get("cls") == "status" else 8.5)
    doc.add_paragraph().paragraph_format.space_after = Pt(2)
    return table


def _page_setup(doc, meta):
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = MARGIN_SIDE
    section.top_margin, section.bottom_margin = MARGIN_TOP, Mm(20)
    section.header_distance = section.footer_distance = Mm(10)
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.text = ""
    for inherited in (Twips(4680), Twips(9360)):  # the Header style's Letter-size centre and right tabs
        header.paragraph_format.tab_stops.add_tab_stop(inherited, alignment=WD_TAB_ALIGNMENT.CLEAR)
    header.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, alignment=WD_TAB_ALIGNMENT.RIGHT)
    header.add_run(f"Environment Management Group\t{meta['symbol']}").font.size = Pt(8)
    for footer in (section.footer, section.first_page_footer):
        p = footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run("Page ")
        _field(p, "PAGE", "1")
        p.add_run(" of ")
        _field(p, "NUMPAGES", "1")
        for run in p.runs:
            run.font.size = Pt(8)


def _masthead(doc, meta):
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    left, right = table.rows[0].cells
    widths = (int(TEXT_WIDTH * 0.55), int(TEXT_WIDTH * 0.45))
    for cell, width, col in zip((left, right), widths, table.columns, strict=True):
        cell.width = width
        col.width = width
    run = left.paragraphs[0].add_run(meta["org"])
    run.bold = True
    run.font.size = Pt(14)
    lines = [(meta["symbol"], True, 12), (f"Date of issue: {fmt_date(meta['issued_on'])}", False, None),
             (f"Distribution: {meta['distribution']}", False, None), (f"Original: {meta['original_language']}",
                                                                      False, None)]
    for i, (text, bold, size) in enumerate(lines):
        p = right.paragraphs[0] if i == 0 else right.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.space_after = Pt(0)
        r = p.add_run(text)
        r.bold = bold or None
        if size:
            r.font.size = Pt(size)
    rule = doc.add_paragraph()
    p_bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "12"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    p_bdr.append(bottom)
    rule._p.get_or_add_pPr().insert_element_before(p_bdr, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:bidi",
                                                   *AFTER_BIDI)
    _para(doc, meta["meeting_name"], bold=True).paragraph_format.space_after = Pt(0)
    if meta["meeting_where"]:
        _para(doc, meta["meeting_where"])
    if meta["agenda_item"]:
        _para(doc, meta["agenda_item"], italic=True)
    _para(doc, meta["title"], "Title")
    _para(doc, meta["kind_line"], bold=True, size=12)
    _para(doc, f"Status of data: as of {fmt_date(meta['as_of'])}")


def _core_properties(doc, meta, compiled_at):
    cp = doc.core_properties
    cp.title = meta["title"]
    cp.subject = f"{meta['symbol']}: {meta['kind_line']}"
    cp.author = AUTHOR
    cp.last_modified_by = AUTHOR
    cp.created = compiled_at
    cp.modified = compiled_at
    cp.comments = f"{meta['meeting_name']}; status of data as of {fmt_date(meta['as_of'])}"
    cp.keywords = "Environment Management Group; work plan; progress report"
    cp.category = meta["kind_line"]
    cp.identifier = meta["symbol"]
    cp.language = "en"
    cp.revision = 1


def render(snapshot) -> bytes:
    meta = document_meta(snapshot)
    blocks = outline(snapshot)
    compiled_at = timezone.now().replace(microsecond=0).astimezone(datetime.UTC).replace(tzinfo=None)
    doc = Document()
    _styles(doc)
    _page_setup(doc, meta)
    _core_properties(doc, meta, compiled_at)
    _masthead(doc, meta)
    _para(doc, "Contents", bold=True, size=12)
    _toc(doc, toc_entries(blocks))
    for b in blocks:
        if b["t"] == "h":
            p = _para(doc, b["text"], f"Heading {b['level']}")
        elif b["t"] == "annex":
            p = _para(doc, b["text"], "Heading 1")
            p.paragraph_format.page_break_before = True
        elif b["t"] == "p":
            italic = b.get("cls") in ("statement", "progress-head")
            _para(doc, b["text"], italic=italic, size=9 if b.get("cls") == "progress-head" else None,
                  indent=b.get("indent", 0), num=b.get("num"), rtl=b["rtl"])
        elif b["t"] == "ul":
            for item in b["items"]:
                p = _para(doc, item["text"], "List Bullet", rtl=item["rtl"])
                p.paragraph_format.left_indent = NUM_INDENT + (b.get("indent", 0) + 1) * Mm(6)
                p.paragraph_format.first_line_indent = -Mm(5)
        elif b["t"] == "table":
            _table(doc, b)
        elif b["t"] == "pagebreak":
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
