"""Writes for reports: request, compile, retry and sweep. Every state change of a Report goes through here."""
import datetime
import logging
import re

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from accomplishments.models import Meeting, WorkPlan

from .models import FORMATS, Report
from .renderers import renderer_for
from .selectors import report_snapshot

logger = logging.getLogger(__name__)


class TransientError(Exception):
    """A failure worth retrying (database or storage briefly unavailable)."""


def _queue(report: Report) -> None:
    from .tasks import compile_report

    # After commit only: the worker must find the row (and an eager run must not block the request's transaction).
    transaction.on_commit(lambda: compile_report.delay(report.pk))


@transaction.atomic
def report_request(*, by, plan: WorkPlan, kind: str, meeting: Meeting, as_of: datetime.date, symbol: str,
                   issued_on: datetime.date) -> Report:
    """Create a queued report and schedule its compilation once the row is committed."""
    report = Report(work_plan=plan, kind=kind, meeting=meeting, as_of=as_of, symbol=symbol, issued_on=issued_on,
                    requested_by=by)
    report.full_clean()
    report.save()
    _queue(report)
    return report


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
    """Compile a finished report again from its snapshot (e.g. after its symbol was corrected)."""
    return report_retry(report=report, by=by, states=(Report.State.FAILED, Report.State.READY))


def _file_stem(report: Report) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", report.symbol).strip("-") or "report"
    return f"reports/{report.uuid}/{slug}"


def report_snapshot_build(*, report: Report) -> dict:
    return report_snapshot(plan=report.work_plan, kind=report.kind, meeting=report.meeting, as_of=report.as_of,
                           symbol=report.symbol, issued_on=report.issued_on)


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


def report_compile(*, report_id: int, force: bool = False) -> Report | None:
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
        report.started_at = timezone.now()
        report.finished_at = None
        report.failure_reason = ""
        report.attempts += 1
        report.save(update_fields=["state", "started_at", "finished_at", "failure_reason", "attempts"])

    try:
        snapshot = report.snapshot
        if snapshot is None:
            snapshot = report_snapshot_build(report=report)
            Report.objects.filter(pk=report.pk).update(snapshot=snapshot)
        elif snapshot.get("symbol") != report.symbol:
            # The symbol stays editable: a rebuild prints the current one, with the same data.
            snapshot = {**snapshot, "symbol": report.symbol}
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
