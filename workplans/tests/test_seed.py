"""The 2014–2015 plan loads from its transcription exactly as the seed document has it."""
import re

import pytest
from django.core.management import call_command

from accomplishments.models import ExpectedAccomplishment, Meeting, Member, WorkPlan
from activities.models import Activity, LeadBody, Milestone
from workplans.loading import SEED_FILE

pytestmark = pytest.mark.django_db

SEED_TEXT = (SEED_FILE.parent / "EMG-SOM19-03-Rev1-workplan-2014-2015.txt").read_text()


def _plain(text):
    text = re.sub(r"</?(i|b|em)>", "", text)  # inline markup joins its words
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()


SEED_PLAIN = _plain(SEED_TEXT)

TITLES = {
    "A": ["IMG on biodiversity", "IMG on Green Economy",
          "Preparing a UN system-wide contribution to the chemicals management agenda",
          "Preparing a UN system-wide contribution on stocktaking of financing for international "
          "cooperation on environmental matters"],
    "B": ["Consultations on Environmental and Social Sustainability",
          "Peer-Reviews of environmental profiles of the EMG members"],
    "C": ["UN Sustainability management"],
    "D": ["Senior officials’ meetings of the EMG", "Exchange of information and outreach",
          "Report to the Environment Assembly of UNEP on EMG accomplishments"],
}


def test_seed_counts(seed_plan):
    assert ExpectedAccomplishment.objects.filter(work_plan=seed_plan).count() == 4
    assert Activity.objects.count() == 10
    assert Milestone.objects.filter(parent__isnull=True).count() == 17
    assert Milestone.objects.filter(parent__isnull=False).count() == 5
    c1c = Milestone.objects.get(activity__accomplishment__code="C", activity__number=1, label="c", parent=None)
    assert list(c1c.children.order_by("order").values_list("label", flat=True)) == ["i", "ii", "iii", "iv", "v"]


@pytest.mark.parametrize("code", "ABCD")
def test_seed_activity_titles(seed_plan, code):
    titles = list(Activity.objects.filter(accomplishment__code=code).order_by("number").values_list("title", flat=True))
    assert titles == TITLES[code]


def test_seed_lettered_milestones_per_activity(seed_plan):
    labels = {
        a.code: "".join(a.milestones.filter(parent=None).order_by("order").values_list("label", flat=True))
        for a in Activity.objects.select_related("accomplishment")
    }
    assert labels == {"A.1": "abcd", "A.2": "abc", "A.3": "a", "A.4": "a", "B.1": "abc", "B.2": "ab",
                      "C.1": "abc", "D.1": "", "D.2": "", "D.3": ""}


def test_seed_texts_are_the_documents_words(seed_plan):
    for ea in ExpectedAccomplishment.objects.all():
        assert ea.statement in SEED_PLAIN
    for activity in Activity.objects.all():
        assert activity.title in SEED_PLAIN
        assert activity.description in SEED_PLAIN
    for m in Milestone.objects.all():
        assert m.text in SEED_PLAIN, m


def test_seed_milestones_tied_to_meetings_and_dates(seed_plan):
    due = {
        str(m): (m.due_meeting.code if m.due_meeting else None, m.due_date)
        for m in Milestone.objects.select_related("activity__accomplishment", "due_meeting", "parent")
        if m.due_meeting or m.due_date
    }
    import datetime

    assert due == {
        "A.1(d)": ("CBD COP 12", None), "A.2(c)": ("SOM20", None), "A.3(a)": ("SOM20", None),
        "A.4(a)": ("SOM20", None), "B.1(c)": ("SOM20", None), "B.2(b)": ("SOM20", None),
        "C.1(c)(i)": (None, datetime.date(2014, 4, 30)),
    }


def test_seed_reference_data(seed_plan):
    assert seed_plan.symbol == "EMG/SOM.19/03/Rev.1"
    assert (seed_plan.first_year, seed_plan.last_year) == (2014, 2015)
    assert seed_plan.approvals.get().meeting.code == "SOM19"
    meetings = {m.code: (m.start_date.isoformat(), m.end_date.isoformat()) for m in Meeting.objects.all()}
    assert meetings["SOM20"] == ("2014-09-25", "2014-09-25")
    assert meetings["UNEA-1"] == ("2014-06-23", "2014-06-27")
    assert meetings["CBD COP 12"] == ("2014-10-06", "2014-10-17")
    assert meetings["SOM19"] == ("2013-09-19", "2013-09-19")
    assert set(Member.objects.values_list("acronym", flat=True)) == {"UNEP", "UNDP", "UNIDO", "WMO", "CBD"}
    assert LeadBody.objects.count() == 6
    assert set(LeadBody.objects.values_list("kind", flat=True)) == {"img", "consultative", "peer_review", "secretariat"}
    assert Activity.objects.get(accomplishment__code="B", number=2).lead_body.short_name == "Peer-Review Body"


def _snapshot():
    return {
        model.__name__: sorted(model.objects.values_list())
        for model in (WorkPlan, Meeting, Member, ExpectedAccomplishment, LeadBody, Activity, Milestone)
    }


def test_load_twice_changes_nothing(seed_plan, capsys):
    before = _snapshot()
    history_before = Milestone.history.count()
    call_command("load_workplan")
    assert "Nothing to change" in capsys.readouterr().out
    assert _snapshot() == before
    assert Milestone.history.count() == history_before


def test_load_keeps_statuses_set_by_users(seed_plan):
    import datetime

    m = Milestone.objects.get(activity__accomplishment__code="A", activity__number=2, label="a")
    m.status, m.completed_on = "completed", datetime.date(2014, 5, 2)
    m.save()
    call_command("load_workplan", verbosity=0)
    m.refresh_from_db()
    assert m.status == "completed"


def test_loaded_plan_history_starts_at_its_adoption(seed_plan):
    """The plan stood as written from SOM19 (19 September 2013): a report as of any later date finds it."""
    import datetime

    from activities.models import Milestone

    first = Milestone.history.filter(history_type="+").order_by("history_date").values_list(
        "history_date", flat=True)
    assert first.count() == Milestone.objects.count()
    assert {d.date() for d in first} == {datetime.date(2013, 9, 19)}
