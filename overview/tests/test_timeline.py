import datetime
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accomplishments.models import Meeting
from activities.models import Activity, Milestone

pytestmark = pytest.mark.django_db


def _svg(html):
    return html[html.index("<svg xmlns"):html.index("</svg>", html.index("<svg xmlns"))]


def _attr(svg, name):
    return re.search(rf'{name}="([^"]+)"', svg).group(1)


def test_one_marker_per_dated_milestone_at_its_date(client_as, living_plan):
    svg = _svg(client_as("viewer").get(reverse("overview:timeline")).content.decode())
    start = datetime.date.fromisoformat(_attr(svg, "data-start"))
    end = datetime.date.fromisoformat(_attr(svg, "data-end"))
    x0, x1 = float(_attr(svg, "data-x0")), float(_attr(svg, "data-x1"))
    markers = re.findall(r'<a class="ms-marker status-(\w+)" href="[^"]*#milestone-(\d+)"\s+data-milestone="(\d+)" '
                         r'data-date="([\d-]+)" data-x="([\d.]+)"', svg)
    dated = {m.pk: m for m in Milestone.objects.select_related("due_meeting") if m.due}
    assert len(dated) >= 7
    assert sorted(int(pk) for _s, pk, _p, _d, _x in markers) == sorted(dated)
    assert start == datetime.date(2014, 1, 1) and end == datetime.date(2016, 1, 1)
    for status, pk, _pk, date, x in markers:
        m = dated[int(pk)]
        assert status == m.status and date == m.due.isoformat()  # the meeting's date when it has no date of its own
        expected = x0 + (m.due - start).days / (end - start).days * (x1 - x0)
        assert float(x) == pytest.approx(expected, abs=0.01)
    # every status has its shape and its word on the marker
    assert svg.count('class="shape"') == len(markers)
    assert "Not started" in svg and "At risk" in svg


def test_one_line_per_meeting_and_a_today_line(client_as, living_plan):
    svg = _svg(client_as("viewer").get(reverse("overview:timeline")).content.decode())
    in_plan = Meeting.objects.filter(start_date__year__in=[2014, 2015])
    assert svg.count('class="meeting-line"') == in_plan.count() == 4
    for meeting in in_plan:
        assert f'data-meeting="{meeting.code}"' in svg
    assert svg.count('class="today-line"') == 1 and "Today 15 Jun 2014" in svg
    assert svg.count('class="quarter"') == 8 and svg.count('class="month-tick"') == 24


def test_rows_grouped_under_accomplishments(client_as, living_plan):
    svg = _svg(client_as("viewer").get(reverse("overview:timeline")).content.decode())
    assert svg.count('class="activity-row"') == Activity.objects.count() == 10
    headings = ["A. Programmatic issues", "B. Operational issues", "C. Management issues", "D. Overall cooperation"]
    for heading in headings:
        assert heading in svg


def test_markers_link_to_the_milestone_and_have_a_popup(client_as, living_plan):
    svg = _svg(client_as("viewer").get(reverse("overview:timeline")).content.decode())
    m = Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="d")
    assert f'href="/activities/{m.activity_id}/#milestone-{m.pk}"' in svg
    assert 'aria-label="A.1(d), At risk, due 6 October 2014 (CBD COP 12)' in svg
    assert svg.count('class="tip"') == svg.count('class="ms-marker')


def test_timeline_today_follows_as_of(client_as, living_plan):
    client = client_as("viewer")
    client.post(reverse("overview:as-of"), {"as_of": "2015-03-01"})
    html = client.get(reverse("overview:timeline")).content.decode()
    assert "Today 1 Mar 2015" in html and "Viewing the plan as of 1 March 2015" in html


def test_pdf_download_has_the_activity_titles(client_as, living_plan):
    response = client_as("chair").get(reverse("overview:timeline-pdf"))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
    assert round(float(page.mediabox.width) / 72 * 25.4) == 420  # A3: 420 × 297 mm
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    for activity in Activity.objects.all():
        assert " ".join(activity.title.split()) in text, activity.title


def test_marker_labels_in_a_row_never_overlap(client_as, living_plan):
    from overview.selectors import LABEL_CHAR_WIDTH

    svg = _svg(client_as("viewer").get(reverse("overview:timeline")).content.decode())
    labels = re.findall(r'<text class="ms-label" x="([\d.]+)" y="([\d.]+)">([^<]+)</text>', svg)
    assert labels
    boxes = [(float(x), float(x) + LABEL_CHAR_WIDTH * len(t), float(y)) for x, y, t in labels]
    for i, (a0, a1, ay) in enumerate(boxes):
        for b0, b1, by in boxes[i + 1:]:
            if abs(ay - by) < 9:  # on the same line (9 px text)
                assert a1 <= b0 or b1 <= a0, f"labels overlap: {labels[i]} and another at {b0}"


def test_close_markers_take_turns_above_and_below():
    from types import SimpleNamespace

    from overview.selectors import LABEL_LANES, Marker, place_marker_labels

    ms = SimpleNamespace()
    markers = [Marker(milestone=ms, x=x, y=100, label="(a) On track") for x in (400, 410, 420, 600)]
    place_marker_labels(markers)
    assert [mk.label_y for mk in markers] == [100 + LABEL_LANES[0], 100 + LABEL_LANES[1], None, 100 + LABEL_LANES[0]]


@pytest.mark.parametrize("text", [
    "", "short", "x" * 37, "x" * 38, "x" * 39, "Finalize the online mapping tool on agencies' contributions to it",
    "Contribute to the CBD COP 12 – through its subsidiary bodies and the Conference’s own process, as agreed",
    "Cafe\u0301 au lait " * 8, "  spaced   out\n words  ", "日本語のテキスト" * 10,
])
def test_the_charts_truncation_is_djangos(text):
    from django.utils.text import Truncator

    from overview.timeline_svg import _chars, _words

    for length in (1, 30, 38, 58):
        assert _chars(text, length) == Truncator(text).chars(length)
    for length in (1, 5, 30):
        assert _words(text, length) == Truncator(text).words(length)
