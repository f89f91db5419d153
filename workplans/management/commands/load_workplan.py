from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workplans.loading import SEED_FILE, WorkPlanFileError, workplan_load


class Command(BaseCommand):
    help = (
        "Load a work plan from its YAML transcription (default: the 2014–2015 plan, EMG/SOM.19/03/Rev.1). "
        "A plan already in the database is never overwritten: the command lists what differs from the file. "
        "--update takes from the file only the fields nobody changed in the app since the last load."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=SEED_FILE, help="YAML file to load")
        parser.add_argument(
            "--update", action="store_true",
            help="Apply the file's values to fields the loader set and nobody changed in the app since; "
                 "refuse (and list) the others. Rows deleted in the app are not recreated.")
        parser.add_argument("--dry-run", action="store_true",
                            help="With --update: show what would change, save nothing.")

    def handle(self, *args, file, update, dry_run, **options):
        if dry_run and not update:
            raise CommandError("--dry-run goes with --update (without --update nothing is ever saved to a loaded plan)")
        try:
            result = workplan_load(path=file, update=update, dry_run=dry_run)
        except WorkPlanFileError as e:
            raise CommandError(str(e)) from None
        name = Path(file).name
        out = self.stdout.write
        if result.mode == "refused":
            out("Nothing loaded:")
            self._lines(result.deleted)
            return
        if result.mode == "created":
            out(f"Loaded {result.plan} from {name}.")
        elif result.mode == "report":
            out(f"{result.plan} is already in the database: nothing changed (the file never overwrites it).")
        else:
            out(f"{'Dry run, nothing saved: ' if dry_run else ''}updating {result.plan} from {name}.")
        for label, n in sorted(result.counts.items()):
            out(f"  {n:4d} {label}{' (would be)' if dry_run else ''}")
        self._lines(result.notes)

        if result.applied:
            out(f"{'Would take' if dry_run else 'Took'} from the file (nobody changed these in the app since the "
                "last load):")
            self._lines(f"{d.label} {d.field}: {d.database} → {d.file}" for d in result.applied)
        if result.refused:
            out("Kept the database's value (changed in the app since the last load; change it in the app):")
            self._lines(f"{d.label} {d.field}: file says {d.file} / database has {d.database} ({d.changed})"
                        for d in result.refused)
        if result.differences:
            out(f"Differences between {name} and the database (the database's values are kept):")
            self._lines(f"{d.label} {d.field}: file says {d.file} / database has {d.database}"
                        + (f" ({d.changed})" if d.changed else " (the file changed since the last load)")
                        for d in result.differences)
        self._lines(result.deleted)
        self._lines(result.missing)
        self._lines(result.added_in_app)
        if result.mode == "update":
            added = sum(n for label, n in result.counts.items() if label.endswith("created"))
            out(f"{len(result.applied)} field(s) {'would be ' if dry_run else ''}taken from the file, "
                f"{len(result.refused)} kept as the app has them, {added} row(s) {'would be ' if dry_run else ''}"
                f"added, {len(result.deleted)} deleted in the app and not recreated.")
        if result.mode == "report":
            if not (result.differences or result.deleted or result.missing or result.added_in_app):
                out("Nothing to change: the database matches the file.")
            elif result.differences or result.missing:
                out("To take the file's values where the app changed nothing since the last load: "
                    "load_workplan --update (see them first with --update --dry-run).")

    def _lines(self, lines):
        for line in lines:
            self.stdout.write(f"  {line}")
