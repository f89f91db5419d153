"""Who may do what with decisions and progress on actions (django-rules predicates).

As for the plan: everyone with a role reads; the secretariat records and edits decisions and reviews
progress; the leads of an action's lead body report on it.
"""
import rules

from activities.permissions import is_reader, lead_body_ids
from emgplan.roles import is_lead, is_secretariat


@rules.predicate
def leads_action(user, decision):
    return decision is not None and decision.lead_body_id is not None and decision.lead_body_id in lead_body_ids(user)


@rules.predicate
def is_confirmed_action(user, decision):
    return decision is not None and decision.kind == "action" and decision.state == "confirmed"


@rules.predicate
def is_confirmed(user, decision):
    return decision is not None and decision.state == "confirmed"


@rules.predicate
def is_draft_decision(user, decision):
    return decision is not None and decision.state == "draft"


@rules.predicate
def leads_update_action(user, update):
    return update is not None and leads_action(user, update.decision)


@rules.predicate
def is_author(user, update):
    return update is not None and update.author_id == user.pk


def _state(name):
    @rules.predicate(f"action_update_is_{name}")
    def predicate(user, update):
        return update is not None and update.review_state == name

    return predicate


is_draft, is_submitted, is_returned, is_accepted = (_state(s) for s in ("draft", "submitted", "returned", "accepted"))

rules.add_perm("decisions.view_decision", is_reader & (is_secretariat | is_confirmed))
rules.add_perm("decisions.manage_decisions", is_secretariat)
rules.add_perm("decisions.delete_decision", is_secretariat & is_draft_decision)
rules.add_perm("decisions.report_on_action",
               is_confirmed_action & (is_secretariat | (is_reader & is_lead & leads_action)))
rules.add_perm("decisions.view_action_update",
               is_secretariat | (is_reader & (is_accepted | is_author | (leads_update_action & ~is_draft))))
files_on_action = is_secretariat | (is_reader & is_lead & leads_update_action)
rules.add_perm("decisions.submit_action_update", is_author & is_draft & files_on_action)
rules.add_perm("decisions.revise_action_update", is_author & is_returned & files_on_action)
rules.add_perm("decisions.review_action_update", is_secretariat & is_submitted)
