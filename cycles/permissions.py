"""Who may see and keep reporting cycles."""
import rules

from activities.permissions import is_reader
from emgplan.roles import is_secretariat

rules.add_perm("cycles.view_cycle", is_reader)
rules.add_perm("cycles.manage_cycle", is_secretariat)
