"""The rows of My work and of the review queue, from the shared cache.

Both pages are per user, so neither is cached whole; their rows are the same for everyone who may see them:

- My work's milestone rows of one activity, as any lead of the activity sees them (each row's "File progress"
  is every lead's): a fragment of the activity's scope (activities.tables.SCOPE, retired by any change to its
  milestones or accepted progress), kept as a list of rows so that the page can still be cut into pages of 50
  milestones.
- A submitted update's row of the review queue, as every reviewer sees it (its "Accept…" and "Return" are every
  reviewer's), of its activity's progress (activities.tables.PROGRESS_SCOPE: saving the update retires it; so does
  renaming its milestone, in the activity it was filed under or the one it was moved to),
  without the author's name: a user's name may change with no plan data changing, so it comes with the page's
  list of updates and is written between the row's two cached halves.

Both depend on the plan's frame (codes, titles, lead bodies, meetings, reporting cycles), the plan's address (links)
and, for My work, the day (health). Milestones and updates are read only for the rows that are missing.
"""
import datetime

from django.db.models import F, OuterRef, Subquery
from django.template.defaultfilters import date as date_filter
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from emgplan import fragments
from emgplan.links import pk_url

from .models import Milestone, ProgressUpdate
from .row_figures import milestones_annotated
from .tables import PROGRESS_SCOPE, SCOPE

MY_WORK_PAGE = 50  # milestones per page of My work


# My work --------------------------------------------------------------------------------------------------


def my_work_rows(activity_ids, *, plan_id, today: datetime.date) -> list:
    """The rows of the milestones of these activities (in this order), each activity's from the shared cache
    or read and rendered (templates/activities/partials/_my_work_row.html) and stored there."""
    batch = fragments.Batch("my-work-rows", plan_id=plan_id, kinds=[fragments.FRAME], scope=SCOPE,
                            ids=activity_ids, parts=[today.isoformat(), get_script_prefix()])
    missing = batch.missing
    if missing:
        last_accepted = (ProgressUpdate.objects.accepted().filter(milestone=OuterRef("pk"))
                         .order_by("-reviewed_at").values("reviewed_at")[:1])
        milestones = (milestones_annotated(Milestone.objects.with_due(), today)
                      .filter(activity__in=missing)
                      .select_related("activity__accomplishment", "due_meeting", "parent")
                      .annotate(last_accepted=Subquery(last_accepted))
                      .order_by("activity_id", "parent__order", "parent_id", "order"))
        row = get_template("activities/partials/_my_work_row.html")
        built = {pk: [] for pk in missing}
        for m in milestones:
            built[m.activity_id].append(str(row.render({"m": m})))
        for pk, rows in built.items():
            batch.put(pk, rows)
    return [mark_safe(html) for pk in dict.fromkeys(activity_ids) for html in batch.get(pk)]  # noqa: S308


def my_updates_in_progress(user, plan, limit: int = 50) -> list[dict]:
    """The user's own updates not accepted yet (latest period first), as the values their line of My work shows
    (activities_tags.my_update_item): one query, no model instances."""
    return list(ProgressUpdate.objects.filter(author=user, activity__accomplishment__work_plan=plan)
                .exclude(review_state="accepted")
                .values("pk", "milestone_id", "period_start", "period_end", "review_state", "return_reason",
                        code=F("activity__accomplishment__code"), number=F("activity__number"),
                        m_code=F("milestone__activity__accomplishment__code"),
                        m_number=F("milestone__activity__number"), m_parent_id=F("milestone__parent_id"),
                        m_parent=F("milestone__parent__label"), m_label=F("milestone__label"))[:limit])


# The review queue -----------------------------------------------------------------------------------------


def _status(update) -> str:
    """includes/_status.html with status=update.reported_status, written by code (with the include's newlines)."""
    return format_html('\n<span class="badge status status-{}"><span class="visually-hidden">Reported status: </span>'
                       '<span aria-hidden="true" class="status-shape"></span> {}</span>\n',
                       update.reported_status, update.get_reported_status_display())


def review_row_halves(u) -> tuple[str, str]:
    """A submitted update's row of the review queue before and after the author's cell."""
    target = u.milestone if u.milestone_id else u.activity.code
    spoken = u.milestone if u.milestone_id else u.activity
    lead_body = u.activity.lead_body
    head = format_html(
        '\n  <tr>\n    <td><a href="{}">{}</a><div class="small text-truncate mw-40ch">{}</div></td>\n'
        '    <td class="text-nowrap review-actions">\n'
        '      <a class="btn btn-sm btn-success" href="{}">Accept…<span class="visually-hidden"> update on {}'
        '</span></a>\n'
        '      <a class="btn btn-sm btn-outline-danger" href="{}">Return<span class="visually-hidden"> update on {}'
        '</span></a>\n    </td>\n    <td data-label="Reported status">{}</td>\n'
        '    <td data-label="Period" class="text-nowrap">{} – {}</td>\n    <td data-label="Lead body">{}</td>\n'
        '    <td data-label="Author">',
        pk_url("activities:update-detail", u.pk), target, u.narrative, pk_url("activities:update-accept", u.pk),
        spoken, pk_url("activities:update-return", u.pk), spoken, _status(u), date_filter(u.period_start, "M Y"),
        date_filter(u.period_end, "M Y"), lead_body.short_name if lead_body else "")
    tail = format_html('</td>\n    <td data-label="Submitted" class="text-nowrap">{}</td>\n  </tr>\n  ',
                       date_filter(template_localtime(u.submitted_at), "j M Y"))
    return str(head), str(tail)


def review_queue_queryset(plan):
    """The submitted updates of the plan, oldest first: what the page lists, with the authors' names."""
    return (ProgressUpdate.objects.filter(review_state="submitted", activity__accomplishment__work_plan=plan)
            .order_by("submitted_at", "pk")
            .values("pk", "activity_id", "milestone__activity_id", "author__first_name", "author__last_name",
                    "author__username"))


def _activities_of(update) -> tuple:
    """The activity an update was filed under, and the one its milestone is in now if it was moved since."""
    return tuple(pk for pk in (update["activity_id"], update["milestone__activity_id"]) if pk is not None)


def review_batch(updates, *, plan_id) -> fragments.Batch:
    """The shared fragments of these updates' rows (review_queue_queryset's)."""
    return fragments.Batch("review-row", plan_id=plan_id, kinds=[fragments.FRAME], scope=PROGRESS_SCOPE,
                           ids=[u["pk"] for u in updates], scope_ids={u["pk"]: _activities_of(u) for u in updates},
                           parts=[get_script_prefix()])


def review_rows(updates, *, plan_id) -> list:
    """The rows of these updates (review_queue_queryset's), each from the shared cache or read and written."""
    batch = review_batch(updates, plan_id=plan_id)
    missing = batch.missing
    if missing:
        for u in (ProgressUpdate.objects.filter(pk__in=missing)
                  .select_related("activity__accomplishment", "activity__lead_body", "milestone__parent",
                                  "milestone__activity__accomplishment")):
            batch.put(u.pk, review_row_halves(u))
    rows = []
    for u in updates:
        if batch.get(u["pk"]) is None:  # deleted since the page's list was read
            continue
        head, tail = batch.get(u["pk"])
        name = f"{u['author__first_name']} {u['author__last_name']}".strip() or u["author__username"]
        rows.append(mark_safe(f"{head}{conditional_escape(name)}{tail}"))  # noqa: S308  halves written escaped
    return rows
