"""The loop through the pages users reach: report → actions, progress reviewed, follow-up in the next report."""
import datetime
from collections import Counter

import pytest
from django.urls import reverse

from accomplishments.models import Meeting, WorkPlan
from activities.models import LeadBody, Milestone
from decisions.models import ActionUpdate, Decision
from decisions.tests.factories import som20_action
from reports.models import Report
from reports.renderers import outline
from reports.selectors import report_snapshot

pytestmark = pytest.mark.django_db


def _som20_report():
    return Report.objects.create(
        work_plan=WorkPlan.objects.get(symbol="EMG/SOM.19/03/Rev.1"), kind="som",
        meeting=Meeting.objects.get(code="SOM20"),
        as_of=datetime.date(2014, 9, 1), symbol="EMG/SOM.20/3", issued_on=datetime.date(2014, 9, 1), state="ready",
        suggested_actions="Welcome the progress report.\n\nRequest the IMG on biodiversity to report to SOM21.")


def _post(report, rows):
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": str(len(rows))}
    for i, row in enumerate(rows):
        for key, value in row.items():
            if value is not None and value is not False:
                data[f"form-{i}-{key}"] = value
    return data


def test_suggested_actions_become_actions_only_on_confirmation(client_as, seed_plan):
    client = client_as("secretariat")
    report = _som20_report()
    url = reverse("reports:decisions", args=[report.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Request the IMG on biodiversity to report to SOM21." in page.content.decode()
    assert "SOM20 action 2" in page.content.decode()
    before = Decision.objects.count()
    assert Decision.objects.count() == before  # showing the drafts saved nothing

    bio = LeadBody.objects.get(short_name="IMG Biodiversity")
    som21 = Meeting.objects.get(code="SOM21")
    rows = [{"keep": "on", "reference": "SOM20 action 1", "text": "Welcomed the progress report.",
             "lead_body": str(LeadBody.objects.get(short_name="EMG Secretariat").pk), "due_meeting": str(som21.pk)},
            {"keep": "on", "reference": "SOM20 action 2", "text": "Requested the IMG to report to SOM21.",
             "lead_body": "", "due_meeting": str(som21.pk)}]
    # A kept action without its lead: nothing at all is recorded, the form says which.
    response = client.post(url, _post(report, rows))
    assert response.status_code == 200
    assert "Name the lead body of the action." in response.content.decode()
    assert Decision.objects.count() == before

    rows[1]["lead_body"] = str(bio.pk)
    response = client.post(url, _post(report, rows))
    assert response.status_code == 302
    made = Decision.objects.filter(source="EMG/SOM.20/3").order_by("order")
    assert [(d.reference, d.text, d.lead_body.short_name, d.due_meeting.code, d.kind, d.state, d.status)
            for d in made] == [
        ("SOM20 action 1", "Welcomed the progress report.", "EMG Secretariat", "SOM21", "action", "confirmed", "open"),
        ("SOM20 action 2", "Requested the IMG to report to SOM21.", "IMG Biodiversity", "SOM21", "action",
         "confirmed", "open")]
    # Recording twice is refused: the references are taken.
    again = client.post(url, _post(report, rows))
    assert "already used" in again.content.decode()
    assert Decision.objects.count() == before + 2


def test_progress_on_an_action_submit_return_accept(demo_users, seed_plan):
    from django.test import Client

    action = som20_action(1)
    lead, sec = Client(), Client()
    lead.force_login(demo_users["biodiversity-lead"])
    sec.force_login(demo_users["secretariat"])
    response = lead.post(reverse("decisions:action-update-create", args=[action.pk]),
                         {"reported_status": "in_progress", "narrative": "Terms of reference drafted."})
    assert response.status_code == 302
    update = ActionUpdate.objects.get(decision=action)
    assert update.review_state == "submitted"
    assert "SOM20 action 1" in sec.get(reverse("activities:review-queue")).content.decode()

    sec.post(reverse("decisions:action-update-return", args=[update.pk]), {"reason": "Say who drafted them."})
    update.refresh_from_db()
    assert (update.review_state, update.return_reason) == ("returned", "Say who drafted them.")
    action.refresh_from_db()
    assert action.status == "open"

    lead.post(reverse("decisions:action-update-create", args=[action.pk]),
              {"reported_status": "done", "narrative": "UNEP and CBD drafted the terms of reference."})
    second = ActionUpdate.objects.exclude(pk=update.pk).get(decision=action)
    # A lead cannot accept their own report.
    assert lead.post(reverse("decisions:action-update-accept", args=[second.pk])).status_code == 403
    sec.post(reverse("decisions:action-update-accept", args=[second.pk]))
    action.refresh_from_db()
    assert action.status == "done"
    assert action.history.first().history_user == demo_users["secretariat"]


def _at(moment, *records):
    for r in records:
        type(r).objects.filter(pk=r.pk).update(history_date=moment)


def test_followup_section_states_each_action_as_of_the_date(demo_users, seed_plan):
    from decisions.services import action_update_accept

    recorded = datetime.datetime(2014, 10, 1, 12, tzinfo=datetime.UTC)
    accepted = datetime.datetime(2015, 3, 2, 12, tzinfo=datetime.UTC)
    a1, a2 = som20_action(1), som20_action(2, lead="IMG Green Economy")
    _at(recorded, *[h for a in (a1, a2) for h in a.history.all()])
    update = ActionUpdate.objects.create(decision=a1, author=demo_users["biodiversity-lead"], reported_status="done",
                                         narrative="Delivered the study.", review_state="submitted")
    action_update_accept(update=update, by=demo_users["secretariat"])
    ActionUpdate.objects.filter(pk=update.pk).update(reviewed_at=accepted)
    _at(accepted, a1.history.order_by("-history_id").first())
    plan = WorkPlan.objects.get(symbol="EMG/SOM.19/03/Rev.1")
    som21 = Meeting.objects.get(code="SOM21")

    def followup(as_of):
        snap = report_snapshot(plan=plan, kind="som", meeting=som21, as_of=as_of, symbol="EMG/SOM.21/3",
                               issued_on=as_of)
        return snap, snap["followup"] and [(r["reference"], r["lead_body"], r["status_display"], len(r["progress"]))
                                           for r in snap["followup"]["rows"]]

    assert followup(datetime.date(2014, 9, 30))[1] is None  # not recorded yet
    assert followup(datetime.date(2015, 1, 1))[1] == [
        ("SOM20 action 1", "IMG on biodiversity", "Open", 0), ("SOM20 action 2", "IMG on Green Economy", "Open", 0)]
    snap, rows = followup(datetime.date(2015, 6, 1))
    assert rows == [("SOM20 action 1", "IMG on biodiversity", "Done", 1),
                    ("SOM20 action 2", "IMG on Green Economy", "Open", 0)]
    assert a2.status == "open"
    blocks = outline(snap)
    headings = [b["text"] for b in blocks if b["t"] == "h" and b["level"] == 1]
    assert any(h.endswith("Follow-up to the actions of SOM20") for h in headings)
    assert "Delivered the study." in str(blocks)
    assert "1 done, 1 open" not in str(blocks) and "1 open, 1 done" in str(blocks)


def test_trace_counts_match_an_independent_count(client_as, seed_plan, django_assert_max_num_queries):
    rio = Decision.objects.get(reference="Rio+20 outcome document")
    m = Milestone.objects.filter(activity__in=rio.activities.all()).first()
    m.status = "on_track"
    m.save()
    client = client_as("viewer")
    with django_assert_max_num_queries(14):
        page = client.get(reverse("decisions:decision-detail", args=[rio.pk])).content.decode()
    statuses = Counter(Milestone.objects.filter(activity__mandates=rio).values_list("status", flat=True))
    total = sum(statuses.values())
    assert f"{total} milestones in all" in page
    for status, n in statuses.items():
        assert f"{n} {dict(Milestone.Status.choices)[status].lower()}" in page


@pytest.mark.parametrize("n", [3, 30])
def test_list_queries_do_not_grow_with_decisions(client_as, seed_plan, n, django_assert_max_num_queries):
    for i in range(n):
        som20_action(100 + i)
    client = client_as("viewer")
    with django_assert_max_num_queries(10):
        page = client.get(reverse("decisions:decision-list") + "?kind=action")
    assert page.status_code == 200
    assert len(page.context["decisions"]) == min(n, 25)


def test_activity_page_shows_its_mandate(client_as, seed_plan):
    c1 = Decision.objects.get(reference="CEB decision 5/4/2013").activities.get()
    page = client_as("viewer").get(reverse("activities:activity-detail", args=[c1.pk])).content.decode()
    assert "Mandate" in page and "CEB decision 5/4/2013" in page and "HLCM 2013-2016 Strategic Framework" in page
