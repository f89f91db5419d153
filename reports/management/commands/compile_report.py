"""Compile a report synchronously, with the same code as the background job, and write its files to a folder."""
import datetime
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accomplishments.models import Meeting, WorkPlan
from accomplishments.selectors import workplan_current
from emgplan import clock
from reports.forms import symbol_suggest
from reports.models import Report
from reports.renderers import renderer_for
from reports.selectors import report_snapshot
from reports.services import report_document

KINDS = {"som": "som", "unea": "unea"}


class Command(BaseCommand):
    help = "Compile the SOM progress report (or the UNEA report) and write PDF, DOCX and XLSX to --out."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=sorted(KINDS), default="som")
        parser.add_argument("--meeting", required=True, help="Meeting code, e.g. SOM20 or UNEA-1.")
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD; default: the plan's today.")
        parser.add_argument("--symbol", help="Document symbol; default e.g. EMG/SOM.20/3.")
        parser.add_argument("--plan", help="Work plan symbol; default: the current plan.")
        parser.add_argument("--issued-on", dest="issued_on", help="Date of issue, YYYY-MM-DD; default: today.")
        parser.add_argument("--agenda-item", dest="agenda_item", default="", help="The meeting's agenda item.")
        parser.add_argument("--action", dest="actions", action="append", default=[],
                            help="A suggested action point for the senior officials (repeat for more).")
        parser.add_argument("--out", required=True, help="Folder to write the three files to.")

    def handle(self, *args, kind, meeting, as_of, symbol, plan, out, issued_on, agenda_item, actions, **options):
        meeting_obj = Meeting.objects.filter(code__iexact=meeting).first()
        if meeting_obj is None:
            known = ", ".join(Meeting.objects.values_list("code", flat=True))
            raise CommandError(f"No meeting {meeting!r}; known: {known}")
        plan_obj = WorkPlan.objects.filter(symbol=plan).first() if plan else workplan_current()
        if plan_obj is None:
            raise CommandError("No work plan found; load one with `manage.py load_workplan`.")
        try:
            as_of_date = datetime.date.fromisoformat(as_of) if as_of else clock.configured_today()
            issued = datetime.date.fromisoformat(issued_on) if issued_on else clock.configured_today()
        except ValueError as exc:
            raise CommandError(f"--as-of and --issued-on must be YYYY-MM-DD: {exc}") from exc
        symbol = symbol or symbol_suggest(meeting_obj)
        try:
            snapshot = report_snapshot(plan=plan_obj, kind=KINDS[kind], meeting=meeting_obj, as_of=as_of_date,
                                       symbol=symbol, issued_on=issued)
        except ValueError as exc:  # an as-of date after today
            raise CommandError(str(exc)) from exc
        # The masthead as the request form would give it (an unsaved row: nothing is recorded).
        row = Report(work_plan=plan_obj, kind=KINDS[kind], meeting=meeting_obj, as_of=as_of_date, symbol=symbol,
                     issued_on=issued, agenda_item=agenda_item, suggested_actions="\n\n".join(actions))
        snapshot = {**snapshot, "document": report_document(row)}
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9]+", "-", symbol).strip("-")
        for fmt in ("pdf", "docx", "xlsx"):
            path = folder / f"{stem}.{fmt}"
            path.write_bytes(renderer_for(fmt)(snapshot))
            self.stdout.write(f"wrote {path}")
