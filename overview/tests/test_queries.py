"""Pages must not grow their query count with the data: the same bound on the seed plan and at scale 10."""
import pytest
from django.urls import reverse

from accomplishments.selectors import workplan_current
from activities.models import Milestone
from devtools.generate import plan_generate

pytestmark = pytest.mark.django_db

# Measured: the session, the user and the role check (3), then each page's own reads.
BOUND = {
    # one of them: the SOM actions by status (decisions, through activities.work_sources); 16 -> 15: the next
    # meetings' milestones and those due soon are read together, with their health, in one query
    "overview:dashboard": 15,
    # 7 -> 11: a page of the plan page's part (activities.selectors.plan_sections, 3) and, cold, the page's
    # activities read again under the chart's key and the whole plan's span (one aggregate)
    "overview:timeline": 11,
    "overview:lead-body-status": 7,  # how many lead bodies, the page's, and their milestones' counts
    "overview:milestone-list": 11,  # one of them: the decisions that mandate work in the plan (the mandate filter)
    "overview:contribution-list": 12,
}
# 5 -> 6: the facts of the export's entity tag (ListExportMixin.export_etag), one aggregate at every plan size; a
# conditional request answered 304 reads those facts instead of the rows (NOT_MODIFIED).
EXPORTS = {"overview:milestone-export": 6, "overview:contribution-export": 6}
NOT_MODIFIED = 5


def _measure(client, django_assert_max_num_queries, counts):
    for name, bound in BOUND.items():
        query = {"o": "-due", "status": ["on_track", "at_risk", "delayed", "not_started"]} \
            if name == "overview:milestone-list" else {}
        with django_assert_max_num_queries(bound) as ctx:
            response = client.get(reverse(name), query)
        assert response.status_code == 200
        counts.setdefault(name, []).append(len(ctx.captured_queries))
    for name, bound in EXPORTS.items():
        for fmt in ("csv", "xlsx"):
            with django_assert_max_num_queries(bound) as ctx:
                response = client.get(reverse(name, args=[fmt]))
            assert response.status_code == 200
            counts.setdefault(f"{name} {fmt}", []).append(len(ctx.captured_queries))
            with django_assert_max_num_queries(NOT_MODIFIED) as ctx:
                response = client.get(reverse(name, args=[fmt]), HTTP_IF_NONE_MATCH=response["ETag"])
            assert response.status_code == 304
            counts.setdefault(f"{name} {fmt} 304", []).append(len(ctx.captured_queries))


def test_query_counts_do_not_grow_with_the_plan(client_as, living_plan, django_assert_max_num_queries):
    client = client_as("viewer")
    counts = {}
    _measure(client, django_assert_max_num_queries, counts)
    plan = plan_generate(scale=10)
    assert workplan_current() == plan
    assert Milestone.objects.filter(activity__accomplishment__work_plan=plan).count() > 200
    _measure(client, django_assert_max_num_queries, counts)
    for name, (small, large) in counts.items():
        assert small == large, f"{name}: {small} queries on the seed plan, {large} at scale 10"
    print("\nqueries per page (seed, scale 10):", counts)
