"""Several work plans: adopting a draft, the yearly approval, closing, and carrying unfinished work over."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accomplishments.models import Meeting, WorkPlan, WorkPlanApproval
from accomplishments.selectors import workplan_current, workplan_for_code, workplans_all
from accomplishments.services import PlanClosed, workplan_adopt, workplan_close, workplan_reapprove
from accomplishments.tests.factories import MeetingFactory, WorkPlanFactory
from activities.models import Milestone, ProgressUpdate
from activities.services import milestone_set_status, milestones_carry_over

pytestmark = pytest.mark.django_db


@pytest.fixture
def som21(seed_plan):
    return Meeting.objects.get(code="SOM21")


@pytest.fixture
def next_plan(seed_plan):
    """The proposed 2016–2017 plan, a draft with nothing in it yet."""
    return WorkPlanFactory(title="EMG work plan 2016–2017", symbol="EMG/SOM.21/03", first_year=2016, last_year=2017)


def _milestone(code, label, plan=None):
    letter, number = code.split(".")
    qs = Milestone.objects.filter(activity__accomplishment__code=letter, activity__number=int(number), parent=None,
                                  label=label)
    if plan is not None:
        qs = qs.filter(activity__accomplishment__work_plan=plan)
    return qs.get()


def test_the_seed_plan_is_current_with_its_period_as_code(seed_plan):
    assert seed_plan.status == WorkPlan.Status.CURRENT and seed_plan.code == "2014-2015"
    assert workplan_current() == seed_plan
    assert workplan_for_code("2014-2015") == seed_plan and workplan_for_code("1999-2000") is None


def test_a_second_plan_of_the_same_period_gets_its_own_code(seed_plan):
    other = WorkPlanFactory(first_year=2014, last_year=2015)
    assert other.code == "2014-2015-2"


def test_adopting_a_draft_makes_it_current_and_the_current_one_past(seed_plan, next_plan, som21, demo_users):
    secretariat = demo_users["secretariat"]
    workplan_adopt(plan=next_plan, meeting=som21, by=secretariat)

    next_plan.refresh_from_db()
    seed_plan.refresh_from_db()
    assert next_plan.status == WorkPlan.Status.CURRENT and seed_plan.status == WorkPlan.Status.PAST
    assert workplan_current() == next_plan
    assert [p.pk for p in workplans_all()][:2] == [next_plan.pk, seed_plan.pk]
    approval = WorkPlanApproval.objects.get(work_plan=next_plan)
    assert (approval.year, approval.meeting) == (2016, som21)
    assert next_plan.history.first().history_user == secretariat
    assert next_plan.history.first().history_change_reason == "Adopted at SOM21"


def test_only_a_draft_is_adopted(seed_plan, som21, demo_users):
    with pytest.raises(ValidationError) as raised:
        workplan_adopt(plan=seed_plan, meeting=som21, by=demo_users["secretariat"])
    assert raised.value.code == "not_draft"


def test_the_database_holds_one_current_plan_at_most(seed_plan, next_plan):
    next_plan.status = WorkPlan.Status.CURRENT
    with pytest.raises(IntegrityError), transaction.atomic():
        next_plan.save()


def test_the_yearly_approval_is_recorded_once_per_year_of_the_plan(seed_plan, demo_users):
    som20 = Meeting.objects.get(code="SOM20")
    chair = demo_users["chair"]
    workplan_reapprove(plan=seed_plan, year=2015, meeting=som20, by=chair)
    assert list(seed_plan.approvals.values_list("year", "meeting__code")) == [(2014, "SOM19"), (2015, "SOM20")]
    with pytest.raises(ValidationError) as raised:
        workplan_reapprove(plan=seed_plan, year=2015, meeting=som20, by=chair)
    assert raised.value.code == "already_approved"
    with pytest.raises(ValidationError) as raised:
        workplan_reapprove(plan=seed_plan, year=2016, meeting=som20, by=chair)
    assert raised.value.code == "year_outside_plan"


def test_only_a_past_plan_is_closed_and_then_refuses_every_write(seed_plan, next_plan, som21, demo_users):
    secretariat = demo_users["secretariat"]
    with pytest.raises(ValidationError) as raised:
        workplan_close(plan=seed_plan, by=secretariat)
    assert raised.value.code == "not_past"

    workplan_adopt(plan=next_plan, meeting=som21, by=secretariat)
    workplan_close(plan=seed_plan, by=secretariat)
    seed_plan.refresh_from_db()
    assert seed_plan.status == WorkPlan.Status.CLOSED and not seed_plan.is_open

    a1a = _milestone("A.1", "a", seed_plan)
    with pytest.raises(PlanClosed) as raised:
        milestone_set_status(milestone_id=a1a.pk, status="delayed", by=secretariat, expected_version=a1a.version)
    assert "The 2014–2015 work plan is closed" in str(raised.value)
    assert isinstance(raised.value, PermissionDenied)
    with pytest.raises(PlanClosed):
        workplan_reapprove(plan=seed_plan, year=2015, meeting=som21, by=secretariat)
    a1a.refresh_from_db()
    assert a1a.status != "delayed"


def test_carry_over_links_each_copy_and_leaves_the_origin_with_its_history(seed_plan, next_plan, demo_users):
    secretariat = demo_users["secretariat"]
    a1b = _milestone("A.1", "b", seed_plan)
    milestone_set_status(milestone_id=a1b.pk, status="delayed", by=secretariat, expected_version=a1b.version)
    a1b.refresh_from_db()
    history_before = a1b.history.count()
    updates_before = ProgressUpdate.objects.filter(milestone=a1b).count()
    c1c = _milestone("C.1", "c", seed_plan)
    c1c_children = list(c1c.children.order_by("order"))

    copies = milestones_carry_over(milestones=[a1b, c1c, *c1c_children], into_plan=next_plan, by=secretariat)

    copy = copies[0]
    assert copy.carried_from == a1b and copy.text == a1b.text and copy.status == Milestone.Status.NOT_STARTED
    assert copy.activity.accomplishment.work_plan == next_plan and copy.activity.code == "A.1"
    assert copy.activity.title == a1b.activity.title
    assert copy.due_meeting is None  # SOM20 falls in 2014, outside 2016–2017
    assert copy.history.first().history_user == secretariat
    assert [c.parent_id for c in copies[2:]] == [copies[1].pk] * len(c1c_children)  # sub-items under their parent
    a1b.refresh_from_db()
    assert a1b.status == "delayed" and a1b.activity.accomplishment.work_plan == seed_plan
    assert a1b.history.count() == history_before
    assert ProgressUpdate.objects.filter(milestone=a1b).count() == updates_before
    assert list(a1b.carried_into.all()) == [copy]

    again = milestones_carry_over(milestones=[a1b], into_plan=next_plan, by=secretariat)
    assert again == [copy] and Milestone.objects.filter(carried_from=a1b).count() == 1  # safe to repeat


def test_carry_over_refuses_finished_milestones_and_closed_plans(seed_plan, next_plan, demo_users):
    secretariat = demo_users["secretariat"]
    done = Milestone.objects.filter(activity__accomplishment__work_plan=seed_plan, status="completed").first()
    if done is None:
        done = _milestone("A.1", "a", seed_plan)
        milestone_set_status(milestone_id=done.pk, status="completed", completed_on="2014-05-01", by=secretariat,
                             expected_version=done.version)
    with pytest.raises(ValidationError) as raised:
        milestones_carry_over(milestones=[done], into_plan=next_plan, by=secretariat)
    assert raised.value.code == "finished"
    next_plan.status = WorkPlan.Status.CLOSED
    next_plan.save()
    with pytest.raises(PlanClosed):
        milestones_carry_over(milestones=[_milestone("A.1", "b", seed_plan)], into_plan=next_plan, by=secretariat)
    assert not Milestone.objects.filter(activity__accomplishment__work_plan=next_plan).exists()


# The pages -----------------------------------------------------------------------------------------------


def test_the_work_plans_page_lists_each_plan_with_its_status(client_as, seed_plan, next_plan):
    html = client_as("viewer").get(reverse("accomplishments:workplan-list")).content.decode()
    assert "2014–2015" in html and "2016–2017" in html and ">Current<" in html and ">Draft<" in html
    assert "Record adoption" not in html  # a viewer sees no actions
    html = client_as("secretariat").get(reverse("accomplishments:workplan-list")).content.decode()
    assert reverse("accomplishments:workplan-adopt", args=[next_plan.pk]) in html
    assert reverse("activities:carry_over", args=[next_plan.pk]) in html


def test_the_secretariat_adopts_a_draft_after_confirming(client_as, seed_plan, next_plan, som21):
    client = client_as("secretariat")
    url = reverse("accomplishments:workplan-adopt", args=[next_plan.pk])
    page = client.get(url).content.decode()
    assert "Record the adoption of the 2016–2017 plan" in page and "becomes a past plan" in page

    assert client.post(url, {}).status_code == 200  # no meeting: the form again, nothing changed
    assert WorkPlan.objects.get(pk=next_plan.pk).status == WorkPlan.Status.DRAFT

    response = client.post(url, {"meeting": som21.pk}, follow=True)
    assert "The 2016–2017 plan was adopted at SOM21 and is now current. The 2014–2015 plan is now a past plan." \
        in response.content.decode()
    assert WorkPlan.objects.get(pk=next_plan.pk).status == WorkPlan.Status.CURRENT
    assert client.post(url, {"meeting": som21.pk}).status_code == 200  # a second adoption is refused on the form
    assert WorkPlan.objects.get(pk=seed_plan.pk).status == WorkPlan.Status.PAST


def test_the_chair_records_the_yearly_approval(client_as, seed_plan):
    url = reverse("accomplishments:workplan-reapprove", args=[seed_plan.pk])
    som20 = Meeting.objects.get(code="SOM20")
    page = client_as("chair").get(url).content.decode()
    assert '<option value="2015">2015</option>' in page and '<option value="2014">' not in page
    response = client_as("chair").post(url, {"year": 2015, "meeting": som20.pk}, follow=True)
    assert "The approval of the 2014–2015 plan for 2015 by SOM20 was recorded." in response.content.decode()
    assert seed_plan.approvals.filter(year=2015, meeting=som20).exists()


@pytest.mark.parametrize("username", ["chair", "biodiversity-lead", "unido-focal", "viewer"])
def test_only_the_secretariat_adopts_and_closes(client_as, seed_plan, next_plan, som21, username):
    client = client_as(username)
    assert client.post(reverse("accomplishments:workplan-adopt", args=[next_plan.pk]),
                       {"meeting": som21.pk}).status_code == 403
    assert client.post(reverse("accomplishments:workplan-close", args=[seed_plan.pk])).status_code == 403
    assert WorkPlan.objects.get(pk=next_plan.pk).status == WorkPlan.Status.DRAFT


def test_closing_asks_first_and_refuses_the_current_plan(client_as, seed_plan, next_plan, som21, demo_users):
    client = client_as("secretariat")
    url = reverse("accomplishments:workplan-close", args=[seed_plan.pk])
    assert "read-only record" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 200 and "adopt the next plan first" in response.content.decode()
    workplan_adopt(plan=next_plan, meeting=som21, by=demo_users["secretariat"])
    response = client.post(url, follow=True)
    assert "The 2014–2015 plan is closed: it is kept as a read-only record." in response.content.decode()
    assert WorkPlan.objects.get(pk=seed_plan.pk).status == WorkPlan.Status.CLOSED


def test_the_plans_every_page_reads_follow_an_adoption_and_a_closing_at_once(client_as, seed_plan, next_plan, som21):
    """The list of plans (which is current, which closed) is kept in the shared cache: read by every page before
    and after each change, it is never stale."""
    client = client_as("secretariat")
    old = f"/plans/{seed_plan.code}"
    m = Milestone.objects.filter(activity__accomplishment__work_plan=seed_plan).first()
    assert seed_plan.title in client.get("/").content.decode() and client.get(old + "/").status_code == 200
    r = client.post(reverse("accomplishments:workplan-adopt", args=[next_plan.pk]), {"meeting": som21.pk})
    assert r.status_code == 302
    assert next_plan.title in client.get("/").content.decode()  # the new current plan, at once
    assert seed_plan.title in client.get(old + "/").content.decode()
    assert client.post(reverse("accomplishments:workplan-close", args=[seed_plan.pk])).status_code == 302
    status = client.post(f"{old}{reverse('activities:milestone-status', args=[m.pk])}",
                         {f"m{m.pk}-status": "delayed", f"m{m.pk}-version": m.version})
    assert status.status_code == 403  # closed: refused at once
    assert Milestone.objects.get(pk=m.pk).version == m.version


def test_the_carry_over_page_carries_the_chosen_milestones(client_as, seed_plan, next_plan):
    client = client_as("secretariat")
    url = reverse("activities:carry_over", args=[next_plan.pk])
    a1b, a2a = _milestone("A.1", "b", seed_plan), _milestone("A.2", "a", seed_plan)
    page = client.get(url).content.decode()
    assert f'value="{a1b.pk}"' in page and "Unfinished milestones of the 2014–2015 plan" in page

    assert client.post(url, {}).status_code == 400
    response = client.post(url, {"milestone": [a1b.pk, a2a.pk]}, follow=True)
    html = response.content.decode()
    assert "2 milestones carried over into the 2016–2017 plan." in html
    copy = Milestone.objects.get(carried_from=a1b)
    assert "Carried over as" in html and reverse("activities:milestone-detail", args=[copy.pk]) in html
    assert f'value="{a1b.pk}"' not in html  # carried already: no box to tick again
    assert client_as("viewer").get(url).status_code == 403
    assert client_as("viewer").post(url, {"milestone": [a1b.pk]}).status_code == 403


def test_a_meeting_factory_meeting_can_adopt(seed_plan, next_plan, demo_users):
    meeting = MeetingFactory(code="SOM22")
    workplan_adopt(plan=next_plan, meeting=meeting, by=demo_users["secretariat"])
    assert WorkPlan.objects.get(status=WorkPlan.Status.CURRENT) == next_plan
