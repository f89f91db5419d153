from django.apps import AppConfig


class CyclesConfig(AppConfig):
    name = "cycles"
    verbose_name = "Reporting cycles and reminders"

    def ready(self):
        from activities import row_figures

        from . import permissions  # noqa: F401  (registers the app's rules)
        from .health import with_health
        from .templatetags.cycles_tags import health_badge

        # The plan, activity, My work and milestone pages' badges (the plan's tables write it by code).
        row_figures.register("health", with_health, badge=health_badge)

        from emgplan import fragments

        from .models import ReportingCycle

        # Health is read from the cycles (stale, due): fragments showing it go with any change to a cycle.
        fragments.retire_on_change(ReportingCycle, fragments.PROGRESS, fragments.FRAME)  # health: every table
