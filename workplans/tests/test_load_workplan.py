"""load_workplan keeps every edit made in the app, and refuses a bad file before it saves anything."""
import datetime
import os
import re
import subprocess
import sys

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command

from accomplishments.models import Meeting, WorkPlan
from activities.models import Milestone
from activities.services import milestone_set_status, plan_item_move, record_update
from workplans.loading import SEED_FILE

pytestmark = pytest.mark.django_db

SEED = SEED_FILE.read_text(encoding="utf-8")
SYMBOL = "EMG/SOM.19/03/Rev.1"


def _dump() -> dict:
    """Every row of every table (historical ones included), in primary-key order."""
    return {model._meta.db_table: list(model._base_manager.order_by("pk").values_list())
            for model in apps.get_models()}


def _milestone(code: str, label: str) -> Milestone:
    letter, number = code.split(".")
    return Milestone.objects.get(activity__accomplishment__code=letter, activity__number=int(number),
                                 parent=None, label=label)


def _load(capsys, **options) -> str:
    call_command("load_workplan", **options)
    return capsys.readouterr().out


def _app_edits(secretariat):
    """The secretariat's edits through the app's services: a text, a due meeting and date, a deletion."""
    a1a = _milestone("A.1", "a")
    record_update(model=Milestone, pk=a1a.pk, data={"text": "Mapping tool finalised with CBD (edited)."},
                  by=secretariat, expected_version=a1a.version)
    a2c = _milestone("A.2", "c")
    milestone_set_status(milestone_id=a2c.pk, status="on_track", by=secretariat, expected_version=a2c.version,
                         due_meeting=Meeting.objects.get(code="UNEA-1"), due_date=datetime.date(2014, 6, 1))
    b1b = _milestone("B.1", "b")
    b1b._history_user = secretariat
    b1b.delete()


def test_second_load_keeps_the_apps_edits_and_reports_them(seed_plan, demo_users, capsys):
    _app_edits(demo_users["secretariat"])
    before = _dump()

    out = _load(capsys)

    assert _dump() == before  # nothing written, not even history
    assert _milestone("A.1", "a").text == "Mapping tool finalised with CBD (edited)."
    a2c = _milestone("A.2", "c")
    assert (a2c.due_meeting.code, a2c.due_date) == ("UNEA-1", datetime.date(2014, 6, 1))
    assert not Milestone.objects.filter(activity__accomplishment__code="B", activity__number=1, label="b").exists()
    today = datetime.date.today().isoformat()
    assert "is already in the database: nothing changed" in out
    assert 'A.1(a) text: file says "Finalize the online mapping tool' in out
    assert f'database has "Mapping tool finalised with CBD (edited)." (changed in the app on {today} by ' in out
    assert "A.2(c) due meeting: file says SOM20 / database has UNEA-1 (changed in the app" in out
    assert "A.2(c) due date: file says — / database has 2014-06-01" in out
    assert f"B.1(b): deleted in the app on {today} by Sam Secretariat; not recreated" in out

    _load(capsys)  # a third run (make run again): still nothing written
    assert _dump() == before


def test_load_of_a_loaded_plan_reads_each_row_once(seed_plan, capsys, django_assert_max_num_queries):
    """59 rows in the seed file (54 of the plan, 5 decisions): one lookup each, plus the plan's lists and one per
    decision's list of mandates (no query per field, per history or per mandated activity)."""
    with django_assert_max_num_queries(76):
        out = _load(capsys)
    assert "Nothing to change: the database matches the file." in out


def test_update_takes_file_only_changes_and_refuses_app_changes(seed_plan, demo_users, capsys, tmp_path):
    _app_edits(demo_users["secretariat"])
    a1c_version = _milestone("A.1", "c").version
    edited = (SEED
              .replace("Define an approach for the contribution", "Define a common approach for the contribution")
              .replace("text: Finalize the online mapping tool", "text: Finalise the online mapping tool")
              .replace("text: Finalize a UN Sustainability Guide", "text: Finalise a UN Sustainability Guide")
              .replace("            due_meeting: CBD COP 12\n",
                       "            due_meeting: CBD COP 12\n"
                       "          - label: e\n            text: Report to SOM21.\n            due_meeting: SOM21\n"))
    path = tmp_path / "workplan-revised.yaml"
    path.write_text(edited, encoding="utf-8")

    report = _load(capsys, file=path)
    assert "A.1(c) text: file says \"Define a common approach" in report
    assert "(the file changed since the last load)" in report
    assert "A.1(e): in the file, not in the database" in report

    before = _dump()
    dry = _load(capsys, file=path, update=True, dry_run=True)
    assert _dump() == before
    assert "Dry run, nothing saved" in dry and "A.1(c) text:" in dry

    out = _load(capsys, file=path, update=True)

    a1c = _milestone("A.1", "c")
    assert a1c.text.startswith("Define a common approach")
    assert a1c.version == a1c_version + 1  # an edit form opened before the update meets a conflict
    record = a1c.history.order_by("-history_date", "-history_id").first()
    assert (record.history_user, record.history_change_reason) == (None, "Updated from file workplan-revised.yaml")
    a1e = _milestone("A.1", "e")
    assert (a1e.due_meeting.code, a1e.history.get().history_change_reason) == (
        "SOM21", "Added from file workplan-revised.yaml")
    # Changed in the app: kept, and said so.
    assert _milestone("A.1", "a").text == "Mapping tool finalised with CBD (edited)."
    assert re.search(r"Kept the database's value.*\n(  .*\n)*  A\.1\(a\) text: file says \"Finalise the online", out)
    # Deleted in the app: B.1(b) stays deleted, although the file changed B.1(a) beside it.
    assert not Milestone.objects.filter(activity__accomplishment__code="B", activity__number=1, label="b").exists()
    assert _milestone("B.1", "a").text.startswith("Finalise a UN Sustainability Guide")
    assert "B.1(b): deleted in the app on" in out
    assert "A.1(c) text:" in out and "→" in out

    # Once applied, the file's values are the loader's: a plain load finds nothing new to take.
    assert "the file changed since the last load" not in _load(capsys, file=path)


def test_update_refuses_a_field_changed_without_history(seed_plan, demo_users, capsys, tmp_path):
    """A move in the plan renumbers rows without a history record: the loader cannot tell who set them."""
    activity = _milestone("A.1", "a").activity
    plan_item_move(obj=activity, direction="down", by=demo_users["secretariat"])
    path = tmp_path / "workplan.yaml"
    path.write_text(SEED.replace("title: IMG on biodiversity", "title: IMG on Biodiversity"), encoding="utf-8")

    out = _load(capsys, file=path, update=True)

    activity.refresh_from_db()
    assert (activity.number, activity.title) == (2, "IMG on biodiversity")
    assert "changed without history" in out


def test_update_ignores_untracked_changes_to_fields_the_file_does_not_have(seed_plan, capsys, tmp_path):
    """seed_demo moves statuses with QuerySet.update: that says nothing about who set the text."""
    a1c = _milestone("A.1", "c")
    Milestone.objects.filter(pk=a1c.pk).update(status="on_track")
    path = tmp_path / "workplan.yaml"
    path.write_text(SEED.replace("Define an approach", "Define a common approach"), encoding="utf-8")

    _load(capsys, file=path, update=True)

    a1c.refresh_from_db()
    assert (a1c.status, a1c.text[:24]) == ("on_track", "Define a common approach")


def test_rows_added_in_the_app_are_listed_and_kept(seed_plan, demo_users, capsys):
    a1a = _milestone("A.1", "a")
    extra = Milestone(activity=a1a.activity, label="e", text="Added by the secretariat.", order=5)
    extra._history_user = demo_users["secretariat"]
    extra.save()

    out = _load(capsys, update=True)

    assert Milestone.objects.filter(pk=extra.pk).exists()
    assert "A.1(e): in the database, not in the file (added on" in out and "by Sam Secretariat); kept" in out


def test_a_plan_deleted_in_the_app_is_not_recreated(seed_plan, demo_users, capsys):
    seed_plan._history_user = demo_users["secretariat"]
    seed_plan.delete()

    out = _load(capsys)

    assert not WorkPlan.objects.filter(symbol=SYMBOL).exists()
    assert f"{SYMBOL}: deleted in the app on" in out and "not recreated" in out


def test_a_new_plan_loads_and_reuses_the_meetings_members_and_bodies_there(seed_plan, capsys, tmp_path):
    Meeting.objects.filter(code="SOM20").update(place="Geneva")
    path = tmp_path / "next.yaml"
    path.write_text(SEED.replace(SYMBOL, "EMG/TEST/1"), encoding="utf-8")

    out = _load(capsys, file=path)

    plan = WorkPlan.objects.get(symbol="EMG/TEST/1")
    assert Milestone.objects.filter(activity__accomplishment__work_plan=plan).count() == 22
    assert Meeting.objects.filter(code="SOM20").count() == 1
    assert Meeting.objects.get(code="SOM20").place == "Geneva"
    assert 'meeting SOM20 place: file says "New York (hosted by UN-DESA)" / database has "Geneva"' in out


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# (name, replace this, with this, the line to expect: the line holding this text of the new file, message)
BAD_FILES = [
    ("unknown meeting", "Report on progress to SOM20.\n            due_meeting: SOM20",
     "Report on progress to SOM20.\n            due_meeting: SOM 20", "due_meeting: SOM 20",
     'unknown meeting "SOM 20" for A.2(c) — did you mean SOM20? Otherwise use one of SOM19, UNEA-1, SOM20, CBD COP 12, '
     "SOM21 or add it under meetings:"),
    ("unknown lead body", "lead_body: IMG Green Economy", "lead_body: IMG Green Econmy", "lead_body: IMG Green Econmy",
     'unknown lead body "IMG Green Econmy" for A.2 — did you mean IMG Green Economy?'),
    ("unknown partner", "partners: [UNIDO, WMO, UNEP]", "partners: [UNIDO, WMO2, UNEP]", "partners: [UNIDO, WMO2",
     'unknown member "WMO2" for B.2 — did you mean WMO? Otherwise use one of UNEP, UNDP, UNIDO, WMO, CBD '
     "or add it under members:"),
    ("unknown lead member", "kind: img, lead_member: UNEP}", "kind: img, lead_member: UNEPP}", "lead_member: UNEPP",
     'unknown member "UNEPP" for lead body IMG ESM'),
    ("unknown approval meeting", "meeting: SOM19}", "meeting: SOM-19}", "meeting: SOM-19",
     'unknown meeting "SOM-19" for the approval for 2014'),
    ("duplicate key", "- label: a\n            text: Finalize the stocktaking",
     "- label: a\n            text: Finalize the stocktaking\n            text: Finalize the stocktaking again",
     "text: Finalize the stocktaking again", 'duplicate key "text" (also at line'),
    ("duplicate activity number", "- number: 2\n        title: IMG on Green Economy",
     "- number: 1\n        title: IMG on Green Economy", "- number: 1\n        title: IMG on Green Economy",
     "two activities numbered A.1 (the other at line 43) — give each its own number"),
    ("duplicate milestone label", "- label: b\n            text: Develop a system-wide",
     "- label: a\n            text: Develop a system-wide", "- label: a\n            text: Develop a system-wide",
     'two milestones labelled "a" in A.2 (the other at line'),
    ("duplicate meeting", "{code: SOM21,", "{code: SOM20,", "{code: SOM20, name: \"21st",
     'two meetings "SOM20" (the other at line 19) — keep one, or give each its own code'),
    ("missing field", "        title: IMG on biodiversity\n", "", "- number: 1\n        lead_body: IMG Biodiversity",
     'missing "title" for A.1 — add `title:` with a text'),
    ("wrong type", "first_year: 2014", "first_year: twenty-fourteen", "first_year: twenty",
     "\"first_year\" for work_plan must be a whole number, not 'twenty-fourteen' — write a whole number"),
    ("bad date", "due_date: 2014-04-30", "due_date: 2014-04-31", "due_date: 2014-04-31",
     'bad date "2014-04-31" (day is out of range for month) — write a real date as YYYY-MM-DD'),
    ("date as words", "due_date: 2014-04-30", "due_date: 30 April 2014", "due_date: 30 April",
     '"due_date" for C.1(c)(i) must be a date (YYYY-MM-DD)'),
    ("unknown field", "due_meeting: CBD COP 12", "due_meting: CBD COP 12", "due_meting",
     'unknown field "due_meting" for A.1(d) — did you mean "due_meeting"?'),
    ("bad choice", "kind: img, lead_member: UNEP}", "kind: igm, lead_member: UNEP}", "kind: igm",
     'unknown kind "igm" for lead body IMG ESM — use one of img, consultative, peer_review, secretariat'),
    ("bad label", "- label: c\n            text: Define", "- label: C\n            text: Define", "- label: C\n",
     'bad label "C" for A.1(C): Use lower-case letters, e.g. a, b, iv.'),
    ("malformed YAML", "title: IMG on Green Economy\n", "title: IMG on Green Economy: the sequel\n", "the sequel",
     "malformed YAML (mapping values are not allowed here) — check the indentation"),
    ("unclosed bracket", "members: [UNIDO, WMO, UNEP]}", "members: [UNIDO, WMO, UNEP}", "members: [UNIDO, WMO, UNEP}",
     "malformed YAML"),
]


@pytest.mark.parametrize(("case", "old", "new", "at", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
@pytest.mark.parametrize("update", [False, True], ids=["load", "update"])
def test_bad_file_one_line_error_and_nothing_saved(seed_plan, tmp_path, case, old, new, at, message, update):
    # A new symbol: without the checks, the load would create a whole plan.
    text = SEED.replace(SYMBOL, "EMG/TEST/1")
    assert old in text, case
    text = text.replace(old, new, 1)
    path = tmp_path / "workplan.yaml"
    path.write_text(text, encoding="utf-8")
    before = _dump()

    with pytest.raises(CommandError) as raised:
        call_command("load_workplan", file=path, update=update)

    error = str(raised.value)
    assert "\n" not in error
    assert error.startswith(f"workplan.yaml:{_line_of(text, at)}: "), error
    assert message in error, error
    assert _dump() == before
    assert not WorkPlan.objects.filter(symbol="EMG/TEST/1").exists()


@pytest.mark.parametrize(("content", "message"), [
    ("", "workplan.yaml:1: the file must be a mapping with work_plan:"),
    ("- just\n- a list\n", "workplan.yaml:1: the file must be a mapping"),
    ("work_plan: {title: T}\naccomplishments: []\n", 'workplan.yaml:1: missing "symbol" for work_plan'),
])
def test_file_without_a_plan_is_refused(seed_plan, tmp_path, content, message):
    path = tmp_path / "workplan.yaml"
    path.write_text(content, encoding="utf-8")
    before = _dump()
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("load_workplan", file=path)
    assert _dump() == before


def test_unclosed_bracket_at_the_end_points_where_it_opens(seed_plan, tmp_path):
    path = tmp_path / "workplan.yaml"
    path.write_text("work_plan:\n  title: [a\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"^workplan\.yaml:2: malformed YAML"):
        call_command("load_workplan", file=path)


def test_the_command_line_prints_one_line_and_exits_non_zero(tmp_path):
    """What a user running manage.py sees: the error line, no traceback.

    The file is refused before the plan is read, so a scratch SQLite database does for the subprocess.
    """
    path = tmp_path / "workplan.yaml"
    path.write_text(SEED.replace("due_meeting: CBD COP 12", "due_meeting: CBD COP12"), encoding="utf-8")
    done = subprocess.run([sys.executable, "manage.py", "load_workplan", "--file", str(path)],
                          cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/scratch.sqlite3"})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f'CommandError: workplan.yaml:{_line_of(SEED, "due_meeting: CBD COP 12")}: unknown meeting "CBD COP12" '
        "for A.1(d) — did you mean CBD COP 12? Otherwise use one of SOM19, UNEA-1, SOM20, CBD COP 12, SOM21 or "
        "add it under meetings:"]
    assert done.stdout == ""


def test_missing_file_is_refused(seed_plan, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_workplan", file=tmp_path / "nope.yaml")


def test_dry_run_needs_update(seed_plan):
    with pytest.raises(CommandError, match="--dry-run goes with --update"):
        call_command("load_workplan", dry_run=True)
