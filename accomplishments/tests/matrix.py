from emgplan.tests.matrix import EVERYONE, SECRETARIAT, Rule, get_and_post, post_only


def draft_plan(s):
    """The proposed 2016–2017 plan, a draft."""
    from accomplishments.models import WorkPlan

    return s._once("draft_plan", lambda: WorkPlan.objects.create(
        title="EMG work plan 2016–2017", symbol="EMG/SOM.21/03", first_year=2016, last_year=2017))


def seed(s):
    from accomplishments.models import WorkPlan

    return WorkPlan.objects.get(symbol="EMG/SOM.19/03/Rev.1")


def meeting(s):
    from accomplishments.models import Meeting

    return {"meeting": Meeting.objects.get(code="SOM21").pk}


RULES = [
    Rule("activities:plan", EVERYONE),
    *get_and_post("accomplishments:accomplishment-create", SECRETARIAT),
    *get_and_post("accomplishments:accomplishment-edit", SECRETARIAT,
                  args=lambda s: [s.activity("A.1").accomplishment_id]),
    *post_only("accomplishments:accomplishment-move", SECRETARIAT,
               args=lambda s: [s.activity("B.1").accomplishment_id, "up"]),
    Rule("accomplishments:workplan-list", EVERYONE),
    *get_and_post("accomplishments:workplan-adopt", SECRETARIAT, args=lambda s: [draft_plan(s).pk], data=meeting),
    *get_and_post("accomplishments:workplan-reapprove", SECRETARIAT | {"chair"}, args=lambda s: [seed(s).pk],
                  data=lambda s: {**meeting(s), "year": 2015}),
    # Closing the current plan is refused on the form (200, nothing changed): the rule is who may ask.
    *get_and_post("accomplishments:workplan-close", SECRETARIAT, args=lambda s: [seed(s).pk]),
    Rule("accomplishments:meeting-list", EVERYONE),
    *get_and_post("accomplishments:meeting-create", SECRETARIAT),
    *get_and_post("accomplishments:meeting-edit", SECRETARIAT, args=lambda s: [s.fresh("meeting").pk]),
    *get_and_post("accomplishments:meeting-delete", SECRETARIAT, args=lambda s: [s.fresh("meeting").pk]),
    Rule("accomplishments:member-list", EVERYONE),
    *get_and_post("accomplishments:member-create", SECRETARIAT),
    *get_and_post("accomplishments:member-edit", SECRETARIAT, args=lambda s: [s.fresh("member").pk]),
    *get_and_post("accomplishments:member-delete", SECRETARIAT, args=lambda s: [s.fresh("member").pk]),
]
