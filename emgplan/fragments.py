"""Fragments that are the same for everyone who may see them, kept in the shared cache (Redis in production).

Nothing here is per user: a fragment's key names the plan, the kinds of data it shows and whatever else it
depends on (the day, a year, a filter). Each kind of data has a token in the cache; a fragment's key holds
the current tokens of the kinds it shows, so replacing a token retires every fragment built from that kind
at once (key-based expiry: nothing is deleted, old entries are simply never asked for again and age out).

Writers retire tokens after their transaction commits (a rolled-back change retires nothing); the tokens
are read before the fragment's data, so a fragment built from data read before a commit is stored under a
token the commit retires. Models are tied to kinds by retire_on_change(), called from each app's ready();
writes that send no signal (QuerySet.update, bulk_create) call retire() themselves. A restore replaces the
whole database: retire_all() replaces the generation every key holds. Every key also holds the release (a
digest of the code and templates that build fragments), so a deploy that changes how a fragment is written never
shows one the code before it wrote, while writes in either release still retire both releases' fragments.

This module imports no domain app.
"""
import functools
import hashlib
import logging
import os
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

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
FRAME = "frame"  # what frames every row: plans, accomplishments, activities, meetings, bodies, members, cycles
ACCEPTED = "accepted"  # accepted progress (and its authors' names): what readers other than its leads see of it
DECISIONS = "decisions"  # decisions and what they mandate (e.g. the milestone list's "Mandated by" filter)
KINDS = (PLAN, PROGRESS, CONTRIBUTIONS, FRAME, ACCEPTED, DECISIONS)

# Fragments of one object among many (an activity's milestone table on the plan page) also depend on a token
# of their own scope ("activity:12"), retired by changes to that object's rows only: a status change on one
# milestone rebuilds one table, not the page. Such fragments depend on FRAME for everything else they show.
# A fragment may also depend on the scope tokens of many objects at once (fragment(scopes=...), e.g. a file of
# every milestone of the plan holds the token of each of its activities): a change to any of them retires it.


# What the release digest reads: the project's own code and templates, not its tests, tooling or dependencies.
RELEASE_SKIP = {".venv", ".git", "node_modules", "staticfiles", "media", "tests", "browser_tests", "__pycache__",
                "migrations", "bench", "devtools", "backups", "deploy", ".ci"}


@functools.cache
def release() -> str:
    """A digest of the project's .py and .html files (read once per process): fragments built by other code or
    templates are never read, e.g. after a deploy that changed a row's layout."""
    digest = hashlib.sha256()
    root = Path(settings.BASE_DIR)
    for folder, folders, files in os.walk(root):
        folders[:] = sorted(f for f in folders if f not in RELEASE_SKIP and not f.startswith("."))
        for name in sorted(files):
            if name.endswith((".py", ".html")):
                path = Path(folder, name)
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _token_key(name: str) -> str:
    return f"fragment-token:{name}"


def _tokens(names: Iterable[str]) -> dict[str, str]:
    """The current token of each name, creating the missing ones (one round trip when they all exist, two when
    some are missing). Set, not add: a token another process set at the same time only means that a fragment
    stored under the other one is never read; either is set before any data is read."""
    keys = {name: _token_key(name) for name in names}
    found = _read_tokens(list(keys.values()))
    return {name: found[key] for name, key in keys.items()}


def fragment_key(name: str, *, plan_id, kinds: Iterable[str], parts: Iterable = (),
                 scopes: dict[str, Iterable] | None = None) -> str:
    """The key of fragment `name` of plan `plan_id` built from `kinds`, varying by `parts` (day, filter...);
    with `scopes` ({scope: ids}), also built from those objects' rows (the key holds each one's scope token)."""
    kinds = sorted(set(kinds))
    scoped = []
    if scopes:
        keys = [_scope_token_key(scope, pk) for scope in sorted(scopes)
                for pk in sorted({int(i) for i in scopes[scope]})]
        found = _read_tokens([_token_key(k) for k in [GENERATION, *kinds]] + keys)
        tokens = {name: found[_token_key(name)] for name in [GENERATION, *kinds]}
        scoped = [(key, found[key]) for key in keys]
    else:
        tokens = _tokens([GENERATION, *kinds])
    return _key(name, plan_id, [tokens[GENERATION], *(tokens[k] for k in kinds), *parts, *scoped])


def _key(name: str, plan_id, vary: list) -> str:
    """A fragment's key: its name, its plan, and a digest of the release and of what it varies by (tokens, parts)."""
    return f"fragment:{name}:{plan_id}:{hashlib.sha256(repr([release(), *vary]).encode()).hexdigest()[:32]}"


def _read_tokens(keys: list[str]) -> dict[str, str]:
    """The tokens under these keys in one round trip, the missing ones created (set, not add: see Batch)."""
    found = cache.get_many(keys)
    fresh = {key: secrets.token_hex(8) for key in keys if key not in found}
    if fresh:
        cache.set_many(fresh, None)
        found.update(fresh)
    return found


def _scope_token_key(scope: str, pk) -> str:
    return f"fragment-token:{scope}:{int(pk)}"


class Batch:
    """The fragments `name` of many objects of one scope, read in two round trips (tokens, then fragments).

    Each object's fragment is keyed by the generation, the tokens of `kinds`, its scope's token, its id and
    `parts` (with `variants`, e.g. what the user may do with the rows: parts of the key per id). An object's
    scope token is by default its own ("activity:12" for activity 12); `scope_ids` names other objects' instead
    ({pk: scope pk, or a tuple of them}: a milestone's row under its activity's token, and its parent's activity's
    if that is another). A missing scope token is created here before any data is read (set, not add: a token
    another process set at the same time only means a fragment stored under the other one is never read).
    get(pk) is the stored fragment or None; put(pk, html) stores one built after the tokens were read.
    """

    def __init__(self, name: str, *, plan_id, kinds: Iterable[str], scope: str, ids: Iterable,
                 parts: Iterable = (), variants: dict | None = None, scope_ids: dict | None = None,
                 timeout: int = TIMEOUT):
        ids = list(dict.fromkeys(ids))
        kinds = sorted(set(kinds))
        scope_ids = scope_ids or {}
        scopes_of = {}
        for pk in ids:
            of = scope_ids.get(pk, pk)
            scopes_of[pk] = tuple(dict.fromkeys(int(i) for i in of)) if isinstance(of, tuple | list) else (int(of),)
        shared = {_token_key(k): k for k in [GENERATION, *kinds]}
        scoped = {_scope_token_key(scope, s) for of in scopes_of.values() for s in of}
        found = _read_tokens([*shared, *scoped])
        common = [found[key] for key in shared]
        parts = list(parts)
        variants = variants or {}
        self.timeout = timeout
        self.keys = {}
        for pk in ids:
            tokens = [found[_scope_token_key(scope, s)] for s in scopes_of[pk]]
            self.keys[pk] = _key(name, plan_id, [*common, *tokens, int(pk), variants.get(pk), *parts])
        self.found = cache.get_many(list(self.keys.values()))

    _unsaved = None  # {key: fragment} put since defer(), until save()

    def get(self, pk):
        return self.found.get(self.keys[pk])

    @property
    def missing(self) -> list:
        return [pk for pk, key in self.keys.items() if key not in self.found]

    def put(self, pk, value) -> None:
        key = self.keys[pk]
        self.found[key] = value
        if self._unsaved is None:
            cache.set(key, value, self.timeout)
        else:
            self._unsaved[key] = value

    def defer(self) -> "Batch":
        """Keep what put() is given until save() stores it all in one round trip (rather than one round trip per
        fragment), e.g. once the page is rendered (TemplateResponse.add_post_render_callback)."""
        self._unsaved = {}
        return self

    def save(self) -> None:
        if self._unsaved:
            cache.set_many(self._unsaved, self.timeout)
            self._unsaved = {}


class Group:
    """Several fragments of one page read together: the tokens of all their kinds in one round trip, the
    fragments in one more (fragment() takes two round trips for each). `pieces` is {name: (kinds, parts)}, each
    keyed by the generation, its kinds' tokens and its parts; get(name, build) is the stored fragment, or build()
    stored (build() must not depend on the user)."""

    def __init__(self, *, plan_id, pieces: dict[str, tuple[Iterable[str], Iterable]], timeout: int = TIMEOUT):
        pieces = {name: (sorted(set(kinds)), list(parts)) for name, (kinds, parts) in pieces.items()}
        tokens = _tokens([GENERATION, *sorted({kind for kinds, _ in pieces.values() for kind in kinds})])
        self.keys = {}
        for name, (kinds, parts) in pieces.items():
            self.keys[name] = _key(name, plan_id, [tokens[GENERATION], *(tokens[k] for k in kinds), *parts])
        self.timeout = timeout
        self.found = cache.get_many(list(self.keys.values()))

    def get(self, name: str, build: Callable):
        key = self.keys[name]
        value = self.found.get(key)
        if value is None:
            value = self.found[key] = build()
            cache.set(key, value, self.timeout)
        return value


def fragment(name: str, *, plan_id, kinds: Iterable[str], parts: Iterable = (), build: Callable,
             timeout: int = TIMEOUT, scopes: dict[str, Iterable] | None = None):
    """The fragment from the shared cache, or build() stored there; build() must not depend on the user.
    `scopes` ({scope: ids}): it also shows those objects' rows (see fragment_key)."""
    return stored(fragment_key(name, plan_id=plan_id, kinds=kinds, parts=parts, scopes=scopes), build, timeout)


def stored(key: str, build: Callable, timeout: int = TIMEOUT):
    """The value under `key` (from fragment_key), or build() stored there (when the key must be known too, e.g.
    to make an entity tag of it)."""
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


def retire_scoped(scope: str, *ids) -> None:
    """Retire the fragments of these objects of `scope` once the current transaction commits."""
    ids = {int(pk) for pk in ids if pk is not None}
    if ids:
        after_commit(lambda: _replace_scoped(scope, ids))


def _replace_scoped(scope: str, ids) -> None:
    try:
        cache.set_many({_scope_token_key(scope, pk): secrets.token_hex(8) for pk in ids}, None)
    except Exception:  # noqa: BLE001  as _replace
        log.exception("could not retire fragment tokens of %s %s", scope, sorted(ids))


def retire_all() -> None:
    """Retire every fragment at once (the database was replaced, e.g. by a restore)."""
    _replace([GENERATION, *KINDS])


def retire_on_change(model, *kinds: str, scopes: dict[str, Callable] | None = None,
                     when: Callable | None = None) -> None:
    """Saving or deleting a `model` row retires the fragments built from `kinds` (after the commit), and for
    each scope in `scopes` the fragments of the objects `scopes[scope](row)` names (ids, None ignored); with
    `when`, only the changes of rows for which when(row) is true."""
    scopes = scopes or {}

    def changed(instance, **kwargs):
        if when is not None and not when(instance):
            return
        retire(*kinds)
        for scope, ids_of in scopes.items():
            retire_scoped(scope, *ids_of(instance))

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
