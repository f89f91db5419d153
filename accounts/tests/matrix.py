from emgplan.tests.matrix import ANY_USER, SECRETARIAT, Rule, get_and_post, post_only

RULES = [
    Rule("accounts:user-list", SECRETARIAT),
    *get_and_post("accounts:user-create", SECRETARIAT),
    *get_and_post("accounts:user-roles", SECRETARIAT, args=lambda s: [s.users["viewer"].pk]),
    Rule("accounts:notice-list", ANY_USER),
    *post_only("accounts:notice-read-all", ANY_USER),
    *get_and_post("accounts:profile", ANY_USER),
    *get_and_post("accounts:lockout-list", SECRETARIAT),
    *get_and_post("password_change", ANY_USER),
    Rule("password_change_done", ANY_USER),
]
