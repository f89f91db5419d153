import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accomplishments.models import Meeting, Member
from activities.models import Activity, Contribution, LeadBody, Milestone, ProgressUpdate

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2014, 6, 15)


def _ids(response):
    return {m.pk for m in response.context["object_list"]}


def _get(client, name, query):
    return client.get(reverse(f"overview:{name}"), query)


def _milestones(pred):
    return {m.pk for m in Milestone.objects.select_related("due_meeting", "activity__accomplishment",
                                                           "activity__lead_body") if pred(m)}


@pytest.fixture
def viewer(client_as, living_plan):
    return client_as("viewer")


def test_unfiltered_list_has_every_milestone(viewer):
    response = _get(viewer, "milestone-list", {})
    assert _ids(response) == set(Milestone.objects.values_list("pk", flat=True))
    html = response.content.decode()
    assert html.count('<tr data-id="') == 22
    assert '<label class="form-label mb-0" for="id_lead_body">Lead body</label>' in html
    assert '<th scope="col"' in html and 'class="badge status status-' in html


def test_each_milestone_filter_narrows_as_it_should(viewer):
    a = Activity.objects.get(accomplishment__code="A", number=1)
    som20 = Meeting.objects.get(code="SOM20")
    img_esm = LeadBody.objects.get(short_name="IMG ESM")
    cases = [
        ({"accomplishment": a.accomplishment_id}, lambda m: m.activity.accomplishment.code == "A"),
        ({"activity": a.pk}, lambda m: m.activity_id == a.pk),
        ({"lead_body": img_esm.pk}, lambda m: m.activity.lead_body_id == img_esm.pk),
        ({"status": ["on_track", "at_risk"]}, lambda m: m.status in ("on_track", "at_risk")),
        ({"due_meeting": som20.pk}, lambda m: m.due_meeting_id == som20.pk),
        ({"due_from": "2014-09-01", "due_to": "2014-09-30"},
         lambda m: m.due and datetime.date(2014, 9, 1) <= m.due <= datetime.date(2014, 9, 30)),
        ({"overdue": "on"}, lambda m: m.due and m.due < TODAY and m.status not in ("completed", "cancelled")),
    ]
    for query, pred in cases:
        expected = _milestones(pred)
        assert expected and len(expected) < 22, query  # the case really narrows
        assert _ids(_get(viewer, "milestone-list", query)) == expected, query


def test_no_accepted_update_since(viewer):
    # Since 1 April: the demo's submitted update is on a milestone whose last accepted one covers Q1.
    with_recent = set(ProgressUpdate.objects.accepted().filter(period_end__gte=datetime.date(2014, 4, 1))
                      .values_list("milestone_id", flat=True))
    assert with_recent
    got = _ids(_get(viewer, "milestone-list", {"quiet_since": "2014-04-01"}))
    assert got == set(Milestone.objects.exclude(pk__in=with_recent).values_list("pk", flat=True))
    # a submitted (not accepted) update does not count as an accepted one
    submitted = ProgressUpdate.objects.get(review_state="submitted")
    assert submitted.milestone_id in got


def test_sorting_and_pagination_keep_the_filter(viewer):
    response = _get(viewer, "milestone-list", {"o": "-due", "status": "not_started"})
    dues = [m.due_on for m in response.context["object_list"] if m.due_on]
    assert dues == sorted(dues, reverse=True)
    html = response.content.decode()
    assert 'aria-sort="descending"' in html
    assert "?o=due&amp;status=not_started" in html or "?status=not_started&amp;o=due" in html
    ref = [str(m) for m in _get(viewer, "milestone-list", {"o": "ref"}).context["object_list"]]
    assert ref[:4] == ["A.1(a)", "A.1(b)", "A.1(c)", "A.1(d)"]
    assert ref.index("C.1(c)(i)") == ref.index("C.1(c)") + 1


def test_pagination(client_as, living_plan):
    from devtools.generate import plan_generate

    plan_generate(scale=3)
    client = client_as("viewer")
    first = _get(client, "milestone-list", {"o": "-due"})
    assert first.context["is_paginated"] and len(first.context["object_list"]) == 50
    html = first.content.decode()
    assert "o=-due&amp;page=2" in html
    second = _get(client, "milestone-list", {"o": "-due", "page": 2})
    assert not _ids(first) & _ids(second)


def test_invalid_filter_selects_nothing(viewer):
    response = _get(viewer, "milestone-list", {"due_from": "not a date"})
    assert response.status_code == 200 and not _ids(response)
    assert "Enter a valid date" in response.content.decode()


def _csv(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_milestone_exports_hold_exactly_the_filtered_rows(viewer):
    query = {"status": ["not_started"], "accomplishment": Activity.objects.get(
        accomplishment__code="C", number=1).accomplishment_id, "o": "-due"}
    expected = _ids(_get(viewer, "milestone-list", query))
    rows = _csv(viewer.get(reverse("overview:milestone-export", args=["csv"]), query))
    assert {int(r["Id"]) for r in rows} == expected and len(rows) == len(expected)
    assert list(rows[0]) == ["Id", "Ref", "Milestone", "Activity id", "Activity", "Lead body", "Due", "Due meeting",
                             "Status", "Last accepted update (period end)"]
    assert {r["Status"] for r in rows} == {"Not started"}
    response = viewer.get(reverse("overview:milestone-export", args=["xlsx"]), query)
    assert response["Content-Disposition"].endswith('.xlsx"')
    ws = load_workbook(io.BytesIO(response.content)).active
    values = list(ws.values)
    assert values[0][0] == "Id" and {row[0] for row in values[1:]} == expected
    assert {row[8] for row in values[1:]} == {"Not started"}
    assert [cell.value for cell in ws[1]] == list(rows[0])  # the same columns as the CSV


def test_contribution_filters_pivot_and_exports(viewer):
    all_rows = list(Contribution.objects.select_related("member"))
    unep = Member.objects.get(acronym="UNEP")
    cases = [
        ({"member": unep.pk}, lambda c: c.member_id == unep.pk),
        ({"activity": Activity.objects.get(accomplishment__code="B", number=2).pk},
         lambda c: c.activity.accomplishment.code == "B" and c.activity.number == 2),
        ({"kind": "time"}, lambda c: c.kind == "time"),
        ({"year": "2015"}, lambda c: c.year == 2015),
        ({"state": "reported"}, lambda c: c.state == "reported"),
    ]
    for query, pred in cases:
        expected = {c.pk for c in all_rows if pred(c)}
        assert expected and len(expected) < len(all_rows), query
        response = _get(viewer, "contribution-list", query)
        assert _ids(response) == expected, query
        rows = _csv(viewer.get(reverse("overview:contribution-export", args=["csv"]), query))
        assert {int(r["Id"]) for r in rows} == expected
        ws = load_workbook(io.BytesIO(viewer.get(reverse("overview:contribution-export", args=["xlsx"]),
                                                 query).content)).active
        assert {row[0] for row in list(ws.values)[1:]} == expected
    pivot = _get(viewer, "contribution-list", {"year": "2014"}).context["pivot"]
    in_2014 = [c for c in all_rows if c.year == 2014]
    unep_row = next(r for r in pivot["rows"] if r["member"] == "UNEP")
    kinds = [k for k, _ in pivot["kinds"]]
    assert unep_row["cells"][kinds.index("time")]["days"] == sum(
        c.staff_days for c in in_2014 if c.member.acronym == "UNEP" and c.kind == "time")
    assert pivot["grand"]["usd"] == sum(c.amount_usd or 0 for c in in_2014)
    assert pivot["grand"]["days"] == sum(c.staff_days or 0 for c in in_2014)


def test_exports_do_not_turn_text_into_formulas(viewer):
    c = Contribution.objects.first()
    Contribution.objects.filter(pk=c.pk).update(note='=HYPERLINK("http://evil.example","x")')
    rows = _csv(viewer.get(reverse("overview:contribution-export", args=["csv"])))
    assert next(r for r in rows if int(r["Id"]) == c.pk)["Note"].startswith("'=HYPERLINK")
    ws = load_workbook(io.BytesIO(viewer.get(reverse("overview:contribution-export", args=["xlsx"])).content)).active
    note = next(row for row in ws.iter_rows(min_row=2) if row[0].value == c.pk)[9]
    assert note.data_type == "s" and note.value.startswith("=HYPERLINK")


def test_overdue_badge_follows_the_one_definition(viewer):
    """The list marks as overdue exactly the milestones its "Overdue only" filter keeps (C.1(c)(i) on 15 June)."""
    html = _get(viewer, "milestone-list", {}).content.decode()
    overdue = Milestone.objects.overdue(TODAY)
    assert [m.activity.code + m.ref for m in overdue.select_related("activity__accomplishment", "parent")] == [
        "C.1(c)(i)"]
    assert html.count('border-danger">overdue</span>') == overdue.count()
    assert _ids(_get(viewer, "milestone-list", {"overdue": "on"})) == set(overdue.values_list("pk", flat=True))
