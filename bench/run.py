"""Load benchmark: every page people use, cold and under a mixed load of many users, against gunicorn and PostgreSQL.

    python -m bench.run --scale 10 --seconds 10 --connections 8

Creates (drops first) a PostgreSQL database named emgplan_bench*, migrates it, loads the seed plan, the demo
users and the synthetic plan at scale 1 and at --scale, creates at least --users distinct users over the roles
(bench/users.py), and then measures each page three ways:

1. cold, in this process: the shared cache emptied before every request, the median time of a request against
   the baseline view's (the target is a ratio), and the queries of a request at each scale;
2. cold, in gunicorn (2 sync workers, DEBUG off, every cache off: CACHE_URL=dummycache://): wrk drives the page,
   each request as a random signed-in user who may see it;
3. mixed, in gunicorn with the shared cache (Redis, or local memory if no Redis answers) emptied before the page:
   the page's readers at random with about 5 % writes (milestone status changes, progress drafts,
   contributions) through the real views with CSRF; then every page at random together (the mix).

The load is bench/wrk_load.lua in wrk (C; the harness writes the users, cookies and write targets to a Lua
file). The RSS of each gunicorn worker is read (/proc) before and after the mixed load, the writes the server
answered as done are counted in the database afterwards, and every answer that is not the expected one (200
for a page, a redirect for a write) is counted. gunicorn is stopped at the end even on error. Prints Markdown
tables, and per page which target is met or missed and by how much; see BENCHMARKS.md for the method.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
STARTED_WITH = dict(os.environ)  # before django_configure() adds the server's settings to it
LUA = Path(__file__).resolve().parent / "wrk_load.lua"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/emgplan_bench"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/12"
SEED = 2014
WRITE_SHARE = 0.05  # of the mixed load's requests (--write-share)

# Targets of issue 13 (scale 10, this 2-core machine, 8 connections, one run).
COLD_MAX_RATIO = 25.0  # in-process, every cache off, against the baseline view's time
COLD_MAX_P95 = 150.0  # ms, gunicorn, every cache off
MIXED_MIN_SHARE = 0.20  # of the baseline's throughput, mixed load
MIXED_MAX_P95 = 100.0  # ms
MAX_RSS_GROWTH_MB = 50.0
LARGE_SCALE, LARGE_MAX_P95 = 100, 300.0  # scale 100: every page p95 <= 300 ms, queries as at scale 1
MAX_QUERIES = 15  # issue 7's query budget per page, held by bench/tests/test_page_queries.py

ALL = ("secretariat", "chair", "lead", "focal_point", "viewer")


@dataclass
class Page:
    label: str
    url_name: str
    role: str  # the user the in-process figures are taken as: a demo username, or "lead" (busiest activity)
    readers: tuple = ALL  # the roles whose users request it in the gunicorn runs
    args: tuple = ()
    query: str = ""
    every_activity: bool = False  # the gunicorn runs ask for every activity of the plan, at random
    every_part: bool = False  # ... for every part of the plan and every page of it (?ea=<code>&page=<n>), at random


PAGES = [
    Page("plan overview", "activities:plan", "secretariat", every_part=True),
    Page("dashboard", "overview:dashboard", "chair"),
    Page("timeline", "overview:timeline", "viewer", every_part=True),
    Page("milestones, filtered", "overview:milestone-list", "viewer", query="status=at_risk&o=-due"),
    Page("activity", "activities:activity-detail", "lead", args=("activity",), every_activity=True),
    Page("my work", "activities:my-work", "lead", readers=("lead",)),
    Page("review queue", "activities:review-queue", "secretariat", readers=("secretariat",)),
    Page("report list", "reports:list", "chair", readers=("chair", "secretariat")),
    Page("contribution list", "overview:contribution-list", "unido-focal"),
    Page("milestone export (CSV)", "overview:milestone-export", "viewer", args=("csv",)),
]
BASELINE = Page("baseline", "bench-baseline", "viewer")


@dataclass
class Result:
    label: str
    role: str
    readers: str = ""
    path: str = ""
    skipped: str = ""
    queries: dict = field(default_factory=dict)  # scale -> queries of a request with the cache empty
    queries_warm: dict = field(default_factory=dict)  # scale -> queries of the next request (cache filled)
    ms: float = 0.0  # in-process, cold: median ms per request
    base_ms: float = 0.0  # the baseline view's, measured just before this page
    ratio: float = 0.0  # ms / the baseline's ms
    cold: dict = field(default_factory=dict)  # gunicorn, every cache off
    mixed: dict = field(default_factory=dict)  # gunicorn, shared cache, 5 % writes
    mix: dict = field(default_factory=dict)  # this page's requests in the all-pages mix
    misses: list = field(default_factory=list)
    met: list = field(default_factory=list)


def log(text):
    print(text, file=sys.stderr, flush=True)


# The database ---------------------------------------------------------------------------------


def _admin(url: str):
    import psycopg2

    admin = psycopg2.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")))
    admin.autocommit = True
    return admin


def template_name() -> str:
    """A migrated database with the seed plan and demo users, named after what it was built from."""
    digest = hashlib.sha256()
    sources = sorted(ROOT.glob("*/migrations/*.py")) + sorted((ROOT / "workplans" / "data").rglob("*.*"))
    for path in [*sources, ROOT / "devtools" / "demo.py", ROOT / "requirements.txt"]:
        digest.update(path.read_bytes())
    return f"emgplan_bench_tpl_{digest.hexdigest()[:12]}"


def database_recreate(url: str) -> bool:
    """Drop and create the benchmark database; refuses any name that is not emgplan_bench*.

    Copies the template database when one matches the migrations (True: already migrated and loaded).
    """
    import psycopg2

    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"emgplan_bench\w*", name):
        raise SystemExit(f"refusing to recreate {name!r}: the benchmark only uses databases named emgplan_bench*")
    admin = _admin(url)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            try:
                cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name()}"')
                return True
            except psycopg2.Error:  # no template yet, or another run is copying it: build from scratch
                cursor.execute(f'CREATE DATABASE "{name}"')
                return False
    finally:
        admin.close()


def template_save(url: str) -> None:
    """Keep the freshly loaded database as the template of later runs (best effort; old templates dropped)."""
    import psycopg2
    from django.db import connections

    connections.close_all()
    name, template = urlsplit(url).path.lstrip("/"), template_name()
    admin = _admin(url)
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE 'emgplan\\_bench\\_tpl\\_%%'")
            for (old,) in cursor.fetchall():
                if old != template:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{old}"')
            cursor.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
    except psycopg2.Error:
        pass
    finally:
        admin.close()


def database_drop(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"emgplan_bench\w*", name):
        return
    admin = _admin(url)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def django_configure(env: dict) -> None:
    """Configure Django in this process with the server's environment (so counts match what it serves)."""
    os.environ.update(env)
    import django

    django.setup()


def data_load(url: str, from_template: bool) -> None:
    """Migrate, load the seed plan and the demo users (unless copied from the template), collect the static files."""
    from django.core.management import call_command

    from devtools.demo import demo_users_create

    static_collect()
    if from_template:
        return
    devnull = open(os.devnull, "w")
    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False, stdout=devnull)
    log(f"migrated in {time.monotonic() - started:.1f} s")
    call_command("load_workplan", verbosity=0, stdout=devnull)
    demo_users_create()
    template_save(url)


def static_collect() -> None:
    """Collect the static files unless the manifest is newer than every file the project owns.

    DEBUG off needs the manifest for {% static %}; compressing every file takes most of a minute on a busy
    machine, and the benchmark never requests static files, so an up-to-date collection is reused.
    """
    from django.conf import settings
    from django.core.management import call_command

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    sources = [p.stat().st_mtime for d in settings.STATICFILES_DIRS for p in Path(d).rglob("*") if p.is_file()]
    if manifest.exists() and manifest.stat().st_mtime > max(sources, default=0):
        return
    started = time.monotonic()
    call_command("collectstatic", verbosity=0, interactive=False, stdout=open(os.devnull, "w"))
    log(f"static files collected in {time.monotonic() - started:.1f} s")


def plan_shape(plan) -> str:
    from activities.models import Activity, Contribution, Milestone, ProgressUpdate

    in_plan = {"activity__accomplishment__work_plan": plan}
    return (f"{plan.symbol}: {Activity.objects.filter(accomplishment__work_plan=plan).count()} activities, "
            f"{Milestone.objects.filter(**in_plan).count()} milestones, "
            f"{ProgressUpdate.objects.filter(**in_plan).count()} progress updates, "
            f"{Contribution.objects.filter(**in_plan).count()} contributions")


def targets_pick(plan) -> dict:
    """The objects the in-process figures are taken for: the plan's activity with most milestones, and its lead."""
    from django.db.models import Count

    from activities.models import Activity

    activity = (Activity.objects.filter(accomplishment__work_plan=plan, lead_body__leads__isnull=False)
                .annotate(n=Count("milestones", distinct=True)).order_by("-n", "pk").first())
    return {"activity": activity.pk, "lead": activity.lead_body.leads.order_by("pk").first()}


def users_by_role(lead) -> dict:
    """The one user per page the in-process figures are taken as."""
    from django.contrib.auth.models import User

    users = {u.username: u for u in User.objects.filter(username__in={p.role for p in PAGES + [BASELINE]})}
    users["lead"] = lead
    return users


def page_path(page: Page, picked: dict) -> str | None:
    """The page's address, or None when its URL name does not resolve (a page not built yet)."""
    from django.urls import NoReverseMatch, reverse

    args = [picked.get(a, a) for a in page.args]
    try:
        path = reverse(page.url_name, args=args)
    except NoReverseMatch:
        return None
    return f"{path}?{page.query}" if page.query else path


def page_paths(page: Page, plan, picked: dict) -> list[str]:
    """Every address the gunicorn runs ask for this page: each activity of the plan for the activity page, each
    part of the plan and each of its pages for the plan page and the timeline (a reader who only ever opened the
    first would measure the first page's cache)."""
    from django.urls import reverse

    from activities.models import Activity

    if page.every_part:
        from activities.selectors import ACTIVITIES_PER_PAGE, plan_sections

        path = page_path(page, picked)
        return [f"{path}?ea={s.code}&page={n}" for s in plan_sections(plan=plan).sections
                for n in range(1, -(-s.n_activities // ACTIVITIES_PER_PAGE) + 1)] or [path]
    if not page.every_activity:
        return [page_path(page, picked)]
    ids = Activity.objects.filter(accomplishment__work_plan=plan).order_by("pk").values_list("pk", flat=True)
    return [reverse(page.url_name, args=[pk]) for pk in ids]


# The shared cache --------------------------------------------------------------------------------


def cache_reachable(url: str) -> bool:
    if not url.startswith("redis"):
        return True
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def cache_empty() -> None:
    """Empty the shared cache the server uses: this run's keys in Redis (its own key prefix), else cache.clear()."""
    from django.conf import settings
    from django.core.cache import cache

    conf = settings.CACHES["default"]
    if conf["BACKEND"].endswith("RedisCache"):
        import redis

        client = redis.Redis.from_url(conf["LOCATION"])
        keys = list(client.scan_iter(match=f"{conf['KEY_PREFIX']}:*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start:start + 1000])
    else:
        cache.clear()


# In-process figures ------------------------------------------------------------------------------


def queries_count(path: str, user) -> tuple[int, int]:
    """Queries of a request with the shared cache empty, and of the next one (the cache filled by the first)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    client.get(path)  # templates compiled, the session read once
    cache_empty()
    with CaptureQueriesContext(connection) as cold:
        first = client.get(path)
    if first.status_code != 200:
        raise SystemExit(f"{path} as {user.username}: HTTP {first.status_code}, expected 200")
    with CaptureQueriesContext(connection) as warm:
        client.get(path)
    return len(cold.captured_queries), len(warm.captured_queries)


def inprocess_ms(path: str, user, requests: int) -> float:
    """Median wall time of a request with the shared cache emptied before it (Django test client, this process)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    client.get(path)
    times = []
    for _ in range(requests):
        cache_empty()
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times)


def page_profile(path: str, user, out: Path, requests: int = 5) -> float:
    """Profile cold requests of one page with pyinstrument (in this process); returns ms per request."""
    from django.test import Client
    from pyinstrument import Profiler

    client = Client()
    client.force_login(user)
    client.get(path)
    profiler = Profiler(interval=0.0005)
    elapsed = 0.0
    for _ in range(requests):
        cache_empty()
        started = time.perf_counter()
        with profiler:
            client.get(path)
        elapsed += time.perf_counter() - started
    out.write_text(profiler.output_text(unicode=True, show_all=False, short_mode=False))
    out.with_suffix(".html").write_text(profiler.output_html())
    return elapsed / requests * 1000


# Users, sessions and the load's plan file ------------------------------------------------------------


def sessions(by_role: dict) -> tuple[list, dict]:
    """Sign every user in (a session row, as a browser's sign-in leaves) with a CSRF secret of its own.

    Returns [(cookie header, csrf secret)] and {user pk: its 1-based index in that list (Lua's)}.
    """
    from django.conf import settings
    from django.middleware.csrf import CSRF_SECRET_LENGTH
    from django.test import Client
    from django.utils.crypto import get_random_string

    out, index = [], {}
    for users in by_role.values():
        for user in users:
            if user.pk in index:
                continue
            client = Client()
            client.force_login(user)
            csrf = get_random_string(CSRF_SECRET_LENGTH)
            cookie = (f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
                      f"{settings.CSRF_COOKIE_NAME}={csrf}")
            out.append((cookie, csrf))
            index[user.pk] = len(out)
    return out, index


def readers_check(by_role: dict, paths: dict) -> dict:
    """The roles each page is asked by, keeping those whose first user gets a 200 in this process."""
    from django.test import Client

    readers = {}
    for label, (page, page_paths_) in paths.items():
        ok = []
        for role in page.readers:
            users = by_role.get(role) or []
            if not users:
                continue
            client = Client()
            client.force_login(users[-1])
            status = client.get(page_paths_[0]).status_code
            if status == 200:
                ok.append(role)
            else:
                log(f"  {label}: a {role} gets HTTP {status}; not asked by that role")
        if not ok:
            raise SystemExit(f"{label}: no role of {page.readers} gets the page")
        readers[label] = ok
    return readers


def write_targets(plan, by_role: dict, index: dict) -> dict:
    """Where the load writes, as of now: milestone status changes and progress drafts by a lead of the
    milestone's lead body, contributions by a member's focal point."""
    import random

    from django.urls import reverse

    from accomplishments.models import Member
    from activities.models import Activity, Milestone

    rng = random.Random(SEED)
    statuses = ["on_track", "at_risk", "delayed"]
    leads_of = {}
    for lead in by_role["lead"]:
        for body_id in lead.lead_bodies.values_list("pk", flat=True):
            leads_of.setdefault(body_id, []).append(index[lead.pk])
    status, progress = [], []
    milestones = (Milestone.objects.filter(activity__accomplishment__work_plan=plan,
                                           status__in=["not_started", *statuses])
                  .select_related("activity").order_by("pk"))
    for k, m in enumerate(milestones):
        leads = leads_of.get(m.activity.lead_body_id)
        if not leads:
            continue
        user = leads[k % len(leads)]
        shift = statuses.index(m.status) + 1 if m.status in statuses else 0
        status.append({"path": reverse("activities:milestone-status", args=[m.pk]), "prefix": f"m{m.pk}",
                       "user": user, "shift": shift})
        progress.append({"path": f"{reverse('activities:update-create')}?milestone={m.pk}", "user": user})
    activities = list(Activity.objects.filter(accomplishment__work_plan=plan).values_list("pk", flat=True))
    contribution = []
    focal_ids = [u.pk for u in by_role["focal_point"]]
    for member in Member.objects.filter(focal_points__in=focal_ids).prefetch_related("focal_points").distinct():
        for user in member.focal_points.all():
            if user.pk in index:
                for activity in rng.sample(activities, min(3, len(activities))):
                    contribution.append({"member": member.pk, "activity": activity, "user": index[user.pk]})
    return {"status": status, "progress": progress, "contribution": contribution}


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII text is a valid Lua string literal


def lua_value(value) -> str:
    if isinstance(value, str):
        return lua_string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua_string(k)}] = {lua_value(v)}" for k, v in value.items()) + "}"
    return "{" + ", ".join(lua_value(v) for v in value) + "}"


def plan_file_write(path: Path, cookies: list, pages: list[dict], writes: dict | None,
                    write_share: float = WRITE_SHARE) -> Path:
    data = {"cookies": [c for c, _ in cookies], "csrf": [s for _, s in cookies], "pages": pages,
            "write_share": write_share if writes else 0, **(writes or {})}
    path.write_text("return " + lua_value(data) + "\n")
    return path


def writes_applied(plan) -> dict:
    """What the writes leave in the database: milestone versions (one per status change), updates, contributions."""
    from django.db.models import Sum

    from activities.models import Contribution, Milestone, ProgressUpdate

    in_plan = {"activity__accomplishment__work_plan": plan}
    return {"wstatus": Milestone.objects.filter(**in_plan).aggregate(v=Sum("version"))["v"] or 0,
            "wprogress": ProgressUpdate.objects.filter(**in_plan).count(),
            "wcontribution": Contribution.objects.filter(**in_plan).count()}


# The server and the load ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_start(env: dict, port: int, workers: int, log_path: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "emgplan.wsgi:application", "--workers", str(workers),
               "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--error-logfile", str(log_path),
               "--log-level", "warning"]
    # Its own process group, so that stopping it stops its workers too.
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def gunicorn_stop(process: subprocess.Popen, log_path: Path | None = None) -> None:
    """Stop the server; print the end of its error log if it logged anything (a traceback says why a 500)."""
    if log_path is not None and log_path.exists() and log_path.stat().st_size:
        log(f"gunicorn's error log ends:\n{log_path.read_text()[-4000:]}")
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def http_get(url: str, cookie: str, timeout: float = 30) -> int:
    """The status of a GET without following redirects (a redirect to sign-in must not pass as a page)."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def gunicorn_wait(base: str, process: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if http_get(f"{base}/accounts/login/", "", timeout=2) == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s:\n{log_path.read_text()}")


def worker_rss_mb(master_pid: int) -> dict[int, float]:
    """Resident memory of each gunicorn worker (the master's children), from /proc."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = re.search(r"^PPid:\s+(\d+)", status, re.M)
        rss = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        if ppid and rss and int(ppid.group(1)) == master_pid:
            out[int(entry.name)] = int(rss.group(1)) / 1024
    return out


def drain(url: str, cookie: str, workers: int) -> None:
    """Wait until the requests wrk left queued at the server are served, so they do not count for the next run.

    wrk stops the clock with requests still in gunicorn's listen queue; one request per worker, sent
    at once, queues behind them and returns only when the workers are through the backlog.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda _: http_get(url, cookie, timeout=120), range(workers)))


@dataclass
class Server:
    process: subprocess.Popen
    base: str
    workers: int
    drain_url: str = ""
    drain_cookie: str = ""
    log_path: Path | None = None


def percentile(values: list, p: float) -> float:
    """The nearest-rank percentile of sorted values (0 when there are none)."""
    if not values:
        return 0.0
    return values[max(0, min(len(values) - 1, -(-len(values) * p // 100) - 1))]


def wrk_load(server: Server, plan_file: Path, seconds: float, connections: int) -> dict:
    """Drive the server with wrk_load.lua; per key (a page "p<n>" or a write "w<kind>"): counts and ms."""
    logs = plan_file.with_suffix(".log")
    for old in logs.parent.glob(logs.name + ".*"):
        old.unlink()
    command = ["wrk", "--threads", str(connections), "--connections", str(connections), "--duration",
               f"{max(1, round(seconds))}s", "--timeout", "10s", "--script", str(LUA), server.base + "/", "--",
               str(plan_file), str(connections), str(logs)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    drain(server.drain_url, server.drain_cookie, server.workers)
    total = re.search(r"^BENCH (.*)$", out.stdout, re.M)
    if out.returncode != 0 or not total:
        raise SystemExit(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    figures = {k: int(v) for k, v in (pair.split("=") for pair in total.group(1).split())}
    duration = figures["duration_us"] / 1e6
    answers: dict[str, list] = {}
    for path in logs.parent.glob(logs.name + ".*"):
        for line in path.read_text().splitlines():
            key, status, ok, micros = line.split()
            answers.setdefault(key, []).append((int(status), ok == "1", int(micros) / 1000))
    keys = {}
    for key, rows in answers.items():
        ms = sorted(r[2] for r in rows)
        ok = sum(1 for r in rows if r[1])
        unexpected = {}
        for status, done, _ms in rows:
            if not done:
                unexpected[str(status)] = unexpected.get(str(status), 0) + 1
        keys[key] = {"n": len(rows), "ok": ok, "bad": len(rows) - ok, "unexpected": unexpected,
                     "s4": sum(1 for r in rows if 400 <= r[0] < 500),
                     "s5": sum(1 for r in rows if r[0] >= 500), "rps": len(rows) / duration,
                     "p50": percentile(ms, 50), "p95": percentile(ms, 95), "p99": percentile(ms, 99)}
    socket_errors = sum(figures[k] for k in ("connect", "read", "write", "timeout"))
    return {"rps": figures["requests"] / duration, "requests": figures["requests"], "seconds": duration,
            "socket_errors": socket_errors, "keys": keys}


def run_page(server: Server, scratch: Path, cookies, page_entry: dict, writes: dict | None, seconds: float,
             connections: int, write_share: float = WRITE_SHARE) -> dict:
    plan_file = plan_file_write(scratch / "load.lua", cookies, [page_entry], writes, write_share)
    result = wrk_load(server, plan_file, seconds, connections)
    page = result["keys"].get("p1", {"n": 0, "ok": 0, "bad": 0, "s4": 0, "s5": 0, "rps": 0, "p50": 0, "p95": 0,
                                      "p99": 0, "unexpected": {}})
    written = {k: v for k, v in result["keys"].items() if k.startswith("w")}
    bad = sum(v["bad"] for v in result["keys"].values()) + result["socket_errors"]
    s5 = sum(v["s5"] for v in result["keys"].values())
    unexpected = {f"{'page' if k.startswith('p') else k[1:]} {status}": n
                  for k, v in result["keys"].items() for status, n in v.get("unexpected", {}).items()}
    if result["socket_errors"]:
        unexpected["socket errors or timeouts"] = result["socket_errors"]
    return {"rps": result["rps"], "page_rps": page["rps"], "p50": page["p50"], "p95": page["p95"],
            "unexpected": unexpected,
            "p99": page["p99"], "requests": result["requests"], "bad": bad, "s5": s5,
            "socket_errors": result["socket_errors"], "writes": written}


# Report -------------------------------------------------------------------------------------


def machine() -> str:
    import django
    from django.db import connection
    from django.template import engines

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
    import gunicorn

    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[1]
    # django-template-partials wraps Django's loaders: look for the cached loader at any depth.
    cached = "django.template.loaders.cached.Loader" in repr(engines["django"].engine.loaders)
    return (f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), {memory:.1f} GiB; "
            f"{platform.platform(terse=True)}; Python {platform.python_version()}, Django {django.get_version()}, "
            f"PostgreSQL {postgres}, gunicorn {gunicorn.__version__}, wrk {wrk_version}; "
            f"templates: {'cached loader' if cached else 'NOT cached'}")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def judge(r: Result, scale: int, scales: list[int]) -> None:
    """Which target the page meets or misses, and by how much."""
    def over(name, value, limit, unit=" ms"):
        text = f"{name} {value:.0f}{unit}"
        if value > limit:
            r.misses.append(f"{text} > {limit:.0f}{unit} (+{value - limit:.0f}{unit})")
        else:
            r.met.append(f"{text} ≤ {limit:.0f}{unit}")

    large = scale >= LARGE_SCALE
    if not large:
        if r.ratio > COLD_MAX_RATIO:
            r.misses.append(f"cold {r.ratio:.1f}× > {COLD_MAX_RATIO:.0f}× baseline (+{r.ratio - COLD_MAX_RATIO:.1f}×)")
        else:
            r.met.append(f"cold {r.ratio:.1f}× ≤ {COLD_MAX_RATIO:.0f}×")
    over("cold p95", r.cold["p95"], LARGE_MAX_P95 if large else COLD_MAX_P95)
    share = r.mixed["share"]
    if not large:
        if share < MIXED_MIN_SHARE:
            r.misses.append(f"mixed {share:.0%} < {MIXED_MIN_SHARE:.0%} of baseline "
                            f"(−{(MIXED_MIN_SHARE - share) * 100:.0f} points)")
        else:
            r.met.append(f"mixed {share:.0%} ≥ {MIXED_MIN_SHARE:.0%}")
    over("mixed p95", r.mixed["p95"], LARGE_MAX_P95 if large else MIXED_MAX_P95)
    if r.mix:
        over("p95 in the mix", r.mix["p95"], LARGE_MAX_P95 if large else MIXED_MAX_P95)
    bad = r.cold["bad"] + r.mixed["bad"] + (r.mix.get("bad", 0) if r.mix else 0)
    if bad:
        r.misses.append(f"{bad} answers not 200 (of which {r.cold['s5'] + r.mixed['s5'] + r.mix.get('s5', 0)} "
                        f"5xx)")
    counts = [r.queries[s] for s in scales if s in r.queries]
    if len(set(counts)) > 1:
        r.misses.append("queries grow with the plan: " + ", ".join(f"{r.queries[s]} @{s}" for s in scales))
    elif counts:
        r.met.append(f"{counts[0]} queries at every scale")


def said(run: dict) -> str:
    """How many answers were not the expected ones, and which (e.g. "1 (status 409 ×1)")."""
    if not run.get("bad"):
        return "0"
    which = ", ".join(f"{k} ×{n}" for k, n in sorted(run.get("unexpected", {}).items()))
    return f"{run['bad']} ({which})" if which else str(run["bad"])


def tables(results: list[Result], scales: list[int], cold_base: dict, mixed_base: dict, mix: dict,
           writes_rows: list, rss: dict, n_users: int, write_share: float, scale: int) -> str:
    out = []
    q = [f"queries @{s}" for s in scales]
    head = ["page", "in-process as", "ms", "× baseline", *q, "req/s", "baseline req/s", "of baseline", "p50 ms",
            "p95 ms", "not 200"]
    out += ["### Cold: every cache off", "", "| " + " | ".join(head) + " |",
            "|" + "|".join(" --- " for _ in head) + "|"]
    for r in results:
        if r.skipped:
            out.append(f"| {r.label} | {r.skipped} |" + " |" * (len(head) - 2))
            continue
        c = r.cold
        out.append("| " + " | ".join([r.label, r.role, f"{r.ms:.1f}", f"{r.ratio:.1f}",
                                       *[str(r.queries.get(s, "")) for s in scales], f"{c['rps']:.1f}",
                                       f"{c['base_rps']:.0f}", f"{c['share']:.0%}", f"{c['p50']:.1f}",
                                       f"{c['p95']:.1f}",
                                       said(c)]) + " |")
    out.append(f"\nbaseline, driven just before each page: {cold_base['min']:.0f}–{cold_base['max']:.0f} req/s "
               f"(median {cold_base['rps']:.0f}); in-process, measured just before each page: median "
               f"{cold_base['ms']:.2f} ms per request")

    head = ["page", "asked by", "req/s (with writes)", "baseline req/s", "of baseline", "p50 ms", "p95 ms",
            "writes ok/sent", "not 200/302", "of which 5xx", f"queries, cache filled @{scales[-1]}"]
    out += ["", f"### Mixed: {n_users} users, {write_share:.0%} writes, "
            "shared cache emptied before each page", "", "| " + " | ".join(head) + " |",
            "|" + "|".join(" --- " for _ in head) + "|"]
    for r in results:
        if r.skipped:
            continue
        m = r.mixed
        sent = sum(w["n"] for k, w in m["writes"].items() if not k.endswith("-form"))
        ok = sum(w["ok"] for k, w in m["writes"].items() if not k.endswith("-form"))
        out.append("| " + " | ".join([r.label, r.readers, f"{m['rps']:.1f}", f"{m['base_rps']:.0f}",
                                       f"{m['share']:.0%}",
                                       f"{m['p50']:.1f}", f"{m['p95']:.1f}", f"{ok}/{sent}", said(m),
                                       str(m["s5"]), str(r.queries_warm.get(scales[-1], ""))]) + " |")
    out.append(f"\nbaseline, driven just before each page: {mixed_base['min']:.0f}–{mixed_base['max']:.0f} req/s "
               f"(median {mixed_base['rps']:.0f})")

    head = ["page / write", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "not 200 (302 for writes)"]
    out += ["", f"### The mix: every page at random, {write_share:.0%} writes, {mix['seconds']:.0f} s: "
            f"{mix['rps']:.1f} req/s in all, {mix['rps'] / mixed_base['mix']:.0%} of the baseline "
            f"({mixed_base['mix']:.0f} req/s just before)", "",
            "| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    for r in results:
        if r.skipped or not r.mix:
            continue
        k = r.mix
        out.append(f"| {r.label} | {k['n']} | {k['rps']:.1f} | {k['p50']:.1f} | {k['p95']:.1f} | {k['p99']:.1f} "
                   f"| {said(k)} |")
    for label, k in writes_rows:
        out.append(f"| write: {label.replace('-', ' ')} | {k['n']} | {k['rps']:.1f} | {k['p50']:.1f} | "
                   f"{k['p95']:.1f} | {k['p99']:.1f} | {said(k)} |")

    out += ["", "### Writes: answered as done against what the database holds", "",
            "| run | status changes | progress drafts | contributions |", "| --- | --- | --- | --- |"]
    for label, row in rss.get("writes", []):
        out.append(f"| {label} | " + " | ".join(row) + " |")

    out += ["", "### gunicorn workers' resident memory (MB)", "", "| server | worker | before | after | growth |",
            "| --- | --- | --- | --- | --- |"]
    for server, before, after in rss["rows"]:
        for pid in sorted(before):
            a = after.get(pid)
            out.append(f"| {server} | {pid} | {before[pid]:.1f} | {a:.1f} | {a - before[pid]:+.1f} |"
                       if a is not None else f"| {server} | {pid} | {before[pid]:.1f} | (gone) | |")

    out += ["", f"### Targets at scale {scale}", "", "| page | missed | met |", "| --- | --- | --- |"]
    for r in results:
        if not r.skipped:
            out.append(f"| {r.label} | {'; '.join(r.misses) or '—'} | {'; '.join(r.met)} |")
    for line in rss.get("misses", []):
        out.append(f"| (all) | {line} | |")
    return "\n".join(out)


def report_benchmark() -> None:
    """Reuse `make bench-reports` when the Makefile has it."""
    makefile = (ROOT / "Makefile").read_text()
    if not re.search(r"^bench-reports\s*:", makefile, re.M):
        print("\nreport benchmark: not present", flush=True)
        return
    print("\nreport benchmark (make bench-reports):", flush=True)
    # Its own throwaway SQLite database in development mode, in the environment this process was started with:
    # not the server's settings this process took on (DEBUG off, the bench database, a scratch MEDIA_ROOT already
    # removed), which the tooling guard would rightly refuse.
    subprocess.run(["make", "--no-print-directory", "bench-reports"], cwd=ROOT, check=False, env=STARTED_WITH)


# Main -----------------------------------------------------------------------------------------


def warm_up(server: Server, entries: list[dict], cookies: list, scratch: Path, seconds: float, connections: int):
    """Every page answers 200 in this server, and both workers have compiled its templates before the clock runs."""
    for entry in entries:
        cookie = cookies[entry["users"][0] - 1][0]
        status = http_get(server.base + entry["paths"][0], cookie)
        if status != 200:
            raise SystemExit(f"{entry['label']} ({entry['paths'][0]}): HTTP {status} from gunicorn, expected 200")
        for _ in range(2 * server.workers):
            http_get(server.base + entry["paths"][0], cookie)
        if seconds:
            wrk_load(server, plan_file_write(scratch / "warm.lua", cookies, [entry], None), seconds, connections)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10, help="load per page and per run")
    parser.add_argument("--mix-seconds", type=float, help="the all-pages mix (default: twice --seconds)")
    parser.add_argument("--warmup", type=float, default=2,
                        help="seconds of load per page before measuring (wrk takes whole seconds)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=120, help="distinct signed-in users (at least)")
    parser.add_argument("--write-share", type=float, default=WRITE_SHARE, help="share of writes in the mixed load")
    parser.add_argument("--inprocess-requests", type=int, default=5, help="cold requests per page in-process")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--cache-url", default=os.environ.get("BENCH_CACHE_URL", DEFAULT_CACHE_URL),
                        help="the shared cache of the mixed load (keys under a prefix of this run's own)")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--no-reports", action="store_true", help="skip the report benchmark")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--profile", type=Path, help="also profile each page cold (pyinstrument) into this folder")
    parser.add_argument("--pages", help="only the pages whose label contains one of these comma-separated words "
                        "(for a quick look while working; a full run measures every page)")
    parser.add_argument("--static-root", type=Path, default=ROOT / "staticfiles",
                        help="collected static files (reused while up to date)")
    args = parser.parse_args(argv)
    if args.pages:
        words = [w.strip() for w in args.pages.split(",") if w.strip()]
        PAGES[:] = [p for p in PAGES if any(w in p.label for w in words)]
        if not PAGES:
            raise SystemExit(f"no page matches --pages {args.pages!r}")
        log("only these pages: " + ", ".join(p.label for p in PAGES))
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    mix_seconds = args.mix_seconds or 2 * args.seconds
    cache_note = f"shared cache {urlsplit(args.cache_url).scheme} ({args.cache_url})"
    shared = args.cache_url
    if not cache_reachable(shared):
        shared = "locmemcache://"
        cache_note = (f"shared cache: {args.cache_url} does not answer, so each worker's local memory (NOT emptied "
                      "from the harness: the mixed runs after the first find what earlier runs cached)")
    prefix = "bench-" + os.urandom(6).hex()

    scratch = Path(tempfile.mkdtemp(prefix="emgplan-bench-"))
    env = {
        "DJANGO_SETTINGS_MODULE": "emgplan.settings", "DEBUG": "false", "SECRET_KEY": "bench-" + os.urandom(24).hex(),
        "EMG_BENCHMARK": "1", "CONN_MAX_AGE": "600", "DATABASE_URL": args.database_url,
        "STATIC_ROOT": str(args.static_root), "MEDIA_ROOT": str(scratch / "media"),
        "EMG_TODAY": "2014-06-15", "CELERY_BROKER_URL": "", "LOG_LEVEL": "WARNING",
        # As in production: one cache shared by both workers (a fragment retired by a write in one worker must be
        # gone for the other), under a prefix of this run's own (no entry of an earlier run's database is read).
        "CACHE_URL": shared, "CACHE_KEY_PREFIX": prefix,
    }
    server = None
    try:
        started = time.monotonic()
        load_start = load_average()
        from_template = database_recreate(args.database_url)
        django_configure(env)
        sys.path.insert(0, str(ROOT))
        from accomplishments.selectors import workplan_current
        from bench.users import bench_users
        from devtools.generate import plan_generate

        data_load(args.database_url, from_template)
        scales = sorted({1, args.scale})
        results = {p.label: Result(p.label, p.role) for p in [BASELINE, *PAGES]}
        for scale in scales:  # the last generated plan is the current one: measure at --scale last
            plan = plan_generate(scale=scale, seed=SEED)
            assert workplan_current() == plan
            picked = targets_pick(plan)
            users = users_by_role(picked["lead"])
            for page in [BASELINE, *PAGES]:
                path = page_path(page, picked)
                if path is None:
                    results[page.label].skipped = "skipped: not present"
                    continue
                results[page.label].path = path
                cold, warm = queries_count(path, users[page.role])
                results[page.label].queries[scale] = cold
                results[page.label].queries_warm[scale] = warm
        # The planner's statistics, as production's autovacuum keeps them: a database copied from the template
        # carries none, and its counters never tell autovacuum that the generated plans were written (without
        # them PostgreSQL guessed 3 activities a part for 250 and probed 1,000 activities one by one).
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        shape = plan_shape(plan)
        log(f"prepared in {time.monotonic() - started:.0f} s (tables analyzed): {shape}")
        live = [(p, results[p.label]) for p in [BASELINE, *PAGES] if not results[p.label].skipped]
        # The machine may be shared and its load drift: each page against the baseline measured just before it.
        baseline = results[BASELINE.label]
        base_times = []
        for page, r in live[1:]:
            base_times.append(inprocess_ms(baseline.path, users[BASELINE.role], args.inprocess_requests))
            r.ms = inprocess_ms(r.path, users[page.role], args.inprocess_requests)
            r.ratio = r.ms / base_times[-1]
            r.base_ms = base_times[-1]
        baseline.ms = statistics.median(base_times)
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            for page, r in live[1:]:
                slug = re.sub(r"\W+", "-", page.label).strip("-")
                ms = page_profile(r.path, users[page.role], args.profile / f"{slug}.txt")
                log(f"profiled {page.label}: {ms:.0f} ms per cold request in-process -> {args.profile}/{slug}.txt")

        by_role = bench_users(plan, args.users)
        cookies, index = sessions(by_role)
        log(f"{len(cookies)} users signed in: " + ", ".join(f"{len(v)} {k}" for k, v in by_role.items()))
        readers = readers_check(by_role, {p.label: (p, page_paths(p, plan, picked)) for p, _r in live[1:]})
        entries = {}
        for page, r in live[1:]:
            r.readers = ", ".join(f"{len(by_role[role])} {role}" for role in readers[page.label])
            entries[page.label] = {"label": page.label, "paths": page_paths(page, plan, picked),
                                   "users": [index[u.pk] for role in readers[page.label] for u in by_role[role]]}
        base_entry = {"label": "baseline", "paths": [baseline.path], "users": list(range(1, len(cookies) + 1))}
        rss = {"rows": [], "writes": [], "misses": []}
        viewer_cookie = cookies[index[by_role["viewer"][0].pk] - 1][0]

        def start(extra_env: dict) -> Server:
            port = free_port()
            log_path = scratch / f"gunicorn-{port}.log"
            process = gunicorn_start({**env, **extra_env}, port, args.workers, log_path)
            s = Server(process, f"http://127.0.0.1:{port}", args.workers, f"http://127.0.0.1:{port}{baseline.path}",
                       viewer_cookie, log_path)
            gunicorn_wait(s.base, process, log_path)
            return s

        reference_seconds = max(2.0, args.seconds / 2)

        def measure_baseline(s: Server) -> float:
            """The baseline's throughput now: driven just before each page (the machine's load may drift)."""
            return run_page(s, scratch, cookies, base_entry, None, reference_seconds, args.connections)["rps"]

        # 1. Cold: every cache off in the server.
        log("cold: gunicorn with CACHE_URL=dummycache://")
        server = start({"CACHE_URL": "dummycache://"})
        warm_up(server, [base_entry, *entries.values()], cookies, scratch, args.warmup, args.connections)
        rss_before = worker_rss_mb(server.process.pid)
        cold_refs = []
        for page, r in live[1:]:
            log(f"  cold {page.label}")
            cold_refs.append(measure_baseline(server))
            r.cold = run_page(server, scratch, cookies, entries[page.label], None, args.seconds, args.connections)
            r.cold["base_rps"] = cold_refs[-1]
        cold_base = {"min": min(cold_refs), "max": max(cold_refs), "rps": statistics.median(cold_refs),
                     "ms": baseline.ms}
        rss["rows"].append(("cold (cache off)", rss_before, worker_rss_mb(server.process.pid)))
        gunicorn_stop(server.process, server.log_path)
        for _page, r in live[1:]:
            r.cold["share"] = r.cold["rps"] / r.cold["base_rps"]

        # 2. Mixed: the shared cache, emptied before each page; writes; then every page together.
        log(f"mixed: gunicorn with the {cache_note}")
        server = start({})
        warm_up(server, [base_entry, *entries.values()], cookies, scratch, args.warmup, args.connections)
        rss_before = worker_rss_mb(server.process.pid)
        mixed_refs = []
        totals = {k: {"sent": 0, "ok": 0, "applied": 0} for k in ("wstatus", "wprogress", "wcontribution")}

        def with_writes(run) -> dict:
            cache_empty()
            before = writes_applied(plan)
            result = run(write_targets(plan, by_role, index))
            after = writes_applied(plan)
            for key, total in totals.items():
                w = result["keys" if "keys" in result else "writes"].get(key, {"n": 0, "ok": 0})
                total["sent"] += w["n"]
                total["ok"] += w["ok"]
                total["applied"] += after[key] - before[key]
            return result

        for page, r in live[1:]:
            log(f"  mixed {page.label}")
            mixed_refs.append(measure_baseline(server))
            r.mixed = with_writes(lambda writes, label=page.label: run_page(
                server, scratch, cookies, entries[label], writes, args.seconds, args.connections, args.write_share))
            r.mixed["base_rps"] = mixed_refs[-1]
        log("  the mix: every page")
        mixed_refs.append(measure_baseline(server))
        mix_base = mixed_refs[-1]
        order = [page.label for page, _r in live[1:]]
        mix = with_writes(lambda writes: wrk_load(
            server, plan_file_write(scratch / "load.lua", cookies, [entries[k] for k in order], writes,
                                    args.write_share),
            mix_seconds, args.connections))
        mixed_base = {"min": min(mixed_refs), "max": max(mixed_refs), "rps": statistics.median(mixed_refs),
                      "mix": mix_base}
        rss_after = worker_rss_mb(server.process.pid)
        rss["rows"].append(("mixed (shared cache)", rss_before, rss_after))
        gunicorn_stop(server.process, server.log_path)
        server = None

        for i, label in enumerate(order, start=1):
            results[label].mix = mix["keys"].get(f"p{i}", {})
        writes_rows = [(kind, mix["keys"][f"w{kind}"]) for kind in ("status-form", "status", "progress", "contribution")
                       if f"w{kind}" in mix["keys"]]
        rss["writes"].append(("every mixed run", [
            f"{t['sent']} sent, {t['ok']} answered done, {t['applied']} in the database" for t in totals.values()]))
        # A write still in flight when wrk stops is served (drain) but not counted: at most one per connection.
        in_flight = (len(live) - 1 + 1) * args.connections
        for key, t in totals.items():
            if not t["ok"] <= t["applied"] <= t["ok"] + in_flight:
                rss["misses"].append(f"{key[1:]} writes: {t['ok']} answered done but {t['applied']} in the database "
                                     f"(at most {in_flight} more may have been in flight when a run stopped)")
            if t["sent"] == 0:
                rss["misses"].append(f"no {key[1:]} write was sent")
        mix_bad = sum(k["bad"] for k in mix["keys"].values() if k) + mix["socket_errors"]
        if mix_bad:
            rss["misses"].append(f"the mix: {mix_bad} answers not as expected")
        for pid, before in rss_before.items():
            growth = rss_after.get(pid, before) - before
            if growth >= MAX_RSS_GROWTH_MB:
                rss["misses"].append(f"worker {pid} RSS grew {growth:.1f} MB ≥ {MAX_RSS_GROWTH_MB:.0f} MB "
                                     f"(+{growth - MAX_RSS_GROWTH_MB:.1f} MB)")
        if scales[-1] < LARGE_SCALE and mix["rps"] / mix_base < MIXED_MIN_SHARE:
            rss["misses"].append(f"the mix {mix['rps'] / mix_base:.0%} < {MIXED_MIN_SHARE:.0%} of baseline "
                                 f"(−{(MIXED_MIN_SHARE - mix['rps'] / mix_base) * 100:.0f} points)")
        for _page, r in live[1:]:
            r.mixed["share"] = r.mixed["rps"] / r.mixed["base_rps"]
            judge(r, scales[-1], scales)

        print(f"\n## EMG work plan benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}\n")
        print(f"machine: {machine()}")
        print(f"load average (1, 5, 15 min): {load_start} at the start, {load_average()} at the end")
        print(f"server: gunicorn, {args.workers} sync workers, DEBUG off, CONN_MAX_AGE 600, production middleware; "
              f"{cache_note}")
        print(f"load: wrk_load.lua, {args.connections} connections (one wrk thread each), {args.seconds:g} s per "
              f"page after {args.warmup:g} s of warm-up, the mix {mix_seconds:g} s; "
              f"{len(cookies)} users ({', '.join(f'{len(v)} {k}' for k, v in by_role.items())})")
        print(f"plan {shape}\n")
        print(tables([r for _p, r in live[1:]] + [r for r in results.values() if r.skipped], scales, cold_base,
                     mixed_base, {**mix, "seconds": mix_seconds}, writes_rows, rss, len(cookies), args.write_share,
                     scales[-1]))
        missed = [r for _p, r in live[1:] if r.misses]
        print(f"\n{len(missed)} page(s) miss a target; {len(rss['misses'])} load-wide miss(es)", flush=True)
        if args.json:
            args.json.write_text(json.dumps({
                "scales": scales, "users": len(cookies), "users_by_role": {k: len(v) for k, v in by_role.items()},
                "writes": totals, "in_flight": in_flight, "workers": args.workers,
                "cold_baseline": cold_base, "mixed_baseline": mixed_base, "mix": mix,
                "rss": [[s, b, a] for s, b, a in rss["rows"]], "misses": rss["misses"],
                "results": [vars(r) for r in results.values()]}, indent=1, default=str))
    finally:
        if server is not None:
            gunicorn_stop(server.process, server.log_path)
        if "django.db" in sys.modules:
            from django.db import connections

            try:
                cache_empty()
            except Exception:  # noqa: BLE001 - best effort: the keys expire anyway
                pass
            connections.close_all()
        if args.drop:
            database_drop(args.database_url)
        shutil.rmtree(scratch, ignore_errors=True)
    if not args.no_reports:
        report_benchmark()
    return 0


if __name__ == "__main__":
    sys.exit(main())
