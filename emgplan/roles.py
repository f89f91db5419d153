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



def group_names(user) -> set:
    """The user's group names, read once per request (the user object lives for one request).

    Kept where rules.is_group_member keeps them, so both agree. Every page asks several rules, each
    of which asks the roles: one query and one set lookup each, not a related manager per question.
    """
    names = getattr(user, "_group_names_cache", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._group_names_cache = names
    return names


def in_role(*names):
    """A predicate: the user holds any of these roles."""
    wanted = frozenset(names)

    @rules.predicate(f"in_role:{','.join(sorted(names))}")
    def predicate(user):
        return not wanted.isdisjoint(group_names(user))

    return predicate


is_secretariat = rules.is_superuser | in_role(SECRETARIAT)
is_chair = in_role(CHAIR)
is_lead = in_role(LEAD)
is_focal_point = in_role(FOCAL_POINT)
is_viewer = in_role(VIEWER)
has_role = rules.is_superuser | in_role(*ROLES)
