"""Loading a work plan from its YAML transcription.

The file never overwrites the database. A plan that is not there yet is created; a plan that is
there is compared with the file and left as it is. `workplan_load(update=True)` takes from the file
only the fields nobody changed in the app since the loader last wrote them: the loader marks its
history records (no user, a reason from LOADER_REASONS), so the history says who set each value.
"""
import datetime
import difflib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import models, transaction

from accomplishments.models import ExpectedAccomplishment, Meeting, Member, WorkPlan, WorkPlanApproval
from activities.models import Activity, LeadBody, Milestone
from decisions.models import Decision

SEED_FILE = Path(__file__).resolve().parent / "data" / "workplan-2014-2015.yaml"

ADOPTED_REASON = "Adopted with the work plan"
UPDATED_REASON = "Updated from file "
ADDED_REASON = "Added from file "
REASON_MAX = 100  # simple-history's change-reason column


def _is_loader_record(record) -> bool:
    """A history record the loader wrote: no user, and one of the loader's reasons."""
    reason = record.history_change_reason or ""
    return record.history_user_id is None and (
        reason == ADOPTED_REASON or reason.startswith((UPDATED_REASON, ADDED_REASON)))


# Reading and checking the file ---------------------------------------------------------------


class WorkPlanFileError(ValueError):
    """The file cannot be loaded; the message is one line: file, line, what is wrong and the fix."""


class _Problem(Exception):
    def __init__(self, line: int, message: str):
        self.line, self.message = line, message
        super().__init__(message)


class _Map(dict):
    """A YAML mapping that remembers its line and the line of each key."""

    line: int = 1
    lines: dict


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that keeps line numbers and refuses duplicate keys (PyYAML keeps the last silently)."""

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):
            raise _Problem(node.start_mark.line + 1, "expected a mapping (key: value)")
        self.flatten_mapping(node)
        result = _Map()
        result.line, result.lines = node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            try:
                hash(key)
            except TypeError:
                raise _Problem(line, "a key must be a plain word — write it as `name: value`") from None
            if key in result:
                raise _Problem(line, f'duplicate key "{key}" (also at line {result.lines[key]}) — keep only one')
            result[key] = self.construct_object(value_node, deep=deep)
            result.lines[key] = line
        return result

    def construct_yaml_map(self, node):
        data = _Map()
        data.line, data.lines = node.start_mark.line + 1, {}
        yield data
        value = self.construct_mapping(node)
        data.update(value)
        data.lines = value.lines

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as e:
            raise _Problem(node.start_mark.line + 1,
                           f'bad date "{node.value}" ({e}) — write a real date as YYYY-MM-DD') from None


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_yaml_map)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_yaml_timestamp)


@dataclass(eq=False)
class Item:
    """One row the file describes, found in the database by its natural key (`lookup`)."""

    model: type
    label: str  # as people write it: A.1(c), meeting SOM20
    lookup: dict  # field -> value, or the Item of a row it belongs to
    values: dict  # field -> value, or the Item it refers to (None: empty)
    line: int
    parent: "Item | None" = None  # the row it belongs to (children are skipped when it is missing)
    m2m: dict = field(default_factory=dict)  # field -> [Item], compared only when the file gives it
    name: str = ""  # what other rows call it: the meeting code, the member acronym ...


@dataclass
class WorkPlanFile:
    path: Path
    items: list[Item]
    symbol: str
    adopted_at: datetime.datetime | None
    created_reason: str = ADOPTED_REASON  # the history reason of the rows a load creates


TEXT, INT, DATE, LIST, MAP = "text", "whole number", "date (YYYY-MM-DD)", "list", "mapping"
_TYPES = {TEXT: (str,), INT: (int,), DATE: (datetime.date,), LIST: (list,), MAP: (dict,)}


def _fields(m, where: str, spec: dict, line: int) -> dict:
    """Check a mapping's keys and value types against spec {key: (type, required)}; return the values."""
    if not isinstance(m, _Map):
        raise _Problem(line, f"{where} must be a mapping (key: value), not {type(m).__name__}")
    for key in m:
        if key not in spec:
            close = difflib.get_close_matches(str(key), spec, n=1)
            hint = f'did you mean "{close[0]}"? ' if close else ""
            raise _Problem(m.lines[key], f'unknown field "{key}" for {where} — {hint}use one of {", ".join(spec)}')
    out = {}
    for key, (kind, required) in spec.items():
        value = m.get(key)
        if value is None or value == "" and kind != TEXT:
            if required:
                raise _Problem(m.line, f'missing "{key}" for {where} — add `{key}:` with a {kind}')
            continue
        ok = isinstance(value, _TYPES[kind]) and not isinstance(value, bool)
        if kind == DATE and isinstance(value, datetime.datetime):
            ok = False
        if not ok:
            fix = "put it in quotes" if kind == TEXT else f"write a {kind}"
            raise _Problem(m.lines[key], f'"{key}" for {where} must be a {kind}, not {value!r} — {fix}')
        if kind == TEXT and required and not value.strip():
            raise _Problem(m.lines[key], f'"{key}" for {where} is empty — write it out')
        out[key] = value
    return out


def _choice(value, model, field_name: str, where: str, line: int):
    choices = [c for c, _ in model._meta.get_field(field_name).choices]
    if value not in choices:
        raise _Problem(line, f'unknown {field_name} "{value}" for {where} — use one of {", ".join(choices)}')
    return value


def _clean(model, values: dict, lines: dict, where: str, line: int):
    """The model's own field checks (lengths, formats), reported at the line of the field."""
    scalars = {k: v for k, v in values.items() if not isinstance(v, Item) and v is not None}
    obj = model(**scalars)
    try:
        obj.clean_fields(exclude=[f.name for f in model._meta.fields if f.name not in scalars])
    except ValidationError as e:
        name, messages = next(iter(e.message_dict.items()))
        raise _Problem(lines.get(name, line),
                       f'bad {name} "{values[name]}" for {where}: {" ".join(messages)}') from None


class _Names:
    """The items of one kind by the name the file uses for them, to resolve references."""

    def __init__(self, kind: str, section: str, key: str):
        self.kind, self.section, self.key, self.items = kind, section, key, {}

    def add(self, item: Item, line: int, where: str):
        if item.name in self.items:
            raise _Problem(line, f'two {self.kind}s "{item.name}" (the other at line {self.items[item.name].line}) '
                                 f"— keep one, or give each its own {self.key}")
        self.items[item.name] = item

    def get(self, name, where: str, line: int) -> Item:
        if name not in self.items:
            close = difflib.get_close_matches(str(name), self.items, n=1)
            hint = f"did you mean {close[0]}? Otherwise " if close else ""
            known = ", ".join(self.items) or "none defined yet"
            raise _Problem(line, f'unknown {self.kind} "{name}" for {where} — {hint}use one of {known} '
                                 f"or add it under {self.section}:")
        return self.items[name]


def _list(m, key: str, where: str) -> list:
    value = m.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Problem(m.lines[key], f'"{key}" for {where} must be a list (lines starting with "- ")')
    return value


def _item_line(entry, default: int) -> int:
    return entry.line if isinstance(entry, _Map) else default


def _parse(data) -> tuple[list[Item], str, datetime.datetime | None]:
    if not isinstance(data, _Map):
        raise _Problem(1, "the file must be a mapping with work_plan:, meetings:, members:, lead_bodies: "
                          "and accomplishments:")
    _fields(data, "the file", {"work_plan": (MAP, True), "meetings": (LIST, False), "members": (LIST, False),
                               "lead_bodies": (LIST, False), "accomplishments": (LIST, True),
                               "decisions": (LIST, False)}, 1)
    items: list[Item] = []
    meetings = _Names("meeting", "meetings", "code")
    members = _Names("member", "members", "acronym")
    bodies = _Names("lead body", "lead_bodies", "short_name")

    for n, m in enumerate(_list(data, "meetings", "the file"), start=1):
        line = _item_line(m, data.lines["meetings"])
        where = f"meeting {m.get('code') if isinstance(m, dict) and m.get('code') else n}"
        v = _fields(m, where, {"code": (TEXT, True), "name": (TEXT, True), "start_date": (DATE, True),
                               "end_date": (DATE, True), "place": (TEXT, False)}, line)
        v.setdefault("place", "")
        code = v.pop("code")
        _clean(Meeting, {"code": code, **v}, m.lines, where, line)
        if v["end_date"] < v["start_date"]:
            raise _Problem(m.lines["end_date"], f"{where} ends before it starts — check start_date and end_date")
        item = Item(Meeting, f"meeting {code}", {"code": code}, v, line, name=code)
        meetings.add(item, line, where)
        items.append(item)

    for n, m in enumerate(_list(data, "members", "the file"), start=1):
        line = _item_line(m, data.lines["members"])
        where = f"member {m.get('acronym') if isinstance(m, dict) and m.get('acronym') else n}"
        v = _fields(m, where, {"acronym": (TEXT, True), "name": (TEXT, True), "kind": (TEXT, True)}, line)
        _choice(v["kind"], Member, "kind", where, m.lines["kind"])
        acronym = v.pop("acronym")
        _clean(Member, {"acronym": acronym, **v}, m.lines, where, line)
        item = Item(Member, f"member {acronym}", {"acronym": acronym}, v, line, name=acronym)
        members.add(item, line, where)
        items.append(item)

    names_seen: dict = {}
    for n, b in enumerate(_list(data, "lead_bodies", "the file"), start=1):
        line = _item_line(b, data.lines["lead_bodies"])
        where = f"lead body {b.get('short_name') if isinstance(b, dict) and b.get('short_name') else n}"
        v = _fields(b, where, {"short_name": (TEXT, True), "name": (TEXT, True), "kind": (TEXT, True),
                               "lead_member": (TEXT, False), "members": (LIST, False)}, line)
        _choice(v["kind"], LeadBody, "kind", where, b.lines["kind"])
        short = v.pop("short_name")
        _clean(LeadBody, {"short_name": short, "name": v["name"], "kind": v["kind"]}, b.lines, where, line)
        if v["name"] in names_seen:
            raise _Problem(b.lines["name"], f'two lead bodies named "{v["name"]}" (the other at line '
                                            f"{names_seen[v['name']]}) — give each its own name")
        names_seen[v["name"]] = line
        values = {"name": v["name"], "kind": v["kind"],
                  "lead_member": members.get(v["lead_member"], where, b.lines["lead_member"])
                  if "lead_member" in v else None}
        item = Item(LeadBody, f"lead body {short}", {"short_name": short}, values, line, name=short)
        if "members" in v:
            item.m2m["members"] = [members.get(a, where, b.lines["members"]) for a in v["members"]]
        bodies.add(item, line, where)
        items.append(item)

    wp = data["work_plan"]
    v = _fields(wp, "work_plan", {"title": (TEXT, True), "symbol": (TEXT, True), "issued_on": (DATE, False),
                                  "first_year": (INT, True), "last_year": (INT, True), "status": (TEXT, False),
                                  "approvals": (LIST, False)}, data.lines["work_plan"])
    _choice(v.setdefault("status", WorkPlan.Status.DRAFT), WorkPlan, "status", "work_plan",
            wp.lines.get("status", wp.line))
    approvals = v.pop("approvals", [])
    symbol = v.pop("symbol")
    v.setdefault("issued_on", None)
    _clean(WorkPlan, {"symbol": symbol, **v}, wp.lines, "work_plan", wp.line)
    if v["last_year"] < v["first_year"]:
        raise _Problem(wp.lines["last_year"], "work_plan: last_year comes before first_year — check both")
    plan = Item(WorkPlan, symbol, {"symbol": symbol}, v, wp.line, name=symbol)
    items.append(plan)
    years: dict = {}
    adoption = []
    for a in approvals:
        line = _item_line(a, wp.lines["approvals"])
        av = _fields(a, "an approval of work_plan", {"year": (INT, True), "meeting": (TEXT, True)}, line)
        where = f"the approval for {av['year']}"
        if av["year"] in years:
            raise _Problem(line, f"two approvals for {av['year']} (the other at line {years[av['year']]}) — keep one")
        years[av["year"]] = line
        meeting = meetings.get(av["meeting"], where, a.lines["meeting"])
        items.append(Item(WorkPlanApproval, f"approval {av['year']}", {"work_plan": plan, "year": av["year"]},
                          {"meeting": meeting}, line, parent=plan))
        adoption.append((av["year"], meeting.values["start_date"]))
    day = min(adoption)[1] if adoption else v["issued_on"]
    adopted_at = datetime.datetime.combine(day, datetime.time(0), tzinfo=datetime.UTC) if day else None

    codes: dict = {}
    for order, a in enumerate(_list(data, "accomplishments", "the file"), start=1):
        line = _item_line(a, data.lines["accomplishments"])
        where = f"accomplishment {a.get('code') if isinstance(a, dict) and a.get('code') else order}"
        av = _fields(a, where, {"code": (TEXT, True), "category": (TEXT, True), "statement": (TEXT, True),
                                "activities": (LIST, False)}, line)
        code = av["code"]
        _clean(ExpectedAccomplishment, {"code": code, "category": av["category"], "statement": av["statement"]},
               a.lines, where, line)
        if code in codes:
            raise _Problem(line, f'two accomplishments "{code}" (the other at line {codes[code]}) — give each its '
                                 "own code")
        codes[code] = line
        ea = Item(ExpectedAccomplishment, code, {"work_plan": plan, "code": code},
                  {"category": av["category"], "statement": av["statement"], "order": order}, line, parent=plan)
        items.append(ea)
        numbers: dict = {}
        for n, act in enumerate(_list(a, "activities", where), start=1):
            aline = _item_line(act, a.lines["activities"])
            awhere = f"{code}.{act.get('number')}" if isinstance(act, dict) and act.get("number") else \
                f"activity {n} of {code}"
            acv = _fields(act, awhere, {"number": (INT, True), "title": (TEXT, True), "description": (TEXT, False),
                                        "lead_body": (TEXT, False), "partners": (LIST, False),
                                        "milestones": (LIST, False)}, aline)
            acv.setdefault("description", "")
            _clean(Activity, {k: acv[k] for k in ("number", "title", "description")}, act.lines, awhere, aline)
            if acv["number"] in numbers:
                raise _Problem(aline, f"two activities numbered {awhere} (the other at line "
                                      f"{numbers[acv['number']]}) — give each its own number")
            numbers[acv["number"]] = aline
            activity = Item(
                Activity, awhere, {"accomplishment": ea, "number": acv["number"]},
                {"title": acv["title"], "description": acv["description"],
                 "lead_body": bodies.get(acv["lead_body"], awhere, act.lines["lead_body"])
                 if "lead_body" in acv else None},
                aline, parent=ea)
            if "partners" in acv:
                activity.m2m["partners"] = [members.get(p, awhere, act.lines["partners"]) for p in acv["partners"]]
            items.append(activity)
            _parse_milestones(items, activity, None, _list(act, "milestones", awhere),
                              act.lines.get("milestones", aline), meetings)
    _parse_decisions(items, _list(data, "decisions", "the file"), data.lines.get("decisions", 1), meetings)
    return items, symbol, adopted_at


def _parse_decisions(items, entries: list, line: int, meetings: _Names):
    """The decisions the plan cites as mandates, linked to the activities and milestones they mandate."""
    work = _Names("activity or milestone", "accomplishments", "label")
    for item in items:
        if item.model in (Activity, Milestone):
            item.name = item.label  # A.1, A.3(a), C.1(c)(i): as the file's decisions name them
            work.items[item.name] = item
    refs: dict = {}
    for n, d in enumerate(entries, start=1):
        dline = _item_line(d, line)
        where = f"decision {d.get('reference') if isinstance(d, dict) and d.get('reference') else n}"
        v = _fields(d, where, {"reference": (TEXT, True), "body": (TEXT, True), "body_name": (TEXT, True),
                               "meeting": (TEXT, False), "date": (DATE, False), "text": (TEXT, True),
                               "activities": (LIST, False), "milestones": (LIST, False)}, dline)
        _choice(v["body"], Decision, "body", where, d.lines["body"])
        ref = v["reference"]
        _clean(Decision, {k: v[k] for k in ("reference", "body", "body_name", "text")}, d.lines, where, dline)
        if ref in refs:
            raise _Problem(dline, f'two decisions "{ref}" (the other at line {refs[ref]}) — give each its own '
                                  "reference")
        refs[ref] = dline
        values = {"body": v["body"], "body_name": v["body_name"], "text": v["text"], "date": v.get("date"),
                  "meeting": meetings.get(v["meeting"], where, d.lines["meeting"]) if "meeting" in v else None}
        item = Item(Decision, where, {"reference": ref}, values, dline, name=ref)
        for key in ("activities", "milestones"):
            if key in v:
                found = [work.get(label, where, d.lines[key]) for label in v[key]]
                model = Activity if key == "activities" else Milestone
                wrong = [f.label for f in found if f.model is not model]
                if wrong:
                    raise _Problem(d.lines[key], f'{", ".join(wrong)} under {key} for {where} is not '
                                                 f'{"an activity" if model is Activity else "a milestone"} — move it '
                                                 f'under {"milestones" if model is Activity else "activities"}:')
                item.m2m[key] = found
        items.append(item)


def _parse_milestones(items, activity: Item, parent: Item | None, entries: list, line: int, meetings: _Names):
    labels: dict = {}
    owner = f"{activity.label}{parent.label[len(activity.label):] if parent else ''}"
    for order, m in enumerate(entries, start=1):
        mline = _item_line(m, line)
        label = m.get("label") if isinstance(m, dict) else None
        where = f"{owner}({label})" if label else f"milestone {order} of {owner}"
        spec = {"label": (TEXT, True), "text": (TEXT, True), "due_meeting": (TEXT, False),
                "due_date": (DATE, False)}
        if parent is None:
            spec["children"] = (LIST, False)
        v = _fields(m, where, spec, mline)
        _clean(Milestone, {"label": v["label"], "text": v["text"]}, m.lines, where, mline)
        if v["label"] in labels:
            raise _Problem(mline, f'two milestones labelled "{v["label"]}" in {owner} (the other at line '
                                  f"{labels[v['label']]}) — give each its own label")
        labels[v["label"]] = mline
        item = Item(
            Milestone, where, {"activity": activity, "parent": parent, "label": v["label"]},
            {"text": v["text"], "order": order,
             "due_meeting": meetings.get(v["due_meeting"], where, m.lines["due_meeting"])
             if "due_meeting" in v else None,
             "due_date": v.get("due_date")},
            mline, parent=parent or activity)
        items.append(item)
        if v.get("children"):
            _parse_milestones(items, activity, item, v["children"], m.lines["children"], meetings)


def workplan_file_read(*, path: Path) -> WorkPlanFile:
    """Read and check a work-plan file without touching the database.

    Raises WorkPlanFileError with one line (file:line: what is wrong — the fix) for malformed YAML,
    duplicate keys, unknown names, duplicate natural keys, a missing field or a value of the wrong type.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WorkPlanFileError(f"{path}: no such file — give the path of a work-plan YAML file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise WorkPlanFileError(f"{path}: cannot read it ({e}) — save it as UTF-8 text") from None
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
        items, symbol, adopted_at = _parse(data)
    except _Problem as p:
        raise WorkPlanFileError(f"{path.name}:{p.line}: {p.message}") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        if e.context_mark and mark.line >= len(text.splitlines()):  # hit the end: point where it began
            mark = e.context_mark
        line = mark.line + 1 if mark else 1
        problem = " ".join(str(e.problem or e.context or "syntax error").split())
        raise WorkPlanFileError(f"{path.name}:{line}: malformed YAML ({problem}) — check the indentation, the "
                                "colons and the quotes on this line and the one above") from None
    except yaml.YAMLError as e:
        raise WorkPlanFileError(f"{path.name}: malformed YAML ({' '.join(str(e).split())})") from None
    return WorkPlanFile(path=path, items=items, symbol=symbol, adopted_at=adopted_at)


# Comparing with the database and writing --------------------------------------------------------


@dataclass
class Difference:
    label: str  # A.1(a)
    field: str  # text, due meeting
    file: str
    database: str
    changed: str = ""  # "changed in the app on … by …" when the database's value is not the loader's


@dataclass
class LoadResult:
    """What a load did (or, in report and dry-run modes, found): every line of it in words."""

    mode: str  # "created", "report", "update", "refused"
    plan: WorkPlan | None = None
    counts: Counter = field(default_factory=Counter)
    differences: list[Difference] = field(default_factory=list)  # left as the database has them
    applied: list[Difference] = field(default_factory=list)
    refused: list[Difference] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # deleted in the app: not recreated
    missing: list[str] = field(default_factory=list)  # in the file only (report mode)
    added_in_app: list[str] = field(default_factory=list)  # in the database only: kept
    notes: list[str] = field(default_factory=list)  # what the loader decided for the file (e.g. draft)


def _name(obj) -> str:
    for attr in ("code", "acronym", "short_name", "symbol"):
        if hasattr(obj, attr):
            return str(getattr(obj, attr))
    return str(obj)


def _show(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, Item):
        return value.name
    if isinstance(value, models.Model):
        return _name(value)
    return str(value)


def _who(record) -> str:
    user = record.history_user
    if user is None:
        return "the loader" if _is_loader_record(record) else "system"
    return user.get_full_name() or user.username


def _deleted_record(model, lookup: dict):
    return (model.history.filter(history_type="-", **lookup).select_related("history_user")
            .order_by("-history_date", "-history_id").first())


def _provenance(obj, field_name: str, tracked: list[str], cache: dict) -> str:
    """Empty when the loader set the field's current value; else who changed it, in words.

    `tracked` are the fields the file describes (natural keys included): when one of them differs
    from the latest history record, the row was changed without history and nobody can say by whom.
    """
    if obj not in cache:
        cache[obj] = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id"))
    records = cache[obj]
    if not records:
        return "changed without history"
    model = type(obj)
    attnames = [model._meta.get_field(name).attname for name in tracked]
    if any(getattr(records[0], a) != getattr(obj, a) for a in attnames):
        return "changed without history (a move in the plan or a bulk change)"
    attname = model._meta.get_field(field_name).attname
    for newer, older in zip(records, records[1:] + [None], strict=True):
        if older is None or getattr(newer, attname) != getattr(older, attname):
            if _is_loader_record(newer):
                return ""
            if newer.history_user_id is None:
                return f"changed on {newer.history_date:%Y-%m-%d} by a command or script, not by the loader"
            return f"changed in the app on {newer.history_date:%Y-%m-%d} by {_who(newer)}"
    return ""


def _save(obj, reason: str, history_date=None):
    obj._history_user = None
    obj._change_reason = reason[:REASON_MAX]
    if history_date is not None:
        obj._history_date = history_date
    obj.full_clean()
    obj.save()


def _resolve(values: dict, found: dict) -> dict:
    return {k: found.get(v) if isinstance(v, Item) else v for k, v in values.items()}


@transaction.atomic
def workplan_load(*, path: Path = SEED_FILE, update: bool = False, dry_run: bool = False) -> LoadResult:
    """Load a work plan that is not in the database yet; never overwrite one that is. Safe to repeat.

    The file is checked first (WorkPlanFileError: nothing read or written). When the plan (its symbol)
    is already there, the result lists what differs and nothing is written. With update=True, the
    file's values are written where the loader set the database's value (history says so); fields
    changed in the app are refused, rows deleted in the app are not recreated, rows added in the app are
    kept. dry_run=True computes the same result and rolls everything back.
    """
    source = workplan_file_read(path=path)
    result = _load(source, update=update)
    if dry_run:
        transaction.set_rollback(True)
    return result


def _load(source: WorkPlanFile, *, update: bool) -> LoadResult:
    plan = WorkPlan.objects.filter(symbol=source.symbol).first()
    if plan is None:
        gone = _deleted_record(WorkPlan, {"symbol": source.symbol})
        if gone is not None:
            return LoadResult(mode="refused", deleted=[
                f"{source.symbol}: deleted in the app on {gone.history_date:%Y-%m-%d} by {_who(gone)}; "
                "not recreated"])
        mode = "created"
    else:
        mode = "update" if update else "report"
        if update and plan.status == WorkPlan.Status.CLOSED:
            return LoadResult(mode="refused", plan=plan, deleted=[
                f"{source.symbol}: the {plan.period} plan is closed, a read-only record; not updated"])
    result = LoadResult(mode=mode)
    writing = mode in ("created", "update")
    reason_update = f"{UPDATED_REASON}{source.path.name}"
    found: dict = {}  # Item -> row
    history_cache: dict = {}

    for item in source.items:
        if item.parent is not None and item.parent not in found:
            continue  # its parent is missing or deleted: said once, for the parent
        lookup = _resolve(item.lookup, found)
        qs = item.model.objects.filter(**lookup).order_by("pk")  # no joins: lock this row only
        obj = (qs.select_for_update() if mode == "update" else qs).first()
        if obj is None:
            gone = _deleted_record(item.model, lookup)
            if gone is not None:
                result.deleted.append(f"{item.label}: deleted in the app on {gone.history_date:%Y-%m-%d} by "
                                      f"{_who(gone)}; not recreated")
                continue
            if not writing:
                result.missing.append(f"{item.label}: in the file, not in the database")
                continue
            found[item] = _create(item, found, result, mode, source)
            continue
        found[item] = obj
        _compare(item, obj, found, result, mode, reason_update, history_cache)

    plan = found.get(next(i for i in source.items if i.model is WorkPlan))
    result.plan = plan
    if mode != "created" and plan is not None:
        _added_in_app(plan, found, result)
    return result


def _create(item: Item, found: dict, result: LoadResult, mode: str, source: WorkPlanFile):
    values = _resolve(item.values, found)
    for k, v in item.values.items():
        if isinstance(v, Item) and values[k] is None:
            result.differences.append(Difference(item.label, _verbose(item.model, k), v.name, "—",
                                                 f"{v.label} is not in the database"))
    obj = item.model(**_resolve(item.lookup, found), **values)
    if item.model is WorkPlan and obj.status == WorkPlan.Status.CURRENT and \
            WorkPlan.objects.filter(status=WorkPlan.Status.CURRENT).exists():
        # One plan is current: a new one waits as a draft for its adoption (recorded on the work plans page).
        obj.status = WorkPlan.Status.DRAFT
        result.notes.append(f"{item.label}: loaded as a draft, because another plan is current; record its "
                            "adoption on the work plans page")
    if mode == "created":
        _save(obj, source.created_reason, history_date=source.adopted_at)
    else:
        _save(obj, f"{ADDED_REASON}{source.path.name}")
    for name, refs in item.m2m.items():
        getattr(obj, name).set([found[r] for r in refs if r in found])
    result.counts[f"{item.model._meta.verbose_name_plural} created"] += 1
    return obj


def _verbose(model, name: str) -> str:
    return "position" if name == "order" else str(model._meta.get_field(name).verbose_name)


def _compare(item, obj, found, result, mode, reason_update, history_cache):
    tracked = [*item.lookup, *item.values]
    pending = []  # (field, value, difference): who set each value is read before anything is set
    for name, wanted in item.values.items():
        f = item.model._meta.get_field(name)
        if isinstance(wanted, Item):
            target = found.get(wanted)
            same = target is not None and getattr(obj, f.attname) == target.pk
        else:
            target = wanted
            same = getattr(obj, name) == wanted
        if same:
            continue
        diff = Difference(item.label, _verbose(item.model, name), _show(wanted), _show(getattr(obj, name)),
                          _provenance(obj, name, tracked, history_cache))
        if isinstance(wanted, Item) and target is None and not diff.changed:
            diff.changed = f"{wanted.label} is not in the database"
        pending.append((name, target, diff))
    for name, refs in item.m2m.items():
        wanted = sorted(r.name for r in refs)
        related = getattr(obj, name).all()
        if related.model is Milestone:  # its name is its activity's code: read them with it
            related = related.select_related("activity__accomplishment", "parent")
        elif related.model is Activity:
            related = related.select_related("accomplishment")
        current = sorted(_name(o) for o in related)
        if wanted != current:
            pending.append((name, None, Difference(
                item.label, _verbose(item.model, name), ", ".join(wanted) or "—", ", ".join(current) or "—",
                "not kept in history: change it in the app")))
    if mode != "update":
        result.differences.extend(diff for _name_, _value, diff in pending)
        return
    applied = []
    for name, value, diff in pending:
        if diff.changed:
            result.refused.append(diff)
        else:
            setattr(obj, name, value)
            applied.append(diff)
    if applied:
        if hasattr(obj, "version"):
            obj.version += 1  # an edit form opened before the update meets a conflict, not a silent overwrite
        _save(obj, reason_update)
        result.applied.extend(applied)
        result.counts[f"{item.model._meta.verbose_name_plural} updated"] += 1


def _added_in_app(plan: WorkPlan, found: dict, result: LoadResult):
    """Rows of the plan that the file does not have: added in the app, and kept."""
    matched = {model: {o.pk for i, o in found.items() if i.model is model}
               for model in (WorkPlanApproval, ExpectedAccomplishment, Activity, Milestone)}
    extra = [
        *WorkPlanApproval.objects.filter(work_plan=plan).exclude(pk__in=matched[WorkPlanApproval]),
        *ExpectedAccomplishment.objects.filter(work_plan=plan).exclude(pk__in=matched[ExpectedAccomplishment]),
        *Activity.objects.filter(accomplishment__in=matched[ExpectedAccomplishment]).exclude(
            pk__in=matched[Activity]).select_related("accomplishment"),
        *Milestone.objects.filter(activity__in=matched[Activity]).exclude(pk__in=matched[Milestone]).filter(
            models.Q(parent=None) | models.Q(parent__in=matched[Milestone])).select_related(
            "activity__accomplishment", "parent"),
    ]
    for obj in extra:
        label = {WorkPlanApproval: lambda o: f"approval {o.year}", ExpectedAccomplishment: lambda o: o.code,
                 Activity: lambda o: o.code}.get(type(obj), str)(obj)
        first = obj.history.select_related("history_user").order_by("history_date", "history_id").first()
        when = f" on {first.history_date:%Y-%m-%d} by {_who(first)}" if first else ""
        result.added_in_app.append(f"{label}: in the database, not in the file (added{when}); kept")


# Importing a plan parsed from its SOM document (workplans.document) ----------------------------------------

IMPORTED_REASON = "Imported from "


class WorkPlanImportError(ValueError):
    """The parsed (and reviewed) plan cannot be created; the message names the item and what to fix."""


def _normal_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def workplan_document_resolve(*, plan: dict) -> dict:
    """Match a parsed plan's names to the database, in place (reads only; safe to repeat).

    Each milestone's due meeting becomes the code of a meeting in the database ("COP 12" finds "CBD COP 12"),
    or empty with a flag when there is none; each activity gets a lead body: the one its heading, title,
    description or milestones name first, else the EMG secretariat (flagged, to be checked in the review).
    """
    meetings = {_normal_code(m.code): m.code for m in Meeting.objects.all()}
    bodies = list(LeadBody.objects.order_by("pk"))
    secretariat = next((b for b in bodies if b.kind == LeadBody.Kind.SECRETARIAT), None)
    for acc in plan["accomplishments"]:
        for act in acc["activities"]:
            code = f"{acc['code']}.{act['number']}"
            for ms in act["milestones"]:
                for item in (ms, *ms["children"]):
                    wanted = item.get("due_meeting") or ""
                    if not wanted or wanted in meetings.values():
                        continue
                    key = _normal_code(wanted)
                    match = meetings.get(key) or next((c for k, c in meetings.items() if k.endswith(key)), None)
                    if match is None:
                        plan["flags"].append({"source": item["source"], "excerpt": item["excerpt"], "message": (
                            f"{code}({item['label']}) names {wanted}, which is not among the meetings: add the "
                            "meeting, or choose its due meeting in the review")})
                    item["due_meeting"] = match or ""
            if act.get("lead_body"):
                continue
            texts = [act.get("heading", ""), act["title"], act["description"],
                     " ".join(m["text"] for m in act["milestones"])]
            found = None
            for text in texts:
                low = text.lower()
                hits = [(low.find(n.lower()), b) for b in bodies for n in (b.name, b.short_name)
                        if n and n.lower() in low]
                if hits:
                    found = min(hits, key=lambda h: h[0])[1]
                    break
            if found is None and secretariat is not None:
                found = secretariat
                plan["flags"].append({"source": act["source"], "excerpt": act["excerpt"], "message": (
                    f"{code} names no lead body: given to {secretariat.short_name}; check it in the review")})
            act["lead_body"] = found.short_name if found else ""
    return plan


def _problem(where: str, model, values: dict):
    try:
        _clean(model, values, {}, where, 0)
    except _Problem as p:
        raise WorkPlanImportError(f"{where}: {p.message}") from None


def _import_items(plan: dict) -> list[Item]:
    """The loader's items for a parsed plan, checked as the YAML loader checks its file."""
    meeting_items: dict = {}
    body_items: dict = {}
    items: list[Item] = []

    def meeting(code: str, where: str):
        if not code:
            return None
        if code not in meeting_items:
            if not Meeting.objects.filter(code=code).exists():
                raise WorkPlanImportError(f"{where}: due meeting {code} is not among the meetings — add it on the "
                                          "meetings page, or choose another")
            meeting_items[code] = Item(Meeting, f"meeting {code}", {"code": code}, {}, 0, name=code)
            items.insert(0, meeting_items[code])
        return meeting_items[code]

    def body(short: str, where: str):
        if not short:
            return None
        if short not in body_items:
            if not LeadBody.objects.filter(short_name=short).exists():
                raise WorkPlanImportError(f"{where}: lead body {short} is not among the lead bodies — choose one")
            body_items[short] = Item(LeadBody, f"lead body {short}", {"short_name": short}, {}, 0, name=short)
            items.insert(0, body_items[short])
        return body_items[short]

    symbol = (plan.get("symbol") or "").strip()
    try:
        issued_on = datetime.date.fromisoformat(plan["issued_on"]) if plan.get("issued_on") else None
        first, last = int(plan["first_year"]), int(plan["last_year"])
    except (TypeError, ValueError):
        raise WorkPlanImportError("the plan: the period and the date must be years and a date (YYYY-MM-DD)") from None
    values = {"title": (plan.get("title") or "").strip(), "first_year": first, "last_year": last,
              "issued_on": issued_on, "status": WorkPlan.Status.DRAFT}
    if not symbol or not values["title"]:
        raise WorkPlanImportError("the plan: the symbol and the title must not be empty")
    _problem("the plan", WorkPlan, {"symbol": symbol, **values})
    if last < first:
        raise WorkPlanImportError(f"the plan: the period {first}–{last} ends before it starts")
    wp = Item(WorkPlan, symbol, {"symbol": symbol}, values, 0, name=symbol)
    items.append(wp)
    codes = set()
    for order, acc in enumerate(plan["accomplishments"], start=1):
        code = (acc.get("code") or "").strip()
        where = f"expected accomplishment {code or order} ({acc.get('source', '')})"
        if not code or code in codes:
            raise WorkPlanImportError(f"{where}: {'a second' if code else 'no'} letter {code} — give each its own")
        codes.add(code)
        if not (acc.get("statement") or "").strip() or not (acc.get("category") or "").strip():
            raise WorkPlanImportError(f"{where}: the category and the statement must not be empty")
        av = {"category": acc["category"].strip(), "statement": acc["statement"].strip(), "order": order}
        _problem(where, ExpectedAccomplishment, {"code": code, **av})
        ea = Item(ExpectedAccomplishment, code, {"work_plan": wp, "code": code}, av, 0, parent=wp)
        items.append(ea)
        numbers = set()
        for act in acc["activities"]:
            number = act.get("number")
            label = f"{code}.{number}"
            where = f"{label} ({act.get('source', '')})"
            if not isinstance(number, int) or number < 1 or number in numbers:
                what = "a second activity numbered" if number in numbers else "a bad number"
                raise WorkPlanImportError(f"{where}: {what} {number} — give each activity its own number")
            numbers.add(number)
            if not (act.get("title") or "").strip():
                raise WorkPlanImportError(f"{where}: the title must not be empty")
            acv = {"title": act["title"].strip(), "description": (act.get("description") or "").strip()}
            _problem(where, Activity, {"number": number, **acv})
            activity = Item(Activity, label, {"accomplishment": ea, "number": number},
                            {**acv, "lead_body": body(act.get("lead_body", ""), where)}, 0, parent=ea)
            items.append(activity)
            _import_milestones(items, activity, None, act["milestones"], meeting)
    return items


def _import_milestones(items, activity: Item, parent: Item | None, entries: list, meeting):
    labels = set()
    for order, ms in enumerate(entries, start=1):
        label = (ms.get("label") or "").strip()
        owner = f"{parent.label}" if parent else activity.label
        where = f"{owner}({label or order}) ({ms.get('source', '')})"
        if not label or label in labels:
            raise WorkPlanImportError(f"{where}: {'a second' if label else 'no'} label {label} — give each milestone "
                                      "its own label")
        labels.add(label)
        if not (ms.get("text") or "").strip():
            raise WorkPlanImportError(f"{where}: the text must not be empty")
        try:
            due_date = datetime.date.fromisoformat(ms["due_date"]) if ms.get("due_date") else None
        except (TypeError, ValueError):
            raise WorkPlanImportError(f"{where}: the due date must be a date (YYYY-MM-DD)") from None
        text = ms["text"].strip()
        _problem(where, Milestone, {"label": label, "text": text})
        item = Item(Milestone, f"{owner}({label})", {"activity": activity, "parent": parent, "label": label},
                    {"text": text, "order": order, "due_meeting": meeting(ms.get("due_meeting") or "", where),
                     "due_date": due_date}, 0, parent=parent or activity)
        items.append(item)
        if parent is None and ms.get("children"):
            _import_milestones(items, activity, item, ms["children"], meeting)


@transaction.atomic
def workplan_import(*, plan: dict, name: str, dry_run: bool = False) -> LoadResult:
    """Create a draft work plan from a parsed (and reviewed) document, through the loader's own code path.

    Refuses (WorkPlanImportError, nothing saved) a plan whose symbol is already in the database, and any
    item the models would refuse, naming it. The history of every row says "Imported from NAME".
    dry_run=True does all of it and rolls back.
    """
    symbol = (plan.get("symbol") or "").strip()
    existing = WorkPlan.objects.filter(symbol=symbol).first()
    if existing is not None:
        raise WorkPlanImportError(f"the plan: a work plan with the symbol {symbol} is already in the database "
                                  f"({existing.title}) — correct the symbol if this is another plan")
    items = _import_items(plan)
    source = WorkPlanFile(path=Path(name), items=items, symbol=symbol, adopted_at=None,
                          created_reason=f"{IMPORTED_REASON}{Path(name).name}"[:REASON_MAX])
    result = _load(source, update=False)
    if result.mode != "created":
        raise WorkPlanImportError(f"the plan: {' '.join(result.deleted) or 'it could not be created'}")
    if dry_run:
        transaction.set_rollback(True)
    return result
