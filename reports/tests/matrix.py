import datetime

from emgplan.tests.matrix import EVERYONE, Rule

REQUESTERS = {"chair", "secretariat"}


def _report(scope, state="ready"):
    from django.core.files.base import ContentFile

    from accomplishments.models import Meeting, WorkPlan
    from reports.models import Report

    def make():
        report = Report.objects.create(
            work_plan=WorkPlan.objects.get(symbol="EMG/SOM.19/03/Rev.1"), kind="som",
            meeting=Meeting.objects.get(code="SOM20"), as_of=datetime.date(2014, 9, 1), symbol="EMG/SOM.20/3",
            issued_on=datetime.date(2014, 9, 1), requested_by=scope.users["chair"], state=state,
            failure_reason="A renderer failed." if state == "failed" else "",
            snapshot={"symbol": "EMG/SOM.20/3"} if state == "ready" else None,
        )
        if state == "ready":
            report.pdf.save(f"reports/{report.uuid}/EMG-SOM-20-3.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
        return report

    return scope._once(("report", state), make)


def _other(scope):
    """A second ready report of the same kind, to compare with."""
    from accomplishments.models import Meeting, WorkPlan
    from reports.models import Report

    return scope._once(("report", "other"), lambda: Report.objects.create(
        work_plan=WorkPlan.objects.get(symbol="EMG/SOM.19/03/Rev.1"), kind="som",
        meeting=Meeting.objects.get(code="SOM20"), as_of=datetime.date(2014, 6, 1), symbol="EMG/SOM.20/INF.1",
        issued_on=datetime.date(2014, 6, 1), state="ready", snapshot={"symbol": "EMG/SOM.20/INF.1"}))


def _request(scope):
    from accomplishments.models import Meeting

    return {"kind": "som", "meeting": Meeting.objects.get(code="SOM20").pk, "as_of": "2014-09-01",
            "symbol": "EMG/SOM.20/3"}


def _posting_is_refused(url_name, args=lambda s: [], readers=EVERYONE):
    """A read-only URL answers POST with 405 to those who may read it."""
    return Rule(url_name, set(), method="POST", args=args, expect={role: 405 for role in readers})


RULES = [
    Rule("reports:list", EVERYONE),
    _posting_is_refused("reports:list"),
    Rule("reports:create", REQUESTERS),
    Rule("reports:create", REQUESTERS, method="POST", data=_request),
    Rule("reports:detail", EVERYONE, args=lambda s: [_report(s).pk]),
    _posting_is_refused("reports:detail", args=lambda s: [_report(s).pk]),
    Rule("reports:status", EVERYONE, args=lambda s: [_report(s, "running").pk]),
    _posting_is_refused("reports:status", args=lambda s: [_report(s, "running").pk]),
    Rule("reports:download", EVERYONE, args=lambda s: [_report(s).pk, "pdf"]),
    _posting_is_refused("reports:download", args=lambda s: [_report(s).pk, "pdf"]),
    Rule("reports:compare", EVERYONE, args=lambda s: [_report(s).pk]),
    _posting_is_refused("reports:compare", args=lambda s: [_report(s).pk]),
    Rule("reports:compare-docx", EVERYONE, args=lambda s: [_report(s).pk], query=lambda s: f"with={_other(s).pk}"),
    _posting_is_refused("reports:compare-docx", args=lambda s: [_report(s).pk]),
    Rule("reports:symbol-suggest", REQUESTERS, query="kind=som&meeting=1"),
    _posting_is_refused("reports:symbol-suggest", readers=REQUESTERS),
    Rule("reports:workers", {"secretariat"}),
    _posting_is_refused("reports:workers", readers={"secretariat"}),
    Rule("reports:revise", REQUESTERS, args=lambda s: [_report(s).pk]),
    Rule("reports:revise", REQUESTERS, method="POST", args=lambda s: [_report(s).pk],
         data=lambda s: {"issued_on": "2014-09-20"}),
    Rule("reports:retry", REQUESTERS, method="POST", args=lambda s: [_report(s, "failed").pk]),
    Rule("reports:retry", set(), args=lambda s: [_report(s, "failed").pk],
         expect={role: 405 for role in REQUESTERS}, note="GET"),
]


def _with_actions(scope):
    from accomplishments.models import Meeting, WorkPlan
    from reports.models import Report

    return scope._once(("report", "actions"), lambda: Report.objects.create(
        work_plan=WorkPlan.objects.get(symbol="EMG/SOM.19/03/Rev.1"), kind="som",
        meeting=Meeting.objects.get(code="SOM20"), as_of=datetime.date(2014, 9, 1), symbol="EMG/SOM.20/4",
        issued_on=datetime.date(2014, 9, 1), state="ready", suggested_actions="Take note.\n\nRequest a study."))


RULES += [
    # Turning a SOM report's suggested actions into the actions the meeting approved: the secretariat.
    Rule("reports:decisions", {"secretariat"}, args=lambda s: [_with_actions(s).pk]),
    Rule("reports:decisions", {"secretariat"}, method="POST", args=lambda s: [_with_actions(s).pk]),
]
