from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workplans.document import DocumentError, parse_document
from workplans.loading import WorkPlanImportError, workplan_document_resolve, workplan_import


class Command(BaseCommand):
    help = (
        "Import a proposed work plan from its SOM document (.docx, or text in the layout of EMG/SOM.19/03/Rev.1) "
        "as a draft plan. Lists what the parser guessed or could not place. --dry-run saves nothing. "
        "To correct items before saving, use the import page (Work plans → Import a document)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the .docx or .txt file")
        parser.add_argument("--dry-run", action="store_true", help="parse and check everything, save nothing")

    def handle(self, *args, path, dry_run, **options):
        try:
            data = path.read_bytes()
        except OSError as e:
            raise CommandError(f"{path}: cannot read it ({e.strerror})") from None
        try:
            plan = workplan_document_resolve(plan=parse_document(data=data, name=path.name))
            result = workplan_import(plan=plan, name=path.name, dry_run=dry_run)
        except (DocumentError, WorkPlanImportError) as e:
            raise CommandError(f"{path.name}: {e}" if not str(e).startswith(path.name) else str(e)) from None
        out = self.stdout.write
        out(f"{'Dry run, nothing saved: would import' if dry_run else 'Imported'} {plan['symbol']} "
            f"({plan['first_year']}–{plan['last_year']}) as a draft from {path.name}.")
        for label, n in sorted(result.counts.items()):
            if not label.startswith(("meetings", "lead bodies")):
                out(f"  {n:4d} {label}{' (would be)' if dry_run else ''}")
        if plan["flags"]:
            out("To check (what the parser guessed or could not place):")
            for f in plan["flags"]:
                out(f"  {f['source']}: {f['message']}")
        if not dry_run:
            out("Next: choose the unfinished milestones to carry over, then record the plan's adoption.")
