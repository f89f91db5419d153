import datetime

import pytest
from django.urls import reverse

from emgplan import clock

pytestmark = pytest.mark.django_db


def test_as_of_is_kept_shown_and_reset(client_as, living_plan):
    client = client_as("chair")
    html = client.get(reverse("overview:dashboard")).content.decode()
    assert "Viewing the plan as of" not in html
    assert 'id="as-of-date" name="as_of" value="2014-06-15"' in html  # EMG_TODAY by default

    response = client.post(reverse("overview:as-of"), {"as_of": "2014-06-15", "next": "/milestones/?status=delayed"})
    assert response.status_code == 302 and response["Location"] == "/milestones/?status=delayed"
    assert client.session[clock.SESSION_KEY] == "2014-06-15"
    html = client.get("/").content.decode()
    assert "Viewing the plan as of 15 June 2014" in html and "Back to today" in html

    client.post(reverse("overview:as-of"), {"reset": "1", "next": "/"})
    assert clock.SESSION_KEY not in client.session
    assert "Viewing the plan as of" not in client.get("/").content.decode()


def test_overdue_follows_the_as_of_date(client_as, living_plan):
    client = client_as("viewer")
    before = client.get(reverse("overview:milestone-list"), {"overdue": "on"}).context["object_list"]
    client.post(reverse("overview:as-of"), {"as_of": "2015-12-31"})
    after = client.get(reverse("overview:milestone-list"), {"overdue": "on"}).context["object_list"]
    assert len(after) > len(before)
    assert all(m.due_on < datetime.date(2015, 12, 31) for m in after)


def test_as_of_refuses_foreign_redirects_and_bad_dates(client_as, living_plan):
    client = client_as("viewer")
    response = client.post(reverse("overview:as-of"), {"as_of": "2014-01-01", "next": "https://evil.example/"})
    assert response["Location"] == reverse("overview:dashboard")
    client.post(reverse("overview:as-of"), {"as_of": "not-a-date"})
    assert client.session[clock.SESSION_KEY] == "2014-01-01"  # unchanged
    assert client.get(reverse("overview:as-of")).status_code == 405


def test_seed_demo_progress_is_idempotent(living_plan):
    from activities.models import Contribution, ProgressUpdate
    from devtools.demo import demo_progress_create

    counts = ProgressUpdate.objects.count(), Contribution.objects.count()
    assert demo_progress_create() == 0
    assert (ProgressUpdate.objects.count(), Contribution.objects.count()) == counts
    states = set(ProgressUpdate.objects.values_list("review_state", flat=True))
    assert states == {"accepted", "submitted", "draft"}
    assert ProgressUpdate.objects.accepted().exclude(narrative="").count() >= 3
