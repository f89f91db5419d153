"""python manage.py send_reminders [--dry-run] [--today YYYY-MM-DD]: the daily reminder job, by hand."""
import datetime

from django.core.management.base import BaseCommand, CommandError

from emgplan import clock

from ...services import reminders_send


class Command(BaseCommand):
    help = "Send today's reporting-cycle reminders (digests, missing progress, Chair summary, reviews)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; send nothing.")
        parser.add_argument("--today", help="Act as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, dry_run=False, today=None, **options):
        try:
            day = datetime.date.fromisoformat(today) if today else clock.configured_today()
        except ValueError as exc:
            raise CommandError(f"--today must be a date as YYYY-MM-DD, not {today!r}") from exc
        reminders = reminders_send(today=day, dry_run=dry_run)
        verb = "Would send" if dry_run else "Sent"
        for r in reminders:
            email = r.user.email if r.wants_email() else "notice only (e-mail reminders off or no address)"
            self.stdout.write(f"{verb} {r.kind} "
                              f"[{r.cycle.meeting.code}, offset {r.offset}] to {r.user.username} <{email}>: "
                              f"{r.subject}")
            for item in r.items:
                self.stdout.write(f"    - {item}")
        self.stdout.write(f"{verb} {len(reminders)} reminder(s) for {day:%Y-%m-%d}.")
