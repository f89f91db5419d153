from emgplan.tests.matrix import EVERYONE, Rule

RULES = [
    Rule("accomplishments:overview", EVERYONE),
]
