from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = "Decisions and mandates"

    def ready(self):
        from . import permissions, work  # noqa: F401  (registers the rules and the app's work source)
