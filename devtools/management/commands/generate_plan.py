from django.core.management.base import BaseCommand, CommandError

from activities.models import Activity, Contribution, Milestone, ProgressUpdate
from devtools.generate import plan_generate
from devtools.guard import refuse_production


class Command(BaseCommand):
    help = "Create a realistic synthetic plan N times the seed (deterministic for a given --seed)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=10)
        parser.add_argument("--seed", type=int, default=2014)

    def handle(self, *args, scale, seed, **options):
        refuse_production("generate_plan")
        if not 1 <= scale <= 200:
            raise CommandError("--scale must be between 1 and 200.")
        plan = plan_generate(scale=scale, seed=seed)
        in_plan = {"activity__accomplishment__work_plan": plan}
        self.stdout.write(
            f"{plan.symbol}: {Activity.objects.filter(accomplishment__work_plan=plan).count()} activities, "
            f"{Milestone.objects.filter(**in_plan).count()} milestones, "
            f"{ProgressUpdate.objects.filter(**in_plan).count()} progress updates, "
            f"{Contribution.objects.filter(**in_plan).count()} contributions"
        )
