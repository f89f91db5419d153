"""Reading a proposed work plan from its SOM document (.docx, or text in the seed's layout).

The parser never touches the database. It returns a plain structure (dicts and lists, so that the review page
can keep it between steps) in which every item says where in the document it came from (`source`: the place,
`excerpt`: the words), and a list of flags: what it guessed or could not place, with the place.

What it reads, as in EMG/SOM.19/03/Rev.1: the masthead (the meeting that tables the plan, the symbol, the date,
the period), the numbered notes, then the two-column table: a row "A. Category" opens an expected
accomplishment, the next row's first cell is its statement; the second column holds the activities
("1. Title" then the description), their lettered milestones "(a)" … and the milestones' sub-items "(i)" ….
A paragraph just before a numbered activity (e.g. "IMG on Environmental Sustainability Management") names the
lead body. Meetings named in a milestone (SOM20, the 20th EMG SOM, CBD COP 12, UNEA-1) are listed, and the last
one that is not the tabling meeting is taken as its due meeting; "by April 2014" gives a due date.
"""
import calendar
import datetime
import html
import io
import re
import zipfile
from dataclasses import dataclass

MONTHS = {name: n for n, name in enumerate(calendar.month_name) if name}
MONTHS_RE = "|".join(MONTHS)
ROMANS = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Words that open an activity's description when the document runs the title and the description together
# ("1. IMG on Green Economy Provide a coordinated …"): imperative verbs and their nouns.
OPENERS = {
    "Further", "Provide", "Convene", "Facilitate", "Prepare", "Preparation", "Preparations", "Undertake",
    "Continue", "Maintain", "Develop", "Support", "Promote", "Organise", "Organize", "Ensure", "Finalize",
    "Finalise", "Establish", "Strengthen", "Coordinate", "Conduct", "Identify", "Enhance", "Assist",
    "Contribute", "Implement", "Review", "Deliver", "Launch", "Engage", "Explore", "Build", "Produce", "Report",
    "Share", "Collect", "Consult", "Raise", "Respond", "Mobilize", "Mobilise",
}
SUPERSCRIPTS = "\u00b9\u00b2\u00b3\u2070\u2074\u2075\u2076\u2077\u2078\u2079"
FOOTNOTE_MARK = re.compile(rf"(?<=\S)\s*[{SUPERSCRIPTS}]+|(?<=[A-Za-z.)’'])\*+(?=\s|$)")
MARKER = re.compile(r"(?:(?<=\s)|^)\(([a-z]|[ivx]+)\)\s+")
NUMBERED = re.compile(r"^(\d{1,2})\.\s+(.*)$", re.S)
SYMBOL = re.compile(r"^[A-Z][A-Za-z]*/[A-Za-z0-9]+[./][A-Za-z0-9./\-]*$")
DATE = re.compile(rf"^(\d{{1,2}}) ({MONTHS_RE}) (\d{{4}})$")
PERIOD = re.compile(r"work plan (?:for )?(?:the period )?(\d{4})\s*[-–—]\s*(\d{4})", re.I)
OWN_MEETING = re.compile(r"(\d+)(?:st|nd|rd|th) Senior Officials['’]? Meeting", re.I)
CATEGORY = re.compile(r"^([A-Z])\.\s+(.+)$", re.S)
DUE_DATE = re.compile(rf"\bby (?:the end of )?({MONTHS_RE}) (\d{{4}})\b")
MEETINGS = [  # (pattern, code from the match)
    (re.compile(r"\bSOM\s?(\d+)\b"), lambda m: f"SOM{m[1]}"),
    (re.compile(r"\b(\d+)(?:st|nd|rd|th)\s+(?:EMG\s+)?(?:SOM\b|senior officials['’]? meeting)", re.I),
     lambda m: f"SOM{m[1]}"),
    (re.compile(r"\b(?:([A-Z]{2,6})\s+)?COP\s?(\d+)\b"), lambda m: f"{m[1] + ' ' if m[1] else ''}COP {m[2]}"),
    (re.compile(r"\bUNEA[-\s]?(\d+)\b"), lambda m: f"UNEA-{m[1]}"),
]


class DocumentError(ValueError):
    """The document cannot be read as a work plan; the message names the place and what is wrong."""


@dataclass
class Para:
    text: str
    where: str  # "line 42", "table 1, row 3"


@dataclass
class Row:
    cells: list  # [first column's paragraphs, second column's paragraphs]
    where: str


def _clean(text: str) -> str:
    text = FOOTNOTE_MARK.sub("", text.replace("\u00a0", " "))
    return re.sub(r"\s+", " ", text).strip()


# Reading the two kinds of file into paragraphs and table rows ----------------------------------------------


def _cell_paragraphs(cell: str, where: str) -> list[Para]:
    """A cell of the text layout: <p>…</p>, <hr/>, <ul>/<li> break paragraphs; other markup is dropped."""
    cell = re.sub(r"<\s*(?:/?p|hr|/?ul|/?ol|/?li|br)\b[^>]*>", "\n", cell, flags=re.I)
    cell = html.unescape(re.sub(r"<[^>]+>", "", cell))
    return [Para(t, where) for t in (_clean(p) for p in cell.split("\n")) if t]


def read_text(text: str) -> list:
    """The seed's layout: paragraphs on lines; once the table's heading row is seen, a line with a tab is a row."""
    blocks, in_table = [], False
    for n, line in enumerate(text.splitlines(), start=1):
        where = f"line {n}"
        if "\t" in line and (in_table or line.strip().lower().startswith("expected accomplishment")):
            in_table = True
            first, _, second = line.partition("\t")
            if "\t" in second:
                raise DocumentError(f"{where}: a table row with more than two columns — the plan's table has two "
                                    "(expected accomplishment, activities and milestones)")
            blocks.append(Row([_cell_paragraphs(first, where), _cell_paragraphs(second, where)], where))
        elif line.strip():
            blocks.extend(_cell_paragraphs(line, where) if "<" in line else [Para(_clean(line), where)])
    return blocks


def _docx_text(paragraph) -> str:
    """A paragraph's words without footnote marks (superscript digits and footnote references)."""
    from docx.oxml.ns import qn

    out = []
    for run in paragraph.runs:
        if run._r.find(qn("w:footnoteReference")) is not None:
            continue
        if run.font.superscript and re.fullmatch(r"\s*[\d*]+\s*", run.text or ""):
            continue
        out.append(run.text)
    return "".join(out) if paragraph.runs else paragraph.text


def read_docx(data: bytes) -> list:
    """A Word file: body paragraphs and table rows in document order (a table split in two is read as two)."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise DocumentError(f"the file is not a Word document (.docx) that can be opened ({e}) — save it from "
                            "Word as .docx, or paste its text") from None
    blocks, tables, n = [], 0, 0
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            n += 1
            text = _clean(_docx_text(Paragraph(element, document)))
            if text:
                blocks.append(Para(text, f"paragraph {n}"))
        elif tag == "tbl":
            tables += 1
            table = Table(element, document)
            for r, row in enumerate(table.rows, start=1):
                where = f"table {tables}, row {r}"
                cells = []
                seen = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell is returned once per grid column
                        continue
                    seen.add(id(cell._tc))
                    cells.append([Para(t, where) for t in (_clean(_docx_text(p)) for p in cell.paragraphs) if t])
                if len(cells) > 2:
                    raise DocumentError(f"{where}: a table row with {len(cells)} columns — the plan's table has two "
                                        "(expected accomplishment, activities and milestones)")
                blocks.append(Row((cells + [[], []])[:2], where))
    return blocks


# The plan in the blocks ---------------------------------------------------------------------------------


def _excerpt(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def meetings_named(text: str) -> list[str]:
    """The meeting codes a text names, in the order it names them (SOM20, CBD COP 12, UNEA-1)."""
    found = []
    for pattern, code in MEETINGS:
        found.extend((m.start(), code(m)) for m in pattern.finditer(text))
    out = []
    for _pos, code in sorted(found):
        if code not in out:
            out.append(code)
    return out


def _due_date(text: str) -> str | None:
    found = list(DUE_DATE.finditer(text))
    if not found:
        return None
    m = found[-1]
    year, month = int(m[2]), MONTHS[m[1]]
    return datetime.date(year, month, calendar.monthrange(year, month)[1]).isoformat()


def split_title(text: str) -> tuple[str, str]:
    """Title and description run together: cut before the first capitalised word that opens a sentence.

    That word is followed by a lower-case word and is either a known opening verb or comes after a lower-case
    word or an acronym ("… biodiversity Further the cooperation", "… of the EMG Convene the SOM20").
    """
    words = text.split(" ")
    for i in range(1, len(words) - 1):
        w, nxt, prev = words[i], words[i + 1], words[i - 1]
        bare = w.strip(",.;:“”\"'")
        if not bare or not bare[0].isupper() or bare.isupper() or not nxt[:1].islower():
            continue
        if bare in OPENERS or prev[:1].islower() or (prev.isupper() and len(prev) > 1):
            return " ".join(words[:i]), " ".join(words[i:])
    return text, ""


class _Parser:
    def __init__(self):
        self.plan = {"symbol": "", "title": "", "issued_on": None, "first_year": None, "last_year": None,
                     "meeting": "", "meeting_line": "", "notes": [], "accomplishments": [], "flags": []}
        self.acc = None  # the accomplishment being read
        self.act = None  # the activity being read
        self.head = None  # (Para, rest) of an activity whose title may run into its description
        self.heading = None  # a paragraph naming the lead body of the next activity

    def flag(self, where: str, message: str, text: str = ""):
        self.plan["flags"].append({"source": where, "message": message, "excerpt": _excerpt(text)})

    # Before the table
    def masthead(self, para: Para):
        t, p = para.text, self.plan
        if t[0] in SUPERSCRIPTS or t.lower().startswith("distribution"):
            return
        if not p["symbol"] and SYMBOL.match(t):
            p["symbol"] = t
        elif not p["issued_on"] and DATE.match(t):
            m = DATE.match(t)
            try:
                p["issued_on"] = datetime.date(int(m[3]), MONTHS[m[2]], int(m[1])).isoformat()
            except ValueError:
                raise DocumentError(f"{para.where}: \"{t}\" is not a real date — correct the date under the "
                                    "symbol") from None
        elif not p["meeting"] and OWN_MEETING.search(t):
            p["meeting"], p["meeting_line"] = f"SOM{OWN_MEETING.search(t)[1]}", t
        elif NUMBERED.match(t) and p["symbol"]:
            p["notes"].append({"number": int(NUMBERED.match(t)[1]), "text": NUMBERED.match(t)[2],
                               "source": para.where})
        elif PERIOD.search(t) and len(t) < 120:
            m = PERIOD.search(t)
            if p["first_year"] is None:
                p["first_year"], p["last_year"] = int(m[1]), int(m[2])
            p["title"] = t  # the last such line before the table is the table's title

    # The table
    def row(self, row: Row):
        first, second = row.cells
        text0 = " ".join(p.text for p in first)
        if text0.lower().startswith("expected accomplishment"):
            return  # the heading row, repeated where the table runs onto another page
        m = CATEGORY.match(text0)
        if m and len(text0) < 100 and not second:
            self.close_activity()
            self.acc = {"code": m[1], "category": m[2].strip(), "statement": "", "source": row.where,
                        "excerpt": _excerpt(text0), "activities": []}
            if any(a["code"] == m[1] for a in self.plan["accomplishments"]):
                self.flag(row.where, f"a second expected accomplishment {m[1]}: give each its own letter", text0)
            self.plan["accomplishments"].append(self.acc)
            self.act = None
            return
        if self.acc is None:
            if text0 or second:
                found = _excerpt(text0 or second[0].text, 60)
                raise DocumentError(f"{row.where}: the table's first row after its heading must open an expected "
                                    f'accomplishment ("A. Programmatic issues"), not "{found}"')
            return
        if text0:
            if not self.acc["statement"]:
                self.acc["statement"] = text0
                self.acc["statement_source"] = row.where
            elif text0 != self.acc["statement"]:
                self.flag(row.where, f"text in the first column that is not {self.acc['code']}'s statement: left out",
                          text0)
        for i, para in enumerate(second):
            following = second[i + 1] if i + 1 < len(second) else None
            self.paragraph(para, following, first_in_cell=i == 0)

    def paragraph(self, para: Para, following: Para | None, first_in_cell: bool):
        text = para.text
        numbered = NUMBERED.match(text)
        if numbered and not MARKER.match(text):
            self.close_activity()
            self.open_activity(int(numbered[1]), numbered[2], para)
            return
        next_numbered = following is not None and NUMBERED.match(following.text) and not MARKER.match(following.text)
        markers = list(MARKER.finditer(text))
        starts_with_marker = bool(markers) and markers[0].start() == 0
        if not starts_with_marker and next_numbered and (
                self.act is None or first_in_cell or self.act["description"] or self.act["milestones"]):
            self.close_activity()
            self.heading = para
            return
        if self.act is None:
            self.flag(para.where, f"text in {self.acc['code']} before its first numbered activity: left out", text)
            return
        if self.head is not None:
            if starts_with_marker:
                self.close_head(split=True)
            else:
                self.close_head(split=False)
                self.act["description"] = text
                return
        lead = text[:markers[0].start()].strip() if markers else text
        if lead:
            if not self.act["milestones"]:
                self.act["description"] = f"{self.act['description']}\n\n{lead}".strip()
            else:
                last = self.act["milestones"][-1]
                target = last["children"][-1] if last["children"] else last
                self.flag(para.where, f"a paragraph after {self.act_code()}({target['label']}) that is not a "
                                      "milestone: added to its text", lead)
                target["text"] = f"{target['text']} {lead}"
        for k, m in enumerate(markers):
            end = markers[k + 1].start() if k + 1 < len(markers) else len(text)
            self.milestone(m[1], text[m.end():end].strip(), para)

    def act_code(self) -> str:
        return f"{self.acc['code']}.{self.act['number']}"

    def open_activity(self, number: int, rest: str, para: Para):
        if any(a["number"] == number for a in self.acc["activities"]):
            self.flag(para.where, f"a second activity {self.acc['code']}.{number}: renumber one", rest)
        heading = self.heading.text if self.heading else ""
        self.act = {"number": number, "title": "", "description": "", "heading": heading,
                    "source": para.where, "excerpt": _excerpt(para.text), "milestones": []}
        self.heading = None
        self.acc["activities"].append(self.act)
        markers = list(MARKER.finditer(rest))
        if markers:  # "3. Title (a) First milestone …"
            self.act["title"] = rest[:markers[0].start()].strip()
            self.paragraph(Para(rest[markers[0].start():], para.where), None, first_in_cell=False)
        else:
            self.head = (para, rest)

    def close_head(self, split: bool):
        para, rest = self.head
        self.head = None
        title, description = split_title(rest) if split else (rest, "")
        self.act["title"], self.act["description"] = title, description
        if description:
            self.flag(para.where, f'{self.act_code()}: title and description run together; cut before '
                                  f'"{description.split(" ")[0]}" — check both', para.text)

    def close_activity(self):
        if self.head is not None:
            self.close_head(split=True)
        if self.act is not None and not self.act["title"]:
            self.flag(self.act["source"], f"{self.act_code()} has no title", self.act["excerpt"])

    def milestone(self, label: str, text: str, para: Para):
        ms = self.act["milestones"]
        last = ms[-1] if ms else None
        roman = label in ROMANS and (
            len(label) > 1
            or (label == "i" and not (last and last["label"] == "h" and not last["children"]))
            or (label in ("v", "x") and last is not None and bool(last["children"])))
        item = {"label": label, "text": text, "source": para.where, "excerpt": _excerpt(f"({label}) {text}"),
                "meetings": meetings_named(text), "due_date": _due_date(text), "children": []}
        if roman and last is not None:
            expected = ROMANS[len(last["children"])] if len(last["children"]) < len(ROMANS) else None
            if label != expected:
                self.flag(para.where, f"{self.act_code()}({last['label']})({label}) follows "
                                      f"({last['children'][-1]['label'] if last['children'] else 'nothing'}): "
                                      "check the numbering", text)
            if any(c["label"] == label for c in last["children"]):
                self.flag(para.where, f"a second {self.act_code()}({last['label']})({label}): relabel one", text)
            last["children"].append(item)
            return
        if roman:
            self.flag(para.where, f"sub-item ({label}) of {self.act_code()} before any lettered milestone: read as "
                                  "a milestone", text)
        expected = LETTERS[len(ms)] if len(ms) < len(LETTERS) else None
        if label != expected:
            self.flag(para.where, f"{self.act_code()}({label}) where ({expected}) was expected: check the lettering",
                      text)
        if any(m["label"] == label for m in ms):
            self.flag(para.where, f"a second {self.act_code()}({label}): relabel one", text)
        ms.append(item)

    def finish(self):
        self.close_activity()
        p = self.plan
        for acc in p["accomplishments"]:
            if not acc["statement"]:
                self.flag(acc["source"], f"expected accomplishment {acc['code']} has no statement (the row under "
                                         "its category)", acc["excerpt"])
            for act in acc["activities"]:
                for ms in act["milestones"]:
                    for item in (ms, *ms["children"]):
                        own = [c for c in item["meetings"] if c != p["meeting"]]
                        item["due_meeting"] = own[-1] if own else ""
        return p


def parse_blocks(blocks: list, name: str = "the document") -> dict:
    """The plan a document holds (see the module's docstring); DocumentError when it holds none."""
    parser = _Parser()
    seen_table = False
    for block in blocks:
        if isinstance(block, Row):
            seen_table = True
            parser.row(block)
        elif not seen_table:
            parser.masthead(block)
        elif block.text[0] not in SUPERSCRIPTS and not block.text.lower().startswith("expected accomplishment"):
            if not re.match(r"^(?:\d+|[*†])\s", block.text):  # footnotes under the table
                parser.flag(block.where, "text outside the table after it started: left out", block.text)
    plan = parser.finish()
    if not seen_table:
        raise DocumentError(f"{name}: no table of expected accomplishments and activities found — the plan's "
                            'table starts with a row "Expected accomplishment | Activities and milestones"')
    if not plan["accomplishments"]:
        raise DocumentError(f"{name}: the table has no expected accomplishment (a row such as "
                            '"A. Programmatic issues")')
    if not plan["symbol"]:
        raise DocumentError(f"{name}: no document symbol (such as EMG/SOM.19/03/Rev.1) above the table — add it "
                            "to the masthead")
    if plan["first_year"] is None:
        raise DocumentError(f'{name}: no period above the table (such as "Proposed work plan 2016 - 2017")')
    if plan["last_year"] < plan["first_year"]:
        raise DocumentError(f"{name}: the period {plan['first_year']}–{plan['last_year']} ends before it starts")
    if not plan["title"]:
        plan["title"] = f"Environment Management Group work plan for {plan['first_year']} – {plan['last_year']}"
    return plan


def parse_document(*, data: bytes, name: str) -> dict:
    """Parse a .docx (by its content) or a UTF-8 text file in the seed's layout."""
    if data[:2] == b"PK" or name.lower().endswith(".docx"):
        blocks = read_docx(data)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise DocumentError(f"{name}: byte {e.start} is not UTF-8 text — upload the Word file (.docx) or save "
                                "the text as UTF-8") from None
        blocks = read_text(text)
    return parse_blocks(blocks, name)
