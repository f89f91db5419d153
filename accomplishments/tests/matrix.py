from emgplan.tests.matrix import EVERYONE, SECRETARIAT, Rule, get_and_post, post_only

RULES = [
    Rule("activities:plan", EVERYONE),
    *get_and_post("accomplishments:accomplishment-create", SECRETARIAT),
    *get_and_post("accomplishments:accomplishment-edit", SECRETARIAT,
                  args=lambda s: [s.activity("A.1").accomplishment_id]),
    *post_only("accomplishments:accomplishment-move", SECRETARIAT,
               args=lambda s: [s.activity("B.1").accomplishment_id, "up"]),
    Rule("accomplishments:meeting-list", EVERYONE),
    *get_and_post("accomplishments:meeting-create", SECRETARIAT),
    *get_and_post("accomplishments:meeting-edit", SECRETARIAT, args=lambda s: [s.fresh("meeting").pk]),
    *get_and_post("accomplishments:meeting-delete", SECRETARIAT, args=lambda s: [s.fresh("meeting").pk]),
    Rule("accomplishments:member-list", EVERYONE),
    *get_and_post("accomplishments:member-create", SECRETARIAT),
    *get_and_post("accomplishments:member-edit", SECRETARIAT, args=lambda s: [s.fresh("member").pk]),
    *get_and_post("accomplishments:member-delete", SECRETARIAT, args=lambda s: [s.fresh("member").pk]),
]
