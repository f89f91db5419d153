"""The milestone list filtered by mandate: the decisions that mandate work in the plan, and what each mandates."""
import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accomplishments.selectors import workplan_current
from activities.models import Activity, Milestone
from decisions.models import Decision
from decisions.tests.factories import som20_action
from devtools.generate import plan_generate

pytestmark = pytest.mark.django_db


def _ids(response):
    return {m.pk for m in response.context["object_list"]}


def _mandated(decision):
    """An independent count: the milestones the decision names, and every milestone of the activities it names."""
    activities = set(decision.activities.values_list("pk", flat=True))
    named = set(decision.milestones.values_list("pk", flat=True))
    return {m.pk for m in Milestone.objects.all() if m.pk in named or m.activity_id in activities}


@pytest.fixture
def viewer(client_as, living_plan):
    return client_as("viewer")


def test_options_are_the_decisions_that_mandate_work_in_the_plan(viewer):
    som20_action(1)  # an action that mandates nothing in the plan is no option
    Decision.objects.create(body="ceb", body_name="CEB", reference="CEB draft", text="Not yet confirmed.",
                            state="draft").activities.add(Activity.objects.first())
    response = viewer.get(reverse("overview:milestone-list"))
    options = [str(d) for d in response.context["filter"].form.fields["mandate"].queryset]
    assert options == ["CBD COP 11", "CEB decision 5/4/2013", "HLCM 2013-2016 Strategic Framework",
                       "Rio+20 outcome document",
                       "SOM19 decision on chemicals and on financing for environmental cooperation"]
    html = response.content.decode()
    assert '<label class="form-label mb-0" for="id_mandate">Mandated by</label>' in html
    assert "every milestone of the activities it mandates" in html


def test_a_milestone_matches_when_it_or_its_activity_is_mandated(viewer):
    for decision in Decision.objects.confirmed():
        expected = _mandated(decision)
        assert expected, decision
        assert _ids(viewer.get(reverse("overview:milestone-list"), {"mandate": decision.pk})) == expected, decision
    # One decision mandating an activity and, elsewhere, a milestone: both kinds of match at once.
    ceb = Decision.objects.get(reference="CEB decision 5/4/2013")
    a3a = Milestone.objects.get(activity__accomplishment__code="A", activity__number=3, label="a", parent=None)
    ceb.milestones.add(a3a)
    c1 = set(Milestone.objects.filter(activity__accomplishment__code="C", activity__number=1)
             .values_list("pk", flat=True))
    got = _ids(viewer.get(reverse("overview:milestone-list"), {"mandate": ceb.pk}))
    assert got == c1 | {a3a.pk} and len(c1) > 1
    # With another filter, the intersection.
    got = _ids(viewer.get(reverse("overview:milestone-list"), {"mandate": ceb.pk, "status": ["not_started"]}))
    assert got == {m.pk for m in Milestone.objects.filter(pk__in=c1 | {a3a.pk}, status="not_started")}


def test_exports_follow_the_mandate_filter(viewer):
    rio = Decision.objects.get(reference="Rio+20 outcome document")
    expected = _mandated(rio)
    assert 0 < len(expected) < Milestone.objects.count()
    text = viewer.get(reverse("overview:milestone-export", args=["csv"]), {"mandate": rio.pk}).content
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    assert {int(r["Id"]) for r in rows} == expected and len(rows) == len(expected)
    response = viewer.get(reverse("overview:milestone-export", args=["xlsx"]), {"mandate": rio.pk})
    values = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert {row[0] for row in values[1:]} == expected and len(values) == len(expected) + 1


def test_a_decision_of_no_work_in_the_plan_is_refused(viewer):
    action = som20_action(1)
    response = viewer.get(reverse("overview:milestone-list"), {"mandate": action.pk})
    assert response.status_code == 200 and not _ids(response)
    assert "Select a valid choice" in response.content.decode()


# The list's budget in overview/tests/test_queries.py (11, the mandate options among them) and the chosen decision
# read back when the filter is validated (1).
BOUND = 12


def test_queries_do_not_grow_with_the_plan(viewer, django_assert_max_num_queries):
    counts = []
    for scale in (None, 10):
        if scale:
            plan = plan_generate(scale=scale)
            assert workplan_current() == plan
            activities = list(Activity.objects.filter(accomplishment__work_plan=plan))
            milestones = Milestone.objects.filter(activity__accomplishment__work_plan=plan)
            assert milestones.count() > 200
            rio = Decision.objects.create(body="rio20", body_name="Rio+20", reference="Rio+20 again",
                                          text="Follow up.")
            rio.activities.set(activities[::3])
            rio.milestones.set(milestones[:40])
        else:
            rio = Decision.objects.get(reference="Rio+20 outcome document")
        for query in ({"mandate": rio.pk, "o": "-due"}, {}):
            with django_assert_max_num_queries(BOUND) as ctx:
                response = viewer.get(reverse("overview:milestone-list"), query)
            assert response.status_code == 200
            counts.append(len(ctx.captured_queries))
        got = {m.pk for m in response.context["filter"].form.fields["mandate"].queryset}
        assert rio.pk in got
        if scale:
            assert got == {rio.pk}  # the seed plan's mandates are not this plan's
            with django_assert_max_num_queries(BOUND):
                big = viewer.get(reverse("overview:milestone-list"), {"mandate": rio.pk, "o": "-due"})
            assert big.context["paginator"].count == len(_mandated(rio))
    assert counts[:2] == counts[2:], counts
    print("\nqueries (mandate filter, none), seed then scale 10:", counts)


def test_a_decision_page_links_to_the_list_filtered_by_it(viewer):
    rio = Decision.objects.get(reference="Rio+20 outcome document")
    page = viewer.get(reverse("decisions:decision-detail", args=[rio.pk])).content.decode()
    link = f'{reverse("overview:milestone-list")}?mandate={rio.pk}'
    assert f'<a href="{link}">Filter the milestone list by this mandate</a>' in page
    listed = viewer.get(link)
    assert _ids(listed) == _mandated(rio)
    assert f"{len(_mandated(rio))} milestones in all" in page
