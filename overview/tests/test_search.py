import datetime

import pytest
from django.db import connection
from django.urls import reverse

from activities.models import Milestone, ProgressUpdate
from overview.search import plan_search

pytestmark = pytest.mark.django_db


def _update(users, state, narrative, label="a", code=("A", 3)):
    m = Milestone.objects.get(activity__accomplishment__code=code[0], activity__number=code[1], label=label,
                              parent=None)
    extra = {"reviewer": users["secretariat"], "reviewed_at": datetime.datetime(2014, 5, 1, tzinfo=datetime.UTC)} \
        if state == "accepted" else {}
    return ProgressUpdate.objects.create(
        activity=m.activity, milestone=m, period_start=datetime.date(2014, 1, 1), period_end=datetime.date(2014, 3, 31),
        author=users["biodiversity-lead"], reported_status="on_track", narrative=narrative, review_state=state, **extra)


def _search(client, q):
    response = client.get(reverse("overview:search"), {"q": q})
    assert response.status_code == 200
    return response


def test_finds_a_word_of_an_accepted_narrative_and_marks_it(client_as, living_plan, demo_users):
    _update(demo_users, "accepted", "The secretariat commissioned a background assessment from Zanzibarian experts.")
    response = _search(client_as("viewer"), "zanzibarian")
    groups = {g.key: g for g in response.context["groups"]}
    assert list(groups) == ["updates"]
    html = response.content.decode()
    assert "<mark>Zanzibarian</mark>" in html
    assert "A.3(a), 1 Jan 2014 – 31 Mar 2014" in html


def test_drafts_submitted_and_returned_updates_are_never_found(client_as, living_plan, demo_users):
    _update(demo_users, "draft", "A draft about quokkas.")
    _update(demo_users, "submitted", "A submitted note about quokkas.", label="a", code=("A", 4))
    returned = _update(demo_users, "accepted", "placeholder", code=("B", 1))
    ProgressUpdate.objects.filter(pk=returned.pk).update(review_state="returned", return_reason="No.",
                                                         narrative="A returned note about quokkas.")
    for username in ["secretariat", "chair", "biodiversity-lead", "viewer"]:
        response = _search(client_as(username), "quokkas")
        assert response.context["groups"] == []
        results = response.content.decode().split('role="search"')[1].split("</form>", 1)[1]
        assert "quokkas" not in results.replace("“quokkas”", "")


def test_title_ranks_above_narrative(client_as, living_plan, demo_users):
    """A.3's title has "chemicals"; an accepted narrative elsewhere too. Works on both databases."""
    _update(demo_users, "accepted", "Members exchanged views on chemicals with the WHO.", code=("B", 1))
    groups = plan_search(plan=living_plan, q="chemicals")
    ranks = {g.key: g.hits[0].rank for g in groups}
    assert ranks["activities"] > ranks["updates"]
    assert [g.key for g in groups][0] == "activities"
    html = _search(client_as("viewer"), "chemicals").content.decode()
    assert html.index('data-group="activities"') < html.index('data-group="updates"')


@pytest.mark.postgres
def test_postgres_full_text_ranks_title_above_narrative_with_stemming(client_as, living_plan, demo_users):
    assert connection.vendor == "postgresql"
    _update(demo_users, "accepted", "Members discussed the chemical agenda and its financing.", code=("B", 1))
    # "chemical" stems to the title's "chemicals"; the websearch syntax is accepted
    groups = plan_search(plan=living_plan, q="chemical")
    by_key = {g.key: g for g in groups}
    assert [g.key for g in groups][0] == "activities"
    top = by_key["activities"].hits[0]
    assert "A.3" in top.title and "\ue000chemicals\ue001" in top.title
    assert top.rank > by_key["updates"].hits[0].rank
    html = _search(client_as("chair"), "chemical").content.decode()
    assert "<mark>chemicals</mark>" in html and "<mark>chemical</mark>" in html
    # the search runs on the GIN expression indexes of overview's migration
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'overview_%%_search'")
        assert {r[0] for r in cursor.fetchall()} == {
            "overview_activity_search", "overview_milestone_search", "overview_update_search"}


def test_search_escapes_the_text(client_as, living_plan, demo_users):
    _update(demo_users, "accepted", "Tagged <script>alert(1)</script> flamingo.")
    html = _search(client_as("viewer"), "flamingo").content.decode()
    results = html.split('role="search"')[1].split("</form>", 1)[1]
    assert "<script>alert(1)" not in results and "flamingo</mark>" in results


def test_empty_query_shows_the_form(client_as, living_plan):
    response = _search(client_as("viewer"), "")
    assert response.context["groups"] == [] and 'role="search"' in response.content.decode()
