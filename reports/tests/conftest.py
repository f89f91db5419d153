"""Fixtures for reports: a private media folder, and a plan with progress in every review state."""
import datetime
from decimal import Decimal

import pytest

from accomplishments.models import Member
from activities.models import Activity, Contribution, Milestone, ProgressUpdate

AS_OF = datetime.date(2014, 9, 1)
ACCEPTED = {
    ("A.1", "a"): "The online mapping tool was launched with the CBD secretariat and covers all Aichi targets.",
    ("B.2", "a"): "Peer-review missions to UNIDO, WMO and UNEP were completed and their reports circulated.",
    ("C.1", "c", "ii"): "Greenhouse gas inventories were completed by thirty-nine entities.",
    ("D.1", None): "The secretariat agreed with UN-DESA to host SOM20 in New York on 25 September 2014.",
}
SUPERSEDED = "An earlier accepted narrative on the mapping tool, superseded by the later one."
DRAFT = "A draft narrative that must never reach a report."
RETURNED = "A returned narrative that must never reach a report."
SUBMITTED = "A submitted narrative still waiting for review."
TOO_LATE = "An accepted narrative for a period after the as-of date."


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _activity(code):
    letter, number = code.split(".")
    return Activity.objects.get(accomplishment__code=letter, number=int(number),
                                accomplishment__work_plan__symbol="EMG/SOM.19/03/Rev.1")


def _milestone(code, label, sub=None):
    m = Milestone.objects.get(activity=_activity(code), parent=None, label=label)
    return m.children.get(label=sub) if sub else m


def _moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), datetime.UTC)


def set_status(milestone, status, *, on: datetime.date, by, completed_on=None):
    """Move a milestone's status with its history dated `on` (what a review on that day would record)."""
    milestone.status = status
    milestone.completed_on = (completed_on or on) if status == "completed" else None
    milestone.version += 1
    milestone._history_date = _moment(on)
    milestone._history_user = by
    milestone._change_reason = "Status set in a test"
    milestone.save()
    return milestone


def record_contribution(*, on: datetime.date, by=None, **values):
    """A contribution whose first history (when it was recorded) is dated `on`."""
    contribution = Contribution(created_by=by, **values)
    contribution._history_date = _moment(on)
    contribution._history_user = by
    contribution.save()
    return contribution


def _update(users, *, target, narrative, state, start, months=3):
    activity = target if isinstance(target, Activity) else target.activity
    milestone = None if isinstance(target, Activity) else target
    extra = {}
    if state in ("accepted", "returned"):
        extra = {"reviewer": users["secretariat"],
                 "reviewed_at": datetime.datetime(start.year, start.month, 20, tzinfo=datetime.UTC)}
    if state == "returned":
        extra["return_reason"] = "Please add figures."
    return ProgressUpdate.objects.create(
        activity=activity, milestone=milestone, period_start=start,
        period_end=start + datetime.timedelta(days=30 * months - 1), author=users["biodiversity-lead"],
        reported_status="on_track", narrative=narrative, review_state=state, **extra)


@pytest.fixture
def progress(demo_users):
    """Accepted, superseded, draft, returned, submitted and too-late updates, and contributions."""
    users = demo_users
    _update(users, target=_milestone("A.1", "a"), narrative=SUPERSEDED, state="accepted",
            start=datetime.date(2014, 1, 1))
    for key, text in ACCEPTED.items():
        target = _activity(key[0]) if key[1] is None else _milestone(*key)
        _update(users, target=target, narrative=text, state="accepted", start=datetime.date(2014, 4, 1))
    _update(users, target=_milestone("A.2", "a"), narrative=DRAFT, state="draft", start=datetime.date(2014, 4, 1))
    _update(users, target=_milestone("B.1", "a"), narrative=RETURNED, state="returned",
            start=datetime.date(2014, 4, 1))
    _update(users, target=_milestone("A.1", "b"), narrative=SUBMITTED, state="submitted",
            start=datetime.date(2014, 4, 1))
    _update(users, target=_milestone("A.3", "a"), narrative=TOO_LATE, state="accepted",
            start=datetime.date(2014, 10, 1))
    # Status changes and contributions carry history dated before the as-of date, as a report reads them.
    set_status(_milestone("A.2", "b"), "at_risk", on=datetime.date(2014, 5, 2), by=users["secretariat"])
    set_status(_milestone("B.2", "a"), "completed", on=datetime.date(2014, 7, 1), by=users["secretariat"])
    members = {m.acronym: m for m in Member.objects.all()}
    rows = [
        ("UNIDO", "A.1", "time", 2014, Decimal("12.5"), None),
        ("UNEP", "C.1", "financial", 2014, None, Decimal("25000.00")),
        ("WMO", "B.2", "travel", 2014, Decimal("3"), Decimal("1500.50")),
        ("UNEP", "D.1", "in_kind", 2014, Decimal("20"), Decimal("4000.25")),
    ]
    for acronym, code, kind, year, days, usd in rows:
        record_contribution(member=members[acronym], activity=_activity(code), kind=kind, year=year,
                            staff_days=days, amount_usd=usd, state="reported", on=datetime.date(2014, 6, 30))
    # Recorded after the as-of date: not counted.
    record_contribution(member=members["UNDP"], activity=_activity("A.2"), kind="time", year=2015,
                        staff_days=Decimal("40"), amount_usd=None, state="pledged", on=datetime.date(2014, 10, 15))
    return users


@pytest.fixture
def replay_after_som20_cut_off(settings):
    """The application's today in the request-form tests: after the SOM20 report's as-of date."""
    settings.EMG_TODAY = "2014-09-20"


def request_form_data(**overrides) -> dict:
    """What the report request form posts for the SOM20 progress report as of 1 September 2014."""
    from accomplishments.models import Meeting

    data = {"kind": "som", "meeting": Meeting.objects.get(code="SOM20").pk, "as_of": "2014-09-01",
            "symbol": "EMG/SOM.20/3"}
    return data | overrides
