"""Who may see and change the frame of the plan."""
import rules

from emgplan.roles import has_role, is_secretariat

rules.add_perm("accomplishments.view_plan", rules.is_authenticated & has_role)
rules.add_perm("accomplishments.manage_plan", is_secretariat)
rules.add_perm("accomplishments.manage_users", is_secretariat)
