from django.apps import AppConfig


class AccomplishmentsConfig(AppConfig):
    name = "accomplishments"
    verbose_name = "Work plan"

    def ready(self):
        from emgplan import clock
        from emgplan.plan_cache import connect_signals

        from . import permissions  # noqa: F401  (registers the app's rules)

        connect_signals()
        clock.connect_signals()
