import datetime

from emgplan.tests.matrix import EVERYONE, SECRETARIAT, Rule, get_and_post


def _cycle(scope):
    from accomplishments.models import Meeting, WorkPlan
    from cycles.models import ReportingCycle

    return scope._once("cycle", lambda: ReportingCycle.objects.create(
        work_plan=WorkPlan.objects.get(symbol="EMG/SOM.19/03/Rev.1"), meeting=Meeting.objects.get(code="SOM20"),
        period_start=datetime.date(2014, 1, 1), cut_off=datetime.date(2014, 8, 29),
        review_deadline=datetime.date(2014, 9, 12), opened_by=scope.users["secretariat"]))


def _cycle_data(scope):
    from accomplishments.models import Meeting, WorkPlan

    return {"work_plan": WorkPlan.objects.get(symbol="EMG/SOM.19/03/Rev.1").pk,
            "meeting": Meeting.objects.get(code="UNEA-1").pk, "period_start": "2014-01-01",
            "cut_off": "2014-05-30", "review_deadline": "2014-06-13"}


RULES = [
    Rule("cycles:cycle-list", EVERYONE),
    Rule("cycles:cycle-detail", EVERYONE, args=lambda s: [_cycle(s).pk]),
    Rule("cycles:cycle-detail", EVERYONE, args=lambda s: [_cycle(s).pk], query="state=missing", note="missing"),
    *get_and_post("cycles:cycle-create", SECRETARIAT, data=_cycle_data),
    *get_and_post("cycles:cycle-edit", SECRETARIAT, args=lambda s: [_cycle(s).pk], data=_cycle_data),
    *get_and_post("cycles:cycle-close", SECRETARIAT, args=lambda s: [_cycle(s).pk]),
]
