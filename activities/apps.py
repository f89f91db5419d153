from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = "Activities and progress"

    def ready(self):
        from . import permissions  # noqa: F401  (registers the app's rules)
