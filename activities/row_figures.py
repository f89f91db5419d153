"""Derived figures that apps above this one add to milestone rows, without this app importing them.

cycles registers a milestone's health (cycles.health.with_health) in its AppConfig.ready(). The plan page, the
activity page, My work and a milestone's own pages apply every registered annotation to the queryset that reads
their milestones, so each row carries its figures from that one query: none per row, none in a template tag.
An annotation adds no query (subqueries only) and must be safe on any Milestone queryset.
"""
import datetime
from collections.abc import Callable

_annotations: dict[str, Callable] = {}


def register(name: str, annotate: Callable) -> None:
    """Add (or replace, on a second ready()) `annotate(queryset, today) -> queryset` under its name."""
    _annotations[name] = annotate


def milestones_annotated(qs, today: datetime.date):
    """The Milestone queryset with every registered figure annotated for `today`."""
    for annotate in _annotations.values():
        qs = annotate(qs, today)
    return qs
