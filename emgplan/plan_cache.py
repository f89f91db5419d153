"""Fragment caching of the plan pages, invalidated by a version number kept in the database.

Every save or delete of a model the pages show bumps the version (signals, connected in
AccomplishmentsConfig.ready()); writes that bypass signals (QuerySet.update, bulk_create) call
plan_changed() themselves. The version lives in a database row, not in the cache, so the
processes behind a load balancer all see a change at once; the rendered fragments themselves
may sit in a per-process cache.
"""
import hashlib

from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.middleware.csrf import get_token

VERSION_PK = 1


def plan_version() -> int:
    from accomplishments.models import PlanVersion

    return PlanVersion.objects.filter(pk=VERSION_PK).values_list("number", flat=True).first() or 0


def plan_changed(**kwargs) -> None:
    """Bump the version (inside the caller's transaction: a rolled-back change leaves it as it was)."""
    from accomplishments.models import PlanVersion

    if not PlanVersion.objects.filter(pk=VERSION_PK).update(number=F("number") + 1):
        PlanVersion.objects.get_or_create(pk=VERSION_PK, defaults={"number": 1})


def fragment_key(request, name: str, today, plan=None) -> str:
    """A key for a fragment as one user sees it on one day of the plan, at the current version.

    It includes the user (rules decide which buttons and forms show) and the user's CSRF secret (the
    fragment's forms carry a token that must match the user's cookie).
    """
    get_token(request)
    secret = hashlib.sha256(request.META.get("CSRF_COOKIE", "").encode()).hexdigest()[:16]
    # workplan_current() reads the version with the plan: no query of its own.
    version = plan.cache_version or 0 if hasattr(plan, "cache_version") else plan_version()
    return f"{name}:{version}:{today.isoformat()}:{request.user.pk}:{secret}"


def connect_signals():
    from accomplishments.models import ExpectedAccomplishment, Meeting, Member, WorkPlan
    from activities.models import Activity, Contribution, LeadBody, Milestone, ProgressUpdate

    models = [WorkPlan, ExpectedAccomplishment, Meeting, Member, LeadBody, Activity, Milestone, ProgressUpdate,
              Contribution]
    try:
        from cycles.models import ReportingCycle

        models.append(ReportingCycle)
    except ImportError:  # pragma: no cover
        pass
    for model in models:
        post_save.connect(plan_changed, sender=model, dispatch_uid=f"plan-version-save-{model.__name__}")
        post_delete.connect(plan_changed, sender=model, dispatch_uid=f"plan-version-delete-{model.__name__}")
    for through in (Activity.partners.through, LeadBody.leads.through, LeadBody.members.through):
        m2m_changed.connect(plan_changed, sender=through, dispatch_uid=f"plan-version-m2m-{through.__name__}")


class Deferred:
    """A context value computed only if the template asks for it (a cached fragment may not), then kept."""

    def __init__(self, compute):
        self._compute = compute
        self._done = False
        self._value = None

    def __call__(self):
        if not self._done:
            self._value, self._done = self._compute(), True
        return self._value

    # Code outside templates (tests, other views) can use it as the value itself.
    def __iter__(self):
        return iter(self())

    def __len__(self):
        return len(self())

    def __getitem__(self, key):
        return self()[key]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self(), name)
