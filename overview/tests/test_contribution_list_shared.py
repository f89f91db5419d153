"""The contribution list comes from the shared cache (overview/views.py, ContributionListView): the filter form,
what the filter selects (count and pivot), the page's ids and each contribution's row are built once for everyone
who may read the plan and never shown stale. A contribution recorded, edited or deleted through its view shows at
once and rebuilds its own row only; a member or an activity renamed rebuilds every row; a rolled-back change
retires nothing. The queries stay the same whatever the plan's size."""
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction
from django.template import Context, Template
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accomplishments.models import Member
from accomplishments.selectors import workplan_current
from activities.models import Activity, Contribution
from activities.tables import CONTRIBUTION_SCOPE
from devtools.generate import plan_generate
from emgplan import fragments
from overview.templatetags.overview_tags import contribution_row

pytestmark = pytest.mark.django_db

URL = reverse("overview:contribution-list")
MASK = re.compile(r"[A-Za-z0-9]{64}")  # the CSRF token, masked afresh on every page


class Page:
    """A request of the list: its HTML, its main section, and what it read from the database."""

    def __init__(self, client, query="", status=200):
        with CaptureQueriesContext(transaction.get_connection()) as queries:
            response = client.get(URL + (f"?{query}" if query else ""))
        assert response.status_code == status
        self.html = response.content.decode()
        self.queries = [q["sql"] for q in queries.captured_queries]
        self.rows_read = set()  # the contributions read in full (their rows were missing)
        for sql in self.queries:
            if sql.startswith("SELECT") and 'FROM "activities_contribution"' in sql and "SUM(" not in sql:
                for ids in re.findall(r'"activities_contribution"\."id" IN \(([\d, ]+)\)', sql):
                    self.rows_read |= {int(i) for i in ids.split(",")}
        self.summed = any("SUM(" in sql and '"activities_contribution"' in sql for sql in self.queries)
        self.choices_read = any('FROM "accomplishments_member"' in sql for sql in self.queries)

    @property
    def main(self):
        return self.html[self.html.index('<h1 class="h2">In-kind contributions'):self.html.index("</main>")]

    @property
    def ids(self):
        return [int(i) for i in re.findall(r'<tr data-id="(\d+)">', self.html)]

    def row(self, pk):
        start = self.html.index(f'<tr data-id="{pk}">')
        return self.html[start:self.html.index("</tr>", start)]

    def pivot(self, acronym):
        start = self.html.index(f'<tr data-member="{acronym}">')
        return self.html[start:self.html.index("</tr>", start)]


def _in_plan(plan):
    return Contribution.objects.filter(activity__accomplishment__work_plan=plan)


def test_built_once_for_every_reader_and_the_same_as_built_without_cache(client_as, living_plan):
    every = set(_in_plan(living_plan).values_list("pk", flat=True))
    assert 0 < len(every) <= 50  # one page
    first = Page(client_as("chair"))
    assert first.rows_read == every and first.summed and first.choices_read and set(first.ids) == every
    for username in ("viewer", "unido-focal", "secretariat", "biodiversity-lead", "chair"):
        again = Page(client_as(username))
        assert again.rows_read == set() and not again.summed and not again.choices_read
        assert again.main == first.main
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        built = Page(client_as("unido-focal"))
    assert built.rows_read == every and built.summed
    cached = Page(client_as("unido-focal"))
    assert cached.rows_read == set()
    assert MASK.sub("", cached.html) == MASK.sub("", built.html)  # byte for byte


@pytest.mark.parametrize("query", ["kind=time", "o=-days", "year=2015&o=member", "member=999999", "year=1999"])
def test_each_filter_and_sort_is_its_own_and_the_same_as_built_without_cache(client_as, living_plan, query):
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        built = Page(client_as("viewer"), query)
    Page(client_as("chair"), query)
    cached = Page(client_as("viewer"), query)
    assert cached.rows_read == set() and not cached.summed
    assert MASK.sub("", cached.html) == MASK.sub("", built.html)
    if query.startswith("kind="):
        assert set(cached.ids) == set(_in_plan(living_plan).filter(kind="time").values_list("pk", flat=True))
    if "999999" in query or "1999" in query:  # an invalid filter selects nothing and says why
        assert cached.ids == [] and "No contribution matches the filter." in cached.html
        assert 'class="text-danger small" role="alert"' in cached.html


def test_a_contribution_recorded_through_its_view_shows_at_once_and_builds_its_row_only(client_as, living_plan):
    before = Page(client_as("chair"))
    Page(client_as("viewer"))
    unido = Member.objects.get(acronym="UNIDO")
    activity = Activity.objects.filter(accomplishment__work_plan=living_plan).order_by("pk").first()
    r = client_as("unido-focal").post(reverse("activities:contribution-create"), {
        "member": unido.pk, "activity": activity.pk, "kind": "time", "year": 2014, "staff_days": "",
        "amount_usd": "987654.5", "state": "pledged", "note": "Recorded a moment ago"})
    assert r.status_code == 302
    new = Contribution.objects.get(note="Recorded a moment ago")
    after = Page(client_as("viewer"))
    assert after.rows_read == {new.pk} and after.summed and not after.choices_read  # the form shows no contribution
    assert "Recorded a moment ago" in after.row(new.pk) and len(after.ids) == len(before.ids) + 1
    assert after.pivot("UNIDO") != before.pivot("UNIDO") and "987,654.50" in after.row(new.pk)
    assert f"{len(after.ids)} rows selected." in after.html


def test_an_edit_through_its_view_rebuilds_its_row_only(client_as, living_plan):
    c = _in_plan(living_plan).filter(member__acronym="UNIDO").select_related("member").first()
    Page(client_as("chair"))
    r = client_as("unido-focal").post(reverse("activities:contribution-edit", args=[c.pk]), {
        "member": c.member_id, "activity": c.activity_id, "kind": c.kind, "year": c.year,
        "staff_days": "" if c.staff_days is None else c.staff_days, "amount_usd": "4321.5", "state": "reported",
        "note": "Edited <now> & here", "version": c.version})
    assert r.status_code == 302
    after = Page(client_as("viewer"))
    assert after.rows_read == {c.pk} and after.summed
    row = after.row(c.pk)
    assert "Edited &lt;now&gt; &amp; here" in row and "4,321.50" in row and "Reported" in row
    again = Page(client_as("secretariat"))
    assert again.rows_read == set() and again.main == after.main


def test_a_delete_through_its_view_shows_at_once_and_rebuilds_no_row(client_as, living_plan):
    c = _in_plan(living_plan).filter(member__acronym="UNIDO").first()
    before = Page(client_as("chair"))
    assert c.pk in before.ids
    r = client_as("unido-focal").post(reverse("activities:contribution-delete", args=[c.pk]), {"version": c.version})
    assert r.status_code == 302 and not Contribution.objects.filter(pk=c.pk).exists()
    after = Page(client_as("viewer"))
    assert after.rows_read == set() and after.summed
    assert after.ids == [pk for pk in before.ids if pk != c.pk]


def test_a_member_or_an_activity_renamed_rebuilds_every_row(client_as, living_plan):
    every = set(_in_plan(living_plan).values_list("pk", flat=True))
    Page(client_as("chair"))
    unido = Member.objects.get(acronym="UNIDO")
    unido.acronym = "UNIDO-X"
    unido.save()
    after = Page(client_as("viewer"))
    assert after.rows_read == every and after.summed and after.choices_read
    assert '<tr data-member="UNIDO-X">' in after.html and f'<option value="{unido.pk}">UNIDO-X</option>' in after.html
    assert '<th scope="row">UNIDO-X</th>' in after.html
    c = _in_plan(living_plan).select_related("activity").first()
    activity = c.activity
    activity.title = "A title of its own"
    activity.save()
    after = Page(client_as("viewer"))
    assert after.rows_read == every and "A title of its own" in after.row(c.pk)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_retires_nothing_a_committed_one_its_row(seed_plan):
    from devtools.demo import demo_progress_create

    demo_progress_create()
    c = _in_plan(seed_plan).first()
    other = _in_plan(seed_plan).exclude(pk=c.pk).first()

    def keys():
        rows = fragments.Batch("t", plan_id=seed_plan.pk, kinds=[fragments.FRAME], scope=CONTRIBUTION_SCOPE,
                               ids=[c.pk, other.pk])
        group = fragments.Group(plan_id=seed_plan.pk, pieces={"s": ([fragments.CONTRIBUTIONS], [])})
        return rows.keys[c.pk], rows.keys[other.pk], group.keys["s"]

    row, other_row, summary = keys()
    with pytest.raises(RuntimeError), transaction.atomic():
        c.note = "Never saved"
        c.save()
        raise RuntimeError
    assert keys() == (row, other_row, summary)
    c.refresh_from_db()
    c.note = "Saved"
    c.save()
    now = keys()
    assert now[0] != row and now[1] == other_row and now[2] != summary


def test_a_row_written_by_code_is_the_templates_bytes(living_plan):
    """The row tag writes what the template it replaced wrote, escapes and truncations included."""
    template = Template(
        '{% load figures %}<tr data-id="{{ c.pk }}">\n'
        '      <th scope="row">{{ c.member.acronym }}</th>\n'
        '      <td class="small"><a href="{% url \'activities:activity-detail\' c.activity_id %}">'
        '{{ c.activity.accomplishment.code }}.{{ c.activity.number }}</a> {{ c.activity.title|truncatewords:8 }}</td>\n'
        '      <td>{{ c.get_kind_display }}</td>\n'
        '      <td>{{ c.year }}</td>\n'
        '      <td class="text-end">{{ c.staff_days|days|default:"" }}</td>\n'
        '      <td class="text-end">{{ c.amount_usd|usd|default:"" }}</td>\n'
        '      <td>{{ c.get_state_display }}</td>\n'
        '      <td class="small">{{ c.note|truncatewords:12 }}</td>\n'
        '    </tr>')
    c = _in_plan(living_plan).select_related("member", "activity__accomplishment").first()
    c.activity.title = 'A "quoted" <b>title</b> & more words than eight to be cut short here'
    cases = [(None, Decimal("1234567.5"), "<script>alert('x')</script> & a note of more than twelve words, "
                                          "which the list cuts short after the twelfth word"),
             (Decimal("12.0"), None, ""), (Decimal("0.5"), Decimal("0"), "short")]
    for days, usd, note in cases:
        c.staff_days, c.amount_usd, c.note = days, usd, note
        assert contribution_row(c) == template.render(Context({"c": c}))


def test_queries_do_not_grow_with_the_plan(client_as, living_plan, django_assert_max_num_queries):
    client = client_as("unido-focal")
    client.get(URL)  # the session and templates, once
    counts = {}
    for scale in (None, 10):
        plan = living_plan if scale is None else plan_generate(scale=scale)
        assert workplan_current() == plan
        for query in ("", "kind=time", "o=-usd"):
            cache.clear()
            # Cold: the session, the user, the roles, the plan; the pivot, the page's ids, its rows, the form's
            # two choices. Warm: the session, the user, the roles and the plan only.
            with django_assert_max_num_queries(9) as cold:
                assert client.get(URL + f"?{query}").status_code == 200
            with django_assert_max_num_queries(4) as warm:
                assert client.get(URL + f"?{query}").status_code == 200
            counts.setdefault(query, []).append((len(cold.captured_queries), len(warm.captured_queries)))
    assert _in_plan(workplan_current()).count() > 100  # several pages
    for query, (small, large) in counts.items():
        assert small == large, f"{query!r}: {small} queries on the seed plan, {large} at scale 10"
    # The pages of the large plan: each its own rows, cold and warm, and a page beyond the last is a 404.
    first, second = Page(client), Page(client, "page=2")
    assert len(first.ids) == 50 and set(first.ids).isdisjoint(second.ids)
    again = Page(client, "page=2")
    assert again.rows_read == set() and again.ids == second.ids
    Page(client, "page=99", status=404)
