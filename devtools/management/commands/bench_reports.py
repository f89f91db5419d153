import json

from django.core.management import call_command
from django.core.management.base import BaseCommand

from accomplishments.models import WorkPlan
from devtools import reports_bench as bench
from devtools.guard import refuse_production

SEED = "EMG/SOM.19/03/Rev.1"


class Command(BaseCommand):
    help = "Time and peak memory of compiling the SOM report, per format, for the seed plan and a larger plan."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=10, help="Size of the synthetic plan (generate_plan).")
        parser.add_argument("--one", nargs=2, metavar=("PLAN_SYMBOL", "FORMAT"), help="One measurement (internal).")

    def handle(self, *args, scale, one, **options):
        refuse_production("bench_reports")
        if one:
            self.stdout.write(json.dumps(bench.measure_one(plan_symbol=one[0], fmt=one[1])))
            return
        if not WorkPlan.objects.filter(symbol=SEED).exists():
            call_command("load_workplan", verbosity=0)
        call_command("generate_plan", "--scale", str(scale), stdout=self.stdout)
        bench.run(plans={"seed": SEED, f"x{scale}": f"EMG/SYNTH.{scale}/2014"}, out=self.stdout)
