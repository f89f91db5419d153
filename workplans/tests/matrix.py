from emgplan.tests.matrix import SECRETARIAT, SIGNED_IN, Rule


def _seed_plan_pk(scope):
    from accomplishments.models import WorkPlan

    return [WorkPlan.objects.get(symbol="EMG/SOM.19/03/Rev.1").pk]


RULES = [
    # A POST without a document re-shows the form with its error (400): the role check comes first.
    Rule("workplans:import", SECRETARIAT),
    Rule("workplans:import", SECRETARIAT, method="POST", expect={"secretariat": 400}),
    Rule("workplans:import-done", SECRETARIAT, args=_seed_plan_pk),
    Rule("workplans:document", SIGNED_IN, args=_seed_plan_pk),
]
