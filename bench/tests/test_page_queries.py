"""Query budgets of the benchmarked pages that overview/tests/test_queries.py does not pin.

At most 15 queries per request (issue 7), and the same number at scale 1 and at scale 10.
"""
import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from accomplishments.selectors import workplan_current
from bench.run import MAX_QUERIES, targets_pick
from devtools.generate import plan_generate

pytestmark = pytest.mark.django_db

# Measured on pages built in full for the user (there is no per-user page cache any more): the session, the user
# and the role check (3), then each page's own reads. The plan, activity and My work pages read each milestone's
# derived health with the milestone itself (activities.row_figures), not in a query of their own: one less each.
BUDGET = {
    "activities:plan": 9,
    "activities:activity-detail": 14,
    "activities:my-work": 9,  # +1: the lead's open EMG actions (decisions, issue 17), one query whatever their number
    "activities:review-queue": 8,  # +1: submitted progress on EMG actions (decisions, issue 17), one query at any size
}


def _measure(client, django_assert_max_num_queries, plan):
    picked = targets_pick(plan)
    counts = {}
    for name, budget in BUDGET.items():
        user = picked["lead"] if name in ("activities:activity-detail", "activities:my-work") \
            else User.objects.get(username="secretariat")
        client.force_login(user)
        url = reverse(name, args=[picked["activity"]] if name == "activities:activity-detail" else [])
        client.get(url)  # templates compiled
        with django_assert_max_num_queries(budget) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        counts[name] = len(ctx.captured_queries)
    return counts


def test_benchmarked_pages_keep_their_query_budget_as_the_plan_grows(client, seed_plan,
                                                                     django_assert_max_num_queries):
    assert max(BUDGET.values()) <= MAX_QUERIES
    small = _measure(client, django_assert_max_num_queries, plan_generate(scale=1))
    large_plan = plan_generate(scale=10)
    assert workplan_current() == large_plan
    large = _measure(client, django_assert_max_num_queries, large_plan)
    assert small == large
