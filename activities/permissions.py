"""Who may do what to which object in the work tables (django-rules predicates).

Views, templates and querysets all ask these: a rule is written once, here.
"""
from dataclasses import dataclass

import rules

from accomplishments.selectors import closed_plan_ids
from emgplan.roles import has_role, is_focal_point, is_lead, is_secretariat


def lead_body_ids(user) -> frozenset:
    """Ids of the bodies the user leads; read once per request (cached on the user object)."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_emg_lead_body_ids"):
        user._emg_lead_body_ids = frozenset(user.lead_bodies.values_list("pk", flat=True))
    return user._emg_lead_body_ids


def focal_member_ids(user) -> frozenset:
    """Ids of the members the user is a focal point of; read once per request."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_emg_focal_member_ids"):
        user._emg_focal_member_ids = frozenset(user.focal_for.values_list("pk", flat=True))
    return user._emg_focal_member_ids


@rules.predicate
def leads_activity(user, activity):
    """The user leads the body that leads this activity."""
    return activity is not None and activity.lead_body_id in lead_body_ids(user)


@rules.predicate
def leads_milestone(user, milestone):
    return milestone is not None and leads_activity(user, milestone.activity)


@rules.predicate
def leads_update_target(user, update):
    return update is not None and leads_activity(user, update.activity)


@rules.predicate
def is_author(user, update):
    return update is not None and update.author_id == user.pk


def review_state_is(state):
    """A predicate: the update is in this review state."""

    @rules.predicate(f"review_state_is_{state}")
    def predicate(user, update):
        return update is not None and update.review_state == state

    return predicate


is_accepted = review_state_is("accepted")
is_draft = review_state_is("draft")
is_submitted = review_state_is("submitted")
is_returned = review_state_is("returned")


@rules.predicate
def is_focal_point_of(user, contribution):
    return contribution is not None and contribution.member_id in focal_member_ids(user)


def _plan_id(obj):
    """The id of the plan the object belongs to, through relations the views already load (no query when
    the page selected the activity's accomplishment)."""
    if hasattr(obj, "work_plan_id"):  # an expected accomplishment
        return obj.work_plan_id
    activity = obj if hasattr(obj, "accomplishment_id") else getattr(obj, "activity", None)
    return activity.accomplishment.work_plan_id if activity is not None else None


@rules.predicate
def plan_is_open(user, obj):
    """The object's plan is not closed (a closed plan is a read-only record); true without an object."""
    if obj is None:
        return True
    return _plan_id(obj) not in closed_plan_ids(user)


is_reader = rules.is_authenticated & has_role

# Reading the plan and accepted progress: every role.
rules.add_perm("activities.view_plan", is_reader)
# Keeping the plan (create, edit, reorder, delete; meetings, members, lead bodies): the secretariat.
rules.add_perm("activities.manage_plan", is_secretariat & plan_is_open)
# Moving a milestone's status: the secretariat, or a lead of the body that leads it.
rules.add_perm("activities.set_milestone_status", plan_is_open & (is_secretariat | (is_reader & leads_milestone)))
# Progress: leads file on their own activities and milestones.
rules.add_perm("activities.file_progress", plan_is_open & (is_secretariat | (is_reader & leads_activity)))
# Drafts are seen only by their author and the secretariat; submitted and returned ones also by
# the body's leads; accepted ones by everyone.
rules.add_perm(
    "activities.view_update",
    is_secretariat | (is_reader & (is_accepted | is_author | (leads_update_target & ~is_draft))),
)
# Writing to one's own update needs the right to file on its target *now*: authorship alone would
# let a lead moved to another role keep editing and submitting (the drafts stay, for the secretariat).
files_on_update_target = is_secretariat | (is_reader & is_lead & leads_update_target)
rules.add_perm("activities.edit_update", plan_is_open & is_author & is_draft & files_on_update_target)
rules.add_perm("activities.submit_update", plan_is_open & is_author & is_draft & files_on_update_target)
rules.add_perm("activities.revise_update", plan_is_open & is_author & is_returned & files_on_update_target)
rules.add_perm("activities.review_update", plan_is_open & is_secretariat & is_submitted)
rules.add_perm("activities.review_queue", is_secretariat)
rules.add_perm("activities.my_work", is_reader & is_lead)
# Contributions: everyone reads; focal points record their own member's; the secretariat any.
rules.add_perm("activities.view_contribution", is_reader)
rules.add_perm("activities.add_contribution", is_secretariat | (is_reader & is_focal_point))
rules.add_perm("activities.change_contribution", plan_is_open & (is_secretariat | (is_reader & is_focal_point_of)))


@dataclass(frozen=True)
class Rights:
    """What one user may do to the rows of one page, decided once for the page: ids of activities.

    A row asks `{% if m.activity_id in rights.status %}`: a set lookup, no rule and no query per row. Anything
    missing means no: a template given no rights shows no controls. The views still check the rule on each action.
    """

    status: frozenset = frozenset()  # activities.set_milestone_status on the activity's milestones
    progress: frozenset = frozenset()  # activities.file_progress on the activity
    manage: frozenset = frozenset()  # activities.manage_plan on the activity and its milestones


def rights_on(user, activities) -> Rights:
    """The rules above for many activities at once (with their accomplishment loaded), in no query: the roles,
    the bodies the user leads and the closed plans are each read once per request and kept on the user.

    It restates set_milestone_status, file_progress and manage_plan for an activity and its milestones, whose
    rules read only the activity's lead body and its plan; test_permissions checks it against the rules for every
    role and every milestone.
    """
    closed = closed_plan_ids(user)
    in_open_plan = [a for a in activities if a.accomplishment.work_plan_id not in closed]
    if is_secretariat.test(user):
        every = frozenset(a.pk for a in in_open_plan)
        return Rights(status=every, progress=every, manage=every)
    if not is_reader.test(user):
        return Rights()
    mine = lead_body_ids(user)
    led = frozenset(a.pk for a in in_open_plan if a.lead_body_id in mine)
    return Rights(status=led, progress=led)
