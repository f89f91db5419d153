"""Permission rules of decisions: everyone reads confirmed ones; the secretariat records, edits and reviews;
the lead of an action's body reports on it (the Green Economy lead is tried on a biodiversity action)."""
from emgplan.tests.matrix import EVERYONE, SECRETARIAT, Rule, get_and_post, post_only

SEC_BIO = {"secretariat", "biodiversity-lead"}
BIO = {"biodiversity-lead"}
UNSEEN = {role: 404 for role in EVERYONE - SEC_BIO}


def _action(s):
    from decisions.tests.factories import som20_action

    return s._once(("decision-action",), lambda: som20_action(1))


def _draft(s):
    from decisions.tests.factories import som20_action

    return s._once(("decision-draft",), lambda: som20_action(9, state="draft"))


def _update(s, state):
    from decisions.tests.factories import action_update

    return s._once(("action-update", state), lambda: action_update(
        _action(s), author=s.users["biodiversity-lead"], state=state, reviewer=s.users["secretariat"]))


def _cited(s):
    from decisions.models import Decision

    return Decision.objects.get(reference="CEB decision 5/4/2013")


RULES = [
    Rule("decisions:decision-list", EVERYONE),
    Rule("decisions:decision-detail", EVERYONE, args=lambda s: [_cited(s).pk], note="cited"),
    Rule("decisions:decision-detail", EVERYONE, args=lambda s: [_action(s).pk], note="action"),
    Rule("decisions:decision-detail", SECRETARIAT, args=lambda s: [_draft(s).pk], note="draft"),
    *get_and_post("decisions:decision-create", SECRETARIAT),
    *get_and_post("decisions:decision-edit", SECRETARIAT, args=lambda s: [_cited(s).pk]),
    *post_only("decisions:decision-confirm", SECRETARIAT, args=lambda s: [_draft(s).pk]),
    *get_and_post("decisions:decision-delete", SECRETARIAT, args=lambda s: [_draft(s).pk], note="draft"),
    # A confirmed decision is never deleted, not even by the secretariat.
    *get_and_post("decisions:decision-delete", set(), args=lambda s: [_cited(s).pk], note="confirmed"),
    # Reporting: the lead of the action's body (biodiversity) and the secretariat.
    *get_and_post("decisions:action-update-create", SEC_BIO, args=lambda s: [_action(s).pk]),
    *post_only("decisions:action-update-submit", BIO, args=lambda s: [_update(s, "draft").pk], expect=UNSEEN),
    # Revising a returned update: its author, while they lead the action's body.
    *get_and_post("decisions:action-update-revise", BIO, args=lambda s: [_update(s, "returned").pk], expect=UNSEEN),
    *post_only("decisions:action-update-accept", SECRETARIAT, args=lambda s: [_update(s, "submitted").pk],
               expect=UNSEEN),
    *get_and_post("decisions:action-update-return", SECRETARIAT, args=lambda s: [_update(s, "submitted").pk],
                  expect=UNSEEN),
]
