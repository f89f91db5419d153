"""Permission rules of the work tables, with objects inside and outside each role's scope.

The Green Economy lead is tried against a biodiversity milestone, the UNIDO focal point against a
WMO contribution; progress updates a role may not see are 404, actions it may not take are 403.
"""
from emgplan.tests.matrix import EVERYONE, SECRETARIAT, Rule, get_and_post, post_only

SEC_BIO = {"secretariat", "biodiversity-lead"}
SEC_GE = {"secretariat", "greeneconomy-lead"}
SEC_UNIDO = {"secretariat", "unido-focal"}
BIO = {"biodiversity-lead"}
# Roles that cannot see a draft, submitted or returned update of the biodiversity lead.
UNSEEN = {role: 404 for role in EVERYONE - SEC_BIO}


def a1a(s):
    return f"milestone={s.milestone('A.1').pk}"


def draft(s):
    return [s.update(state="draft").pk]


def submitted(s):
    return [s.update(state="submitted").pk]


def returned(s):
    return [s.update(state="returned").pk]


def accepted(s):
    return [s.update(state="accepted").pk]


def _draft_plan(s):
    from accomplishments.tests.matrix import draft_plan

    return draft_plan(s)


RULES = [
    # Keeping the plan: the secretariat.
    *get_and_post("activities:activity-create", SECRETARIAT),
    Rule("activities:activity-detail", EVERYONE, args=lambda s: [s.activity("A.1").pk]),
    *get_and_post("activities:activity-edit", SECRETARIAT, args=lambda s: [s.activity("A.1").pk]),
    *get_and_post("activities:activity-delete", SECRETARIAT, args=lambda s: [s.activity("A.3").pk]),
    *post_only("activities:activity-move", SECRETARIAT, args=lambda s: [s.activity("A.2").pk, "up"]),
    *get_and_post("activities:milestone-create", SECRETARIAT, query=lambda s: f"activity={s.activity('A.1').pk}"),
    Rule("activities:milestone-detail", EVERYONE, args=lambda s: [s.milestone("A.1").pk]),
    *get_and_post("activities:milestone-edit", SECRETARIAT, args=lambda s: [s.milestone("A.1").pk]),
    *get_and_post("activities:milestone-delete", SECRETARIAT, args=lambda s: [s.milestone("A.1", "d").pk]),
    *post_only("activities:milestone-move", SECRETARIAT, args=lambda s: [s.milestone("A.1", "b").pk, "up"]),
    # Moving a milestone's status: the body's own lead and the secretariat, nobody else.
    *get_and_post("activities:milestone-status", SEC_BIO, args=lambda s: [s.milestone("A.1").pk], note="A.1(a)"),
    *get_and_post("activities:milestone-status", SEC_GE, args=lambda s: [s.milestone("A.2").pk], note="A.2(a)"),
    # Filing progress: on one's own body's work.
    *get_and_post("activities:update-create", SEC_BIO, query=a1a, note="A.1(a)"),
    *get_and_post("activities:update-create", SEC_GE, query=lambda s: f"activity={s.activity('A.2').pk}",
                  note="A.2"),
    # Seeing updates: accepted ones everyone; the rest the author, the body's leads and the secretariat.
    Rule("activities:update-detail", EVERYONE, args=accepted, note="accepted"),
    Rule("activities:update-detail", SEC_BIO, args=submitted, expect=UNSEEN, note="submitted"),
    Rule("activities:update-detail", SEC_BIO, args=draft, expect=UNSEEN, note="draft"),
    *get_and_post("activities:update-edit", BIO, args=draft, expect=UNSEEN, note="draft"),
    *get_and_post("activities:update-edit", set(), args=submitted, expect=UNSEEN, note="submitted"),
    *post_only("activities:update-submit", BIO, args=draft, expect=UNSEEN),
    *post_only("activities:update-revise", BIO, args=returned, expect=UNSEEN),
    *get_and_post("activities:update-accept", SECRETARIAT, args=submitted, expect=UNSEEN),  # GET: the confirmation
    *get_and_post("activities:update-return", SECRETARIAT, args=submitted, expect=UNSEEN),
    Rule("activities:evidence-download", SEC_BIO, args=lambda s: [s.evidence(s.update(state="submitted")).pk],
         expect=UNSEEN, note="submitted"),
    Rule("activities:evidence-download", EVERYONE, args=lambda s: [s.evidence(s.update(state="accepted")).pk],
         note="accepted"),
    Rule("activities:review-queue", SECRETARIAT),
    Rule("activities:my-work", {"biodiversity-lead", "greeneconomy-lead"}),
    # Contributions: focal points their own member's; the secretariat any.
    Rule("activities:contribution-mine", SEC_UNIDO),
    *get_and_post("activities:contribution-create", SEC_UNIDO),
    Rule("activities:contribution-detail", EVERYONE, args=lambda s: [s.contribution("WMO").pk]),
    *get_and_post("activities:contribution-edit", SEC_UNIDO, args=lambda s: [s.contribution("UNIDO").pk],
                  note="UNIDO"),
    *get_and_post("activities:contribution-edit", SECRETARIAT, args=lambda s: [s.contribution("WMO").pk],
                  note="WMO"),
    *get_and_post("activities:contribution-delete", SEC_UNIDO, args=lambda s: [s.contribution("UNIDO").pk],
                  note="UNIDO"),
    *get_and_post("activities:contribution-delete", SECRETARIAT, args=lambda s: [s.contribution("WMO").pk],
                  note="WMO"),
    # Lead bodies.
    *get_and_post("activities:carry_over", SECRETARIAT, args=lambda s: [_draft_plan(s).pk],
                  data=lambda s: {"milestone": [s.milestone("A.1", "b").pk]}),
    Rule("activities:leadbody-list", EVERYONE),
    *get_and_post("activities:leadbody-create", SECRETARIAT),
    *get_and_post("activities:leadbody-edit", SECRETARIAT, args=lambda s: [s.fresh("leadbody").pk]),
    *get_and_post("activities:leadbody-delete", SECRETARIAT, args=lambda s: [s.fresh("leadbody").pk]),
]
