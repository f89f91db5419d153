"""The plan at a glance: dashboard, timeline, the two lists with their exports, search, and "as of"."""
import datetime
import hashlib

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import BadRequest, EmptyResultSet
from django.db import connection
from django.db.models import Count, F, Window
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.http import quote_etag, url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views import View
from django.views.generic import ListView, TemplateView
from django_filters.views import FilterView
from rules.contrib.views import PermissionRequiredMixin

from accomplishments.models import ExpectedAccomplishment, Meeting, Member
from accomplishments.selectors import workplan_of
from activities import work_sources
from activities.models import Activity, Contribution, LeadBody, Milestone, ProgressUpdate
from activities.selectors import WHOLE_PLAN, plan_sections
from activities.status import OPEN_STATUSES
from activities.tables import CONTRIBUTION_SCOPE, SCOPE, plan_activity_ids
from cycles.health import with_health
from emgplan import clock, fragments

from . import selectors
from .exports import (
    CONTRIBUTION_COLUMNS,
    MILESTONE_COLUMNS,
    MILESTONE_FIELDS,
    MILESTONE_VALUES,
    XLSX,
    export_csv,
    export_filename,
    export_xlsx,
)
from .filters import ContributionFilter, MilestoneFilter
from .search import plan_search
from .timeline_svg import timeline_svg

PERMISSION = "overview.view_overview"
PAGE_SIZE = 50
# Changed whenever the exports' columns or layout change, so that a file kept under an earlier tag is not reused.
EXPORT_LAYOUT = 1


class OverviewMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = PERMISSION

    def dispatch(self, request, *args, **kwargs):
        self.today = clock.today(request)
        return super().dispatch(request, *args, **kwargs)

    @property
    def plan(self):
        if not hasattr(self, "_plan"):
            self._plan = workplan_of(self.request)
        return self._plan

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(plan=self.plan, today=self.today)
        return ctx


def _year(request, plan):
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return None
    return year if plan and year in plan.years else None


class DashboardView(OverviewMixin, TemplateView):
    """Where the plan stands and what is due next, for the whole plan or one year."""

    template_name = "overview/dashboard.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        plan, today = self.plan, self.today
        # Lines other apps add (e.g. "SOM20 actions: 5 open, 2 done"), read for each request.
        ctx["work_lines"] = [line for source in work_sources.sources() for line in source.dashboard()]
        if plan is None:
            return ctx
        year = _year(self.request, plan)
        ctx.update(year=year, years=list(plan.years), body=dashboard_body(plan=plan, today=today, year=year))
        return ctx


# What the dashboard's sections show: progress only as accepted (a draft filed or submitted changes none of it).
DASHBOARD_KINDS = (fragments.PLAN, fragments.FRAME, fragments.ACCEPTED, fragments.CONTRIBUTIONS)
# What the dashboard shows at most, whatever the size of the plan; each list says how many there are in all and
# links to the page or the filtered milestone list that shows every one.
DASHBOARD_LEAD_BODIES = 15  # those with most overdue milestones, when the plan has more
DASHBOARD_DUE_SOON = 20
DASHBOARD_MEETING_MILESTONES = 10


def dashboard_body(*, plan, today, year) -> str:
    """The dashboard's sections as everyone who may read the plan sees them, from the shared cache when there.

    Nothing in them depends on the user (accepted progress only, every member's contributions). They show the
    plan's frame, accepted progress and health (reporting cycles), contributions and authors' names: a change to
    any of them retires the sections (emgplan/fragments.py). Keyed by the day, the year shown and the links'
    prefix. Each list is bounded (DASHBOARD_LEAD_BODIES and the like), so that building them costs the same for
    any plan.
    """
    def build():
        by_accomplishment = selectors.status_by_accomplishment(plan=plan, today=today, year=year)
        ahead = selectors.milestones_due_ahead(plan=plan, today=today, year=year,
                                               per_meeting=DASHBOARD_MEETING_MILESTONES, soon=DASHBOARD_DUE_SOON)
        lead_bodies = selectors.status_by_lead_body_most_attention(plan=plan, today=today, year=year,
                                                                   limit=DASHBOARD_LEAD_BODIES)
        return render_to_string("overview/partials/_dashboard_body.html", {
            "plan": plan, "today": today, "year": year,
            "by_accomplishment": by_accomplishment,
            "by_lead_body": lead_bodies.rows,
            "lead_bodies": lead_bodies,
            "lead_body_caption": (f"Milestones by status for {lead_bodies.shown} of {lead_bodies.count} lead bodies, "
                                  "those with most overdue milestones" if lead_bodies.partial
                                  else "Milestones by status for each lead body"),
            "plan_totals": selectors.status_totals(by_accomplishment),
            "meetings": ahead.meetings,
            "due_soon": ahead.due_soon,
            "due_soon_count": ahead.due_soon_count,
            "due_soon_until": ahead.until,
            "due_soon_days": selectors.DUE_SOON_DAYS,
            "open_statuses": OPEN_STATUSES,
            "updates": selectors.updates_latest_accepted(plan=plan, year=year),
            "contributions": selectors.contributions_summary(plan=plan, year=year),
            "statuses": selectors.STATUSES,
        })

    html = fragments.fragment("dashboard-body", plan_id=plan.pk, kinds=DASHBOARD_KINDS,
                              parts=[today.isoformat(), year, reverse("overview:milestone-list")], build=build)
    return mark_safe(html)  # noqa: S308  rendered by a template, which escapes


class LeadBodyStatusView(OverviewMixin, ListView):
    """Milestones by status for every lead body of the plan (or of one year), by name, a page at a time: the
    whole of the dashboard's lead body table, which shows those that need most attention once there are many.

    Three queries whatever the size of the plan: how many lead bodies, the page's, and their milestones' counts
    (with, on the last page, those of the milestones of activities without a lead body)."""

    template_name = "overview/lead_body_status.html"
    paginate_by = PAGE_SIZE
    context_object_name = "lead_bodies"

    def get_queryset(self):
        if self.plan is None:
            return LeadBody.objects.none()
        return selectors.lead_bodies_of(self.plan).only("pk", "name", "short_name")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.plan is None:
            return ctx
        year = _year(self.request, self.plan)
        page = ctx["page_obj"]
        ctx.update(
            year=year, years=list(self.plan.years), statuses=selectors.STATUSES,
            query=urlencode({"year": year}) if year else "",
            rows=selectors.status_of_lead_bodies(plan=self.plan, today=self.today, year=year,
                                                 bodies=page.object_list, no_body=not page.has_next()),
        )
        return ctx


def timeline_chart(*, plan, today, overview) -> dict:
    """The timeline's chart of the page of activities `overview` shows (activities.selectors.plan_sections: the
    plan page's part and page), as everyone who may read the plan sees it, from the shared cache when it is there.

    Nothing in it depends on the user; it depends on the plan's frame (any change to it retires the chart, see
    emgplan/fragments.py), on the day the plan is viewed as of, on the addresses its links take (the plan's
    prefix) and on the part and page shown. The page (its activities, where they stand among how many) is named
    in the key and the activities are read again for the chart once the tokens are read, so that a chart built
    across a change is stored under a key no later request asks for. Cold it costs four queries and the layout of
    one page; warm, one round trip to the cache.
    """
    page_obj = overview.page_obj
    ids = [activity.pk for group in overview.shown for activity in group.activities]
    paged = (page_obj.start_index(), page_obj.end_index(), page_obj.paginator.count) \
        if page_obj.has_other_pages() else None

    def build():
        layout = selectors.timeline_page(plan=plan, activity_ids=ids, today=today)
        shown = [f"{g.accomplishment.code}. {g.accomplishment.category}" for g in layout.groups[:1]
                 if overview.chosen != WHOLE_PLAN]
        if paged:
            shown.append("activities {}–{} of {}".format(*paged))
        svg = timeline_svg(layout, plan=plan, shown=f" ({'; '.join(shown)})" if shown else "")
        return {"start": layout.start, "last_day": layout.last_day, "svg": str(svg)}

    chart = fragments.fragment("timeline-chart", plan_id=plan.pk, kinds=[fragments.PLAN], build=build,
                               parts=[today.isoformat(), reverse("overview:milestone-list"), overview.chosen, ids,
                                      paged])
    return {**chart, "svg": mark_safe(chart["svg"])}  # noqa: S308  written by timeline_svg, which escapes every value


class TimelineView(OverviewMixin, TemplateView):
    """The plan's months as a server-rendered SVG chart, readable without JavaScript: the activities of the plan
    page's part and page (the same part chooser and pages), on the whole plan's months."""

    template_name = "overview/timeline.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.plan is not None:
            overview = plan_sections(plan=self.plan, chosen=self.request.GET.get("ea", "")[:10],
                                     page=self.request.GET.get("page"))
            chosen = [s for s in overview.sections if s.code == overview.chosen]
            ctx.update(overview=overview, page_obj=overview.page_obj, query=urlencode({"ea": overview.chosen}),
                       # the list of the same milestones keeps the part shown
                       list_query=urlencode({"o": "due", **({"accomplishment": chosen[0].pk} if chosen else {})}),
                       timeline=timeline_chart(plan=self.plan, today=self.today, overview=overview),
                       statuses=selectors.STATUSES)
        return ctx


class TimelinePdfView(OverviewMixin, View):
    """The timeline on A3 landscape, rendered by WeasyPrint."""

    def get(self, request):
        from django.contrib.staticfiles import finders
        from weasyprint import CSS, HTML

        if self.plan is None:
            raise Http404("No work plan loaded.")
        html = render_to_string("overview/timeline_pdf.html", {
            "plan": self.plan, "today": self.today, "statuses": selectors.STATUSES, "for_print": True,
            "timeline": selectors.plan_timeline(plan=self.plan, today=self.today),
        }, request=request)
        svg_css = CSS(filename=finders.find("css/timeline.css"))  # the page's own stylesheet, read from disk
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(stylesheets=[svg_css])
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="emg-timeline-{self.today:%Y-%m-%d}.pdf"'
        return response


class PlanFilterMixin(OverviewMixin):
    """The list's filterset, scoped to the current plan; shared by the list page and its exports."""

    filterset_class = None

    def base_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        return self.base_queryset() if self.plan else self.filterset_class._meta.model.objects.none()

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs.update(plan=self.plan, today=self.today)
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx["query"] = query.urlencode()
        return ctx


class ListExportMixin(PlanFilterMixin, FilterView):
    """Renders the filtered rows (every page) as CSV or Excel; answers a conditional request (If-None-Match) with
    304 Not Modified when nothing the file is made of has changed."""

    columns: list = []
    history_of: tuple = ()
    order_fields: tuple = ()
    untagged_filters: tuple = ()
    stem = ""
    sheet = ""

    def get(self, request, *args, fmt, **kwargs):
        if fmt not in ("csv", "xlsx"):
            raise Http404("Unknown format.")
        return self.export(fmt)

    def export_rows(self, rows):
        """What the columns read of the filtered rows: the rows themselves unless a list says otherwise."""
        return rows

    def export(self, fmt):
        filterset = self.get_filterset(self.get_filterset_class())
        # As on the list page (strict): an invalid filter selects nothing rather than everything.
        rows = self.get_queryset().none() if filterset.is_bound and not filterset.is_valid() else filterset.qs
        etag = self.export_etag(fmt, rows)
        response = get_conditional_response(self.request, etag=etag) if etag is not None else None
        if response is None:
            rows = self.export_rows(rows)
            if fmt == "csv":
                response = export_csv(rows=rows, columns=self.columns, stem=self.stem, today=self.today)
            else:
                response = export_xlsx(rows=rows, columns=self.columns, stem=self.stem, title=self.sheet,
                                       today=self.today)
        if etag is not None:  # on the 304 too (RFC 9110)
            response.headers["ETag"] = etag
            response.headers["Cache-Control"] = "private, no-cache"  # keep it, but ask again each time
        return response

    def export_etag(self, fmt, rows) -> str | None:
        """The export's entity tag, from what the file is made of and without building it (one query).

        It names the plan, the format, the filter and sort, the day (the file's name; overdue and the like), and
        facts of the rows the filter selects: which, their versions, the order fields that moves change
        without a history row (emgplan.ordering), and the latest history entry of every table the file shows (a
        save or a delete anywhere in them, a deleted row included, writes one). Filters derived from data without
        history (health, from the reporting cycles) get no tag: such a file is always built afresh.
        """
        if self.plan is None or any(name in self.request.GET for name in self.untagged_filters):
            return None
        # The selected rows' own fields, compiled by the ORM (the filter's joins and conditions, nothing per row),
        # then summed in one statement with the history tables' latest entries: cheaper to build than an aggregate
        # of a dozen ORM expressions, which took most of the tag's time.
        fields = {"f_pk": F("pk"), "f_version": F("version"),
                  **{f"f_order{i}": F(field) for i, field in enumerate(self.order_fields)}}
        try:
            inner, params = rows.order_by().values(**fields).query.sql_with_params()
        except EmptyResultSet:  # the filter selects nothing (an invalid one, or an empty choice): a header only
            inner, params = rows.model.objects.filter(pk=None).values(**fields).query.sql_with_params()
        qn = connection.ops.quote_name
        facts = [
            "COUNT(*)", "SUM(t.f_pk)", "SUM(t.f_pk * t.f_pk)", "SUM(t.f_version)",  # which rows, their versions
            # a swap of two rows' places (a move: no history row, no version) changes a sum weighted by id
            *(f"SUM(t.f_pk * COALESCE(t.f_order{i}, 0))" for i in range(len(self.order_fields))),
            *(f"(SELECT MAX(history_date) FROM {qn(model.history.model._meta.db_table)})" for model in self.history_of),
        ]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(facts)} FROM ({inner}) t", params)
            row = cursor.fetchone()
        query = sorted((key, value) for key in self.request.GET for value in self.request.GET.getlist(key))
        source = repr([EXPORT_LAYOUT, self.stem, fmt, self.plan.pk, str(self.today), query, row])
        return quote_etag(hashlib.sha256(source.encode()).hexdigest()[:40])


class MilestoneListMixin:
    filterset_class = MilestoneFilter
    # What the export's conditional requests watch (ListExportMixin.export_etag): the tables its columns show,
    # the fields of the document order, and the filters derived from data without history.
    history_of = (Milestone, Activity, ExpectedAccomplishment, LeadBody, Meeting, ProgressUpdate)
    order_fields = ("order", "activity__number", "activity__accomplishment__order", "parent__order")
    untagged_filters = ("health",)

    def base_queryset(self):
        return selectors.milestones_for_list(plan=self.plan)


class ContributionListMixin:
    filterset_class = ContributionFilter
    history_of = (Contribution, Member, Activity, ExpectedAccomplishment)
    order_fields = ("activity__number", "activity__accomplishment__order")
    untagged_filters = ()

    def base_queryset(self):
        return selectors.contributions_of_plan(plan=self.plan)


# The milestone list and its exports from the shared cache. What they show is the same for everyone who may read
# the plan: the milestones' own fields, progress (last accepted update, health), the plan's frame (activities,
# accomplishments, lead bodies, meetings, reporting cycles) and, through the "Mandated by" filter, decisions.
# A milestone or a progress update retires its activity's scope token (activities/tables.py), the frame and
# decisions their kinds' tokens (emgplan/fragments.py). Pieces that show the whole plan (the rows a filter
# selects and their count, an export's file) hold the scope token of every activity of the plan; a row holds its
# activity's only, so a write rebuilds the selection (two light queries) and the rows of one activity.
LIST_KINDS = (fragments.FRAME, fragments.DECISIONS)


def _query(request, *, without=()) -> list:
    """The query string as sorted (name, value) pairs: what a filter's fragments vary by."""
    return sorted((key, value) for key in request.GET if key not in without for value in request.GET.getlist(key))


def _plan_scopes(plan) -> dict:
    """Every activity of the plan's scope: a fragment showing the whole plan goes with a change to any of them."""
    return {SCOPE: plan_activity_ids(plan.pk)}


class _RowInCache:
    """A row of the page whose HTML is in the shared cache: the template needs only its id. Anything else asked
    of it (by a test, a debugging tool) reads the milestone as the list shows it, one query."""

    def __init__(self, pk, load):
        self.pk, self._load = pk, load

    @cached_property
    def _milestone(self):
        return self._load(self.pk)

    def __getattr__(self, name):  # only for what the instance does not have itself
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._milestone, name)

    def __str__(self):
        return str(self._milestone)


class MilestoneListView(MilestoneListMixin, PlanFilterMixin, FilterView):
    """Every milestone of the plan, filtered, sorted and paginated from the query string.

    The filter form, the page's selection (ids and count) and each row come from the shared cache (see above);
    only the rows missing there are read in full (with their health)."""

    template_name = "overview/milestone_list.html"
    paginate_by = PAGE_SIZE
    strict = True

    def get(self, request, *args, **kwargs):
        if self.plan is None:
            return super().get(request, *args, **kwargs)
        # The filterset is built only when a fragment is missing (the rows it selects, the form): with both in the
        # shared cache the page reads neither its choices nor its rows.
        self.filterset = SimpleLazyObject(lambda: self.get_filterset(self.get_filterset_class()))
        self.object_list = Milestone.objects.none()  # the rows are chosen in paginate_queryset, by the filter
        return self.render_to_response(self.get_context_data(filter=self.filterset, object_list=self.object_list))

    def selected(self):
        """The rows the filter selects, in its order (none for an invalid filter: strict, as FilterView)."""
        filterset = self.filterset
        if not filterset.is_bound or filterset.is_valid():
            return filterset.qs
        return filterset.queryset.none()

    def paginate_queryset(self, queryset, page_size):
        if self.plan is None:
            return super().paginate_queryset(queryset, page_size)
        plan, today = self.plan, self.today
        read = {}  # the rows read in full while choosing the page, if it was not in the cache

        def select():  # the page's rows (id, activity, parent's activity) and the count
            rows = self.selected()
            if "health" not in rows.query.annotations:
                rows = with_health(rows, today)
            count, page_rows = self.page_read(rows, page_size)
            read.update((m.pk, m) for m in page_rows)
            return {"count": count, "rows": [(m.pk, m.activity_id, m.parent.activity_id if m.parent_id else None)
                                             for m in page_rows]}

        selection = fragments.fragment("milestone-list-page", plan_id=plan.pk, kinds=LIST_KINDS,
                                       scopes=_plan_scopes(plan), parts=[today.isoformat(), _query(self.request)],
                                       build=select)
        # The page's number checked as Django does, against the count (an invalid one is a 404, never cached).
        paginator, page, _, is_paginated = super().paginate_queryset(range(selection["count"]), page_size)
        chosen = selection["rows"]
        self.rows = fragments.Batch(
            "milestone-list-row", plan_id=plan.pk, kinds=[fragments.FRAME], scope=SCOPE, ids=[r[0] for r in chosen],
            scope_ids={pk: (a, pa) if pa not in (None, a) else a for pk, a, pa in chosen},
            parts=[today.isoformat(), reverse("activities:plan")])
        def in_full():
            return with_health(selectors.milestones_for_list(plan=plan), today)

        missing = [pk for pk in self.rows.missing if pk not in read]
        full = {**read, **({m.pk: m for m in in_full().filter(pk__in=missing)} if missing else {})}
        rows = [full[pk] if pk in full else _RowInCache(pk, lambda pk: in_full().get(pk=pk))
                for pk, _a, _pa in chosen if pk in full or self.rows.get(pk) is not None]
        page.object_list = rows
        return paginator, page, rows, is_paginated

    def page_read(self, rows, page_size) -> tuple[int, list]:
        """The count of `rows` and the requested page's, read in one query (the count as a window over them);
        an invalid page number is a 404, as Django's pagination says."""
        number = self.request.GET.get(self.page_kwarg) or 1
        try:
            number = int(number)
        except ValueError:
            number = None  # "last", or not a number: Django's pagination decides (with a count of its own)
        if number is not None and number >= 1:
            bottom = (number - 1) * page_size
            page_rows = list(rows.annotate(selected_count=Window(Count("pk")))[bottom:bottom + page_size])
            if page_rows or number == 1:
                return (page_rows[0].selected_count if page_rows else 0), page_rows
        paginator, _page, page_rows, _ = super().paginate_queryset(rows, page_size)
        return paginator.count, list(page_rows)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.plan is not None:
            ctx["rows"] = self.rows
            ctx["filter_form"] = self.filter_form(ctx["filter"])
        return ctx

    def filter_form(self, filterset) -> str:
        """The filter form as the query string fills it in, the same for everyone: its choices show the plan's
        frame and decisions (the mandates), its values and errors the query string."""
        request = self.request

        def build():
            return render_to_string("overview/partials/_filter_form.html", {"filter": filterset, "request": request})

        html = fragments.fragment("milestone-filter-form", plan_id=self.plan.pk, kinds=LIST_KINDS,
                                  parts=[request.path, _query(request, without=("page",))], build=build)
        return mark_safe(html)  # noqa: S308  rendered by a template, which escapes


class MilestoneExportView(MilestoneListMixin, ListExportMixin):
    """The milestone list's rows as a file, from the shared cache: the same for everyone, per filter, day and
    format. Its key holds every activity of the plan's scope token and the frame's and decisions' tokens, so any
    change to what it shows retires it; its entity tag is made from that key (no query), so a tag never outlives
    a change either, and it names the file stored under it."""

    columns = MILESTONE_COLUMNS
    stem = "milestones"
    sheet = "Milestones"

    def export_rows(self, rows):
        """Plain values (MILESTONE_VALUES): a file of the whole plan reads every milestone."""
        return rows.values(*MILESTONE_FIELDS, **MILESTONE_VALUES) if self.plan is not None else []

    def export(self, fmt):
        if self.plan is None:
            return super().export(fmt)
        key = fragments.fragment_key(
            f"milestone-export-{fmt}", plan_id=self.plan.pk, kinds=LIST_KINDS, scopes=_plan_scopes(self.plan),
            parts=[EXPORT_LAYOUT, str(self.today), _query(self.request)])
        tagged = not any(name in self.request.GET for name in self.untagged_filters)
        etag = quote_etag(hashlib.sha256(key.encode()).hexdigest()[:40]) if tagged else None
        response = get_conditional_response(self.request, etag=etag) if etag is not None else None
        if response is None:
            def build():
                filterset = self.get_filterset(self.get_filterset_class())
                rows = self.get_queryset().none() if filterset.is_bound and not filterset.is_valid() else filterset.qs
                rows = self.export_rows(rows)
                if fmt == "csv":
                    return export_csv(rows=rows, columns=self.columns, stem=self.stem, today=self.today).content
                return export_xlsx(rows=rows, columns=self.columns, stem=self.stem, title=self.sheet,
                                   today=self.today).content

            content = fragments.stored(key, build)
            response = HttpResponse(content, content_type="text/csv; charset=utf-8" if fmt == "csv" else XLSX)
            response["Content-Disposition"] = export_filename(self.stem, fmt, self.today)
        if etag is not None:  # on the 304 too (RFC 9110)
            response.headers["ETag"] = etag
            response.headers["Cache-Control"] = "private, no-cache"  # keep it, but ask again each time
        return response


class ContributionListView(ContributionListMixin, PlanFilterMixin, FilterView):
    """In-kind contributions to the plan, with a member × kind pivot of what the filter selects.

    Nothing on the page but its frame (menus, the reader's own links) depends on the reader, so its pieces come
    from the shared cache (emgplan/fragments.py), the same for everyone: the filter form (its choices show the
    plan's frame: members, activities, years), what the filter selects (the count and the pivot, from every
    contribution it selects), the page's contribution ids, and each contribution's row (scope "contribution":
    retired by that contribution's own changes; its member and activity are the frame's). Only the rows missing
    there are read in full; with every piece in the cache the page reads neither the filter's choices nor a row.
    """

    template_name = "overview/contribution_list.html"
    paginate_by = PAGE_SIZE
    strict = True

    def get(self, request, *args, **kwargs):
        if self.plan is None:
            return super().get(request, *args, **kwargs)
        # The filterset (its choices, its validation) is built only when a piece is missing.
        self.filterset = SimpleLazyObject(lambda: self.get_filterset(self.get_filterset_class()))
        self.object_list = self.get_queryset().none()  # the page's rows are chosen in paginate_queryset
        return self.render_to_response(self.get_context_data(filter=self.filterset, object_list=self.object_list))

    def selected(self):
        """What the filter selects, in its order; nothing for an invalid filter (strict, as FilterView)."""
        filterset = self.filterset
        return filterset.qs if not filterset.is_bound or filterset.is_valid() else filterset.queryset.none()

    def paginate_queryset(self, queryset, page_size):
        if self.plan is None:
            return super().paginate_queryset(queryset, page_size)
        plan, request = self.plan, self.request
        selection = (fragments.CONTRIBUTIONS, fragments.FRAME)
        self.pieces = fragments.Group(plan_id=plan.pk, pieces={
            # what the filter selects: its count and pivot (sorting and paging change neither)
            "contribution-summary": (selection, [_query(request, without=("page", "o"))]),
            # the ids of the page's rows (a page beyond the count is a 404 and never stored)
            "contribution-page": (selection, [_query(request)]),
            # the filter form: its choices are the frame's; its values, errors and hidden sort the query string's
            "contribution-filter-form": ([fragments.FRAME], [request.path, _query(request, without=("page",))]),
        })

        def summarize():  # one query: the pivot's cells, summed into its totals and the count
            pivot = selectors.contribution_pivot(self.selected())
            html = render_to_string("overview/partials/_contribution_pivot.html", {"pivot": pivot})
            return {"count": pivot["count"], "pivot": html}

        self.summary = self.pieces.get("contribution-summary", summarize)
        # The page's number checked as Django checks it, against the count.
        paginator, page, _, is_paginated = super().paginate_queryset(range(self.summary["count"]), page_size)
        window = page.object_list  # the positions of the page's rows among those selected
        ids = self.pieces.get("contribution-page", lambda: list(
            self.selected().values_list("pk", flat=True)[window.start:window.stop]))
        self.rows = fragments.Batch("contribution-row", plan_id=plan.pk, kinds=[fragments.FRAME],
                                    scope=CONTRIBUTION_SCOPE, ids=ids, parts=[reverse("activities:plan")]).defer()
        missing = self.rows.missing
        full = {c.pk: c for c in self.get_queryset().filter(pk__in=missing)} if missing else {}
        # A row deleted since the ids were stored is left out (the next request has the new ids).
        load = self.get_queryset().get  # a cached row asked for more than its id (a test): one query
        rows = [full[pk] if pk in full else _RowInCache(pk, lambda pk: load(pk=pk)) for pk in ids
                if pk in full or self.rows.get(pk) is not None]
        page.object_list = rows
        return paginator, page, rows, is_paginated

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if self.plan is not None:  # the rows rendered for the page stored together once it is rendered
            response.add_post_render_callback(lambda _response: self.rows.save())
        return response

    def filter_form(self) -> str:
        request = self.request
        return self.pieces.get("contribution-filter-form", lambda: render_to_string(
            "overview/partials/_filter_form.html", {"filter": self.filterset, "request": request}))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.plan is None:
            ctx["pivot"] = pivot = selectors.contribution_pivot(self.object_list)
            ctx["pivot_html"] = render_to_string("overview/partials/_contribution_pivot.html", {"pivot": pivot})
            return ctx
        # Rendered by templates, which escape.
        ctx.update(rows=self.rows, pivot_html=mark_safe(self.summary["pivot"]),  # noqa: S308
                   filter_form=mark_safe(self.filter_form()))  # noqa: S308
        # The pivot's figures for whoever reads the context (tests): computed only when read.
        ctx["pivot"] = SimpleLazyObject(lambda: selectors.contribution_pivot(self.selected()))
        return ctx


class ContributionExportView(ContributionListMixin, ListExportMixin):
    columns = CONTRIBUTION_COLUMNS
    stem = "contributions"
    sheet = "Contributions"


class SearchView(OverviewMixin, TemplateView):
    """Activities, milestones and accepted progress that match the words, grouped by type."""

    template_name = "overview/search.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        q = self.request.GET.get("q", "").strip()[:200]
        if "\x00" in q:  # PostgreSQL stores no NUL character: refuse here rather than fail in the query
            raise BadRequest("The search words contain a NUL character.")
        groups = plan_search(plan=self.plan, q=q)
        ctx.update(q=q, groups=groups, hit_count=sum(len(g.hits) for g in groups))
        return ctx


class AsOfForm(forms.Form):
    as_of = forms.DateField(required=False, label="Plan as of")
    reset = forms.BooleanField(required=False)


class AsOfView(OverviewMixin, View):
    """Sets (or clears) the date the signed-in user views the plan as of; kept in the session."""

    http_method_names = ["post"]

    def post(self, request):
        form = AsOfForm(request.POST)
        if form.is_valid():
            chosen = form.cleaned_data["as_of"]
            if form.cleaned_data["reset"] or not chosen:
                request.session.pop(clock.SESSION_KEY, None)
            elif datetime.date(2000, 1, 1) <= chosen <= datetime.date(2100, 12, 31):
                request.session[clock.SESSION_KEY] = chosen.isoformat()
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            target = reverse("overview:dashboard")
        return HttpResponseRedirect(target)

