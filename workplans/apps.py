from django.apps import AppConfig


class WorkplansConfig(AppConfig):
    """The plan as a document: loading it from its transcription (and, later, importing and exporting it).

    It sits above `activities` (a plan's document holds its activities and milestones) and below the apps
    that report on a plan.
    """

    name = "workplans"
    verbose_name = "Work plan documents"

    def ready(self):
        from . import permissions  # noqa: F401  (registers the app's rules)
