"""Who may import a plan from its document (the secretariat) and download a plan as its document (any role)."""
import rules

from emgplan.roles import has_role, is_secretariat

rules.add_perm("workplans.import_plan", is_secretariat)
rules.add_perm("workplans.export_plan", rules.is_authenticated & has_role)
