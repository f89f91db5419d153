from django.apps import AppConfig


class AccomplishmentsConfig(AppConfig):
    name = "accomplishments"
    verbose_name = "Work plan"

    def ready(self):
        from emgplan import clock

        from . import permissions  # noqa: F401  (registers the app's rules)

        clock.connect_signals()
