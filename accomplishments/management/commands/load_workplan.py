from pathlib import Path

from django.core.management.base import BaseCommand

from accomplishments.services import SEED_FILE, workplan_load


class Command(BaseCommand):
    help = "Load the EMG work plan 2014–2015 (EMG/SOM.19/03/Rev.1) from its YAML transcription. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=SEED_FILE, help="YAML file to load")

    def handle(self, *args, file, **options):
        plan, counts = workplan_load(path=file)
        self.stdout.write(f"Loaded {plan}.")
        if not counts:
            self.stdout.write("Nothing to change: the plan is already loaded.")
        for label, n in sorted(counts.items()):
            self.stdout.write(f"  {n:4d} {label}")
