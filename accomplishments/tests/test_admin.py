"""The work plan in the back office: editable (the application has no page for it), never over someone else's change.

Two people of the secretariat have the same plan's change form open; the one who saves second is
refused with what changed, by whom and when, and keeps what they typed. Meetings, members and
accomplishments, which the application edits, are read-only here.
"""
import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from accomplishments.models import ExpectedAccomplishment, Meeting, Member, WorkPlanApproval
from emgplan.admin_tools import LOCK_FIELD
from emgplan.tests.admin_helpers import admin_change_form, admin_url

pytestmark = pytest.mark.django_db

QUERIES_CHANGE_PAGE = 14  # measured: 14 (the mark: 3 of them)
QUERIES_SAVE = 22  # measured: 22 (the lock and its comparison: 2)


@pytest.fixture
def colleague(demo_users):
    """A second member of the secretariat, signed in in another browser."""
    user = User.objects.create_user("tess", first_name="Tess", last_name="Second", is_staff=True)
    user.groups.add(Group.objects.get(name="secretariat"))
    client = Client()
    client.force_login(user)
    return client


def test_a_stale_plan_form_is_refused_and_the_other_change_kept(client_as, seed_plan, colleague):
    mine = client_as("secretariat")
    my_form = admin_change_form(mine, seed_plan)
    assert my_form[LOCK_FIELD]

    theirs = admin_change_form(colleague, seed_plan)
    r = colleague.post(admin_url(seed_plan), {**theirs, "title": "Work plan 2014–2015 (as adopted)"})
    assert r.status_code == 302
    seed_plan.refresh_from_db()
    assert seed_plan.title == "Work plan 2014–2015 (as adopted)"
    assert seed_plan.history.first().history_user.username == "tess"

    r = mine.post(admin_url(seed_plan), {**my_form, "title": "My title", "status": "draft"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Not saved: Tess Second changed this record on" in html
    assert "title (now “Work plan 2014–2015 (as adopted)”)" in html
    assert 'value="My title"' in html  # what I typed is still in the form
    seed_plan.refresh_from_db()
    assert seed_plan.title == "Work plan 2014–2015 (as adopted)" and seed_plan.status == "current"

    # Having read the message, saving the form again (it now carries the current mark) goes through.
    again = r.context["adminform"].form.data.copy()
    again[LOCK_FIELD] = r.context["emg_lock_token"]
    assert mine.post(admin_url(seed_plan), again).status_code == 302
    seed_plan.refresh_from_db()
    assert seed_plan.title == "My title"
    assert seed_plan.history.first().history_user.username == "secretariat"


def test_a_fresh_plan_form_saves_with_the_real_author_in_history(client_as, seed_plan):
    client = client_as("secretariat")
    before = seed_plan.history.count()
    r = client.post(admin_url(seed_plan), {**admin_change_form(client, seed_plan), "symbol": "EMG/SOM.19/03/Rev.2"})
    assert r.status_code == 302
    seed_plan.refresh_from_db()
    assert seed_plan.symbol == "EMG/SOM.19/03/Rev.2"
    assert seed_plan.history.count() == before + 1
    latest = seed_plan.history.first()
    assert latest.history_user.username == "secretariat" and latest.history_type == "~"


def test_a_plan_form_without_its_version_mark_is_refused(client_as, seed_plan):
    client = client_as("secretariat")
    form = admin_change_form(client, seed_plan)
    del form[LOCK_FIELD]
    r = client.post(admin_url(seed_plan), {**form, "title": "Scripted"})
    assert r.status_code == 200
    assert "came without its version mark" in r.content.decode()
    r = client.post(admin_url(seed_plan), {**form, "title": "Scripted", LOCK_FIELD: "forged"})
    assert "version mark is not valid" in r.content.decode()
    seed_plan.refresh_from_db()
    assert seed_plan.title != "Scripted"


def test_an_approval_added_meanwhile_is_not_lost(client_as, seed_plan, colleague):
    """The approvals inline is part of what the form saves, so a change to it meanwhile is a conflict too."""
    mine = client_as("secretariat")
    my_form = admin_change_form(mine, seed_plan)
    approvals = WorkPlanApproval.objects.filter(work_plan=seed_plan)
    count = approvals.count()
    theirs = admin_change_form(colleague, seed_plan)
    prefix = "approvals"
    n = int(theirs[f"{prefix}-TOTAL_FORMS"])
    meeting = Meeting.objects.exclude(approvals__work_plan=seed_plan).order_by("start_date").first()
    r = colleague.post(admin_url(seed_plan), {**theirs, f"{prefix}-TOTAL_FORMS": n + 1,
                                              f"{prefix}-{n}-year": 2016, f"{prefix}-{n}-meeting": meeting.pk,
                                              f"{prefix}-{n}-work_plan": seed_plan.pk})
    assert r.status_code == 302, r.context["errors"] if r.context else r
    assert approvals.count() == count + 1
    assert WorkPlanApproval.history.get(year=2016).history_user.username == "tess"  # the inline's author too

    r = mine.post(admin_url(seed_plan), {**my_form, "title": "Mine"})
    assert r.status_code == 200
    assert "work plan approvals" in r.content.decode()
    assert approvals.count() == count + 1
    seed_plan.refresh_from_db()
    assert seed_plan.title != "Mine"


@pytest.mark.parametrize("model", [Meeting, Member, ExpectedAccomplishment])
def test_what_the_app_edits_is_read_only_in_the_admin(client_as, seed_plan, model):
    client = client_as("secretariat")
    obj = model.objects.order_by("pk").first()
    page = client.get(admin_url(obj)).content.decode()
    assert "Open it in the application" in page and 'name="_save"' not in page
    assert client.post(admin_url(obj), {}).status_code == 403
    assert client.post(admin_url(obj, "delete"), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_save_waits_for_a_writer_holding_the_row_then_sees_its_change(seed_plan, demo_users):
    """The comparison happens under the row lock: a save that arrives while another transaction is changing
    the plan waits for it to commit, then compares with what it wrote (no check-then-write gap)."""
    import threading

    from django.db import connection, transaction

    from accomplishments.models import WorkPlan

    other = User.objects.create_user("tess", first_name="Tess", last_name="Second", is_staff=True)
    client = Client()
    client.force_login(demo_users["secretariat"])
    stale = admin_change_form(client, seed_plan)
    locked, go, answers = threading.Event(), threading.Event(), []

    def writer():
        try:
            with transaction.atomic():
                plan = WorkPlan.objects.select_for_update().get(pk=seed_plan.pk)
                locked.set()
                go.wait(10)
                plan.title = "Changed while the form was open"
                plan._history_user = other
                plan.save()
        finally:
            connection.close()

    def admin_save():
        try:
            answers.append(client.post(admin_url(seed_plan), {**stale, "title": "Mine"}))
        finally:
            connection.close()

    holder = threading.Thread(target=writer)
    holder.start()
    assert locked.wait(10)
    saver = threading.Thread(target=admin_save)
    saver.start()
    saver.join(1.0)
    assert saver.is_alive() and not answers  # waiting on the lock, not comparing with a row about to change
    go.set()
    holder.join(10)
    saver.join(20)
    assert len(answers) == 1 and answers[0].status_code == 200
    assert "Not saved: Tess Second changed this record" in answers[0].content.decode()
    assert WorkPlan.objects.get(pk=seed_plan.pk).title == "Changed while the form was open"


def test_the_version_mark_costs_a_few_queries(client_as, seed_plan, django_assert_max_num_queries):
    """The mark reads the row's many-to-many fields, its editable inlines and its latest history row."""
    client = client_as("secretariat")
    client.get(admin_url(seed_plan))  # warm the content-type and session caches
    with django_assert_max_num_queries(QUERIES_CHANGE_PAGE):
        assert client.get(admin_url(seed_plan)).status_code == 200
    form = admin_change_form(client, seed_plan)
    with django_assert_max_num_queries(QUERIES_SAVE):
        assert client.post(admin_url(seed_plan), {**form, "title": "Renamed"}).status_code == 302
