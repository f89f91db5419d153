"""Background jobs for reports: thin wrappers that take ids, re-read the row and call one service."""
import logging
import os

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from . import services

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,  # acknowledged only when done: a job whose worker dies is delivered again
    reject_on_worker_lost=True,
    max_retries=settings.REPORTS_MAX_RETRIES,
    soft_time_limit=settings.REPORTS_SOFT_TIME_LIMIT,
    time_limit=settings.REPORTS_TIME_LIMIT,
)
def compile_report(self, report_id: int) -> str | None:
    """Compile report `report_id`. Safe to run twice: one set of files, a ready report is left alone."""
    try:
        # Who runs it is recorded with the heartbeat (eager runs have none): see reports_fail_dead.
        worker = "" if self.request.is_eager else f"{self.request.hostname} pid {os.getpid()}"
        report = services.report_compile(report_id=report_id, worker=worker)
    except services.TransientError as exc:
        if self.request.retries >= self.max_retries:
            services.report_fail(report_id=report_id, reason=f"Gave up after {self.max_retries} retries: {exc}")
            return "failed"
        if self.request.is_eager:
            # No worker to hand a delayed retry to (and Retry would reach the web request): retry in-process.
            return self.apply(args=[report_id], retries=self.request.retries + 1).get()
        # Exponential backoff: 2, 4, 8 ... seconds, capped.
        countdown = min(2 ** (self.request.retries + 1), settings.REPORTS_RETRY_BACKOFF_MAX)
        raise self.retry(exc=exc, countdown=countdown) from exc
    except SoftTimeLimitExceeded:
        services.report_fail(
            report_id=report_id,
            reason=f"Compiling took longer than {settings.REPORTS_SOFT_TIME_LIMIT} seconds and was stopped.",
        )
        return "failed"
    return report.state if report else None


@shared_task
def sweep_stuck_reports() -> int:
    """Mark failed the reports whose job outlived its limit (run by Celery beat)."""
    return services.reports_sweep_stuck()
