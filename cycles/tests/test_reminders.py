"""A simulated month around the SOM20 cut-off on the seed plan, with a frozen clock."""
import datetime
from collections import Counter
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from accomplishments.models import Meeting
from accounts.models import Notice, Profile
from activities.models import LeadBody
from cycles.models import ReminderSent
from cycles.selectors import cycle_milestones
from cycles.services import reminders_send
from decisions.models import ActionUpdate
from emgplan import clock

from .conftest import CUT_OFF, milestone, update

pytestmark = pytest.mark.django_db


def _leads_with_missing(cycle):
    bodies = {m.activity.lead_body_id for m in cycle_milestones(cycle).select_related("activity")
              if m.cycle_state == "missing" and m.activity.lead_body_id}
    return {u.username for b in LeadBody.objects.filter(pk__in=bodies) for u in b.leads.all()}


def _run_day(day, capture):
    with time_machine.travel(datetime.datetime(day.year, day.month, day.day, 7, tzinfo=datetime.UTC), tick=False):
        assert clock.configured_today() == day
        with capture(execute=True):
            return reminders_send(today=clock.configured_today())


def test_a_month_around_the_som20_cut_off(som20_cycle, demo_users, django_capture_on_commit_callbacks):
    users = demo_users
    # The biodiversity IMG files and gets everything accepted after the first digest.
    a1 = [milestone("A.1", label) for label in "abcd"]
    Profile.objects.update_or_create(user=users["greeneconomy-lead"], defaults={"email_reminders": False})
    expected_leads = _leads_with_missing(som20_cycle)
    assert {"biodiversity-lead", "greeneconomy-lead", "esm-lead"} <= expected_leads

    sent_on = {}
    day = CUT_OFF - datetime.timedelta(days=20)
    while day <= CUT_OFF + datetime.timedelta(days=12):
        if day == CUT_OFF - datetime.timedelta(days=10):
            for m in a1:
                update(m, state="accepted", author=users["biodiversity-lead"], reviewer=users["secretariat"],
                       end=datetime.date(2014, 8, 15))
        for r in _run_day(day, django_capture_on_commit_callbacks):
            sent_on.setdefault((r.user.username, r.kind, r.offset), []).append(day)
        assert _run_day(day, django_capture_on_commit_callbacks) == []  # a rerun on the same day sends nothing
        day += datetime.timedelta(days=1)

    assert all(len(days) == 1 for days in sent_on.values()), sent_on  # exactly once each
    digests = {(user, offset): days[0] for (user, kind, offset), days in sent_on.items() if kind == "lead_digest"}
    d = datetime.timedelta
    for lead in expected_leads:
        assert digests[(lead, 14)] == CUT_OFF - d(days=14)
        if lead != "biodiversity-lead":  # nothing missing any more after the 19th
            assert digests[(lead, 7)] == CUT_OFF - d(days=7)
            assert digests[(lead, 1)] == CUT_OFF - d(days=1)
    assert ("biodiversity-lead", 7) not in digests and ("biodiversity-lead", 1) not in digests
    assert {user for user, _ in digests} == expected_leads
    assert sent_on[("secretariat", "missing", -1)] == [CUT_OFF + d(days=1)]
    assert sent_on[("chair", "chair_summary", -7)] == [CUT_OFF + d(days=7)]
    assert not any(kind == "review" for _, kind, _ in sent_on)  # nothing waited for review
    assert ReminderSent.objects.count() == len(sent_on)

    # E-mails: one per reminder, except to the lead who turned them off; the notices are all there.
    to = Counter(message.to[0] for message in mail.outbox)
    assert to["greeneconomy-lead@emg.example.org"] == 0
    assert Notice.objects.filter(user=users["greeneconomy-lead"], subject__startswith="SOM20").count() == 3
    assert to["esm-lead@emg.example.org"] == 3 and to["biodiversity-lead@emg.example.org"] == 1
    assert to["secretariat@emg.example.org"] == 1 and to["chair@emg.example.org"] == 1
    assert len(mail.outbox) == len(sent_on) - 3

    digest = next(m for m in mail.outbox if m.to == ["esm-lead@emg.example.org"])
    html = digest.alternatives[0][0]
    assert "SOM20" in digest.subject and "29 August 2014" in digest.body and "29 August 2014" in html
    c1a = milestone("C.1", "a")
    assert f"https://emg.example.org/milestones/{c1a.pk}/" in digest.body
    assert f'href="https://emg.example.org/milestones/{c1a.pk}/"' in html
    chair = next(m for m in mail.outbox if m.to == ["chair@emg.example.org"])
    assert "% complete" in chair.subject and "IMG on biodiversity" in chair.body.replace("IMG on Biodiversity",
                                                                                           "IMG on biodiversity")


def test_submitted_updates_waiting_more_than_five_days_remind_the_secretariat(
        som20_cycle, demo_users, django_capture_on_commit_callbacks):
    submitted = datetime.datetime(2014, 8, 2, 9, tzinfo=datetime.UTC)
    update(milestone("A.2", "a"), state="submitted", author=demo_users["greeneconomy-lead"], submitted_at=submitted)

    def review_on(day):
        return [r.user.username for r in _run_day(day, django_capture_on_commit_callbacks) if r.kind == "review"]

    assert review_on(datetime.date(2014, 8, 7)) == []  # waited 5 days: not yet
    assert review_on(datetime.date(2014, 8, 8)) == ["secretariat"]
    # At most once per person, cycle and week (weeks counted from the cut-off).
    assert [review_on(datetime.date(2014, 8, day)) for day in range(9, 15)] == [[]] * 6
    assert review_on(datetime.date(2014, 8, 15)) == ["secretariat"]
    review = next(m for m in mail.outbox if "waiting for review" in m.subject)
    assert "A.2(a)" in review.body and "/progress/" in review.body


def test_closed_cycles_send_nothing(som20_cycle, demo_users, django_capture_on_commit_callbacks):
    from cycles.services import cycle_close

    cycle_close(cycle=som20_cycle, by=demo_users["secretariat"])
    assert _run_day(CUT_OFF - datetime.timedelta(days=14), django_capture_on_commit_callbacks) == []


def test_command_dry_run_prints_and_sends_nothing(som20_cycle):
    out = StringIO()
    call_command("send_reminders", "--dry-run", "--today", "2014-08-15", stdout=out)
    text = out.getvalue()
    assert "Would send lead_digest [SOM20, offset 14] to esm-lead" in text
    assert ReminderSent.objects.count() == 0 and Notice.objects.count() == 0 and not mail.outbox
    out = StringIO()
    call_command("send_reminders", "--today", "2014-08-15", stdout=out)
    assert "Sent lead_digest" in out.getvalue() and ReminderSent.objects.count() > 0
    out = StringIO()
    call_command("send_reminders", "--today", "2014-08-15", stdout=out)
    assert "Sent 0 reminder(s)" in out.getvalue()


def test_unique_record_refuses_a_second_beat(som20_cycle, demo_users):
    from django.db import IntegrityError, transaction

    ReminderSent.objects.create(user=demo_users["esm-lead"], cycle=som20_cycle, kind="lead_digest", offset=14,
                                sent_on=datetime.date(2014, 8, 15))
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSent.objects.create(user=demo_users["esm-lead"], cycle=som20_cycle, kind="lead_digest", offset=14,
                                    sent_on=datetime.date(2014, 8, 16))


def test_open_emg_actions_due_at_the_meeting_are_in_their_leads_digests(
        seed_plan, demo_users, django_capture_on_commit_callbacks):
    """A cycle before SOM21 reminds each lead of the SOM20 actions of their body due at SOM21 that are open or in
    progress and have no progress submitted or accepted in the cycle; done actions and those due elsewhere are left
    out. A lead with only actions to report on gets a digest too."""
    from activities.models import Milestone
    from cycles.models import ReportingCycle
    from decisions.tests.factories import action_update, som20_action

    users = demo_users
    start, cut_off = datetime.date(2014, 10, 1), datetime.date(2015, 8, 28)
    cycle = ReportingCycle.objects.create(
        work_plan=seed_plan, meeting=Meeting.objects.get(code="SOM21"), period_start=start, cut_off=cut_off,
        review_deadline=datetime.date(2015, 9, 11), opened_by=users["secretariat"])
    # Green Economy's milestones were all completed before the cycle: only its actions are left to remind.
    Milestone.objects.filter(activity__lead_body__short_name="IMG Green Economy").update(
        status="completed", completed_on=datetime.date(2014, 9, 1))
    bio_open = som20_action(1)
    som20_action(2, status="done")  # done: nothing to remind
    som20_action(3, due="SOM20")  # due at another meeting
    bio_filed = som20_action(4, status="in_progress")
    ge_old = som20_action(5, lead="IMG Green Economy")
    ge_returned = som20_action(6, lead="IMG Green Economy", status="in_progress")
    ge_accepted = som20_action(7, lead="IMG Green Economy")
    lead_ge, lead_bio = users["greeneconomy-lead"], users["biodiversity-lead"]
    filed = action_update(bio_filed, author=lead_bio, state="submitted")  # filed in the cycle: not reminded
    old = action_update(ge_old, author=lead_ge, state="accepted", reviewer=users["secretariat"])
    ActionUpdate.objects.filter(pk=old.pk).update(submitted_at=datetime.datetime(2014, 9, 20, tzinfo=datetime.UTC))
    action_update(ge_returned, author=lead_ge, state="returned", reviewer=users["secretariat"])
    action_update(ge_accepted, author=lead_ge, state="accepted", reviewer=users["secretariat"])
    ActionUpdate.objects.filter(pk=filed.pk).update(submitted_at=datetime.datetime(2015, 3, 2, tzinfo=datetime.UTC))
    ActionUpdate.objects.exclude(pk__in=[old.pk, filed.pk]).update(
        submitted_at=datetime.datetime(2015, 3, 2, tzinfo=datetime.UTC))

    sent = [r for r in _run_day(cut_off - datetime.timedelta(days=14), django_capture_on_commit_callbacks)
            if r.kind == "lead_digest"]
    by_user = {r.user.username: r for r in sent}
    actions_of = {name: [i.label for _, items in r.extra["other_work"] for i in items] for name, r in by_user.items()}
    assert actions_of["greeneconomy-lead"] == [ge_old.reference, ge_returned.reference]
    assert actions_of["biodiversity-lead"] == [bio_open.reference]
    assert actions_of["esm-lead"] == []
    ge = by_user["greeneconomy-lead"]
    assert ge.items == [] and ge.subject == "SOM21: progress on 2 EMG actions due by 28 August 2015"
    bio = by_user["biodiversity-lead"]
    assert bio.items and bio.subject == f"SOM21: progress on {len(bio.items)} milestones and 1 EMG action due by " \
                                        "28 August 2015"
    assert ReminderSent.objects.get(user=lead_ge, cycle=cycle).items == 2

    message = next(m for m in mail.outbox if m.to == ["greeneconomy-lead@emg.example.org"])
    html = message.alternatives[0][0]
    assert "These milestones" not in message.body
    assert "Actions of the senior officials due at SOM21 that your body leads, with no progress reported since " \
           "1 October 2014:" in message.body
    assert f"https://emg.example.org/decisions/{ge_old.pk}/" in message.body
    assert f'<a href="https://emg.example.org/decisions/{ge_returned.pk}/">SOM20 action 6</a> (in progress)' in html
    assert Notice.objects.get(user=lead_ge).subject == ge.subject
    # Reported on in the cycle: the next digest leaves it out.
    action_update(ge_old, author=lead_ge, state="submitted")
    again = [r for r in _run_day(cut_off - datetime.timedelta(days=7), django_capture_on_commit_callbacks)
             if r.user == lead_ge]
    assert [i.label for _, items in again[0].extra["other_work"] for i in items] == [ge_returned.reference]


def test_progress_on_emg_actions_waiting_for_review_reminds_the_secretariat(
        som20_cycle, demo_users, django_capture_on_commit_callbacks):
    """Progress on an EMG action waiting more than five days joins the review reminder; alone, it sends one."""
    from decisions.tests.factories import action_update, som20_action

    waiting = action_update(som20_action(1), author=demo_users["biodiversity-lead"], state="submitted")
    ActionUpdate.objects.filter(pk=waiting.pk).update(
        submitted_at=datetime.datetime(2014, 8, 2, 9, tzinfo=datetime.UTC))

    def review_on(day):
        return [r for r in _run_day(day, django_capture_on_commit_callbacks) if r.kind == "review"]

    assert review_on(datetime.date(2014, 8, 7)) == []  # waited 5 days: not yet
    sent = review_on(datetime.date(2014, 8, 8))
    assert [r.user.username for r in sent] == ["secretariat"]
    assert sent[0].items == [] and [i.label for _, items in sent[0].extra["other_work"] for i in items] == [
        "SOM20 action 1"]
    assert ReminderSent.objects.get(kind="review").items == 1
    message = next(m for m in mail.outbox if "waiting for review" in m.subject)
    assert message.subject == "[EMG] SOM20: 1 progress update waiting for review more than 5 days"
    assert "1 progress update for SOM20 (cut-off 29 August 2014, review deadline 12 September 2014) has waited" \
        in message.body
    assert "Actions of the senior officials:\n\n- SOM20 action 1, reported by Bea Biodiversity (in progress)" \
        in message.body
    assert f"https://emg.example.org/decisions/{waiting.decision_id}/" in message.alternatives[0][0]
    # Accepted meanwhile: the next week's reminder has nothing to say.
    ActionUpdate.objects.filter(pk=waiting.pk).update(review_state="accepted", reviewer=demo_users["secretariat"])
    assert review_on(datetime.date(2014, 8, 15)) == []
