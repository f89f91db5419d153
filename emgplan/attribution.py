"""Who made a change to plan data, and why: the one place that sets what django-simple-history records.

Every service that writes plan data calls `attribute()` on the instance before saving or deleting it, so the
history row carries the user (and, when given, the reason). Imports no domain app.
"""


def attribute(obj, by, reason: str = ""):
    """Mark `obj` so its next save or delete is recorded as made by `by` (with `reason` if given)."""
    obj._history_user = by
    if reason:
        obj._change_reason = reason
    return obj
