"""Two plans side by side: every page shows the plan its address names (the current one by default), and a
closed plan is a read-only record whatever the address."""
import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from accomplishments.models import WorkPlan
from accomplishments.tests.factories import ExpectedAccomplishmentFactory, MeetingFactory, WorkPlanFactory
from activities.models import Activity, Contribution, LeadBody, Milestone, ProgressUpdate
from activities.tests.factories import ActivityFactory, MilestoneFactory
from cycles.models import ReportingCycle
from reports.models import Report

pytestmark = pytest.mark.django_db

OLD = "/plans/2012-2013"
OLD_TITLE = "Stocktaking of the 2012 mercury work"
OLD_TEXT = "An unfinished milestone of the 2012–2013 plan"


@pytest.fixture
def old_plan(seed_plan, demo_users):
    """A closed 2012–2013 plan with one activity (led by the biodiversity IMG), a milestone, a submitted update,
    a contribution, a cycle and a report."""
    plan = WorkPlanFactory(title="EMG work plan 2012–2013", symbol="EMG/SOM.17/03", first_year=2012,
                           last_year=2013, status=WorkPlan.Status.PAST)
    ea = ExpectedAccomplishmentFactory(work_plan=plan, code="A", category="Old category", order=1)
    activity = ActivityFactory(accomplishment=ea, number=1, title=OLD_TITLE,
                               lead_body=LeadBody.objects.get(short_name="IMG Biodiversity"))
    milestone = MilestoneFactory(activity=activity, label="a", text=OLD_TEXT, status="on_track",
                                 due_date=datetime.date(2013, 5, 1))
    ProgressUpdate.objects.create(activity=activity, milestone=milestone, author=demo_users["biodiversity-lead"],
                                  period_start=datetime.date(2013, 1, 1), period_end=datetime.date(2013, 3, 31),
                                  reported_status="on_track", narrative="Old narrative.", review_state="submitted")
    Contribution.objects.create(member=demo_users["unido-focal"].focal_for.first(), activity=activity, kind="time",
                                year=2013, staff_days=7)
    som18 = MeetingFactory(code="SOM18", start_date=datetime.date(2012, 9, 20))
    ReportingCycle.objects.create(work_plan=plan, meeting=som18, period_start=datetime.date(2012, 1, 1),
                                  cut_off=datetime.date(2012, 8, 31), review_deadline=datetime.date(2012, 9, 10),
                                  opened_by=demo_users["secretariat"])
    Report.objects.create(work_plan=plan, kind="som", meeting=som18, as_of=datetime.date(2012, 9, 1),
                          symbol="EMG/SOM.18/3", issued_on=datetime.date(2012, 9, 1), state="ready",
                          snapshot={"symbol": "EMG/SOM.18/3"})
    plan.status = WorkPlan.Status.CLOSED
    plan.save()
    return plan


def _old_milestone():
    return Milestone.objects.get(text=OLD_TEXT)


@pytest.mark.parametrize("path", ["/", "/milestones/", "/dashboard/", "/timeline/", "/contributions/", "/reports/",
                                  "/cycles/", "/search/?q=stocktaking"])
def test_each_page_shows_the_plan_its_address_names(client_as, old_plan, path):
    client = client_as("secretariat")
    current = client.get(path).content.decode()
    old = client.get(OLD + path)
    assert old.status_code == 200
    old = old.content.decode()
    assert "You are viewing the 2012–2013 plan (closed): read-only." in old
    assert "You are viewing" not in current
    if path in ("/", "/milestones/", "/timeline/"):
        assert OLD_TEXT in old and OLD_TEXT not in current
    if path == "/reports/":
        assert "EMG/SOM.18/3" in old and "EMG/SOM.18/3" not in current
    if path == "/cycles/":
        assert "SOM18" in old and "SOM18" not in current
    if path == "/contributions/":
        assert "data-total-days>7<" in old and "data-total-days>7<" not in current


def test_links_keep_the_plan_and_the_prefix_ends_with_the_request(client_as, old_plan):
    html = client_as("viewer").get(OLD + "/").content.decode()
    assert f'href="{OLD}/dashboard/"' in html and f'href="{OLD}/milestones/"' in html
    assert '/plans/2012-2013/static/' not in html  # static files are not under the plan
    assert reverse("overview:dashboard") == "/dashboard/"  # the next reverse() is the current plan's again


def test_the_switcher_offers_each_plan(client_as, old_plan):
    html = client_as("viewer").get("/milestones/").content.decode()
    assert 'id="plan-switcher"' in html
    assert f'href="{OLD}/milestones/"' in html and 'href="/milestones/"' in html
    detail = client_as("viewer").get(reverse("activities:activity-detail",
                                             args=[Activity.objects.filter(accomplishment__code="A").first().pk]))
    assert f'href="{OLD}/"' in detail.content.decode()  # a page about one object: the other plan's home


def test_an_unknown_plan_is_404(client_as, old_plan):
    assert client_as("viewer").get("/plans/1999-2000/").status_code == 404


def test_lead_and_review_pages_are_scoped_to_the_plan(client_as, old_plan):
    lead = client_as("biodiversity-lead")
    assert OLD_TEXT in lead.get(OLD + "/my-work/").content.decode()
    assert OLD_TEXT not in lead.get("/my-work/").content.decode()
    secretariat = client_as("secretariat")
    assert "Old narrative" not in secretariat.get("/review/").content.decode()
    assert "Old narrative" in secretariat.get(OLD + "/review/").content.decode()


def _status_post(client, prefix, milestone):
    return client.post(f"{prefix}{reverse('activities:milestone-status', args=[milestone.pk])}",
                       {f"m{milestone.pk}-status": "delayed", f"m{milestone.pk}-version": milestone.version})


@pytest.mark.parametrize("prefix", [OLD, ""])
def test_a_closed_plan_refuses_writes_whatever_the_address(client_as, old_plan, prefix):
    m = _old_milestone()
    update = ProgressUpdate.objects.get(milestone=m)
    secretariat = client_as("secretariat")
    before = (m.status, m.version, Milestone.objects.count(), Contribution.objects.count(), update.review_state)

    assert _status_post(secretariat, prefix, m).status_code == 403
    assert secretariat.post(f"{prefix}/milestones/{m.pk}/edit/", {"text": "Changed", "label": "a",
                                                                  "version": m.version}).status_code == 403
    assert secretariat.post(f"{prefix}/milestones/{m.pk}/delete/", {"version": m.version}).status_code == 403
    assert secretariat.post(f"{prefix}/progress/{update.pk}/accept/").status_code == 403
    assert secretariat.post(f"{prefix}/progress/new/?milestone={m.pk}", {
        "period_start": "2013-04-01", "period_end": "2013-06-30", "reported_status": "on_track",
        "narrative": "x"}).status_code == 403
    assert _status_post(client_as("biodiversity-lead"), prefix, m).status_code == 403

    m.refresh_from_db()
    update.refresh_from_db()
    assert (m.status, m.version, Milestone.objects.count(), Contribution.objects.count(),
            update.review_state) == before


def test_a_closed_plans_cycle_sends_no_reminders(old_plan):
    from cycles.selectors import cycles_open

    assert ReportingCycle.objects.filter(work_plan=old_plan, status="open").exists()
    assert old_plan.pk not in {c.work_plan_id for c in cycles_open()}
    old_plan.status = WorkPlan.Status.PAST
    old_plan.save()
    assert old_plan.pk in {c.work_plan_id for c in cycles_open()}


def test_the_loader_does_not_update_a_closed_plan(old_plan, tmp_path, capsys):
    from django.core.management import call_command

    from workplans.loading import SEED_FILE

    seed = WorkPlan.objects.get(symbol="EMG/SOM.19/03/Rev.1")
    seed.status = WorkPlan.Status.CLOSED
    seed.save()
    title = seed.title
    path = tmp_path / "workplan.yaml"
    path.write_text(SEED_FILE.read_text(encoding="utf-8").replace(title, "A new title"), encoding="utf-8")
    call_command("load_workplan", file=path, update=True)
    assert "the 2014–2015 plan is closed, a read-only record; not updated" in capsys.readouterr().out
    assert WorkPlan.objects.get(pk=seed.pk).title == title


def _activity_select(html):
    start = html.index('name="activity"')
    return html[start:html.index("</select>", start)]


def test_forms_offer_only_the_plans_own_activities(client_as, old_plan):
    old_plan.status = WorkPlan.Status.PAST
    old_plan.save()
    option = f'<option value="{Activity.objects.get(title=OLD_TITLE).pk}"'
    client = client_as("secretariat")
    current = _activity_select(client.get("/milestones/new/").content.decode())
    old = _activity_select(client.get(OLD + "/milestones/new/").content.decode())
    assert option not in current and current.count("<option") == 1 + 10  # the blank choice and the seed's ten
    assert option in old and old.count("<option") == 1 + 1
    edit = _activity_select(client.get(f"/milestones/{_old_milestone().pk}/edit/").content.decode())
    assert f"{option} selected" in edit and edit.count("<option") == 2  # the row's own plan


def test_a_closed_plan_shows_no_write_buttons(client_as, old_plan):
    m = _old_milestone()
    html = client_as("secretariat").get(f"{OLD}/milestones/{m.pk}/").content.decode()
    assert OLD_TEXT in html
    assert f"/milestones/{m.pk}/edit/" not in html and f"/milestones/{m.pk}/status/" not in html


def test_every_post_under_a_closed_plan_is_refused(client_as, old_plan):
    response = client_as("secretariat").post(OLD + reverse("accomplishments:meeting-create"), {
        "code": "SOM99", "name": "x", "start_date": "2013-01-01", "end_date": "2013-01-01"})
    assert response.status_code == 403
    assert "closed" in response.content.decode()


def test_a_past_plan_that_is_not_closed_can_still_be_completed(client_as, old_plan):
    old_plan.status = WorkPlan.Status.PAST
    old_plan.save()
    m = _old_milestone()
    response = _status_post(client_as("biodiversity-lead"), OLD, m)
    assert response.status_code in (200, 302)
    m.refresh_from_db()
    assert m.status == "delayed"


def test_query_counts_stay_the_same_with_a_second_plan(client_as, seed_plan, django_assert_max_num_queries,
                                                       demo_users):
    from overview.tests.test_queries import BOUND

    client = client_as("viewer")
    pages = [*BOUND, "activities:plan", "reports:list", "cycles:cycle-list"]

    def measure():
        cache.clear()  # each page built, not served from the fragment cache
        counts = {}
        for name in pages:
            with django_assert_max_num_queries(40) as ctx:
                assert client.get(reverse(name)).status_code == 200
            counts[name] = len(ctx.captured_queries)
        return counts

    client.get("/")  # warm the session
    one = measure()
    WorkPlanFactory(title="Next", symbol="EMG/SOM.21/03", first_year=2016, last_year=2017)
    second = WorkPlanFactory(title="Old", symbol="EMG/SOM.17/03", first_year=2012, last_year=2013,
                             status=WorkPlan.Status.CLOSED)
    ExpectedAccomplishmentFactory(work_plan=second, code="A")
    assert measure() == one
