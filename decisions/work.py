"""What decisions adds to My work, the review queue, the dashboard and the reminders (activities.work_sources)."""
from django.db.models import Exists, OuterRef
from django.urls import reverse

from activities.work_sources import WorkItem, WorkSource, register

from .models import ActionUpdate, Decision
from .selectors import action_counts_by_meeting


def _my_actions(user):
    return [WorkItem(label=d.reference, text=d.text, status=d.get_status_display(),
                     url=reverse("decisions:decision-detail", args=[d.pk]),
                     extra=d.due_meeting.code if d.due_meeting else "")
            for d in Decision.objects.led_by(user).exclude(status__in=["done", "dropped"])
            .select_related("due_meeting").order_by("meeting__start_date", "order")]


def _waiting(**scope):
    return [WorkItem(label=u.decision.reference, text=u.narrative, status=u.get_reported_status_display(),
                     url=reverse("decisions:decision-detail", args=[u.decision_id]),
                     extra=u.author.get_full_name() or u.author.get_username())
            for u in ActionUpdate.objects.filter(review_state="submitted", **scope)
            .select_related("decision", "author").order_by("submitted_at", "pk")]


def _due_for_cycle(meeting_id, since):
    """Confirmed actions due at the meeting, open or in progress, with no progress submitted (or accepted) since
    `since`: what a cycle before that meeting reminds their leads of. One query."""
    filed = ActionUpdate.objects.filter(decision=OuterRef("pk"), review_state__in=["submitted", "accepted"],
                                        submitted_at__date__gte=since)
    return [(d.lead_body_id, WorkItem(label=d.reference, text=d.text, status=d.get_status_display(),
                                      url=reverse("decisions:decision-detail", args=[d.pk]),
                                      extra=f"due {d.due_meeting.code}"))
            for d in Decision.objects.confirmed().actions()
            .filter(due_meeting_id=meeting_id, status__in=["open", "in_progress"]).exclude(Exists(filed))
            .select_related("due_meeting").order_by("meeting__start_date", "order", "reference")]


register(WorkSource(
    name="Actions of the senior officials",
    noun="EMG action",
    my_work=_my_actions,
    review_queue=_waiting,
    dashboard=action_counts_by_meeting,
    waiting_review=lambda before: _waiting(submitted_at__lt=before),
    due_for_cycle=_due_for_cycle,
))
