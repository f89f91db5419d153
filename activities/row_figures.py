"""Derived figures that apps above this one add to milestone rows, without this app importing them.

cycles registers a milestone's health (cycles.health.with_health) in its AppConfig.ready(). The plan page, the
activity page, My work and a milestone's own pages apply every registered annotation to the queryset that reads
their milestones, so each row carries its figures from that one query: none per row, none in a template tag.
An annotation adds no query (subqueries only) and must be safe on any Milestone queryset.

A figure may also register how its value is shown (`badge(value) -> html`), for rows written by code in this app
(activities/tables.py) that cannot import the app that defines the figure.
"""
import datetime
from collections.abc import Callable

_annotations: dict[str, Callable] = {}
_badges: dict[str, Callable] = {}


def register(name: str, annotate: Callable, badge: Callable | None = None) -> None:
    """Add (or replace, on a second ready()) `annotate(queryset, today) -> queryset` under its name, and how a
    row's value is shown (`badge(value) -> html`, "" for None), if given."""
    _annotations[name] = annotate
    if badge is not None:
        _badges[name] = badge


def milestones_annotated(qs, today: datetime.date):
    """The Milestone queryset with every registered figure annotated for `today`."""
    for annotate in _annotations.values():
        qs = annotate(qs, today)
    return qs


def names() -> list[str]:
    """The names of the registered figures (the annotations milestones_annotated adds)."""
    return list(_annotations)


def badge(name: str) -> Callable:
    """How figure `name` is shown; a figure nobody registered shows nothing."""
    return _badges.get(name, _no_badge)


def _no_badge(value) -> str:
    return ""
