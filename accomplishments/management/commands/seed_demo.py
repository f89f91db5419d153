from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accomplishments.demo import DEMO_PASSWORD, DEMO_USERS, demo_progress_create, demo_users_create


class Command(BaseCommand):
    help = "Create one demo user per role (development only: refuses to run when DEBUG is off)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates users with a published password: it runs only with DEBUG on.")
        created = demo_users_create()
        self.stdout.write(f"Demo users ready ({len(created)} new). Password for all: {DEMO_PASSWORD}")
        for username, (role, *_rest) in DEMO_USERS.items():
            self.stdout.write(f"  {username:20s} {role}")
        rows = demo_progress_create()
        self.stdout.write(f"Demo progress updates and contributions: {rows} new rows.")
