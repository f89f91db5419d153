"""One clock: in a replay (EMG_TODAY) what users do is stamped on the replayed date, in the record and its history."""
import datetime

import pytest
from django.urls import reverse

from activities.models import Milestone, ProgressUpdate
from emgplan import clock

pytestmark = pytest.mark.django_db


def test_now_is_the_real_moment_without_a_replay(settings):
    settings.EMG_TODAY = ""
    assert abs((clock.now() - datetime.datetime.now(datetime.UTC)).total_seconds()) < 5


def test_now_keeps_the_time_of_day_on_the_replayed_date(settings):
    settings.EMG_TODAY = "2014-09-10"
    assert clock.now().date() == datetime.date(2014, 9, 10)
    assert clock.now().tzinfo is not None


def test_a_review_in_a_replay_is_dated_on_the_replayed_day(settings, client_as, seed_plan):
    settings.EMG_TODAY = "2014-09-10"
    m = Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, parent=None, label="b")
    lead = client_as("biodiversity-lead")
    r = lead.post(reverse("activities:update-create") + f"?milestone={m.pk}", {
        "period_start": "2014-07-01", "period_end": "2014-08-31", "reported_status": "completed",
        "narrative": "Approach agreed by the IMG.", "evidence_links": "", "submit": "1",
        **_form_key(lead, m)})
    assert r.status_code == 302, r.content.decode()[:2000]
    update = ProgressUpdate.objects.get(narrative="Approach agreed by the IMG.")
    secretariat = client_as("secretariat")
    assert secretariat.post(reverse("activities:update-accept", args=[update.pk])).status_code == 302
    update.refresh_from_db()
    m.refresh_from_db()
    assert update.submitted_at.date() == update.reviewed_at.date() == datetime.date(2014, 9, 10)
    assert m.status == "completed" and m.completed_on == datetime.date(2014, 8, 31)
    latest = m.history.order_by("-history_date", "-history_id").first()
    assert latest.status == "completed" and latest.history_date.date() == datetime.date(2014, 9, 10)
    assert {h.history_date.date() for h in update.history.all()} == {datetime.date(2014, 9, 10)}


def _form_key(client, milestone):
    """The one-time key the create form carries, read from the form as a browser would."""
    import re

    page = client.get(reverse("activities:update-create") + f"?milestone={milestone.pk}").content.decode()
    match = re.search(r'name="form_key" value="([^"]+)"', page)
    return {"form_key": match.group(1)} if match else {}
