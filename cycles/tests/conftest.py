import datetime

import pytest

from accomplishments.models import Meeting
from activities.models import Activity, Milestone, ProgressUpdate
from cycles.models import ReportingCycle

CUT_OFF = datetime.date(2014, 8, 29)
REVIEW = datetime.date(2014, 9, 12)
PERIOD_START = datetime.date(2014, 1, 1)


@pytest.fixture(autouse=True)
def _real_clock(settings):
    settings.EMG_TODAY = ""
    settings.SITE_URL = "https://emg.example.org"


@pytest.fixture
def som20_cycle(seed_plan, demo_users):
    return ReportingCycle.objects.create(
        work_plan=seed_plan, meeting=Meeting.objects.get(code="SOM20"), period_start=PERIOD_START,
        cut_off=CUT_OFF, review_deadline=REVIEW, opened_by=demo_users["secretariat"])


def milestone(code, label="a", sub=None):
    letter, number = code.split(".")
    activity = Activity.objects.get(accomplishment__code=letter, number=int(number),
                                    accomplishment__work_plan__symbol="EMG/SOM.19/03/Rev.1")
    m = Milestone.objects.get(activity=activity, parent=None, label=label)
    return m.children.get(label=sub) if sub else m


def update(m, *, state, author, reviewer=None, end=datetime.date(2014, 6, 30), submitted_at=None):
    extra = {}
    if state == "accepted":
        extra = {"reviewer": reviewer, "reviewed_at": datetime.datetime(2014, 7, 5, tzinfo=datetime.UTC)}
    if state == "returned":
        extra = {"reviewer": reviewer, "return_reason": "Add figures."}
    return ProgressUpdate.objects.create(
        activity=m.activity, milestone=m, period_start=end.replace(day=1), period_end=end, author=author,
        reported_status="on_track", narrative="n", review_state=state, submitted_at=submitted_at, **extra)
