"""Who may do what to which object in the work tables (django-rules predicates)."""
import rules

from emgplan.roles import has_role, is_secretariat  # noqa: F401  (re-exported for querysets)

rules.add_perm("activities.view_plan", rules.is_authenticated & has_role)
