from django.apps import AppConfig


class CyclesConfig(AppConfig):
    name = "cycles"
    verbose_name = "Reporting cycles and reminders"

    def ready(self):
        from . import permissions  # noqa: F401  (registers the app's rules)
