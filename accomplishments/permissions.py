"""Who may see and change the frame of the plan."""
import rules

from emgplan.roles import has_role

rules.add_perm("accomplishments.view_plan", rules.is_authenticated & has_role)
