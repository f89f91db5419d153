from django.apps import AppConfig


class AccomplishmentsConfig(AppConfig):
    name = "accomplishments"
    verbose_name = "Work plan"

    def ready(self):
        from emgplan import clock, fragments

        from . import models, permissions  # noqa: F401  (registers the app's rules)

        clock.connect_signals()
        # The plan's frame: shared fragments showing it (e.g. the timeline's chart) are retired by any change.
        for model in (models.WorkPlan, models.ExpectedAccomplishment, models.Meeting, models.Member):
            fragments.retire_on_change(model, fragments.PLAN, fragments.FRAME)
