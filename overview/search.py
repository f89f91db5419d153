"""Search across activity titles and descriptions, milestone texts and accepted progress narratives.

PostgreSQL: full-text search (English stemming) ranked with weights, title A > description and
milestone text B > narrative C, served by the GIN indexes of migration 0001. Elsewhere (SQLite, the
embedded default) a word match with the same weights. Only accepted progress is ever searched:
drafts, submitted and returned updates are not public (DESIGN.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Q
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from accomplishments.models import WorkPlan
from activities.models import Activity, Milestone, ProgressUpdate

CONFIG = "english"
WEIGHT = {"A": 1.0, "B": 0.4, "C": 0.2}
LIMIT = 25
START, STOP = "\ue000", "\ue001"  # private-use sentinels: the text is escaped first, then marked


@dataclass
class Hit:
    kind: str
    title: str
    url: str
    rank: float
    snippet: str


@dataclass
class HitGroup:
    key: str
    label: str
    hits: list[Hit]

    @property
    def best(self):
        return max((h.rank for h in self.hits), default=0)


def _marked(text: str) -> str:
    return mark_safe(escape(text or "").replace(START, "<mark>").replace(STOP, "</mark>"))


def _words(q: str) -> list[str]:
    return [w for w in re.findall(r"\w+", q.lower()) if len(w) > 1][:8]


def _highlight(text: str, words: list[str], around: int = 28) -> str:
    """A window of the text around the first match, with every match marked (the SQLite fallback)."""
    text = text or ""
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    tokens = text.split()
    first = next((i for i, t in enumerate(tokens) if pattern.search(t)), 0)
    lo = max(0, first - around // 3)
    window = " ".join(tokens[lo:lo + around])
    prefix, suffix = ("… " if lo else ""), (" …" if lo + around < len(tokens) else "")
    return prefix + pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", window) + suffix


def _activity_url(activity_id, milestone_id=None):
    url = reverse("activities:activity-detail", args=[activity_id])
    return f"{url}#milestone-{milestone_id}" if milestone_id else url


def _code(activity):
    return f"{activity.accomplishment.code}.{activity.number}"


def plan_search(*, plan: WorkPlan, q: str) -> list[HitGroup]:
    """Hits grouped by type, the group with the best match first; three queries."""
    q = (q or "").strip()
    if not q or plan is None:
        return []
    if connection.vendor == "postgresql":
        groups = _search_postgres(plan, q)
    else:
        groups = _search_simple(plan, q)
    return sorted((g for g in groups if g.hits), key=lambda g: -g.best)


def _search_postgres(plan, q):
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector

    query = SearchQuery(q, config=CONFIG, search_type="websearch")
    hl = {"config": CONFIG, "start_sel": START, "stop_sel": STOP, "max_words": 35, "min_words": 15}

    activity_vector = SearchVector("title", weight="A", config=CONFIG) + SearchVector(
        "description", weight="B", config=CONFIG)
    activities = (
        Activity.objects.filter(accomplishment__work_plan=plan).select_related("accomplishment")
        .annotate(document=activity_vector).filter(document=query)
        .annotate(rank=SearchRank(F("document"), query),
                  title_hl=SearchHeadline("title", query, highlight_all=True, config=CONFIG,
                                          start_sel=START, stop_sel=STOP),
                  text_hl=SearchHeadline("description", query, **hl))
        .order_by("-rank", "accomplishment__order", "number")[:LIMIT]
    )
    milestones = (
        Milestone.objects.filter(activity__accomplishment__work_plan=plan)
        .select_related("activity__accomplishment", "parent")
        .annotate(document=SearchVector("text", weight="B", config=CONFIG)).filter(document=query)
        .annotate(rank=SearchRank(F("document"), query), text_hl=SearchHeadline("text", query, **hl))
        .order_by("-rank", "pk")[:LIMIT]
    )
    updates = (
        ProgressUpdate.objects.accepted().filter(activity__accomplishment__work_plan=plan)
        .select_related("activity__accomplishment", "milestone__parent")
        .annotate(document=SearchVector("narrative", weight="C", config=CONFIG)).filter(document=query)
        .annotate(rank=SearchRank(F("document"), query), text_hl=SearchHeadline("narrative", query, **hl))
        .order_by("-rank", "-period_end")[:LIMIT]
    )
    return _groups(activities, milestones, updates, activity_title=lambda a: a.title_hl,
                   activity_text=lambda a: a.text_hl, milestone_text=lambda m: m.text_hl,
                   update_text=lambda u: u.text_hl)


def _search_simple(plan, q):
    words = _words(q)
    if not words:
        return []

    def all_words(*fields):
        cond = Q()
        for w in words:
            any_field = Q()
            for f in fields:
                any_field |= Q(**{f"{f}__icontains": w})
            cond &= any_field
        return cond

    activities = list(Activity.objects.filter(accomplishment__work_plan=plan).select_related("accomplishment")
                      .filter(all_words("title", "description")))
    milestones = list(Milestone.objects.filter(activity__accomplishment__work_plan=plan)
                      .select_related("activity__accomplishment", "parent").filter(all_words("text")))
    updates = list(ProgressUpdate.objects.accepted().filter(activity__accomplishment__work_plan=plan)
                   .select_related("activity__accomplishment", "milestone__parent").filter(all_words("narrative")))

    def score(text, weight):
        low = (text or "").lower()
        return weight * sum(low.count(w) for w in words) / 10

    for a in activities:
        a.rank = score(a.title, WEIGHT["A"]) + score(a.description, WEIGHT["B"])
    for m in milestones:
        m.rank = score(m.text, WEIGHT["B"])
    for u in updates:
        u.rank = score(u.narrative, WEIGHT["C"])
    activities.sort(key=lambda a: -a.rank)
    milestones.sort(key=lambda m: -m.rank)
    updates.sort(key=lambda u: -u.rank)
    return _groups(
        activities[:LIMIT], milestones[:LIMIT], updates[:LIMIT],
        activity_title=lambda a: _highlight(a.title, words, around=60),
        activity_text=lambda a: _highlight(a.description, words),
        milestone_text=lambda m: _highlight(m.text, words),
        update_text=lambda u: _highlight(u.narrative, words),
    )


def _groups(activities, milestones, updates, *, activity_title, activity_text, milestone_text, update_text):
    return [
        HitGroup("activities", "Activities", [
            Hit("activity", f"{_code(a)} {activity_title(a)}", _activity_url(a.pk), a.rank, activity_text(a))
            for a in activities
        ]),
        HitGroup("milestones", "Milestones", [
            Hit("milestone", f"{_code(m.activity)}{m.ref}", _activity_url(m.activity_id, m.pk), m.rank,
                milestone_text(m))
            for m in milestones
        ]),
        HitGroup("updates", "Accepted progress updates", [
            Hit("update",
                f"{_code(u.activity)}{u.milestone.ref if u.milestone_id else ''}, "
                f"{u.period_start:%-d %b %Y} – {u.period_end:%-d %b %Y}",
                _activity_url(u.activity_id, u.milestone_id), u.rank, update_text(u))
            for u in updates
        ]),
    ]


def mark(text: str):
    """Template helper: escape the text and turn the sentinels into <mark> elements."""
    return _marked(text)
