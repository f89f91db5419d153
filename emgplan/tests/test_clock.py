"""One clock: in a replay (EMG_TODAY) what users do is stamped on the replayed date, in the record and its history."""
import datetime
import re

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

    page = client.get(reverse("activities:update-create") + f"?milestone={milestone.pk}").content.decode()
    match = re.search(r'name="form_key" value="([^"]+)"', page)
    return {"form_key": match.group(1)} if match else {}


DATE_RE = r"\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* (\d{4})\b"


def _years_shown(html: str) -> set[int]:

    return {int(y) for y in re.findall(DATE_RE, html)}


def test_a_replayed_review_shows_only_replayed_dates_on_every_page(settings, client_as, seed_plan):
    """The dashboard, the review queue, the author's notices and the update's history: all on the replayed clock."""
    settings.EMG_TODAY = "2014-09-10"
    real_year = datetime.date.today().year
    m = Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, parent=None, label="b")
    lead = client_as("biodiversity-lead")
    lead.post(reverse("activities:update-create") + f"?milestone={m.pk}", {
        "period_start": "2014-07-01", "period_end": "2014-08-31", "reported_status": "on_track",
        "narrative": "Replayed review.", "evidence_links": "", "submit": "1", **_form_key(lead, m)})
    update = ProgressUpdate.objects.get(narrative="Replayed review.")
    assert update.created_at.date() == datetime.date(2014, 9, 10)

    secretariat = client_as("secretariat")
    queue = secretariat.get(reverse("activities:review-queue")).content.decode()
    assert "10 Sep 2014" in queue and real_year not in _years_shown(queue)
    assert secretariat.post(reverse("activities:update-accept", args=[update.pk])).status_code == 302

    dashboard = secretariat.get(reverse("overview:dashboard")).content.decode()
    assert real_year not in _years_shown(dashboard)
    detail = secretariat.get(reverse("activities:update-detail", args=[update.pk])).content.decode()
    history = detail[detail.index('id="history-heading"'):]
    assert "10 Sep 2014" in history and real_year not in _years_shown(history)
    # Times to the minute and people by name, in the rows and in the changed values.
    assert not re.search(r"\d{2}:\d{2}:\d{2}", history)
    update.refresh_from_db()
    sec_user = update.reviewer
    assert (sec_user.get_full_name() or sec_user.username) in history

    lead = client_as("biodiversity-lead")
    notices = lead.get(reverse("accounts:notice-list")).content.decode()
    assert "was accepted" in notices and "10 Sep 2014" in notices and real_year not in _years_shown(notices)
    lead.post(reverse("accounts:notice-read-all"))
    assert {n.read_at.date() for n in update.author.notices.all()} == {datetime.date(2014, 9, 10)}


def test_a_report_page_tells_the_jobs_times_on_the_replayed_day(settings, client_as, seed_plan):
    """The job's own times stay real (dead-worker detection compares them), but are shown on the app's clock."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from accomplishments.models import Meeting, WorkPlan
    from reports.services import report_request

    settings.EMG_TODAY = "2014-09-10"
    chair = client_as("chair")
    report = report_request(by=User.objects.get(username="chair"), plan=WorkPlan.objects.get(), kind="som",
                            meeting=Meeting.objects.get(code="SOM20"), as_of=datetime.date(2014, 9, 1),
                            symbol="EMG/SOM.20/3", issued_on=datetime.date(2014, 9, 10))
    assert report.requested_at.year == timezone.now().year  # recorded on the real clock
    for url in (reverse("reports:detail", args=[report.pk]), reverse("reports:list")):
        page = chair.get(url).content.decode()
        assert "10 Sep 2014" in page, url
        assert f" {timezone.now().year} " not in page.replace("\n", " "), url
