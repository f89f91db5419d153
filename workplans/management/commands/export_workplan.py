from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accomplishments.models import WorkPlan
from workplans.exporting import workplan_docx


class Command(BaseCommand):
    help = "Write a work plan as its Word document (the layout of EMG/SOM.19/03/Rev.1), e.g. to draft the next one."

    def add_arguments(self, parser):
        parser.add_argument("symbol", help="the plan's document symbol, e.g. EMG/SOM.19/03/Rev.1")
        parser.add_argument("path", type=Path, help="the .docx file to write")

    def handle(self, *args, symbol, path, **options):
        plan = WorkPlan.objects.filter(symbol=symbol).first()
        if plan is None:
            known = ", ".join(WorkPlan.objects.values_list("symbol", flat=True)) or "none"
            raise CommandError(f"no work plan with the symbol {symbol} — the plans are: {known}")
        try:
            path.write_bytes(workplan_docx(plan=plan))
        except OSError as e:
            raise CommandError(f"{path}: cannot write it ({e.strerror})") from None
        self.stdout.write(f"Wrote {plan} to {path}.")
