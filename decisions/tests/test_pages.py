"""A decision's page and the secretariat's and leads' corrections: who took it, deleting a draft, revising progress."""
import pytest
from django.test import Client
from django.urls import reverse

from decisions.models import ActionUpdate, Decision
from decisions.tests.factories import som20_action

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("reference, taken_by", [
    ("CEB decision 5/4/2013", "UN System Chief Executives Board (CEB)"),
    ("HLCM 2013-2016 Strategic Framework", "High-Level Committee on Management (HLCM)"),
    ("Rio+20 outcome document", "UN Conference on Sustainable Development (Rio+20)"),
    ("CBD COP 11", "Conference of the Parties to the CBD (CBD COP 11)"),
    ("SOM19 decision on chemicals and on financing for environmental cooperation",
     "EMG Senior Officials' Meeting (SOM19)"),
])
def test_taken_by_names_the_body_once(client_as, seed_plan, reference, taken_by):
    decision = Decision.objects.get(reference=reference)
    html = client_as("viewer").get(reverse("decisions:decision-detail", args=[decision.pk])).content.decode()
    assert f'<dt class="col-sm-3">Taken by</dt><dd class="col-sm-9">{taken_by}</dd>' in html.replace("&#x27;", "'")


def test_the_secretariat_deletes_a_draft_after_confirming(demo_users, seed_plan):
    sec = _client(demo_users["secretariat"])
    draft = som20_action(9, state="draft")
    draft.activities.add(Decision.objects.get(reference="CBD COP 11").activities.first())
    detail = sec.get(reverse("decisions:decision-detail", args=[draft.pk])).content.decode()
    url = reverse("decisions:decision-delete", args=[draft.pk])
    assert f'href="{url}"' in detail
    page = sec.get(url).content.decode()
    assert "Delete the draft SOM20 action 9?" in page and "1 activity, 0 milestones" in page
    assert Decision.objects.filter(pk=draft.pk).exists()  # showing the question deleted nothing
    response = sec.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("decisions:decision-list")
    assert "The draft SOM20 action 9 was deleted." in response.content.decode()
    assert not Decision.objects.filter(pk=draft.pk).exists()
    last = Decision.history.filter(id=draft.pk).latest()
    assert (last.history_type, last.history_user, last.history_change_reason) == (
        "-", demo_users["secretariat"], "Draft deleted")


def test_a_confirmed_decision_is_not_deleted(demo_users, seed_plan):
    sec = _client(demo_users["secretariat"])
    action = som20_action(1)
    html = sec.get(reverse("decisions:decision-detail", args=[action.pk])).content.decode()
    assert "Delete the draft" not in html
    assert sec.post(reverse("decisions:decision-delete", args=[action.pk])).status_code == 403
    assert Decision.objects.filter(pk=action.pk).exists()


def test_the_service_refuses_a_confirmed_decision(demo_users, seed_plan):
    from django.core.exceptions import ValidationError

    from decisions.services import decision_delete

    with pytest.raises(ValidationError, match="part of the record"):
        decision_delete(decision=Decision.objects.get(reference="CBD COP 11"), by=demo_users["secretariat"])


def test_a_lead_revises_a_returned_update(demo_users, seed_plan):
    action = som20_action(1)
    lead, sec = _client(demo_users["biodiversity-lead"]), _client(demo_users["secretariat"])
    detail_url = reverse("decisions:decision-detail", args=[action.pk])
    lead.post(reverse("decisions:action-update-create", args=[action.pk]),
              {"reported_status": "in_progress", "narrative": "Terms of reference drafted."})
    returned = ActionUpdate.objects.get(decision=action)
    sec.post(reverse("decisions:action-update-return", args=[returned.pk]), {"reason": "Say who drafted them."})
    revise_url = reverse("decisions:action-update-revise", args=[returned.pk])
    assert f'href="{revise_url}"' in lead.get(detail_url).content.decode()
    assert f'href="{revise_url}"' not in sec.get(detail_url).content.decode()  # only its author revises

    form = lead.get(revise_url)
    assert form.context["form"].initial == {"reported_status": "in_progress",
                                            "narrative": "Terms of reference drafted."}
    assert "Say who drafted them." in form.content.decode()
    response = lead.post(revise_url, {"reported_status": "in_progress",
                                      "narrative": "UNEP and the CBD secretariat drafted the terms of reference."})
    assert response.status_code == 302
    revision = ActionUpdate.objects.exclude(pk=returned.pk).get(decision=action)
    assert (revision.review_state, revision.revision_of, revision.author) == (
        "submitted", returned, demo_users["biodiversity-lead"])
    returned.refresh_from_db()
    assert (returned.review_state, returned.narrative) == ("returned", "Terms of reference drafted.")
    page = lead.get(detail_url).content.decode()
    assert f'href="{revise_url}"' not in page and "Revises the update returned" in page
    again = lead.post(revise_url, {"reported_status": "done", "narrative": "Twice."})
    assert "This update was already revised." in again.content.decode()
    assert ActionUpdate.objects.filter(decision=action).count() == 2

    sec.post(reverse("decisions:action-update-accept", args=[revision.pk]))
    revision.refresh_from_db()
    assert revision.review_state == "accepted"


def test_another_lead_cannot_revise(demo_users, seed_plan):
    from decisions.tests.factories import action_update

    returned = action_update(som20_action(1), author=demo_users["biodiversity-lead"], state="returned",
                             reviewer=demo_users["secretariat"])
    other = _client(demo_users["greeneconomy-lead"])
    assert other.get(reverse("decisions:action-update-revise", args=[returned.pk])).status_code == 404


def test_a_milestone_page_shows_its_own_mandate_and_its_activitys(client_as, seed_plan):
    from activities.models import Milestone

    viewer = client_as("viewer")
    a1a = Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)
    html = viewer.get(reverse("activities:milestone-detail", args=[a1a.pk])).content.decode()
    mandates = html[html.index('data-testid="mandates"'):]
    mandates = mandates[:mandates.index("</dd>")]
    cbd, rio = (Decision.objects.get(reference=r) for r in ("CBD COP 11", "Rio+20 outcome document"))
    assert f'<a href="/decisions/{cbd.pk}/">CBD COP 11</a>, through its activity A.1' in mandates  # named once
    assert f'<a href="/decisions/{rio.pk}/">Rio+20 outcome document</a>, through its activity A.1' in mandates
    som19 = Decision.objects.get(body_name="SOM19")
    a3a = som19.milestones.get(activity__number=3)
    html = viewer.get(reverse("activities:milestone-detail", args=[a3a.pk])).content.decode()
    mandates = html[html.index('data-testid="mandates"'):]
    mandates = mandates[:mandates.index("</dd>")]
    assert f'<a href="/decisions/{som19.pk}/">{som19.reference}</a>:' in mandates and "through" not in mandates
    b1a = Milestone.objects.get(activity__accomplishment__code="B", activity__number=1, label="a", parent=None)
    html = viewer.get(reverse("activities:milestone-detail", args=[b1a.pk])).content.decode()
    assert '<dd class="col-sm-9" data-testid="mandates">—</dd>' in html
