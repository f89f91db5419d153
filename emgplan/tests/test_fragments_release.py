"""Every fragment's key holds the release (a digest of the project's code and templates): after a deploy that
changes how a fragment is written, none written by the code before is shown; tokens are shared by both releases."""
import pytest

from emgplan import fragments

pytestmark = pytest.mark.django_db


def test_the_release_is_the_digest_of_the_code_and_templates(settings, tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text("A = 1\n")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "row.html").write_text("<tr>{{ a }}</tr>\n")
    for skipped in ("tests", ".venv", "node_modules"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "x.py").write_text("X = 1\n")
    settings.BASE_DIR = tmp_path
    fragments.release.cache_clear()
    try:
        first = fragments.release()
        assert fragments.release() == first  # read once per process
        (tmp_path / "tests" / "x.py").write_text("X = 2\n")
        (tmp_path / ".venv" / "x.py").write_text("X = 2\n")
        fragments.release.cache_clear()
        assert fragments.release() == first  # tests and dependencies are not the release
        (tmp_path / "templates" / "row.html").write_text("<tr class=new>{{ a }}</tr>\n")
        fragments.release.cache_clear()
        second = fragments.release()
        assert second != first
        (tmp_path / "app" / "views.py").write_text("A = 2\n")
        fragments.release.cache_clear()
        assert fragments.release() not in (first, second)
    finally:
        fragments.release.cache_clear()


def test_every_key_holds_the_release(monkeypatch):
    def keys():
        batch = fragments.Batch("t", plan_id=1, kinds=[fragments.FRAME], scope="activity", ids=[7])
        group = fragments.Group(plan_id=1, pieces={"g": ([fragments.FRAME], [])})
        return (fragments.fragment_key("t", plan_id=1, kinds=[fragments.FRAME]), batch.keys[7], group.keys["g"],
                fragments.fragment_key("t", plan_id=1, kinds=[fragments.FRAME], scopes={"activity": [7]}))

    before = keys()
    assert keys() == before
    monkeypatch.setattr(fragments, "release", lambda: "another-release")
    after = keys()
    assert all(a != b for a, b in zip(before, after, strict=True))
    fragments.retire(fragments.FRAME)  # a write in either release retires both releases' fragments
    assert all(a != b for a, b in zip(after, keys(), strict=True))


def test_a_page_built_by_another_release_is_not_shown(client_as, seed_plan, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def milestone_reads():
        with CaptureQueriesContext(connection) as queries:
            assert client_as("viewer").get("/").status_code == 200
        return sum('FROM "activities_milestone"' in q["sql"] for q in queries.captured_queries)

    assert milestone_reads() > 0
    assert milestone_reads() == 0  # from the shared cache
    monkeypatch.setattr(fragments, "release", lambda: "the next release")
    assert milestone_reads() > 0  # built again by this release's code
