"""Change history as people read it: who changed what, when, from what to what."""
import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.utils import timezone

# Bookkeeping that says nothing a reader needs (the row's own date is the history entry's date).
HIDDEN_FIELDS = {"version", "id", "order", "form_key", "created_at", "updated_at"}


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
    if isinstance(value, datetime.datetime):
        # To the minute, in local time: seconds and microseconds mean nothing to a reader.
        return _minute(value)
    if isinstance(value, datetime.date):
        return f"{value.day} {value:%b %Y}"
    return str(value)


def _minute(value: datetime.datetime) -> str:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value.day} {value:%b %Y %H:%M}"


def person_name(user) -> str:
    """A person as people call them: the full name, else the username."""
    return (user.get_full_name() or user.get_username()).strip()


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
                is_user = f.related_model._meta.label == settings.AUTH_USER_MODEL
                for o in f.related_model._default_manager.filter(pk__in=ids):
                    labels[(f.name, o.pk)] = person_name(o) if is_user else str(o)
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
