from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = "Activities and progress"

    def ready(self):
        from emgplan import fragments

        from . import models, permissions  # noqa: F401  (registers the app's rules)

        # Shared fragments are retired by any change of what they show (saves and deletes; the few writes that
        # send no signal retire themselves: emgplan/ordering.py, the synthetic plan, the demo).
        for model in (models.Activity, models.Milestone, models.LeadBody):
            fragments.retire_on_change(model, fragments.PLAN)
        for model in (models.ProgressUpdate, models.EvidenceFile):
            fragments.retire_on_change(model, fragments.PROGRESS)
        fragments.retire_on_change(models.Contribution, fragments.CONTRIBUTIONS)
