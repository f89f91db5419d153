"""Who may request, read and download reports."""
import rules

from emgplan.roles import has_role, is_chair, is_secretariat

can_request = rules.is_authenticated & (is_chair | is_secretariat)

rules.add_perm("reports.request_report", can_request)
rules.add_perm("reports.view_report", rules.is_authenticated & has_role)
rules.add_perm("reports.view_workers", rules.is_authenticated & is_secretariat)
