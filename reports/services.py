"""Writes for reports: request, revise, compile, retry and sweep. Every state change of a Report goes through here."""
import datetime
import logging
import re
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from accomplishments.models import Meeting, WorkPlan
from accomplishments.services import refuse_closed_plan
from emgplan import health
from emgplan.roles import SECRETARIAT

from .models import FORMATS, Report
from .renderers import renderer_for
from .selectors import report_snapshot
from .vocabulary import KIND_LINES

logger = logging.getLogger(__name__)


DEAD_WORKER = "The report worker stopped while compiling. Try again."
NO_WORKER = "No report worker is running: the secretariat has been told."


class TransientError(Exception):
    """A failure worth retrying (database or storage briefly unavailable)."""


class AlreadyRequested(Exception):
    """The same report is already queued or running: the caller should show that one."""

    def __init__(self, report: Report):
        super().__init__(f"report {report.pk} is already {report.state}")
        self.report = report


def suggested_actions_split(text: str) -> list[str]:
    """The points the secretariat typed: one per paragraph (blank line between), or one per line when
    no blank line separates them. Empty text gives no point (the document leaves the section out)."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        return []
    chunks = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
    return [" ".join(line.strip() for line in chunk.splitlines()).strip() for chunk in chunks if chunk.strip()]


def report_document(report: Report) -> dict:
    """The masthead and framing of the document, from the report row (never from the plan data)."""
    return {
        "symbol": report.symbol,
        "revision": report.revision,
        "symbol_display": report.symbol_display,
        "issued_on": report.issued_on.isoformat(),
        "distribution": "General",
        "original_language": "English",
        "agenda_item": report.agenda_item.strip(),
        "kind_line": KIND_LINES.get(report.kind, ""),
        "suggested_actions": suggested_actions_split(report.suggested_actions),
    }


def _with_document(snapshot: dict, report: Report) -> dict:
    document = report_document(report)
    return {**snapshot, "document": document, "symbol": document["symbol_display"], "issued_on": document["issued_on"]}


def _queue(report: Report) -> None:
    from .tasks import compile_report

    # After commit only: the worker must find the row (and an eager run must not block the request's transaction).
    transaction.on_commit(lambda: compile_report.delay(report.pk))


def _insert(report: Report, *, find_active) -> None:
    """Save a new report; when a concurrent request took the same symbol first, hand over that one."""
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Two tabs: the other request inserted between our check and our insert (the unique
        # symbol index made this one wait for it to commit, so it is visible now).
        first = find_active()
        if first is not None:
            raise AlreadyRequested(first) from None
        raise ValidationError({"symbol": ValidationError(
            "Another report of this work plan already has this symbol.", code="symbol_in_use")}) from None


@transaction.atomic
def report_request(*, by, plan: WorkPlan, kind: str, meeting: Meeting, as_of: datetime.date, symbol: str,
                   issued_on: datetime.date, agenda_item: str = "", suggested_actions: str = "") -> Report:
    """Create a queued report and schedule its compilation once the row is committed.

    Safe to repeat: an identical request (plan, kind, meeting, as-of date, symbol) while the first is
    queued or running raises AlreadyRequested with the first, also when two arrive at once.
    """
    refuse_closed_plan(plan)
    identity = {"work_plan": plan, "kind": kind, "meeting": meeting, "as_of": as_of, "symbol": symbol,
                "revision": 0}

    def find_active():
        return Report.objects.active().filter(**identity).order_by("pk").first()

    first = find_active()
    if first is not None:
        raise AlreadyRequested(first)
    report = Report(**identity, issued_on=issued_on, agenda_item=agenda_item, suggested_actions=suggested_actions,
                    requested_by=by)
    report.full_clean()
    _insert(report, find_active=find_active)
    _queue(report)
    return report


@transaction.atomic
def report_revise(*, report: Report, by, issued_on: datetime.date, agenda_item: str,
                  suggested_actions: str) -> Report:
    """Issue a revision of a ready report: a new document under the same symbol (printed .../Rev.n),
    compiled from a fresh snapshot as of the same date with the corrected fields, with its own files.
    The earlier report and its files stay. Raises AlreadyRequested while a revision is queued or running.
    """
    original = report.revision_of or report
    refuse_closed_plan(original.work_plan)
    family = Report.objects.filter(Q(pk=original.pk) | Q(revision_of=original))

    def find_active():
        return family.active().order_by("pk").first()

    first = find_active()
    if first is not None:
        raise AlreadyRequested(first)
    if report.state != Report.State.READY:
        raise ValueError("Only a ready report can be revised.")
    latest = family.aggregate(n=Max("revision"))["n"] or 0
    revision = Report(
        work_plan=original.work_plan, kind=original.kind, meeting=original.meeting, as_of=original.as_of,
        symbol=original.symbol, revision=latest + 1, revision_of=original, issued_on=issued_on,
        agenda_item=agenda_item, suggested_actions=suggested_actions, requested_by=by,
    )
    revision.full_clean()
    _insert(revision, find_active=find_active)
    _queue(revision)
    return revision


@transaction.atomic
def report_retry(*, report: Report, by, states=(Report.State.FAILED,)) -> Report:
    """Queue a failed report again; it is rebuilt from its snapshot when it has one."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.state not in states:
        raise ValueError("Only a failed report can be tried again.")
    report.state = Report.State.QUEUED
    report.failure_reason = ""
    report.requested_at = timezone.now()
    report.started_at = report.finished_at = None
    report.save(update_fields=["state", "failure_reason", "requested_at", "started_at", "finished_at"])
    logger.info("report %s queued again by %s", report.pk, by)
    _queue(report)
    return report


def report_rebuild(*, report: Report, by) -> Report:
    """Compile a finished report again from its snapshot: the same data, with the masthead (symbol, date
    of issue, agenda item, suggested action) read again from the row, e.g. after a correction in the
    admin. A correction of the data itself is a revision (report_revise), not a rebuild."""
    return report_retry(report=report, by=by, states=(Report.State.FAILED, Report.State.READY))


def _file_stem(report: Report) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", report.symbol_display).strip("-") or "report"
    return f"reports/{report.uuid}/{slug}"


def report_snapshot_build(*, report: Report) -> dict:
    """The data as of the report's date, with the document's masthead from the row."""
    snapshot = report_snapshot(plan=report.work_plan, kind=report.kind, meeting=report.meeting,
                               as_of=report.as_of, symbol=report.symbol_display, issued_on=report.issued_on)
    return _with_document(snapshot, report)


@contextmanager
def _heartbeat(report_id: int):
    """Refresh the report's heartbeat from a side thread while the body runs, so a reader can tell a
    dead worker (no heartbeat) from a slow one. Not on SQLite (one writer at a time; embedded mode)."""
    if connection.vendor == "sqlite":
        yield
        return
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(settings.REPORTS_HEARTBEAT_INTERVAL):
                Report.objects.filter(pk=report_id, state=Report.State.RUNNING).update(heartbeat_at=timezone.now())
        except Exception:  # a missed beat must never break the compile itself
            logger.exception("report %s: heartbeat failed", report_id)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"report-{report_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def report_files_write(*, report: Report, snapshot: dict) -> dict[str, str]:
    """Render the three formats and store them under fixed names: a rerun replaces, never adds."""
    from django.core.files.storage import default_storage

    stem = _file_stem(report)
    names = {}
    for fmt in FORMATS:
        content = renderer_for(fmt)(snapshot)
        name = f"{stem}.{fmt}"
        if default_storage.exists(name):
            default_storage.delete(name)
        names[fmt] = default_storage.save(name, ContentFile(content))
    # Files of an earlier run under another name (the symbol changed) go too.
    directory = f"reports/{report.uuid}"
    if default_storage.exists(directory):
        for filename in default_storage.listdir(directory)[1]:
            if f"{directory}/{filename}" not in names.values():
                default_storage.delete(f"{directory}/{filename}")
    return names


def report_compile(*, report_id: int, force: bool = False, worker: str = "") -> Report | None:
    """Compile a report into its three files. Safe to repeat: a ready report is left alone unless forced,
    and a rerun overwrites the same files. Returns None when the report no longer exists.

    Renderer errors mark the report failed with the reason; TransientError propagates for a retry.
    """
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("meeting", "work_plan").filter(pk=report_id).first()
        if report is None:
            return None
        if report.state == Report.State.READY and not force:
            return report
        report.state = Report.State.RUNNING
        report.started_at = report.heartbeat_at = timezone.now()
        report.worker = worker
        report.finished_at = None
        report.failure_reason = ""
        report.attempts += 1
        report.save(update_fields=["state", "started_at", "heartbeat_at", "worker", "finished_at", "failure_reason",
                                   "attempts"])

    try:
        with _heartbeat(report.pk):
            if settings.REPORTS_TEST_COMPILE_DELAY:
                time.sleep(settings.REPORTS_TEST_COMPILE_DELAY)
            snapshot = report.snapshot
            if snapshot is None:
                snapshot = report_snapshot_build(report=report)
                Report.objects.filter(pk=report.pk).update(snapshot=snapshot)
            elif snapshot.get("document") != report_document(report) or snapshot.get("symbol") != report.symbol_display:
                # The masthead stays editable: a rebuild prints the row's, with the same data.
                snapshot = _with_document(snapshot, report)
                Report.objects.filter(pk=report.pk).update(snapshot=snapshot)
            names = report_files_write(report=report, snapshot=snapshot)
    except (OperationalError, InterfaceError) as exc:
        raise TransientError(str(exc)) from exc
    except TransientError:
        raise
    except Exception as exc:  # a renderer's error becomes the report's readable reason
        logger.exception("report %s failed", report.pk)
        report_fail(report_id=report.pk, reason=_reason(exc))
        return Report.objects.get(pk=report.pk)

    Report.objects.filter(pk=report.pk).update(
        state=Report.State.READY, finished_at=timezone.now(), failure_reason="", **names,
    )
    return Report.objects.get(pk=report.pk)


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return f"Compiling the documents failed: {text[:500]}"


def report_fail(*, report_id: int, reason: str) -> None:
    """Mark a report failed with a reason people can read. Safe to repeat; a ready report stays ready."""
    Report.objects.filter(pk=report_id).exclude(state=Report.State.READY).update(
        state=Report.State.FAILED, failure_reason=reason or "Unknown error.", finished_at=timezone.now(),
    )


def reports_sweep_stuck(*, now: datetime.datetime | None = None) -> int:
    """Fail jobs stuck past their limit (a worker died or the message was lost). Returns how many."""
    now = now or timezone.now()
    running_limit = datetime.timedelta(seconds=settings.REPORTS_TIME_LIMIT + settings.REPORTS_SWEEP_GRACE)
    queued_limit = datetime.timedelta(seconds=settings.REPORTS_QUEUED_TIMEOUT)
    stuck = list(Report.objects.stuck(running_before=now - running_limit, queued_before=now - queued_limit)
                 .values_list("pk", "state"))
    for pk, state in stuck:
        what = "was never picked up by a worker" if state == Report.State.QUEUED else "stopped without finishing"
        Report.objects.filter(pk=pk, state=state).update(
            state=Report.State.FAILED, finished_at=now,
            failure_reason=f"The job {what} within its time limit. Try again.",
        )
    return len(stuck)


def reports_fail_dead(*, report_ids=None, now: datetime.datetime | None = None) -> int:
    """Mark failed the running reports whose worker stopped refreshing the heartbeat (it died or lost the
    database). Called by the pages that show reports, so no scheduler is needed. One conditional
    UPDATE; safe to repeat. Returns how many."""
    now = now or timezone.now()
    stale_before = now - datetime.timedelta(seconds=settings.REPORTS_HEARTBEAT_STALE)
    dead = Report.objects.filter(state=Report.State.RUNNING).filter(
        Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True, started_at__lt=stale_before))
    if report_ids is not None:
        dead = dead.filter(pk__in=report_ids)
    count = dead.update(state=Report.State.FAILED, finished_at=now, failure_reason=DEAD_WORKER)
    if count:
        logger.warning("%s report(s) failed: their worker stopped sending heartbeats", count)
    return count


WORKERS_CACHE_KEY = "reports:workers"
TOLD_CACHE_KEY = "reports:no-worker-told"


def reports_eager() -> bool:
    """True when reports compile inside the web request (no broker): there is no worker to ask about."""
    return health.broker_eager()


def report_workers(*, fresh: bool = False) -> dict | None:
    """The Celery workers answering a ping, {hostname: reply}; None in eager mode. Answers are kept
    a few seconds in the shared cache, so a page polled every second by many people pings rarely.
    When none answers, the secretariat is told (at most once an hour)."""
    if reports_eager():
        return None
    workers = None if fresh else cache.get(WORKERS_CACHE_KEY)
    if workers is None:
        try:
            workers = health.workers_ping(timeout=1.0)
        except Exception:  # the broker itself is down: no worker can be reached either
            logger.exception("pinging the report workers failed")
            workers = {}
        cache.set(WORKERS_CACHE_KEY, workers, settings.REPORTS_PING_CACHE)
        if not workers:
            _tell_secretariat_no_worker()
    return workers


def _tell_secretariat_no_worker() -> None:
    if not cache.add(TOLD_CACHE_KEY, True, 3600):
        return
    logger.error("No report worker answers: queued reports wait until one is started")
    recipients = list(get_user_model().objects.filter(groups__name=SECRETARIAT, is_active=True)
                      .exclude(email="").values_list("email", flat=True))
    if recipients:
        send_mail(
            "EMG work plan: no report worker is running",
            "Reports were requested but no Celery worker answers, so they wait in the queue.\n"
            "Start a worker (celery -A emgplan worker) and check the reports' workers page.",
            None, recipients, fail_silently=True,
        )


def report_no_worker(report: Report, *, now: datetime.datetime | None = None) -> bool:
    """True when `report` has waited in the queue past the threshold and no worker answers."""
    if report.state != Report.State.QUEUED:
        return False
    now = now or timezone.now()
    if report.requested_at > now - datetime.timedelta(seconds=settings.REPORTS_NO_WORKER_AFTER):
        return False
    workers = report_workers()
    return workers is not None and not workers
