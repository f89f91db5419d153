"""Who may see and change the frame of the plan."""
import rules

from emgplan.roles import has_role, is_chair, is_secretariat

rules.add_perm("accomplishments.view_plan", rules.is_authenticated & has_role)
rules.add_perm("accomplishments.manage_plan", is_secretariat)
rules.add_perm("accomplishments.manage_users", is_secretariat)
# A plan's life: the secretariat records its adoption and closes it; the Chair (or the secretariat) records the
# yearly approval.
rules.add_perm("accomplishments.adopt_plan", is_secretariat)
rules.add_perm("accomplishments.close_plan", is_secretariat)
rules.add_perm("accomplishments.approve_plan", is_secretariat | is_chair)
