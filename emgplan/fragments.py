"""Fragments that are the same for everyone who may see them, kept in the shared cache (Redis in production).

Nothing here is per user: a fragment's key names the plan, the kinds of data it shows and whatever else it
depends on (the day, a year, a filter). Each kind of data has a token in the cache; a fragment's key holds
the current tokens of the kinds it shows, so replacing a token retires every fragment built from that kind
at once (key-based expiry: nothing is deleted, old entries are simply never asked for again and age out).

Writers retire tokens after their transaction commits (a rolled-back change retires nothing); the tokens
are read before the fragment's data, so a fragment built from data read before a commit is stored under a
token the commit retires. Models are tied to kinds by retire_on_change(), called from each app's ready();
writes that send no signal (QuerySet.update, bulk_create) call retire() themselves. A restore replaces the
whole database: retire_all() replaces the generation every key holds.

This module imports no domain app.
"""
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

log = logging.getLogger(__name__)

TIMEOUT = 6 * 3600  # seconds: a fragment outlives its tokens only as garbage; this bounds how long it lingers
GENERATION = "generation"

# The kinds of data fragments show. A fragment depends on some of them; a model's changes retire some.
PLAN = "plan"  # the plan's frame, activities, milestones, meetings, lead bodies, members
PROGRESS = "progress"  # progress updates and their review
CONTRIBUTIONS = "contributions"
KINDS = (PLAN, PROGRESS, CONTRIBUTIONS)


def _token_key(name: str) -> str:
    return f"fragment-token:{name}"


def _tokens(names: Iterable[str]) -> dict[str, str]:
    """The current token of each name, creating the missing ones (one round trip when they all exist)."""
    keys = {name: _token_key(name) for name in names}
    found = cache.get_many(list(keys.values()))
    tokens = {}
    for name, key in keys.items():
        token = found.get(key)
        if token is None:
            cache.add(key, secrets.token_hex(8), None)  # another process may have created it in between
            token = cache.get(key)
        tokens[name] = token
    return tokens


def fragment_key(name: str, *, plan_id, kinds: Iterable[str], parts: Iterable = ()) -> str:
    """The key of fragment `name` of plan `plan_id` built from `kinds`, varying by `parts` (day, filter...)."""
    kinds = sorted(set(kinds))
    tokens = _tokens([GENERATION, *kinds])
    vary = hashlib.sha256(repr([tokens[GENERATION], *(tokens[k] for k in kinds), *parts]).encode()).hexdigest()
    return f"fragment:{name}:{plan_id}:{vary[:32]}"


def fragment(name: str, *, plan_id, kinds: Iterable[str], parts: Iterable = (), build: Callable,
             timeout: int = TIMEOUT):
    """The fragment from the shared cache, or build() stored there; build() must not depend on the user."""
    key = fragment_key(name, plan_id=plan_id, kinds=kinds, parts=parts)
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    return value


def _replace(names: Iterable[str]) -> None:
    try:
        cache.set_many({_token_key(name): secrets.token_hex(8) for name in names}, None)
    except Exception:  # noqa: BLE001  the writer's change is saved; a cache outage must not turn it into an error
        log.exception("could not retire fragment tokens %s", list(names))


def after_commit(func: Callable) -> None:
    """Run func once the current transaction commits (at once outside one); the tests run it at once."""
    transaction.on_commit(func, robust=True)


def retire(*kinds: str) -> None:
    """Retire every fragment built from `kinds` once the current transaction commits. Safe to repeat."""
    after_commit(lambda: _replace(kinds))


def retire_all() -> None:
    """Retire every fragment at once (the database was replaced, e.g. by a restore)."""
    _replace([GENERATION, *KINDS])


def retire_on_change(model, *kinds: str) -> None:
    """Saving or deleting a `model` row retires the fragments built from `kinds` (after the commit)."""
    def changed(**kwargs):
        retire(*kinds)

    # connect() keeps a weak reference by default; `changed` lives only in this closure.
    for signal in (post_save, post_delete):
        signal.connect(changed, sender=model, weak=False,
                       dispatch_uid=f"fragments-{signal is post_save}-{model._meta.label}-{'-'.join(kinds)}")


PROCESS_LOCAL = ("django.core.cache.backends.locmem.LocMemCache",)


@checks.register(checks.Tags.caches, deploy=True)
def check_cache_shared(app_configs=None, **kwargs):
    """A token retired in one process's memory leaves every other process showing the old fragment: with more
    than one process (gunicorn's workers, Celery), the cache must be shared (CACHE_URL=redis://...)."""
    if settings.CACHES["default"]["BACKEND"] in PROCESS_LOCAL:
        return [checks.Warning(
            "The cache is in each process's memory: a change made through one web process would leave the shared "
            "fragments (e.g. the timeline's chart) stale in the others.",
            hint="Set CACHE_URL to the Redis every process shares, e.g. CACHE_URL=redis://127.0.0.1:6379/1.",
            id="emgplan.W001")]
    return []
