"""Spreadsheet safety: text people typed must never become a formula in a CSV or Excel file.

A narrative, milestone text, note or member acronym that starts with "=", "+", "-", "@", a tab or a
carriage return is read by spreadsheets as a formula (`=HYPERLINK("http://…","x")` would be a live
link to an outside site). Every CSV and Excel file the application writes goes through this module:
the list exports and the report's Excel annex alike.
"""
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_safe(value):
    """A CSV field: None is empty; text a spreadsheet would run as a formula gets a leading apostrophe.

    CSV has no types, so the apostrophe (which spreadsheets hide and read as "this is text") is the
    only way to say it; numbers and dates pass unchanged.
    """
    if value is None:
        return ""
    if looks_like_formula(value):
        return "'" + value
    return value


def xlsx_safe_cell(cell):
    """Make an openpyxl cell that holds text hold it as text, never as a formula; returns the cell.

    openpyxl types any string starting with "=" as a formula. The cell is written as a plain string
    instead (LibreOffice and Excel show it literally) and marked quote-prefixed, so editing it in a
    spreadsheet keeps it text too. Characters XML cannot carry (stray control characters pasted into a
    narrative) are dropped rather than failing the whole file.
    """
    value = cell.value
    if isinstance(value, str):
        clean = ILLEGAL_CHARACTERS_RE.sub("", value)
        if clean != value:
            cell.value = clean
        if cell.data_type == "f" or looks_like_formula(clean):
            cell.data_type = "s"
            cell.quotePrefix = True
    return cell


def xlsx_append(ws, values):
    """ws.append(values) with every text cell made safe; empty strings are written as empty cells."""
    ws.append([None if v == "" else _clean(v) for v in values])
    for cell in ws[ws.max_row]:
        xlsx_safe_cell(cell)


def _clean(value):
    # Appending a string with an illegal character raises in openpyxl before the cell exists.
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
