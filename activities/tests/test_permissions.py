"""rights_on decides a page's row controls once; it must say exactly what the rules say, row by row."""
import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.urls import reverse

from accomplishments.models import WorkPlan
from activities.models import Activity, Milestone
from activities.permissions import rights_on

pytestmark = pytest.mark.django_db


def _fresh(user):
    """The user as a new request sees it (nothing kept from an earlier question)."""
    return User.objects.get(pk=user.pk) if user.is_authenticated else user


def _check_against_rules(user, activities, milestones):
    rights = rights_on(_fresh(user), activities)
    asked = _fresh(user)
    for m in milestones:
        assert (m.activity_id in rights.status) == asked.has_perm("activities.set_milestone_status", m), (user, m)
        assert (m.activity_id in rights.manage) == asked.has_perm("activities.manage_plan", m), (user, m)
    for a in activities:
        assert (a.pk in rights.progress) == asked.has_perm("activities.file_progress", a), (user, a)
    return rights


@pytest.mark.parametrize("closed", [False, True])
def test_rights_match_the_rules_for_every_role_and_row(demo_users, seed_plan, closed):
    if closed:
        WorkPlan.objects.filter(pk=seed_plan.pk).update(status=WorkPlan.Status.CLOSED)
    activities = list(Activity.objects.select_related("accomplishment"))
    milestones = list(Milestone.objects.select_related("activity__accomplishment"))
    users = [*demo_users.values(), User.objects.create(username="no-role"), AnonymousUser()]
    granted = {}
    for user in users:
        rights = _check_against_rules(user, activities, milestones)
        granted[getattr(user, "username", "")] = rights
    if not closed:  # the check above means something: some roles may, some may not, some only on their rows
        assert granted["secretariat"].manage and granted["secretariat"].status == {a.pk for a in activities}
        lead = granted["biodiversity-lead"].status
        assert lead and lead < {a.pk for a in activities}
        assert not granted["viewer"].status and not granted["chair"].manage
    else:
        assert all(not r.status and not r.manage and not r.progress for r in granted.values())


def test_plan_page_shows_row_controls_by_the_page_rights(client_as, seed_plan, demo_users):
    """The lead sees "Change status" on the rows of its own activities only; the secretariat on every row."""
    milestones = Milestone.objects.filter(activity__accomplishment__work_plan=seed_plan)
    lead = demo_users["biodiversity-lead"]
    mine = {m.pk for m in milestones if lead.has_perm("activities.set_milestone_status", m)}
    assert mine and len(mine) < milestones.count()
    html = client_as("biodiversity-lead").get(reverse("activities:plan"), {"ea": "all"}).content.decode()
    shown = {m.pk for m in milestones if reverse("activities:milestone-status", args=[m.pk]) + "?" in html}
    assert shown == mine
    html = client_as("secretariat").get(reverse("activities:plan"), {"ea": "all"}).content.decode()
    assert all(reverse("activities:milestone-status", args=[m.pk]) + "?" in html for m in milestones)
