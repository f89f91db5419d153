from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = "Decisions and mandates"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete

        from activities.models import Milestone
        from emgplan import fragments

        from . import permissions, work  # noqa: F401  (registers the rules and the app's work source)
        from .models import Decision

        # Shared fragments showing decisions or what they mandate (the milestone list's "Mandated by" filter and
        # the rows it selects) are retired by any change to a decision, to what it mandates (m2m_changed: no
        # post_save), and by a deleted milestone (its mandates go with it, by cascade: no signal either).
        fragments.retire_on_change(Decision, fragments.DECISIONS)

        def mandates_changed(action, **kwargs):
            if action in ("post_add", "post_remove", "post_clear"):
                fragments.retire(fragments.DECISIONS)

        for through in (Decision.activities.through, Decision.milestones.through):
            m2m_changed.connect(mandates_changed, sender=through, weak=False,
                                dispatch_uid=f"fragments-mandates-{through._meta.label}")
        post_delete.connect(lambda **kwargs: fragments.retire(fragments.DECISIONS), sender=Milestone, weak=False,
                            dispatch_uid="fragments-mandates-milestone-deleted")
