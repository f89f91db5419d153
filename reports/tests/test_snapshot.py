"""The snapshot: a fixed number of queries whatever the size of the plan; JSON that survives the row."""
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accomplishments.models import Meeting
from activities.models import Milestone
from devtools.generate import plan_generate
from reports.renderers import flat_milestones
from reports.selectors import report_snapshot

from .conftest import AS_OF

pytestmark = pytest.mark.django_db

# Accomplishments, updates, next meeting; activities, milestones and contributions each read twice: their
# history in force on the as-of date, and the rows that have no history (generated data).
# Nine for the plan; one more finds the SOM before the meeting whose actions the report follows up (none here).
SNAPSHOT_QUERIES = 10


def _build(plan, meeting=None):
    meeting = meeting or Meeting.objects.get(code="SOM20")
    return report_snapshot(plan=plan, kind="som", meeting=meeting, as_of=AS_OF,
                           symbol="EMG/SOM.20/3", issued_on=AS_OF)


def test_snapshot_queries_do_not_grow_with_the_plan(seed_plan, progress, django_assert_num_queries):
    som20 = Meeting.objects.get(code="SOM20")
    with django_assert_num_queries(SNAPSHOT_QUERIES):
        small = _build(seed_plan, som20)
    big_plan = plan_generate(scale=10)
    with CaptureQueriesContext(connection) as queries:
        big = _build(big_plan, som20)
    assert len(queries) == SNAPSHOT_QUERIES
    assert sum(len(ea["activities"]) for ea in big["accomplishments"]) == 100
    assert len(list(flat_milestones(big))) == Milestone.objects.filter(
        activity__accomplishment__work_plan=big_plan).count()
    assert len(list(flat_milestones(small))) == 22


def test_snapshot_is_plain_json(seed_plan, progress):
    snapshot = _build(seed_plan)
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert snapshot["contributions"]["totals"] == {"staff_days": "35.5", "amount_usd": "30500.75", "count": 4}
    attention = {(m["activity"], m["ref"]): m for m in snapshot["attention"]}
    assert attention[("A.2", "(b)")]["status_display"] == "At risk"
