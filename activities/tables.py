"""The milestone tables of activities (the activity page's; on the plan page each whole activity with its
table), from the shared cache.

A table shows an activity's milestones with their due dates, status and health as of the day: the same for
everyone who may read the plan, except the column of what the reader may do (change status, or file progress),
which makes three variants. Each table is a fragment of scope "activity" (emgplan/fragments.py): a change to
one of its milestones or progress updates retires that table alone; a change to the plan's frame (meetings,
accomplishments, activities, reporting cycles, lead bodies) retires them all. Milestones are read only for the
activities whose table is missing, in one query of plain values (no model instances), and each missing table is
written by code (milestone_table_html): the same bytes as templates/activities/partials/_milestone_table.html
and an include of _milestone_row.html per row, which were most of the page's time when the cache is cold
(activities/tests/test_milestone_table_html.py checks every milestone and variant against the templates). The
plan page in arranging mode (the secretariat's edit and move controls, with their CSRF tokens) is built for its
reader alone.
"""
import datetime
import functools
from html import escape
from urllib.parse import quote

from django.db.models import Q
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.translation import get_language

from emgplan import fragments
from emgplan.links import pk_url

from . import row_figures
from .models import Activity, Milestone, milestone_name

# An activity's milestones as everyone sees them (milestone tables, rows of lists, My work): retired by a change to
# one of its milestones, and by progress only when accepted progress changes (health and "last accepted" read
# nothing else: cycles/health.py). A draft filed, edited or submitted retires none of it.
SCOPE = "activity"
# An activity's progress as its reviewers see it (the review queue's rows): retired by any change to one of its
# progress updates, and by a change to one of its milestones (the rows name them).
PROGRESS_SCOPE = "activity-progress"
# A contribution's own row (the contribution list, overview/views.py): retired by that contribution's changes.
CONTRIBUTION_SCOPE = "contribution"
# What the activity page shows of an activity besides its milestones and progress: retired by a change to any
# contribution to it (its other parts, lead, partners, mandates, history, go with the plan's frame, decisions and
# names).
RECORD_SCOPE = "activity-record"


def milestone_tables(activities, *, plan_id, rights, today: datetime.date, request,
                     name: str = "milestone-table") -> fragments.Batch:
    """The batch of fragments `name` for {% shared_fragment %} (the plan page's are whole activities, the
    activity page's their table); the activities whose fragment is missing get their milestones (`milestone_rows`,
    for {% milestone_table %})."""
    variants = {}
    for activity in activities:
        if activity.pk in rights.status:  # the "Change status" link comes back to this page
            variants[activity.pk] = ("status", request.get_full_path())
        elif activity.pk in rights.progress:
            variants[activity.pk] = "progress"
    batch = fragments.Batch(name, plan_id=plan_id, kinds=[fragments.FRAME], scope=SCOPE,
                            ids=[a.pk for a in activities], variants=variants,
                            parts=[today.isoformat(), reverse("activities:plan")])
    missing = set(batch.missing)
    if missing:
        milestones_read([a for a in activities if a.pk in missing], today=today)
    return batch


def activity_fragments(activity, *, may_manage: bool):
    """The activity page's shared fragments: its lead, mandates, partners and description (a variant for those who
    may record a mandate), its contributions, and its history (names of people: ACCEPTED goes with a change of a
    name). Each {% shared_fragment %} block reads its data only when missing."""
    def batch(name, kinds, variant=None):
        return fragments.Batch(name, plan_id=activity.accomplishment.work_plan_id, kinds=kinds, scope=RECORD_SCOPE,
                               ids=[activity.pk], variants={activity.pk: variant}, parts=[reverse("activities:plan")])

    return (batch("activity-about", [fragments.FRAME, fragments.DECISIONS], may_manage),
            batch("activity-contributions", [fragments.FRAME]),
            batch("activity-history", [fragments.FRAME, fragments.ACCEPTED]))


def accepted_updates_fragment(activity) -> fragments.Batch:
    """The activity page's progress list as every reader who may see only accepted updates sees it: of the
    activity's scope (retired by accepted progress and by its milestones, which the list names, including one
    moved to another activity since), with the authors' names (ACCEPTED goes with a change of a name)."""
    return fragments.Batch("activity-updates", plan_id=activity.accomplishment.work_plan_id,
                           kinds=[fragments.FRAME, fragments.ACCEPTED], scope=SCOPE, ids=[activity.pk],
                           parts=[reverse("activities:plan")])


def plan_activity_ids(plan_id) -> list[int]:
    """The ids of the plan's activities (whose scope tokens a fragment of the whole plan holds), from the shared
    cache: an activity added, deleted or moved retires the plan's frame, and with it this list."""
    return fragments.fragment("plan-activity-ids", plan_id=plan_id, kinds=[fragments.FRAME], build=lambda: list(
        Activity.objects.filter(accomplishment__work_plan_id=plan_id).order_by("pk").values_list("pk", flat=True)))


def milestones_read(activities, *, today: datetime.date) -> None:
    """The activities' milestones as `milestone_rows` (one query), for {% milestone_table %}: the missing fragments,
    or every activity of a page that shows them without the shared cache (the plan's arranging)."""
    activities = list(activities)
    rows = milestone_rows([a.pk for a in activities], today=today)
    for activity in activities:
        activity.milestone_rows = rows.get(activity.pk, [])


# What a row shows, read as plain values: its own fields, its meeting's code, and what its reference is made of.
ROW_FIELDS = ("id", "activity_id", "parent_id", "label", "text", "due_meeting_id", "due_meeting__code", "due_date",
              "status", "completed_on", "activity__number", "activity__accomplishment__code", "parent__label")


def milestone_rows(activity_ids, *, today: datetime.date) -> dict[int, list[tuple[dict, list[dict]]]]:
    """Each activity's top-level milestones in document order, each with its sub-items in order, as dicts of
    ROW_FIELDS and the registered figures (activities.row_figures: health) as of `today`. One query."""
    ids = sorted(activity_ids)
    qs = row_figures.milestones_annotated(
        Milestone.objects.filter(Q(activity__in=ids, parent__isnull=True)
                                 | Q(parent__activity__in=ids, parent__parent__isnull=True)), today)
    figures = [name for name in row_figures.names() if name in qs.query.annotation_select]
    rows = list(qs.order_by("order", "label").values(*ROW_FIELDS, *figures))
    tops, children = {}, {}
    for row in rows:
        if row["parent_id"] is None:
            tops.setdefault(row["activity_id"], []).append((row, children.setdefault(row["id"], [])))
        else:
            children.setdefault(row["parent_id"], []).append(row)
    return tops


@functools.lru_cache(maxsize=4096)
def _day(value: datetime.date, language) -> str:
    return date_filter(value, "j M Y")


def day(value: datetime.date) -> str:
    """{{ value|date:"j M Y" }} (a plan has few distinct dates: each is formatted once per language)."""
    return _day(value, get_language())


def milestone_ref(row) -> str:
    """str(milestone) for a row of milestone_rows: A.1(c), or A.1(c)(ii) for a sub-item."""
    return milestone_name(row["activity__accomplishment__code"], row["activity__number"], row["label"],
                          row["parent__label"] if row["parent_id"] else None)


def milestone_table_html(activity, rows, *, rights, back: str) -> str:
    """The table of _milestone_table.html for `activity` and its milestone_rows, as the reader with `rights`
    sees it; `back` is the page's full path, where "Change status" comes back to."""
    if not rows:
        return '\n<p class="text-muted">No lettered milestones.</p>\n\n'
    from .templatetags.activities_tags import status_badge_of

    health = row_figures.badge("health")
    status_ids, progress_ids = rights.status, rights.progress
    back = escape(quote(back, safe="/"))
    update = '<th scope="col" class="no-print">Update</th>' if activity.pk in progress_ids else ""

    def row_html(m):
        pk = m["id"]
        ref = escape(milestone_ref(m))
        if m["due_meeting_id"] and m["due_date"]:
            due = f"{escape(m['due_meeting__code'])}<br>{escape(day(m['due_date']))}"
        elif m["due_meeting_id"]:
            due = escape(m["due_meeting__code"])
        elif m["due_date"]:
            due = escape(day(m["due_date"]))
        else:
            due = '<span class="text-muted">—</span>'
        completed = f'<br><small>on {escape(day(m["completed_on"]))}</small>' if m["completed_on"] else ""
        if m["activity_id"] in status_ids:
            url = pk_url("activities:milestone-status", pk)
            action = (f'\n  \n  <td class="no-print inline-status-cell">\n    \n    \n    '
                      f'<a class="btn btn-sm btn-outline-primary" href="{url}?next={back}" hx-get="{url}">Change status'
                      f'<span class="visually-hidden"> of {ref}</span></a>\n    \n  </td>\n  ')
        elif m["activity_id"] in progress_ids:
            action = "\n  <td></td>"
        else:
            action = "\n  "
        return (f'\n<tr id="milestone-{pk}">\n'
                f'  <th scope="row" class="{"milestone-sub " if m["parent_id"] else ""}text-nowrap">'
                f'<a href="{pk_url("activities:milestone-detail", pk)}" aria-label="Milestone {ref}">'
                f'({escape(m["label"])})</a></th><td>{escape(m["text"])}</td><td class="text-nowrap">{due}</td>\n'
                f'  <td class="text-nowrap">{status_badge_of(m["status"])} {health(m.get("health"))}{completed}</td>'
                f'{action}\n</tr>\n')

    out = [f'\n<div class="table-responsive" role="region" aria-label="Milestones of {escape(activity.code)}" '
           f'tabindex="0">\n<table hx-target="closest tr" hx-swap="outerHTML" class="table table-sm align-middle '
           f'milestones">\n  <caption class="visually-hidden">Milestones of activity '
           f'{escape(activity.accomplishment.code)}.{escape(str(activity.number))}</caption>\n'
           f'  <thead><tr><th scope="col">Label</th><th scope="col">Milestone</th><th scope="col">Due</th>'
           f'<th scope="col">Reported status · health</th>{update}</tr></thead>\n  <tbody>\n  ']
    for top, children in rows:
        out.append(f"\n    {row_html(top)}\n    {''.join(row_html(c) for c in children)}\n  ")
    out.append("\n  </tbody>\n</table>\n</div>\n\n")
    return "".join(out)


def plan_activity_html(activity, *, rights, back: str) -> str:
    """An activity on the plan page out of arranging mode, with its milestone table: the bytes of an include of
    partials/_plan_activity.html (an include per activity cost as much as the tables written by code)."""
    lead = activity.lead_body.name if activity.lead_body_id else ""
    description = f"<p>{escape(activity.description)}</p>" if activity.description else ""
    return (f'\n  <article class="ms-lg-3 mb-4" aria-labelledby="act-{activity.pk}">\n'
            f'    <h3 id="act-{activity.pk}" class="h5"><a href="{pk_url("activities:activity-detail", activity.pk)}">'
            f'{escape(activity.accomplishment.code)}.{escape(str(activity.number))} {escape(activity.title)}</a></h3>\n'
            f'    \n    <p class="small text-muted mb-1">Lead: {escape(lead or "not named")}</p>\n'
            f'    {description}\n'
            f'    {milestone_table_html(activity, activity.milestone_rows, rights=rights, back=back)}\n'
            f'  </article>\n')
