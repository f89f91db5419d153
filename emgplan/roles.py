"""The roles of DESIGN.md as Django groups. Links to lead bodies and members carry the scope."""
import rules

SECRETARIAT = "secretariat"
CHAIR = "chair"
LEAD = "lead"
FOCAL_POINT = "focal_point"
VIEWER = "viewer"

ROLES = {
    SECRETARIAT: "Secretariat",
    CHAIR: "Chair",
    LEAD: "Lead of a lead body",
    FOCAL_POINT: "Member focal point",
    VIEWER: "Viewer",
}

is_secretariat = rules.is_superuser | rules.is_group_member(SECRETARIAT)
is_chair = rules.is_group_member(CHAIR)
is_lead = rules.is_group_member(LEAD)
is_focal_point = rules.is_group_member(FOCAL_POINT)
is_viewer = rules.is_group_member(VIEWER)
has_role = is_secretariat | is_chair | is_lead | is_focal_point | is_viewer
