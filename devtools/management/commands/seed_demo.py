from django.core.management.base import BaseCommand

from devtools.demo import DEMO_PASSWORD, DEMO_USERS, demo_progress_create, demo_som20_report_create, demo_users_create
from devtools.guard import refuse_production


class Command(BaseCommand):
    help = "Create one demo user per role (development only: refuses a production database)."

    def handle(self, *args, **options):
        refuse_production("seed_demo (demo users with a published password)")
        created = demo_users_create()
        self.stdout.write(f"Demo users ready ({len(created)} new). Password for all: {DEMO_PASSWORD}")
        for username, (role, *_rest) in DEMO_USERS.items():
            self.stdout.write(f"  {username:20s} {role}")
        rows = demo_progress_create()
        self.stdout.write(f"Demo progress updates and contributions: {rows} new rows.")
        report = demo_som20_report_create()
        if report is not None:
            report.refresh_from_db()
            self.stdout.write(f"The SOM20 progress report {report.symbol_display} with its suggested actions: "
                              f"{report.get_state_display().lower()}.")
