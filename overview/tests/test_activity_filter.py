"""The lists' Activity filter: a select of the plan's activities, or, in a plan with more than
SelectOrText.max_options of them (a select of a thousand options is neither usable nor cheap), a labelled field
for the activity's code (B.12). Either way the filter accepts a code or the key a link carries, and a code that
names no activity is a clear error that selects nothing."""
import csv
import io
import re

import pytest
from django.urls import reverse

from activities.models import Activity, Contribution, Milestone
from emgplan.forms import SelectOrText

pytestmark = pytest.mark.django_db

LIST, CONTRIBUTIONS = reverse("overview:milestone-list"), reverse("overview:contribution-list")


def _a(seed_plan, code, number):
    return Activity.objects.get(accomplishment__code=code, number=number, accomplishment__work_plan=seed_plan)


def _shown(html):
    """The ids of the milestone rows the list shows."""
    return {int(i) for i in re.findall(r'<tr data-id="(\d+)">', html)}


@pytest.fixture
def large(monkeypatch):
    """The seed plan (10 activities) treated as one too large for a select."""
    monkeypatch.setattr(SelectOrText, "max_options", 5)


def test_a_small_plan_lists_every_activity_in_a_select(client_as, seed_plan):
    html = client_as("viewer").get(LIST).content.decode()
    select = html[html.index('<select name="activity"'):html.index("</select>", html.index('<select name="activity"'))]
    assert select.count("<option") == Activity.objects.filter(accomplishment__work_plan=seed_plan).count() + 1
    assert '<label class="form-label mb-0" for="id_activity">Activity</label>' in html


def test_a_large_plan_asks_for_the_code(client_as, seed_plan, large):
    a1 = _a(seed_plan, "A", 1)
    client = client_as("viewer")
    html = client.get(LIST).content.decode()
    assert '<select name="activity"' not in html
    field = re.search(r'<input type="text" name="activity" value=""[^>]*>', html)[0]
    assert 'id="id_activity"' in field and 'aria-describedby="id_activity_hint"' in field
    assert '<label class="form-label mb-0" for="id_activity">Activity</label>' in html
    assert 'id="id_activity_hint" class="form-text">Write the activity&#x27;s code, e.g. B.12' in html
    expected = set(Milestone.objects.filter(activity=a1).values_list("pk", flat=True))
    for typed in ("A.1", "a.1", " A . 1 ", str(a1.pk)):  # a code, as typed, or the key a link carries
        html = client.get(LIST, {"activity": typed}).content.decode()
        assert _shown(html) == expected, typed
        assert re.search(r'<input type="text" name="activity" value="([^"]*)"', html)[1] in (typed, "A.1")
    assert 'name="activity" value="A.1"' in client.get(LIST, {"activity": a1.pk}).content.decode()


def test_a_code_that_names_no_activity_is_an_error_and_selects_nothing(client_as, seed_plan, large):
    client = client_as("viewer")
    html = client.get(LIST, {"activity": "Z.99"}).content.decode()
    assert "There is no activity Z.99 in this plan." in html and _shown(html) == set()
    assert 'value="Z.99"' in html  # what was typed stays, to be corrected
    export = client.get(reverse("overview:milestone-export", args=["csv"]), {"activity": "Z.99"})
    assert len(list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))) == 1  # the header only


def test_the_export_and_the_contribution_list_take_the_code_too(client_as, seed_plan, large, demo_users):
    a1 = _a(seed_plan, "A", 1)
    client = client_as("viewer")
    export = client.get(reverse("overview:milestone-export", args=["csv"]), {"activity": "A.1"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))[1:]
    assert {int(r[0]) for r in rows} == set(Milestone.objects.filter(activity=a1).values_list("pk", flat=True))
    member = demo_users["unido-focal"].focal_for.first()
    Contribution.objects.create(member=member, activity=a1, kind="time", year=2014, staff_days=3, note="On A.1")
    Contribution.objects.create(member=member, activity=_a(seed_plan, "A", 2), kind="time", year=2014, staff_days=4,
                                note="On A.2")
    html = client.get(CONTRIBUTIONS, {"activity": "A.1"}).content.decode()
    assert '<input type="text" name="activity" value="A.1"' in html
    assert "On A.1" in html and "On A.2" not in html
