"""The activity page's parts that every reader sees alike (lead, mandates, partners, description; contributions;
history) come from the shared cache (activities.tables.activity_fragments), never stale; the progress list, which
differs by reader (drafts), and the reader's own buttons are built for each request."""
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from accomplishments.models import Member
from activities.models import Activity, Contribution
from decisions.models import Decision

pytestmark = pytest.mark.django_db
MASK = re.compile(r"[A-Za-z0-9]{64}")  # the CSRF token, masked afresh on every page


@pytest.fixture
def b2(seed_plan):
    return Activity.objects.get(accomplishment__code="B", number=2, accomplishment__work_plan=seed_plan)


def _page(client, activity, django_assert_max_num_queries=None, budget=None):
    url = reverse("activities:activity-detail", args=[activity.pk])
    if budget is None:
        return MASK.sub("", client.get(url).content.decode())
    with django_assert_max_num_queries(budget):
        return MASK.sub("", client.get(url).content.decode())


def _form(activity, **over):
    return {"member": Member.objects.get(acronym="UNIDO").pk, "activity": activity.pk, "kind": "time", "year": 2014,
            "staff_days": "10", "amount_usd": "", "state": "pledged", "note": "", **over}


def test_the_same_for_every_reader_and_as_built_without_cache(client_as, b2, django_assert_max_num_queries):
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        built = {u: _page(client_as(u), b2) for u in ("viewer", "secretariat", "unido-focal")}
    for username in ("viewer", "secretariat", "unido-focal"):
        _page(client_as(username), b2)
    # Filled: the page reads neither contributions, partners, mandates nor history (session, user, roles,
    # plans, the activity, the reader's progress and bodies)
    for username in ("viewer", "secretariat", "unido-focal"):
        assert _page(client_as(username), b2, django_assert_max_num_queries, 8) == built[username]
    assert "Record a mandate" in built["secretariat"] and "Record a mandate" not in built["viewer"]


def test_a_contribution_recorded_edited_and_moved_shows_at_once(client_as, b2, seed_plan):
    b1 = Activity.objects.get(accomplishment__code="B", number=1, accomplishment__work_plan=seed_plan)
    _page(client_as("viewer"), b2), _page(client_as("viewer"), b1)
    focal = client_as("unido-focal")
    assert focal.post(reverse("activities:contribution-create"), _form(b2, staff_days="17")).status_code == 302
    html = _page(client_as("viewer"), b2)
    assert "No contributions recorded" not in html and ">17<" in html.replace(" ", "").replace(".0<", "<")
    c = Contribution.objects.get(activity=b2, staff_days=17)
    r = client_as("secretariat").post(reverse("activities:contribution-edit", args=[c.pk]),
                   {**_form(b1, staff_days="17"), "version": c.version})
    assert r.status_code == 302 and Contribution.objects.get(pk=c.pk).activity_id == b1.pk
    assert "No contributions recorded" in _page(client_as("viewer"), b2)  # left the one it was on
    assert f'href="{reverse("activities:contribution-detail", args=[c.pk])}"' in _page(client_as("viewer"), b1)


def test_a_mandate_a_partner_name_and_an_edit_show_at_once(client_as, b2, demo_users):
    _page(client_as("viewer"), b2)
    decision = Decision.objects.filter(state="confirmed").first()
    decision.activities.add(b2)  # what the decision's page does when the secretariat records the mandate
    assert decision.reference in _page(client_as("viewer"), b2)
    member = Member.objects.get(acronym="UNIDO")
    b2.partners.add(member)
    b2.save()
    html = _page(client_as("viewer"), b2)
    assert re.search(r"Partners</dt><dd[^>]*>[^<]*UNIDO", html)
    member.acronym = "UNIDO-X"
    member.save()
    assert "UNIDO-X" in _page(client_as("viewer"), b2)
    form = {"accomplishment": b2.accomplishment_id, "number": b2.number, "title": b2.title,
            "description": "A description written today", "lead_body": b2.lead_body_id, "partners": [member.pk],
            "version": Activity.objects.get(pk=b2.pk).version}
    assert client_as("secretariat").post(reverse("activities:activity-edit", args=[b2.pk]), form).status_code == 302
    html = _page(client_as("viewer"), b2)
    assert "<p>A description written today</p>" in html
    history = html[html.index('id="history-heading"'):]
    assert "A description written today" in history  # the change, at the top of the history
