"""Load benchmark: every page people use, against gunicorn and PostgreSQL, as a share of a baseline page.

    python -m bench.run --scale 10 --seconds 10 --connections 8

Creates (drops first) a PostgreSQL database named emgplan_bench*, migrates it, loads the seed plan, the demo
users and the synthetic plan at scale 1 and at --scale, collects the static files, counts the queries of each
page in this process (the Django test client, same settings as the server), then starts gunicorn (2 sync
workers, DEBUG off, persistent connections, the production middleware and cached templates), signs in a user
per role, warms up, and drives each page with wrk (a second process) for a fixed duration. gunicorn is stopped
at the end even on error. Prints a Markdown table; see BENCHMARKS.md for the method and the targets.
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
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "wrk_report.lua"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/emgplan_bench"
SEED = 2014
# Targets of issue 7 (scale 10, 2 cores, 8 connections).
MIN_SHARE, MAX_P95_MS, MAX_QUERIES = 0.25, 100.0, 15


@dataclass
class Page:
    label: str
    url_name: str
    role: str  # a demo username, or "lead" for the lead of the busiest activity of the plan
    args: tuple = ()
    query: str = ""


PAGES = [
    Page("plan overview", "activities:plan", "secretariat"),
    Page("dashboard", "overview:dashboard", "chair"),
    Page("timeline", "overview:timeline", "viewer"),
    Page("milestones, filtered", "overview:milestone-list", "viewer", query="status=at_risk&o=-due"),
    Page("activity", "activities:activity-detail", "lead", args=("activity",)),
    Page("my work", "activities:my-work", "lead"),
    Page("review queue", "activities:review-queue", "secretariat"),
    Page("report list", "reports:list", "chair"),
    Page("contribution list", "overview:contribution-list", "unido-focal"),
    Page("milestone export (CSV)", "overview:milestone-export", "viewer", args=("csv",)),
]
BASELINE = Page("baseline", "bench-baseline", "viewer")


@dataclass
class Result:
    label: str
    role: str
    path: str = ""
    skipped: str = ""
    rps: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    requests: int = 0
    errors: int = 0
    queries: dict = field(default_factory=dict)  # scale -> queries per request (warm: the page's cache filled)
    queries_cold: dict = field(default_factory=dict)  # scale -> queries of a request with the cache empty
    share: float = 0.0
    misses: list = field(default_factory=list)


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
    """The objects the pages are shown for: the plan's activity with most milestones, and its lead."""
    from django.db.models import Count

    from activities.models import Activity

    activity = (Activity.objects.filter(accomplishment__work_plan=plan, lead_body__leads__isnull=False)
                .annotate(n=Count("milestones", distinct=True)).order_by("-n", "pk").first())
    return {"activity": activity.pk, "lead": activity.lead_body.leads.order_by("pk").first()}


def users_by_role(lead) -> dict:
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


def queries_count(path: str, user) -> tuple[int, int]:
    """Queries of one warm request (caches filled by a first request) and of that first, cold request."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        first = client.get(path)
    if first.status_code != 200:
        raise SystemExit(f"{path} as {user.username}: HTTP {first.status_code}, expected 200")
    with CaptureQueriesContext(connection) as warm:
        client.get(path)
    return len(warm.captured_queries), len(cold.captured_queries)


def page_profile(path: str, user, out: Path, requests: int = 5) -> float:
    """Profile warm requests of one page with pyinstrument (in this process); returns ms per request."""
    from django.test import Client
    from pyinstrument import Profiler

    client = Client()
    client.force_login(user)
    client.get(path)
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    with profiler:
        for _ in range(requests):
            client.get(path)
    elapsed = (time.perf_counter() - started) / requests * 1000
    out.write_text(profiler.output_text(unicode=True, show_all=False, short_mode=False))
    out.with_suffix(".html").write_text(profiler.output_html())
    return elapsed


def session_cookie(user) -> str:
    """The cookies a signed-in browser sends: its session and, after its first page, its CSRF cookie."""
    from django.conf import settings
    from django.middleware.csrf import CSRF_SECRET_LENGTH
    from django.test import Client
    from django.utils.crypto import get_random_string

    client = Client()
    client.force_login(user)
    csrf = get_random_string(CSRF_SECRET_LENGTH)
    return (f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
            f"{settings.CSRF_COOKIE_NAME}={csrf}")


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


def gunicorn_stop(process: subprocess.Popen) -> None:
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


def drain(url: str, cookie: str, workers: int) -> None:
    """Wait until the requests wrk left queued at the server are served, so they do not count for the next page.

    wrk stops the clock with requests still in gunicorn's listen queue; one request per worker, sent
    at once, queues behind them and returns only when the workers are through the backlog.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda _: http_get(url, cookie, timeout=120), range(workers)))


def wrk(url: str, cookie: str, seconds: float, connections: int, workers: int) -> dict:
    """Drive one URL; returns requests/s and latency percentiles in ms (wrk's own timer)."""
    command = ["wrk", "--threads", "1", "--connections", str(connections), "--duration", f"{seconds:g}s",
               "--timeout", "10s", "--script", str(LUA), "--header", f"Cookie: {cookie}", url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    drain(url, cookie, workers)
    match = re.search(r"^BENCH (.*)$", out.stdout, re.M)
    if out.returncode != 0 or not match:
        raise SystemExit(f"wrk failed on {url}:\n{out.stdout}\n{out.stderr}")
    figures = {k: int(v) for k, v in (pair.split("=") for pair in match.group(1).split())}
    return {
        "rps": figures["requests"] / (figures["duration_us"] / 1e6),
        "p50": figures["p50_us"] / 1000, "p95": figures["p95_us"] / 1000, "p99": figures["p99_us"] / 1000,
        "requests": figures["requests"],
        "errors": sum(figures[k] for k in ("connect", "read", "write", "status", "timeout")),
    }


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


def misses(result: Result, scales: list[int]) -> list[str]:
    out = []
    if result.share < MIN_SHARE:
        out.append(f"throughput {result.share:.0%} < {MIN_SHARE:.0%}")
    if result.p95 > MAX_P95_MS:
        out.append(f"p95 {result.p95:.0f} ms > {MAX_P95_MS:.0f}")
    for kind, queries in (("", result.queries), ("uncached ", result.queries_cold)):
        counts = [queries[s] for s in scales if s in queries]
        if counts and max(counts) > MAX_QUERIES:
            out.append(f"{max(counts)} {kind}queries > {MAX_QUERIES}")
        if len(set(counts)) > 1:
            out.append(f"{kind}queries grow with scale")
    if result.errors:
        out.append(f"{result.errors} errors")
    return out


def table(results: list[Result], scales: list[int]) -> str:
    q_heads = [f"queries @{s}" for s in scales] + [f"uncached @{s}" for s in scales]
    head = ["page", "role", "req/s", "p50 ms", "p95 ms", "p99 ms", *q_heads, "of baseline", "targets"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    for r in results:
        if r.skipped:
            cells = [r.label, r.role, r.skipped] + [""] * (len(head) - 3)
        else:
            cells = [r.label, r.role, f"{r.rps:.1f}", f"{r.p50:.1f}", f"{r.p95:.1f}", f"{r.p99:.1f}",
                     *[str(r.queries.get(s, "")) for s in scales],
                     *[str(r.queries_cold.get(s, "")) for s in scales], f"{r.share:.0%}",
                     "ok" if not r.misses else "MISS: " + "; ".join(r.misses)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report_benchmark() -> None:
    """Reuse `make bench-reports` (built on the reports branch) when the Makefile has it."""
    makefile = (ROOT / "Makefile").read_text()
    if not re.search(r"^bench-reports\s*:", makefile, re.M):
        print("\nreport benchmark: not present", flush=True)
        return
    print("\nreport benchmark (make bench-reports):", flush=True)
    subprocess.run(["make", "--no-print-directory", "bench-reports"], cwd=ROOT, check=False)


# Main -----------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10, help="load per page")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of load per page before measuring")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--no-reports", action="store_true", help="skip the report benchmark")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--profile", type=Path, help="also profile each page (pyinstrument) into this folder")
    parser.add_argument("--static-root", type=Path, default=ROOT / "staticfiles",
                        help="collected static files (reused while up to date)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")

    scratch = Path(tempfile.mkdtemp(prefix="emgplan-bench-"))
    env = {
        "DJANGO_SETTINGS_MODULE": "emgplan.settings", "DEBUG": "false", "SECRET_KEY": "bench-" + os.urandom(24).hex(),
        "EMG_BENCHMARK": "1", "CONN_MAX_AGE": "600", "DATABASE_URL": args.database_url,
        "STATIC_ROOT": str(args.static_root), "MEDIA_ROOT": str(scratch / "media"),
        "EMG_TODAY": "2014-06-15", "CELERY_BROKER_URL": "", "LOG_LEVEL": "WARNING",
        # As in production: one cache shared by both workers (a fragment retired by a write in one worker must be
        # gone for the other), under a prefix of this run's own (no entry of an earlier run's database is read).
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/12"),
        "CACHE_KEY_PREFIX": "bench-" + os.urandom(6).hex(),
    }
    server = None
    try:
        started = time.monotonic()
        from_template = database_recreate(args.database_url)
        django_configure(env)
        sys.path.insert(0, str(ROOT))
        from accomplishments.selectors import workplan_current
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
                warm, cold = queries_count(path, users[page.role])
                results[page.label].queries[scale] = warm
                results[page.label].queries_cold[scale] = cold
        shape = plan_shape(plan)
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            for page in PAGES:
                r = results[page.label]
                if not r.skipped:
                    slug = re.sub(r"\W+", "-", page.label).strip("-")
                    ms = page_profile(r.path, users[page.role], args.profile / f"{slug}.txt")
                    log(f"profiled {page.label}: {ms:.0f} ms per request in-process -> {args.profile}/{slug}.txt")
        log(f"prepared in {time.monotonic() - started:.0f} s: {shape}")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = scratch / "gunicorn.log"
        server = gunicorn_start(env, port, args.workers, log_path)
        gunicorn_wait(base, server, log_path)
        cookies = {role: session_cookie(user) for role, user in users.items()}
        live = [r for r in results.values() if not r.skipped]
        for r in live:
            status = http_get(base + r.path, cookies[r.role])
            if status != 200:
                raise SystemExit(f"{r.path} as {r.role}: HTTP {status} from gunicorn, expected 200")
            for _ in range(2 * args.workers):  # every worker compiles its templates before the clock runs
                http_get(base + r.path, cookies[r.role])
            if args.warmup:
                wrk(base + r.path, cookies[r.role], args.warmup, args.connections, args.workers)

        # The baseline before and after the pages: its mean is the reference (the machine may drift).
        baseline = results[BASELINE.label]
        before = wrk(base + baseline.path, cookies[baseline.role], args.seconds, args.connections, args.workers)
        for r in live:
            if r is baseline:
                continue
            log(f"  {r.label} ({r.path})")
            vars(r).update(wrk(base + r.path, cookies[r.role], args.seconds, args.connections, args.workers))
        after = wrk(base + baseline.path, cookies[baseline.role], args.seconds, args.connections, args.workers)
        vars(baseline).update({k: (before[k] + after[k]) / 2 for k in ("rps", "p50", "p95", "p99")},
                              requests=before["requests"] + after["requests"],
                              errors=before["errors"] + after["errors"])
        for r in live:
            r.share = r.rps / baseline.rps
            if r is not baseline:
                r.misses = misses(r, scales)

        print(f"\n## EMG work plan benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}\n")
        print(f"machine: {machine()}")
        print(f"server: gunicorn, {args.workers} sync workers, DEBUG off, CONN_MAX_AGE 600, production middleware")
        print(f"load: wrk, {args.connections} connections, {args.seconds:g} s per page after "
              f"{args.warmup:g} s of warm-up; plan {shape}")
        print(f"baseline: {baseline.path}: {before['rps']:.1f} req/s before the pages, "
              f"{after['rps']:.1f} after; mean {baseline.rps:.1f}\n")
        print(table(list(results.values()), scales))
        missed = [r for r in results.values() if r.misses]
        print(f"\ntargets (>= {MIN_SHARE:.0%} of baseline, p95 <= {MAX_P95_MS:.0f} ms, <= {MAX_QUERIES} queries, "
              f"the same at every scale): {len(missed)} page(s) miss", flush=True)
        if args.json:
            args.json.write_text(json.dumps({"scales": scales, "results": [asdict(r) for r in results.values()]},
                                            indent=1))
    finally:
        if server is not None:
            gunicorn_stop(server)
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        if args.drop:
            database_drop(args.database_url)
        shutil.rmtree(scratch, ignore_errors=True)
    if not args.no_reports:
        report_benchmark()
    return 0


if __name__ == "__main__":
    sys.exit(main())
