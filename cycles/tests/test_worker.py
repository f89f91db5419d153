"""The periodic reminder task runs on a real Celery worker against the test database.

Needs PostgreSQL and a broker (EMG_TEST_BROKER_URL); skips without them unless EMG_REQUIRE_POSTGRES=1.
"""
import pytest
from django.conf import settings as django_settings

from accomplishments.models import Meeting, WorkPlan
from cycles.models import ReminderSent, ReportingCycle
from devtools.testing import start_worker, wait_for

from .conftest import CUT_OFF, PERIOD_START, REVIEW

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A real worker on the test database and broker, on the real date, e-mailing to its console."""
    log, stop = start_worker(tmp_path, "cycles", EMG_TODAY="",
                             EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
    yield log
    stop()


def test_periodic_reminder_task_runs_on_a_real_worker(worker, seed_plan):
    from cycles.tasks import send_reminders

    cycle = ReportingCycle.objects.create(
        work_plan=WorkPlan.objects.get(symbol="EMG/SOM.19/03/Rev.1"), meeting=Meeting.objects.get(code="SOM20"),
        period_start=PERIOD_START, cut_off=CUT_OFF, review_deadline=REVIEW)
    entry = django_settings.CELERY_BEAT_SCHEDULE["cycles-send-reminders"]
    day = "2014-08-15"  # 14 days before the cut-off
    send_reminders.apply_async(kwargs={"today": day}, **entry.get("options", {}))
    assert wait_for(lambda: ReminderSent.objects.filter(cycle=cycle).exists(), 60), worker.read_text()[-3000:]
    log = worker.read_text()
    assert wait_for(lambda: "succeeded" in worker.read_text(), 30)
    log = worker.read_text()
    assert "Task cycles.tasks.send_reminders[" in log
    assert "SOM20: progress on" in log  # the digest went through Django's e-mail backend in the worker
    assert set(ReminderSent.objects.filter(cycle=cycle).values_list("kind", flat=True)) == {"lead_digest"}
    send_reminders.apply_async(kwargs={"today": day})  # a second beat on the same day sends nothing
    assert wait_for(lambda: worker.read_text().count("succeeded") >= 2, 60)
    assert "succeeded in" in worker.read_text() and ": 0" in worker.read_text().split("succeeded")[-1][:80]
