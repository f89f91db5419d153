"""Fragment caching of the plan pages, invalidated by a version number kept in the database.

Every save or delete of a model the pages show bumps the version (signals, connected in
AccomplishmentsConfig.ready()); writes that bypass signals (QuerySet.update, bulk_create) call
plan_changed() themselves. The version lives in a database row, not in the cache, so the
processes behind a load balancer all see a change at once; the rendered fragments themselves
may sit in a per-process cache.

The bump waits for the writer's commit and runs as its own statement: the version row is locked for
that one statement, never across a writer's transaction, so writers do not queue (or deadlock) behind
each other on it. A rolled-back change bumps nothing, and a transaction bumps once however many rows it
saves. The bump runs before the writing request answers, so the writer's next page shows the change.
"""
import hashlib

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.middleware.csrf import get_token
from django.utils.safestring import mark_safe

VERSION_PK = 1
FRAGMENT_TIMEOUT = 3600  # seconds; a change of the plan makes a fragment unreachable long before


def plan_version() -> int:
    from accomplishments.models import PlanVersion

    return PlanVersion.objects.filter(pk=VERSION_PK).values_list("number", flat=True).first() or 0


def plan_changed(**kwargs) -> None:
    """Bump the version when the current transaction commits (at once outside one). Safe to call often."""
    after_commit(version_bump)


def version_bump() -> None:
    """Add one to the version, in a statement of its own."""
    from accomplishments.models import PlanVersion

    if not PlanVersion.objects.filter(pk=VERSION_PK).update(number=F("number") + 1):
        PlanVersion.objects.get_or_create(pk=VERSION_PK, defaults={"number": 1})


def version_move_past(number: int) -> None:
    """Set the version above both `number` and its current value (after the whole database was replaced, e.g. by
    a restore: no fragment cached under a version the old database reached may show again)."""
    from accomplishments.models import PlanVersion

    current = plan_version()
    PlanVersion.objects.update_or_create(pk=VERSION_PK, defaults={"number": max(number, current) + 1})


def after_commit(func) -> None:
    """Run func once the current transaction commits, once per transaction (at once outside a transaction).

    A call already waiting is enough: the savepoints it was registered in are either released (it now waits
    for the enclosing transaction, as this change does) or still open around this change (a rollback that
    drops it drops this change too). A failing bump is logged, not raised: the writer's change is saved,
    and only its cached pages wait for the next change.
    """
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(f is func for _sids, f, _robust in conn.run_on_commit):
        return
    transaction.on_commit(func, robust=True)


def fragment_key(request, name: str, today, plan=None, forms: bool = True) -> str:
    """A key for a fragment as one user sees it on one day of the plan, at the current version.

    It includes the user (rules decide which buttons and forms show) and, when the fragment has forms, the
    user's CSRF secret (the forms carry a token that must match the user's cookie).
    """
    secret = "-"
    if forms:
        get_token(request)
        secret = hashlib.sha256(request.META.get("CSRF_COOKIE", "").encode()).hexdigest()[:16]
    # workplan_current() reads the version with the plan: no query of its own.
    version = plan.cache_version or 0 if hasattr(plan, "cache_version") else plan_version()
    # The plan the address names ("" for the current one): the same page of two plans is two fragments.
    plan_code = getattr(request, "plan_code", "")
    return f"{name}:{plan_code}:{version}:{today.isoformat()}:{request.user.pk}:{secret}"


def query_digest(*parts) -> str:
    """A short digest of what else a cached page depends on (view arguments, the query string)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def connect_signals():
    from django.contrib.auth import get_user_model

    from accomplishments.models import ExpectedAccomplishment, Meeting, Member, WorkPlan
    from activities.models import Activity, Contribution, EvidenceFile, LeadBody, Milestone, ProgressUpdate

    models = [WorkPlan, ExpectedAccomplishment, Meeting, Member, LeadBody, Activity, Milestone, ProgressUpdate,
              EvidenceFile, Contribution]
    try:
        from cycles.models import ReportingCycle

        models.append(ReportingCycle)
    except ImportError:  # pragma: no cover
        pass
    for model in models:
        post_save.connect(plan_changed, sender=model, dispatch_uid=f"plan-version-save-{model.__name__}")
        post_delete.connect(plan_changed, sender=model, dispatch_uid=f"plan-version-delete-{model.__name__}")
    # Pages show users' names, and their roles decide which actions a cached page offers them.
    user_model = get_user_model()
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="plan-version-save-user")
    user_groups = user_model.groups.through
    for through in (Activity.partners.through, LeadBody.leads.through, LeadBody.members.through, user_groups,
                    Member.focal_points.through):
        m2m_changed.connect(plan_changed, sender=through, dispatch_uid=f"plan-version-m2m-{through.__name__}")


def _user_saved(update_fields=None, **kwargs):
    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return  # a sign-in (or a new password) changes nothing a page shows
    plan_changed()


class CachedContentMixin:
    """Serves a page's content from the cache, without building its context, while the plan is unchanged.

    The template wraps its content in ``{% load plan_cache %}{% cached_content %}…{% endcached_content %}``.
    The key is fragment_key() (plan version, day, user, CSRF secret) for the view, its arguments and the whole
    query string (filter, sort, page). On a hit the view renders the template with only get_cached_context()
    and the stored HTML: no querysets, filters or paginators are built. On a miss the page renders as usual and
    the tag stores its content.
    """

    def content_cache_key(self) -> str:
        from emgplan import clock

        htmx = bool(getattr(self.request, "htmx", False))
        vary = query_digest(sorted(self.kwargs.items()), sorted(self.request.GET.lists()), htmx)
        name = f"page:{type(self).__name__}:{vary}"
        # The request's plan (read once for the header's plan switcher) carries the version: no query of its own.
        plan = getattr(self, "plan", None) or getattr(self.request, "plan", None)
        return fragment_key(self.request, name, clock.today(self.request), plan)

    def get_cached_context(self) -> dict:
        """What the template needs outside its cached content (titles, breadcrumbs); cheap to read."""
        return {}

    def get(self, request, *args, **kwargs):
        self.content_key = self.content_cache_key()
        html = cache.get(self.content_key)
        if html is None:
            return super().get(request, *args, **kwargs)
        context = {"view": self, "cached_content": mark_safe(html), **self.get_cached_context()}
        return self.response_class(request=request, template=[self.template_name], context=context,
                                   using=self.template_engine)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["content_cache_key"] = self.content_key
        return ctx
