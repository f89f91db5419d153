from django.apps import AppConfig


class OverviewConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "overview"
    verbose_name = "Plan at a glance"

    def ready(self):
        from . import permissions  # noqa: F401  (registers the rules)
