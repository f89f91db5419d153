"""Who may read the plan at a glance: every signed-in user with a role (DESIGN.md, "who may do what")."""
import rules

from emgplan.roles import has_role

rules.add_perm("overview.view_overview", rules.is_authenticated & has_role)
