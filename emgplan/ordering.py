"""Moving a row one place up or down among its siblings, for any model with an order field. Imports no domain app.

The services of each app say which rows are siblings (and attribute the change); this module only reorders.
"""
from django.db import transaction

from emgplan import fragments

# A unique order field (an activity's number) is parked here while two rows swap.
PARKED = 32000


def _swap(model, obj, neighbour, field, unique):
    a, b = getattr(obj, field), getattr(neighbour, field)
    if unique:  # park one row out of the way first
        model.objects.filter(pk=obj.pk).update(**{field: PARKED})
        model.objects.filter(pk=neighbour.pk).update(**{field: a})
        model.objects.filter(pk=obj.pk).update(**{field: b})
    else:
        if a == b:
            b = a + 1
        model.objects.filter(pk=obj.pk).update(**{field: b})
        model.objects.filter(pk=neighbour.pk).update(**{field: a})


@transaction.atomic
def move_among(*, siblings, obj, direction: str, field: str = "order", unique: bool = False) -> bool:
    """Move `obj` one place up or down among `siblings` (a queryset that includes it) by `field`.

    False when it is already first (up) or last (down). A non-unique field is renumbered 1, 2, 3… first so that
    equal values cannot make a move a no-op. QuerySet.update sends no signal and writes no history row, so the move
retires the shared fragments itself.
    """
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    ordered = list(siblings.order_by(field, "pk"))
    if not unique:
        for i, s in enumerate(ordered, start=1):
            if getattr(s, field) != i:
                type(s).objects.filter(pk=s.pk).update(**{field: i})
                setattr(s, field, i)
    index = next(i for i, s in enumerate(ordered) if s.pk == obj.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(ordered):
        return False
    _swap(type(obj), ordered[index], ordered[target], field, unique)
    fragments.retire(*fragments.KINDS)  # QuerySet.update sends no signal: the shared fragments showing the order go
    return True
