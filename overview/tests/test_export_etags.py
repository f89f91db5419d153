"""The exports answer conditional requests: 304 while nothing the file is made of has changed, a new file after."""
import pytest
from django.urls import reverse

from activities import services
from activities.models import Activity, Contribution, Milestone

pytestmark = pytest.mark.django_db

EXPORTS = [("milestone-export", "csv"), ("milestone-export", "xlsx"),
           ("contribution-export", "csv"), ("contribution-export", "xlsx")]


def _url(name, fmt):
    return reverse(f"overview:{name}", args=[fmt])


def _fresh(client, name, fmt, query=None):
    response = client.get(_url(name, fmt), query or {})
    assert response.status_code == 200 and response.content
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    return response


def _again(client, name, fmt, etag, query=None):
    return client.get(_url(name, fmt), query or {}, HTTP_IF_NONE_MATCH=etag)


@pytest.mark.parametrize("name,fmt", EXPORTS)
def test_a_second_request_with_the_tag_gets_304_without_a_body(client_as, living_plan, name, fmt):
    client = client_as("viewer")
    first = _fresh(client, name, fmt)
    second = _again(client, name, fmt, first["ETag"])
    assert second.status_code == 304 and second.content == b""
    assert second["ETag"] == first["ETag"]
    assert _again(client, name, fmt, '"something-else"').status_code == 200


def test_a_status_change_through_the_service_changes_the_tag(client_as, living_plan, demo_users):
    client = client_as("viewer")
    before = {(name, fmt): _fresh(client, name, fmt)["ETag"] for name, fmt in EXPORTS if name == "milestone-export"}
    m = Milestone.objects.filter(activity__accomplishment__work_plan=living_plan, status="not_started").first()
    services.milestone_set_status(milestone_id=m.pk, status="on_track", by=demo_users["secretariat"],
                                  expected_version=m.version)
    for (name, fmt), etag in before.items():
        response = _again(client, name, fmt, etag)
        assert response.status_code == 200 and response["ETag"] != etag
        assert response.content
    rows = client.get(_url("milestone-export", "csv")).content.decode("utf-8-sig")  # the new file says so
    assert "On track" in rows.split(f"\r\n{m.pk},", 1)[1].split("\r\n", 1)[0]


def test_a_delete_changes_the_tag(client_as, living_plan, demo_users):
    client = client_as("viewer")
    etag = _fresh(client, "contribution-export", "csv")["ETag"]
    c = Contribution.objects.filter(activity__accomplishment__work_plan=living_plan).first()
    services.contribution_delete(contribution=c, by=demo_users["secretariat"], expected_version=c.version)
    response = _again(client, "contribution-export", "csv", etag)
    assert response.status_code == 200 and response["ETag"] != etag
    assert f"\r\n{c.pk}," not in response.content.decode("utf-8-sig")


def test_a_move_without_a_history_row_changes_the_tag(client_as, living_plan, demo_users):
    """Moves reorder by QuerySet.update (no history, no version): the order fields are in the tag."""
    client = client_as("viewer")
    tags = {name: _fresh(client, name, "csv")["ETag"] for name in ("milestone-export", "contribution-export")}
    activity = Activity.objects.filter(accomplishment__work_plan=living_plan, number=1,
                                       contributions__isnull=False).first()
    assert services.plan_item_move(obj=activity, direction="down", by=demo_users["secretariat"])
    for name, etag in tags.items():
        response = _again(client, name, "csv", etag)
        assert response.status_code == 200 and response["ETag"] != etag, name


def test_the_tag_names_the_filter_and_the_format(client_as, living_plan):
    client = client_as("viewer")
    tags = {
        _fresh(client, "milestone-export", "csv")["ETag"],
        _fresh(client, "milestone-export", "xlsx")["ETag"],
        _fresh(client, "milestone-export", "csv", {"status": "on_track"})["ETag"],
        _fresh(client, "milestone-export", "csv", {"status": "at_risk"})["ETag"],
        _fresh(client, "milestone-export", "csv", {"o": "-due"})["ETag"],
    }
    assert len(tags) == 5
    on_track = _fresh(client, "milestone-export", "csv", {"status": "on_track"})["ETag"]
    assert _again(client, "milestone-export", "csv", on_track).status_code == 200  # another filter, another file


def test_a_filter_on_data_without_history_is_never_answered_304(client_as, living_plan):
    """Health depends on the reporting cycles, which keep no history: such a file is always built."""
    client = client_as("viewer")
    response = client.get(_url("milestone-export", "csv"), {"health": "stale"})
    assert response.status_code == 200 and not response.has_header("ETag")
    assert _again(client, "milestone-export", "csv", "*", {"health": "stale"}).status_code == 200


def test_an_invalid_filter_gets_a_tag_of_its_own(client_as, living_plan):
    """Strict filters: an invalid one selects nothing, and its (empty) file still answers conditional requests."""
    client = client_as("viewer")
    empty = _fresh(client, "milestone-export", "csv", {"status": "no-such-status"})
    assert empty.content.decode("utf-8-sig").count("\r\n") == 1  # the header only
    assert empty["ETag"] != _fresh(client, "milestone-export", "csv")["ETag"]
    assert _again(client, "milestone-export", "csv", empty["ETag"], {"status": "no-such-status"}).status_code == 304
