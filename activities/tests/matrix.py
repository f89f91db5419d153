from emgplan.tests.matrix import EVERYONE, Rule

RULES = [
    Rule("activities:activity-detail", EVERYONE, args=lambda s: [s.activity("A.1").pk]),
]
