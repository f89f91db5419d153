"""The milestone list and its export come from the shared cache (overview/views.py, emgplan/fragments.py): the filter
form, the page's selection and each row, and the whole file, built once for everyone and never shown stale. A
change to a milestone or its progress rebuilds the selection and its activity's rows only; the plan's frame and
decisions rebuild what show them; a rolled-back change retires nothing."""
import re

import pytest
from django.db import transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accomplishments.selectors import workplan_current
from activities.models import Activity, Milestone, ProgressUpdate
from activities.tables import SCOPE, plan_activity_ids
from decisions.models import Decision
from devtools.generate import plan_generate
from emgplan import fragments

pytestmark = pytest.mark.django_db

LIST = reverse("overview:milestone-list")
CSV = reverse("overview:milestone-export", args=["csv"])
NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
CSRF = re.compile(r"[A-Za-z0-9]{64}")  # the CSRF token, masked afresh on every page


@pytest.fixture
def built(monkeypatch):
    """The ids of the rows built (stored in the shared cache) since the fixture began, in order."""
    puts = []
    real = fragments.Batch.put

    def put(batch, pk, value):
        if batch.keys[pk].startswith("fragment:milestone-list-row:"):
            puts.append(pk)
        real(batch, pk, value)
    monkeypatch.setattr(fragments.Batch, "put", put)
    return puts


def _get(client, url, query=None):
    """The response and the SQL of the queries that read milestones."""
    with CaptureQueriesContext(transaction.get_connection()) as queries:
        r = client.get(url, query or {})
    assert r.status_code == 200
    return r, [q["sql"] for q in queries.captured_queries if 'FROM "activities_milestone"' in q["sql"]]


def _row(html, m):
    start = html.index(f'<tr data-id="{m.pk}">')
    return html[start:html.index("</tr>", start)]


def _ids(html):
    return {int(i) for i in re.findall(r'<tr data-id="(\d+)">', html)}


def _status(client, m, status, reason="The partners' data is late."):
    """The status changed through its page, by a lead of the milestone's activity."""
    m.refresh_from_db()
    client.force_login(m.activity.lead_body.leads.order_by("pk").first())
    r = client.post(reverse("activities:milestone-status", args=[m.pk]), {
        f"m{m.pk}-status": status, f"m{m.pk}-completed_on": "", f"m{m.pk}-version": m.version,
        f"m{m.pk}-reason": reason})
    assert r.status_code in (200, 302)
    m.refresh_from_db()
    assert m.status == status


def _at_risk(plan):
    return Milestone.objects.filter(activity__accomplishment__work_plan=plan, status="at_risk")


def test_built_once_for_every_reader_and_the_same_as_built_without_cache(client_as, living_plan, built):
    query = {"status": ["at_risk", "on_track", "delayed"], "o": "-due"}
    first, reads = _get(client_as("chair"), LIST, query)
    assert reads and built
    shown = _ids(first.content.decode())
    assert set(built) == shown
    built.clear()
    for username in ("viewer", "secretariat", "biodiversity-lead", "unido-focal", "chair"):
        again, reads = _get(client_as(username), LIST, query)
        assert reads == [] and built == []
        assert _ids(again.content.decode()) == shown
    with override_settings(CACHES=NO_CACHE):
        fresh, reads = _get(client_as("chair"), LIST, query)
    assert reads
    cached, _ = _get(client_as("chair"), LIST, query)
    assert CSRF.sub("", cached.content.decode()) == CSRF.sub("", fresh.content.decode())  # byte for byte


def test_a_status_change_shows_at_once_and_rebuilds_one_activitys_rows(client_as, living_plan, built):
    lead = client_as("viewer")
    query = {"status": "at_risk", "o": "-due"}
    before = _ids(_get(client_as("viewer"), LIST, query)[0].content.decode())
    assert before == set(_at_risk(living_plan).values_list("pk", flat=True)) and before
    leaving = _at_risk(living_plan).first()
    arriving = Milestone.objects.filter(activity__accomplishment__work_plan=living_plan, status="on_track",
                                        parent=None).exclude(activity=leaving.activity).first()
    assert arriving.activity.lead_body.leads.exists()
    built.clear()
    _status(lead, arriving, "at_risk")
    html = _get(client_as("viewer"), LIST, query)[0].content.decode()
    assert _ids(html) == before | {arriving.pk}
    # The other rows of the page are the cached ones: only the changed activity's are built again.
    assert "At risk" in _row(html, arriving) and built == [arriving.pk]
    built.clear()
    _status(lead, leaving, "delayed")
    html = _get(client_as("viewer"), LIST, query)[0].content.decode()
    assert _ids(html) == before - {leaving.pk} | {arriving.pk} and built == []
    # The unfiltered list shows the new status in the row too.
    everything = _get(client_as("viewer"), LIST, {"activity": leaving.activity_id})[0].content.decode()
    assert "Delayed" in _row(everything, leaving)


def test_accepted_progress_shows_at_once(client_as, living_plan, built):
    update = ProgressUpdate.objects.filter(review_state="submitted", milestone__isnull=False,
                                           activity__accomplishment__work_plan=living_plan).first()
    m = update.milestone
    query = {"activity": m.activity_id}
    html = _get(client_as("viewer"), LIST, query)[0].content.decode()
    shown = f'{update.period_end:%-d %b %Y}'
    assert shown not in _row(html, m)
    built.clear()
    assert client_as("secretariat").post(reverse("activities:update-accept", args=[update.pk])).status_code == 302
    html = _get(client_as("viewer"), LIST, query)[0].content.decode()
    assert shown in _row(html, m) and m.pk in built


def test_a_progress_draft_rebuilds_no_row_and_accepting_it_its_activitys_rows_only(client_as, living_plan, built):
    query = {"status": ["at_risk", "on_track", "not_started"]}
    first = _get(client_as("viewer"), LIST, query)[0].content
    m = Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)
    built.clear()
    r = client_as("biodiversity-lead").post(reverse("activities:update-create") + f"?milestone={m.pk}", {
        "period_start": "2014-01-01", "period_end": "2014-06-14", "reported_status": "on_track",
        "narrative": "A draft.", "evidence_links": "", "submit": "1"})
    assert r.status_code == 302
    # Submitted, not accepted: no column and no filter of the list reads it (health and "last accepted" read
    # accepted progress only), so every row is kept.
    again = _get(client_as("viewer"), LIST, query)[0].content
    table = lambda html: html[html.index(b"<table"):html.index(b"</table>")]  # noqa: E731
    assert not built and table(again) == table(first)
    update = ProgressUpdate.objects.get(narrative="A draft.")
    assert client_as("secretariat").post(reverse("activities:update-accept", args=[update.pk])).status_code == 302
    _get(client_as("viewer"), LIST, query)
    assert built and set(built) <= set(Milestone.objects.filter(activity=m.activity_id).values_list("pk", flat=True))


def test_the_plans_frame_shows_at_once(client_as, living_plan, built):
    m = _at_risk(living_plan).select_related("activity").first()
    a = m.activity
    query = {"status": "at_risk"}
    _get(client_as("viewer"), LIST, query)
    r = client_as("secretariat").post(reverse("activities:activity-edit", args=[a.pk]), {
        "accomplishment": a.accomplishment_id, "number": a.number, "title": "Retitled by the secretariat",
        "description": a.description, "lead_body": a.lead_body_id or "", "version": a.version})
    assert r.status_code == 302
    built.clear()
    html = _get(client_as("viewer"), LIST, query)[0].content.decode()
    assert "Retitled by the secretariat" in _row(html, m)
    assert set(built) == _ids(html)  # every row shows the frame: all built again
    csv = client_as("viewer").get(CSV).content.decode("utf-8-sig")
    assert "Retitled by the secretariat" in csv.split(f"\r\n{m.pk},", 1)[1].split("\r\n", 1)[0]


def test_a_confirmed_decision_shows_in_the_filter_and_selects_its_milestones(client_as, living_plan):
    m = Milestone.objects.filter(activity__accomplishment__work_plan=living_plan).order_by("pk").last()
    decision = Decision.objects.create(body="ceb", body_name="CEB", reference="CEB ad hoc", text="Draft.",
                                       state="draft")
    html = _get(client_as("viewer"), LIST)[0].content.decode()
    assert "CEB ad hoc" not in html
    assert _ids(_get(client_as("viewer"), LIST, {"mandate": decision.pk})[0].content.decode()) == set()
    decision.milestones.add(m)  # what it mandates (m2m_changed): still a draft, no option
    assert client_as("secretariat").post(reverse("decisions:decision-confirm", args=[decision.pk])).status_code == 302
    html = _get(client_as("viewer"), LIST)[0].content.decode()
    assert f'<option value="{decision.pk}">CEB ad hoc</option>' in html
    assert _ids(_get(client_as("viewer"), LIST, {"mandate": decision.pk})[0].content.decode()) == {m.pk}
    other = Milestone.objects.filter(activity__accomplishment__work_plan=living_plan).order_by("pk").first()
    decision.milestones.add(other)
    assert _ids(_get(client_as("viewer"), LIST, {"mandate": decision.pk})[0].content.decode()) == {m.pk, other.pk}
    body = client_as("viewer").get(CSV, {"mandate": decision.pk}).content.decode("utf-8-sig")
    assert f"\r\n{other.pk}," in body and f"\r\n{m.pk}," in body


def test_the_export_is_built_once_the_same_as_without_cache_and_a_change_shows_at_once(client_as, living_plan):
    first, reads = _get(client_as("chair"), CSV)
    assert reads
    for username in ("viewer", "secretariat", "unido-focal"):
        again, reads = _get(client_as(username), CSV)
        assert reads == [] and again.content == first.content and again["ETag"] == first["ETag"]
    with override_settings(CACHES=NO_CACHE):
        fresh, _ = _get(client_as("chair"), CSV)
    assert fresh.content == first.content
    assert fresh["Content-Disposition"] == first["Content-Disposition"] == \
        'attachment; filename="emg-milestones-2014-06-15.csv"'
    assert client_as("viewer").get(CSV, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    m = _at_risk(living_plan).first()
    _status(client_as("secretariat"), m, "delayed")
    after, reads = _get(client_as("viewer"), CSV)
    assert reads and after["ETag"] != first["ETag"]
    assert "Delayed" in after.content.decode("utf-8-sig").split(f"\r\n{m.pk},", 1)[1].split("\r\n", 1)[0]
    assert client_as("viewer").get(CSV, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    # A progress draft shows in no column: the file is kept. Accepted progress (its "last accepted" column, its
    # health) retires it: the file holds every activity's token.
    key = _export_key(living_plan)
    lead = m.activity.lead_body.leads.first()
    ProgressUpdate.objects.create(activity=m.activity, milestone=m, author=lead,
                                  period_start="2014-01-01", period_end="2014-03-31", narrative="Draft")
    assert _export_key(living_plan) == key
    ProgressUpdate.objects.create(activity=m.activity, milestone=m, author=lead, review_state="accepted",
                                  reviewer=lead, period_start="2014-01-01", period_end="2014-03-31",
                                  narrative="Accepted")
    assert _export_key(living_plan) != key


def _export_key(plan, query=()):
    return fragments.fragment_key("milestone-export-csv", plan_id=plan.pk, kinds=[fragments.FRAME, fragments.DECISIONS],
                                  scopes={SCOPE: plan_activity_ids(plan.pk)},
                                  parts=[1, "2014-06-15", list(query)])


def test_the_key_of_the_export_is_the_one_the_view_uses(client_as, living_plan):
    """(So that the rolled-back test below watches the real key.)"""
    from django.core.cache import cache

    client_as("viewer").get(CSV)
    assert cache.get(_export_key(living_plan)) is not None


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_retires_nothing_a_committed_one_retires_the_list_and_file(seed_plan, settings):
    settings.EMG_TODAY = "2014-06-15"
    m = Milestone.objects.filter(activity__accomplishment__work_plan=seed_plan).first()
    key = _export_key(seed_plan)
    with pytest.raises(RuntimeError), transaction.atomic():
        m.status = "delayed"
        m.save()
        Decision.objects.create(body="ceb", body_name="CEB", reference="Rolled back", text=".", state="confirmed")
        raise RuntimeError
    assert _export_key(seed_plan) == key
    m.refresh_from_db()
    m.status = "delayed"
    m.save()
    assert _export_key(seed_plan) != key
    key = _export_key(seed_plan)
    Decision.objects.create(body="ceb", body_name="CEB", reference="Committed", text=".", state="confirmed")
    assert _export_key(seed_plan) != key


def _warm(client, counts, label):
    for url, query in ((LIST, {"status": ["at_risk", "on_track"], "o": "-due"}), (CSV, {})):
        client.get(url, query)  # the cache filled
        with CaptureQueriesContext(transaction.get_connection()) as ctx:
            r = client.get(url, query)
        assert r.status_code == 200
        assert not [q for q in ctx.captured_queries if 'FROM "activities_milestone"' in q["sql"]]
        counts.setdefault(url, []).append(len(ctx.captured_queries))


def test_warm_queries_do_not_grow_with_the_plan(client_as, living_plan):
    client = client_as("viewer")
    counts = {}
    _warm(client, counts, "seed")
    plan = plan_generate(scale=10)
    assert workplan_current() == plan
    assert Activity.objects.filter(accomplishment__work_plan=plan).count() > 50
    _warm(client, counts, "scale 10")
    for url, (small, large) in counts.items():
        assert small == large <= 4, (url, small, large)  # the session, the user, the plans, the role check
