from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = "Activities and progress"

    def ready(self):
        from emgplan import fragments

        from . import models, permissions  # noqa: F401  (registers the app's rules)
        from .tables import CONTRIBUTION_SCOPE, PROGRESS_SCOPE, RECORD_SCOPE, SCOPE

        ACCEPTED = models.ProgressUpdate.ReviewState.ACCEPTED

        # Shared fragments are retired by any change of what they show (saves and deletes; the few writes that
        # send no signal retire themselves: emgplan/ordering.py, the synthetic plan, the demo). A milestone or an
        # accepted progress update retires its activity's milestone table (activities/tables.py), not every table: a
        # milestone moved to another activity retires both activities' tables. A contribution retires its own row of
        # the contribution list (and, as every contribution, what sums them).
        for model in (models.Activity, models.LeadBody):
            fragments.retire_on_change(model, fragments.PLAN, fragments.FRAME)
        fragments.retire_on_change(models.Milestone, fragments.PLAN, scopes={
            SCOPE: _milestone_shown_in, PROGRESS_SCOPE: _milestone_shown_in})
        # What readers other than the leads see of progress is the accepted updates: a draft filed, edited or
        # submitted changes none of it (nor any milestone table); the review queue's rows are of every update.
        in_both = lambda u: (u.activity_id, _milestone_activity_id(u))  # noqa: E731
        fragments.retire_on_change(models.ProgressUpdate, fragments.PROGRESS, scopes={PROGRESS_SCOPE: in_both})
        accepted = lambda u: ACCEPTED in (u.review_state, getattr(u, "_loaded_review_state", None))  # noqa: E731
        fragments.retire_on_change(models.ProgressUpdate, fragments.ACCEPTED, scopes={SCOPE: in_both}, when=accepted)
        fragments.retire_on_change(models.EvidenceFile, fragments.PROGRESS)
        fragments.retire_on_change(models.Contribution, fragments.CONTRIBUTIONS, scopes={
            CONTRIBUTION_SCOPE: lambda c: (c.pk,),
            RECORD_SCOPE: lambda c: (c.activity_id, getattr(c, "_loaded_activity_id", None))})


def _milestone_activity_id(update):
    """The activity its milestone is in now: a milestone moved to another activity keeps its updates (filed under
    the first), and its health, shown in the other's table, is read from them."""
    if update.milestone_id is None:
        return None
    from .models import Milestone

    return Milestone.objects.filter(pk=update.milestone_id).values_list("activity_id", flat=True).first()


def _milestone_shown_in(milestone):
    """The activities whose fragments name a milestone: the one it is in, the one it was read in (moved), and those
    its progress updates were filed under (an update stays under the activity it was filed under when its
    milestone moves; the progress lists and review rows name the milestone)."""
    from .models import ProgressUpdate

    filed_under = (ProgressUpdate.objects.filter(milestone_id=milestone.pk).exclude(activity_id=milestone.activity_id)
                   .values_list("activity_id", flat=True).distinct()) if milestone.pk else []
    return (milestone.activity_id, getattr(milestone, "_loaded_activity_id", None), *filed_under)
