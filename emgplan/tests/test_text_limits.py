"""Free text is capped (20,000 characters) with a visible counter; longer text is a form error, not saved."""
import re

import pytest
from django.urls import reverse

from activities.models import Milestone, ProgressUpdate
from emgplan.forms import FREE_TEXT_MAX

pytestmark = pytest.mark.django_db


@pytest.fixture
def a1a(seed_plan):
    return Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)


def _update(narrative):
    return {"period_start": "2014-01-01", "period_end": "2014-03-31", "reported_status": "on_track",
            "narrative": narrative, "evidence_links": "", "save": "1"}


def test_the_form_shows_the_cap_and_the_counter(client_as, a1a):
    html = client_as("biodiversity-lead").get(reverse("activities:update-create") + f"?milestone={a1a.pk}") \
        .content.decode()
    areas = re.findall(r"<textarea[^>]*>", html)
    assert areas and all(f'maxlength="{FREE_TEXT_MAX}"' in a and "data-counter" in a for a in areas), areas
    assert "/static/js/counter.js" in html


@pytest.mark.parametrize("length", [FREE_TEXT_MAX + 1, 10 * 1024 * 1024])
def test_a_narrative_over_the_cap_is_refused_next_to_the_field_and_nothing_is_saved(client_as, a1a, length):
    response = client_as("biodiversity-lead").post(reverse("activities:update-create") + f"?milestone={a1a.pk}",
                                                   _update("x" * length))
    assert response.status_code == 200
    assert f"Ensure this value has at most {FREE_TEXT_MAX:,}".replace(",", "") in \
        response.content.decode().replace(",", "")
    assert not ProgressUpdate.objects.exists()


def test_a_narrative_at_the_cap_is_kept(client_as, a1a):
    response = client_as("biodiversity-lead").post(reverse("activities:update-create") + f"?milestone={a1a.pk}",
                                                   _update("y" * FREE_TEXT_MAX))
    assert response.status_code == 302
    assert len(ProgressUpdate.objects.get().narrative) == FREE_TEXT_MAX


@pytest.mark.parametrize("url_name, role", [
    ("activities:activity-create", "secretariat"), ("reports:create", "chair"),
])
def test_every_text_area_is_capped(client_as, url_name, role):
    response = client_as(role).get(reverse(url_name))
    assert response.status_code == 200
    areas = re.findall(r"<textarea[^>]*>", response.content.decode())
    assert areas and all("maxlength=" in a and "data-counter" in a for a in areas), areas
