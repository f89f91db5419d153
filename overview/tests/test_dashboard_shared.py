"""The dashboard's sections are kept in the shared cache (emgplan/fragments.py): built once for everyone who may read
the plan, and never shown stale: accepted progress, contributions, reporting cycles and authors' names retire them."""
import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.models import Activity, Contribution, ProgressUpdate
from cycles.models import ReportingCycle
from emgplan import fragments
from overview.views import DASHBOARD_KINDS

pytestmark = pytest.mark.django_db


def _dashboard(client):
    with CaptureQueriesContext(transaction.get_connection()) as queries:
        html = client.get(reverse("overview:dashboard")).content.decode()
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "activities_milestone"' in q["sql"]]
    return html[html.index('<section aria-labelledby="h-ea"'):html.index('<section aria-labelledby="h-contrib"')], \
        html, reads


def _key(plan, today="2014-06-15"):
    return fragments.fragment_key("dashboard-body", plan_id=plan.pk, kinds=DASHBOARD_KINDS,
                                  parts=[today, None, reverse("overview:milestone-list")])


def test_one_dashboard_for_every_reader_built_once(client_as, living_plan):
    body, _, reads = _dashboard(client_as("chair"))
    assert reads
    for username in ("viewer", "secretariat", "greeneconomy-lead", "unido-focal"):
        again, _, reads = _dashboard(client_as(username))
        assert again == body and reads == []


def test_accepted_progress_shows_at_once(client_as, living_plan):
    update = ProgressUpdate.objects.filter(review_state="submitted").select_related("activity__accomplishment").first()
    assert update is not None
    _dashboard(client_as("chair"))
    html = _dashboard(client_as("chair"))[1]
    assert f'id="update-{update.pk}"' not in html
    assert client_as("secretariat").post(reverse("activities:update-accept", args=[update.pk])).status_code == 302
    _, html, reads = _dashboard(client_as("chair"))
    assert reads and f'id="update-{update.pk}"' in html


def test_a_draft_filed_edited_and_submitted_retires_nothing_unaccepting_one_does(client_as, living_plan):
    """Readers see progress only once accepted: the leads' drafts and submissions leave the sections built."""
    from activities.models import Milestone

    m = Milestone.objects.filter(activity__accomplishment__work_plan=living_plan,
                                 activity__accomplishment__code="A", activity__number=1).first()
    _dashboard(client_as("chair"))
    lead = client_as("biodiversity-lead")
    url = reverse("activities:update-create") + f"?milestone={m.pk}"
    form = {"period_start": "2014-04-01", "period_end": "2014-06-15", "reported_status": "on_track",
            "narrative": "Draft for the dashboard test", "evidence_links": "", "save": "1",
            "form_key": lead.get(url).context["form"]["form_key"].value()}
    assert lead.post(url, form).status_code == 302
    update = ProgressUpdate.objects.get(narrative="Draft for the dashboard test")
    r = lead.post(reverse("activities:update-submit", args=[update.pk]), {"version": update.version})
    assert r.status_code == 302 and ProgressUpdate.objects.get(pk=update.pk).review_state == "submitted"
    _, _, reads = _dashboard(client_as("chair"))
    assert reads == []
    assert client_as("secretariat").post(reverse("activities:update-accept", args=[update.pk])).status_code == 302
    _, html, reads = _dashboard(client_as("chair"))
    assert reads
    key = _key(living_plan)
    accepted = ProgressUpdate.objects.get(pk=update.pk)
    accepted.review_state, accepted.return_reason = "returned", "Sent back"  # no page does this: the row alone
    accepted.save()
    assert _key(living_plan) != key


def test_a_contribution_and_a_cycle_retire_the_dashboard(client_as, living_plan):
    _, html, _ = _dashboard(client_as("chair"))
    activity = Activity.objects.filter(accomplishment__work_plan=living_plan).first()
    member = Contribution.objects.first().member
    Contribution.objects.create(member=member, activity=activity, kind="cash", year=2014,
                                amount_usd=Decimal("987654"), state="reported")
    _, html, reads = _dashboard(client_as("chair"))
    assert reads and "987,654" in html.replace("\u202f", ",").replace("\xa0", ",")
    key = _key(living_plan)
    ReportingCycle.objects.create(work_plan=living_plan, meeting=living_plan.approvals.first().meeting,
                                  period_start=datetime.date(2014, 1, 1), cut_off=datetime.date(2014, 6, 30),
                                  review_deadline=datetime.date(2014, 7, 15))
    assert _key(living_plan) != key  # health is read from the cycles


def test_a_new_name_shows_but_a_sign_in_retires_nothing(client_as, living_plan, client):
    accepted = ProgressUpdate.objects.filter(review_state="accepted").order_by("-reviewed_at").first()
    author = accepted.author
    _dashboard(client_as("chair"))
    key = _key(living_plan)
    client.logout()
    r = client.post(reverse("login"), {"username": author.username, "password": "emg-demo-2014"})
    assert r.status_code == 302 and User.objects.get(pk=author.pk).last_login is not None  # saves last_login only
    assert _key(living_plan) == key
    author.first_name = "Renamed"
    author.save()
    _, html, reads = _dashboard(client_as("chair"))
    assert reads and f"Filed by Renamed {author.last_name}" in html
