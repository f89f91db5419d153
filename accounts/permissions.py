import rules

from emgplan.roles import is_secretariat

rules.add_perm("accounts.manage_users", is_secretariat)
rules.add_perm("accounts.own_profile", rules.is_authenticated)
