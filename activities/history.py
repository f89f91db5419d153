"""Change history as people read it: who changed what, when, from what to what."""
from dataclasses import dataclass, field

from django.db import models

HIDDEN_FIELDS = {"version", "id", "order", "form_key"}


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: object
    who: object
    kind: str  # created, changed, deleted
    reason: str = ""
    changes: list[Change] = field(default_factory=list)


def _display(model, name, value, related):
    if value is None or value == "":
        return "—"
    f = model._meta.get_field(name)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.ForeignKey):
        return str(related.get((name, value), value))
    return str(value)


def record_changes(model, old, new, related=None, fields=None) -> list[Change]:
    """The fields that differ between two historical records, in words (only `fields`, if given)."""
    related = related or {}
    changes = []
    for f in model._meta.concrete_fields:
        name = f.attname if isinstance(f, models.ForeignKey) else f.name
        if f.name in HIDDEN_FIELDS or (fields is not None and f.name not in fields):
            continue
        a = getattr(old, name) if old is not None else None
        b = getattr(new, name)
        if a != b:
            fname = f.name
            changes.append(Change(str(f.verbose_name), _display(model, fname, a, related),
                                  _display(model, fname, b, related)))
    return changes


def history_for(obj, limit: int = 50, fields=None) -> list[HistoryEntry]:
    """Newest first; only changes to `fields`, if given. A fixed number of queries, whatever the length."""
    model = type(obj)
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    related = _related_labels(model, records)
    entries = []
    for i, rec in enumerate(records[:limit]):
        prev = records[i + 1] if i + 1 < len(records) else None
        kind = {"+": "created", "~": "changed", "-": "deleted"}[rec.history_type]
        changes = record_changes(model, prev, rec, related, fields) if kind == "changed" else []
        if kind == "changed" and not changes:
            continue
        entries.append(HistoryEntry(rec.history_date, rec.history_user, kind, rec.history_change_reason or "",
                                    changes))
    return entries


def _related_labels(model, records):
    """Labels for the foreign keys that appear in the records: one query per foreign-key field."""
    labels = {}
    for f in model._meta.concrete_fields:
        if isinstance(f, models.ForeignKey) and f.name not in HIDDEN_FIELDS:
            ids = {getattr(r, f.attname) for r in records} - {None}
            if ids and f.related_model is not model:
                for o in f.related_model._default_manager.filter(pk__in=ids):
                    labels[(f.name, o.pk)] = str(o)
            elif ids:
                for o in f.related_model._default_manager.filter(pk__in=ids).select_related("activity__accomplishment"):
                    labels[(f.name, o.pk)] = str(o)
    return labels


def changes_since(obj, version: int) -> list[Change]:
    """What changed on obj since the version a user loaded (for the lost-update message)."""
    model = type(obj)
    then = obj.history.filter(version=version).order_by("-history_date").first()
    now = obj.history.order_by("-history_date", "-history_id").first()
    if then is None or now is None:
        return []
    return record_changes(model, then, now, _related_labels(model, [then, now]))
