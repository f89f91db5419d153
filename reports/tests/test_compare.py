"""Compare two reports of the same kind: status changes, progress accepted between the dates, contributions."""
import copy
import datetime
import io

import pytest
from django.urls import reverse

from accomplishments.models import Meeting
from reports.compare import snapshot_compare
from reports.models import Report

pytestmark = pytest.mark.django_db

STATES = [["pledged", "Pledged"], ["budgeted", "Budgeted"], ["programmed", "Programmed"],
          ["reported", "Reported (delivered)"]]
LABEL = {"not_started": "Not started", "on_track": "On track", "at_risk": "At risk", "delayed": "Delayed",
         "completed": "Completed"}
NARRATIVE = ("The mapping tool went live in April.\n\n"
             "- 17 entities uploaded their data\n"
             "- the CBD secretariat linked it from its site")


def _m(ref, status, text, children=(), completed_on=None):
    return {"ref": ref, "label": ref.strip("()"), "text": text, "status": status, "status_display": LABEL[status],
            "completed_on": completed_on, "children": list(children), "updates": []}


def _p(pk, activity, milestone, accepted_on, narrative, start):
    return {"id": pk, "activity": activity, "milestone": milestone, "narrative": narrative,
            "period_start": start, "period_end": start[:5] + "12-31", "accepted_on": accepted_on,
            "reported_status": "on_track", "reported_status_display": "On track", "author": "Bea Biodiversity"}


def _c(member, state, days, usd):
    return {"member": member, "member_name": f"{member} (full name)", "state": state,
            "state_display": dict(STATES)[state], "staff_days": days, "amount_usd": usd}


def _snapshot(as_of, milestones_a1, progress, contributions):
    return {
        "version": 2, "kind": "som", "as_of": as_of, "symbol": "X",
        "accomplishments": [{"code": "A", "activities": [
            {"code": "A.1", "title": "Biodiversity", "milestones": milestones_a1},
            {"code": "A.2", "title": "Land", "milestones": [_m("(a)", "at_risk", "Land degradation paper")]},
        ]}],
        "progress": progress,
        "contributions": {
            "states": STATES, "by_member_state": contributions,
            "rows": [{**c, "activity": "A.1", "kind": "time", "year": 2014} for c in contributions],
            "members": [{"acronym": c["member"], "name": c["member_name"]} for c in contributions],
            "totals": {"staff_days": str(sum(float(c["staff_days"]) for c in contributions)),
                       "amount_usd": str(sum(float(c["amount_usd"]) for c in contributions))},
        },
    }


OLD = _snapshot(
    "2014-03-01",
    [_m("(a)", "on_track", "Launch the mapping tool"),
     _m("(b)", "not_started", "Draft the synthesis", children=[_m("(b)(i)", "not_started", "Outline")])],
    [_p(1, "A.1", "(a)", "2014-02-10", "Planning began.", "2013-10-01"),
     _p(2, "A.1", None, "2014-03-01", "Accepted on the earlier as-of date itself.", "2014-01-01")],
    [_c("UNEP", "pledged", "10", "1000.00"), _c("UNIDO", "reported", "5", "0")],
)
NEW = _snapshot(
    "2014-09-01",
    [_m("(a)", "completed", "Launch the mapping tool", completed_on="2014-07-01"),
     _m("(b)", "on_track", "Draft the synthesis", children=[_m("(b)(i)", "delayed", "Outline")])],
    [_p(1, "A.1", "(a)", "2014-02-10", "Planning began.", "2013-10-01"),
     _p(2, "A.1", None, "2014-03-01", "Accepted on the earlier as-of date itself.", "2014-01-01"),
     _p(4, "A.1", "(b)", "2014-09-01", "Drafting started in August.", "2014-07-01"),
     _p(3, "A.1", "(a)", "2014-04-10", NARRATIVE, "2014-01-01")],
    [_c("UNEP", "pledged", "10", "1000.00"), _c("UNEP", "reported", "4", "500.00"), _c("UNIDO", "reported", "8", "0")],
)


@pytest.fixture
def pair(seed_plan, demo_users):
    def make(snapshot, as_of, symbol, kind="som"):
        return Report.objects.create(
            work_plan=seed_plan, kind=kind, meeting=Meeting.objects.get(code="SOM20"),
            as_of=datetime.date.fromisoformat(as_of), symbol=symbol, issued_on=datetime.date(2014, 9, 10),
            requested_by=demo_users["chair"], state="ready", snapshot=snapshot)

    return make(OLD, "2014-03-01", "EMG/SOM.20/INF.1"), make(NEW, "2014-09-01", "EMG/SOM.20/3")


def test_compare_lists_status_changes_from_and_to(pair, client_as):
    old, new = pair
    response = client_as("viewer").get(reverse("reports:compare", args=[new.pk]), {"with": old.pk})
    diff = response.context["diff"]
    assert [(m["activity"], m["ref"], m["before"], m["after"]) for m in diff["changed"]] == [
        ("A.1", "(a)", "On track", "Completed"), ("A.1", "(b)", "Not started", "On track"),
        ("A.1", "(b)(i)", "Not started", "Delayed")]
    html = response.content.decode()
    assert "Milestones whose status changed (3)" in html
    assert "<td>On track</td><td>Completed (1 July 2014)</td>" in html


def test_compare_shows_progress_accepted_between_the_two_dates_with_its_narrative(pair, client_as):
    old, new = pair
    response = client_as("viewer").get(reverse("reports:compare", args=[old.pk]), {"with": new.pk})
    diff = response.context["diff"]
    assert response.context["old"] == old and response.context["new"] == new  # whichever page it starts from
    # Accepted after 1 March (not on it) and up to 1 September (inclusive), in order of acceptance.
    assert [p["id"] for p in diff["new_progress"]] == [3, 4] and diff["progress_by_acceptance"]
    html = response.content.decode()
    assert "Progress accepted between 1 March 2014 and 1 September 2014 (2)" in html
    assert "<p>The mapping tool went live in April.</p>" in html and "17 entities uploaded their data" in html
    assert "accepted 10 April 2014" in html and "Accepted on the earlier as-of date itself." not in html


def test_compare_gives_contributions_per_member_and_state_with_differences(pair, client_as):
    old, new = pair
    diff = client_as("viewer").get(reverse("reports:compare", args=[new.pk]), {"with": old.pk}).context["diff"]
    rows = {(c["member"], c["state"]): c for c in diff["contributions"]}
    assert list(rows) == [("UNEP", "pledged"), ("UNEP", "reported"), ("UNIDO", "reported")]
    assert rows[("UNEP", "pledged")]["changed"] is False
    assert rows[("UNEP", "reported")]["staff_days"] == {"before": "0", "after": "4", "change": "4"}
    assert rows[("UNEP", "reported")]["amount_usd"] == {"before": "0", "after": "500.00", "change": "500.00"}
    assert rows[("UNIDO", "reported")]["staff_days"] == {"before": "5", "after": "8", "change": "3"}
    by_state = {s["state"]: s for s in diff["by_state"]}
    assert list(by_state) == ["pledged", "budgeted", "programmed", "reported"]
    assert by_state["reported"]["staff_days"] == {"before": "5", "after": "12", "change": "7"}
    assert by_state["pledged"]["amount_usd"]["change"] == "0.00"


def test_the_word_annex_opens_with_python_docx(pair, client_as):
    from docx import Document

    old, new = pair
    response = client_as("chair").get(reverse("reports:compare-docx", args=[new.pk]), {"with": old.pk})
    assert response.status_code == 200
    assert response["Content-Disposition"] == \
        'attachment; filename="EMG-SOM-20-3-changes-since-EMG-SOM-20-INF-1.docx"'
    doc = Document(io.BytesIO(response.content))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    assert doc.core_properties.author == "EMG secretariat"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "From EMG/SOM.20/INF.1 (SOM20, as of 1 March 2014) to EMG/SOM.20/3 (SOM20, as of 1 September 2014)." in text
    assert "The mapping tool went live in April." in text
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    assert bullets == ["17 entities uploaded their data", "the CBD secretariat linked it from its site"]
    status, contributions = doc.tables
    assert [c.text for c in status.rows[1].cells] == ["A.1(a)", "Launch the mapping tool", "On track", "Completed"]
    unido = next(r for r in contributions.rows if r.cells[0].text == "UNIDO")
    assert [c.text for c in unido.cells] == ["UNIDO", "Reported (delivered)", "5", "8", "+3", "0.00", "0.00", "0.00"]


def _version_1(snapshot):
    old = copy.deepcopy(snapshot)
    old["version"] = 1
    for p in old["progress"]:
        p.pop("accepted_on")
    for key in ("states", "by_member_state"):
        old["contributions"].pop(key)
    return old


def test_version_1_snapshots_compare_without_acceptance_dates():
    diff = snapshot_compare(old=_version_1(OLD), new=_version_1(NEW))
    assert len(diff["changed"]) == 3 and diff["progress_by_acceptance"] is False
    assert sorted(p["id"] for p in diff["new_progress"]) == [3, 4]  # included now and not before
    rows = {(c["member"], c["state"]): c["staff_days"]["change"] for c in diff["contributions"]}
    assert rows == {("UNEP", "pledged"): "0", ("UNEP", "reported"): "4", ("UNIDO", "reported"): "3"}


def test_a_version_1_report_compares_with_a_version_2_one_on_the_page(pair, client_as):
    old, new = pair
    Report.objects.filter(pk=old.pk).update(snapshot=_version_1(OLD))
    response = client_as("chair").get(reverse("reports:compare", args=[new.pk]), {"with": old.pk})
    assert response.status_code == 200 and len(response.context["diff"]["changed"]) == 3
    docx = client_as("chair").get(reverse("reports:compare-docx", args=[new.pk]), {"with": old.pk})
    assert docx.status_code == 200 and docx.content.startswith(b"PK")


def test_only_reports_of_the_same_kind_are_compared(pair, client_as, seed_plan, demo_users):
    old, new = pair
    unea = Report.objects.create(work_plan=seed_plan, kind="unea", meeting=Meeting.objects.get(code="UNEA-1"),
                                 as_of=datetime.date(2014, 6, 1), symbol="EMG/UNEA.1/1",
                                 issued_on=datetime.date(2014, 6, 1), state="ready", snapshot=NEW)
    client = client_as("chair")
    page = client.get(reverse("reports:compare", args=[new.pk]))
    assert [r.pk for r in page.context["others"]] == [old.pk]
    assert client.get(reverse("reports:compare", args=[new.pk]), {"with": unea.pk}).status_code == 404
    assert client.get(reverse("reports:compare-docx", args=[new.pk]), {"with": unea.pk}).status_code == 404
    assert client.get(reverse("reports:compare-docx", args=[new.pk])).status_code == 404
