"""Health of the services the application needs: database, cache, broker and a Celery worker.

`/healthz/` answers for a load balancer or a monitor; `worker_alive()` is also what pages use to say
whether queued work will be picked up. Nothing here names a host, a user or a password.
"""
import time

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

WORKER_SEEN_KEY = "health:worker-last-seen"
WORKER_MAX_AGE = 60  # seconds: a worker that answered within this is alive
PING_INTERVAL = 15  # seconds: probes in between reuse the last answer instead of pinging again


def _celery_app():
    from emgplan.celery import app

    return app


def broker_eager() -> bool:
    """True when no broker is configured and tasks run inside the web process (`make run`, the tests)."""
    return bool(_celery_app().conf.task_always_eager)


def check_database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def check_cache() -> bool:
    token = str(time.monotonic_ns())
    cache.set("health:probe", token, 10)
    return cache.get("health:probe") == token


def check_broker(timeout: float = 2.0) -> bool:
    with _celery_app().connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
        return conn.connected


def workers_ping(*, timeout: float = 1.0) -> dict:
    """The workers answering a ping now, {hostname: reply}. Raises when the broker cannot be reached,
    after one quick try: a broker that is down must not hold a page for kombu's rounds of reconnecting."""
    app = _celery_app()
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
        replies = app.control.ping(timeout=timeout, connection=conn)
    return {name: reply for answer in replies or [] for name, reply in answer.items()}


def worker_last_seen(*, timeout: float = 1.0) -> float | None:
    """When (epoch seconds) a worker last answered a ping; pings at most every PING_INTERVAL seconds.

    The answer is kept in the shared cache, so every web process reuses one ping. Safe to call often.
    """
    seen = cache.get(WORKER_SEEN_KEY)
    now = time.time()
    if seen is not None and now - seen < PING_INTERVAL:
        return seen
    try:
        replies = workers_ping(timeout=timeout)
    except Exception:  # an unreachable broker means no worker answered
        replies = {}
    if replies:
        now = time.time()
        cache.set(WORKER_SEEN_KEY, now, WORKER_MAX_AGE * 2)
        return now
    return seen


def worker_alive(timeout: float = 1.0, max_age: int = WORKER_MAX_AGE) -> bool:
    """Whether a Celery worker answered a ping in the last `max_age` seconds (always true when eager)."""
    if broker_eager():
        return True
    seen = worker_last_seen(timeout=timeout)
    return seen is not None and time.time() - seen <= max_age


def _run(check) -> dict:
    started = time.monotonic()
    try:
        ok = bool(check())
        error = None
    except Exception as exc:  # the check's failure is the answer; its class says which kind, not where
        ok, error = False, type(exc).__name__
    result = {"ok": ok, "ms": round((time.monotonic() - started) * 1000, 1)}
    if error:
        result["error"] = error
    return result


def health_report() -> dict:
    eager = broker_eager()
    checks = {"database": _run(check_database), "cache": _run(check_cache)}
    if eager:
        checks["broker"] = {"ok": True, "mode": "eager"}
        checks["worker"] = {"ok": True, "mode": "eager"}
    else:
        checks["broker"] = _run(check_broker)
        if checks["broker"]["ok"]:
            checks["worker"] = _run(worker_alive)
            seen = cache.get(WORKER_SEEN_KEY)
            checks["worker"]["last_seen_seconds_ago"] = round(time.time() - seen) if seen is not None else None
        else:
            checks["worker"] = {"ok": False, "error": "broker unreachable"}
    return {"status": "ok" if all(c["ok"] for c in checks.values()) else "fail", "checks": checks}


@never_cache
@require_GET
def healthz(request):
    """JSON for monitors and load balancers: 200 when every service answers, 503 otherwise. No sign-in."""
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
