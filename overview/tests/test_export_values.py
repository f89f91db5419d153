"""The milestone export reads plain values (overview.exports.MILESTONE_VALUES), not model instances: each cell is
what the milestone itself gives (its str, its activity, lead body, due date and meeting, status label, last
accepted update), for every milestone of the seed plan and of a generated one (sub-items, moved milestones, no lead
body, no due date, no meeting, texts that need quoting)."""
import csv
import datetime
import io

import pytest
from django.urls import reverse

from accomplishments.selectors import workplan_current
from activities.models import LeadBody, Milestone, ProgressUpdate
from devtools.generate import plan_generate
from overview.exports import MILESTONE_COLUMNS, MILESTONE_FIELDS, MILESTONE_VALUES
from overview.selectors import milestones_for_list

pytestmark = pytest.mark.django_db

# The columns as they read a milestone instance before (the reference).
FROM_INSTANCES = [
    lambda m: m.pk,
    lambda m: str(m),
    lambda m: m.text,
    lambda m: m.activity_id,
    lambda m: f"{m.activity.accomplishment.code}.{m.activity.number} {m.activity.title}",
    lambda m: m.activity.lead_body.name if m.activity.lead_body_id else "",
    lambda m: m.due_on,
    lambda m: m.due_meeting.code if m.due_meeting_id else "",
    lambda m: m.get_status_display(),
    lambda m: m.last_accepted_on,
]


def test_every_cell_is_what_the_milestone_gives(client_as, seed_plan, demo_users):
    plan_generate(scale=1)
    plan = workplan_current()
    m = Milestone.objects.filter(activity__accomplishment__work_plan=plan, parent__isnull=True).first()
    m.text = 'Quotes "here", a comma, and\na new line'
    m.save()
    undated = Milestone.objects.filter(activity__accomplishment__work_plan=plan).exclude(pk=m.pk).first()
    undated.due_date, undated.due_meeting = None, None
    undated.save()
    Milestone.objects.create(activity=m.activity, parent=m, label="ii", order=2, text="A sub-item")
    m.activity.lead_body = None
    m.activity.save()
    ProgressUpdate.objects.create(activity=m.activity, milestone=m, author=demo_users["biodiversity-lead"],
                                  review_state="accepted", reviewer=demo_users["secretariat"],
                                  period_start=datetime.date(2014, 1, 1), period_end=datetime.date(2014, 3, 31),
                                  reported_status="on_track", narrative="Accepted")
    qs = milestones_for_list(plan=plan)
    instances = list(qs)
    assert any(x.parent_id for x in instances) and any(not x.due_on for x in instances)
    assert any(x.due_meeting_id for x in instances) and any(x.last_accepted_on for x in instances)
    assert any(not x.activity.lead_body_id for x in instances)
    values = list(qs.values(*MILESTONE_FIELDS, **MILESTONE_VALUES))
    assert len(values) == len(instances) == Milestone.objects.filter(activity__accomplishment__work_plan=plan).count()
    for row, instance in zip(values, instances, strict=True):
        assert [c.value(row) for c in MILESTONE_COLUMNS] == [f(instance) for f in FROM_INSTANCES], instance.pk
    # Through the page: the file holds each milestone's cells, the text quoted as CSV quotes it.
    response = client_as("viewer").get(reverse("overview:milestone-export", args=["csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == len(instances) + 1
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id[str(m.pk)][2] == m.text and by_id[str(m.pk)][5] == ""
    assert LeadBody.objects.exists()
