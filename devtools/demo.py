"""Demo users for the embedded default: one per role, with one documented password."""
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from django.db.models import Q

from accomplishments.models import Member
from activities.models import LeadBody
from emgplan import fragments, roles

DEMO_PASSWORD = "emg-demo-2014"

# username: (role, first name, last name, lead body short name or member acronym)
DEMO_USERS = {
    "secretariat": (roles.SECRETARIAT, "Sam", "Secretariat", None),
    "chair": (roles.CHAIR, "Chris", "Chair", None),
    "biodiversity-lead": (roles.LEAD, "Bea", "Biodiversity", "IMG Biodiversity"),
    "greeneconomy-lead": (roles.LEAD, "Gene", "Green-Economy", "IMG Green Economy"),
    "esm-lead": (roles.LEAD, "Esme", "Sustainability", "IMG ESM"),
    "unido-focal": (roles.FOCAL_POINT, "Uma", "UNIDO", "UNIDO"),
    "viewer": (roles.VIEWER, "Vic", "Viewer", None),
}

BACK_OFFICE_APPS = ("accomplishments", "activities", "reports", "auth", "django_celery_beat")
SECRETARIAT_AUTH_PERMISSIONS = ("view_user", "add_user", "change_user", "view_group")


def role_groups_ensure() -> dict[str, Group]:
    """Create the role groups; the secretariat's group gets the admin permissions of the back office."""
    groups = {code: Group.objects.get_or_create(name=code)[0] for code in roles.ROLES}
    # Of `auth`, only seeing and editing user accounts (roles are set in the application): no permission or
    # group editing, so the back office cannot be used to grant rights (accounts/admin.py guards the rest).
    perms = Permission.objects.filter(content_type__app_label__in=BACK_OFFICE_APPS).exclude(
        Q(content_type__app_label="auth") & ~Q(codename__in=SECRETARIAT_AUTH_PERMISSIONS))
    held = set(groups[roles.SECRETARIAT].permissions.values_list("pk", flat=True))
    if held != set(perms.values_list("pk", flat=True)):
        groups[roles.SECRETARIAT].permissions.set(perms)
    return groups


@transaction.atomic
def demo_users_create() -> list[str]:
    """Create or reset the demo users. Safe to repeat. Returns the usernames created."""
    groups = role_groups_ensure()
    created = []
    for username, (role, first, last, scope) in DEMO_USERS.items():
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@emg.example.org"},
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            created.append(username)
        user.is_staff = role == roles.SECRETARIAT
        user.save()
        user.groups.add(groups[role])
        if role == roles.LEAD:
            LeadBody.objects.get(short_name=scope).leads.add(user)
        elif role == roles.FOCAL_POINT:
            Member.objects.get(acronym=scope).focal_points.add(user)
    return created


# Illustrative progress, reviews, status changes and contributions on the seed plan, dated through 2014 like
# the plan they describe, so that a first run shows a living plan and a report as of any date in the plan
# period finds every milestone as it then stood. `make run` opens it on 10 September 2014, just before SOM20:
# the first- and second-quarter updates are accepted (10 April and 15 July), a third-quarter update waits for
# review, a draft is in progress.
Q1, Q2, Q3 = ("2014-01-01", "2014-03-31"), ("2014-04-01", "2014-06-30"), ("2014-07-01", "2014-09-30")
# (activity, milestone label or None for the activity as a whole, period, author, review state,
#  created, submitted, reviewed (accepted), reported status, narrative)
DEMO_UPDATES = [
    ("A.1", "a", Q1, "biodiversity-lead", "accepted", "2014-04-01", "2014-04-03", "2014-04-10", "on_track",
     "The online mapping tool now lists the contributions of twelve agencies to the Aichi Biodiversity "
     "Targets.\n\n"
     "A beta version was shown to focal points on 20 March 2014. They asked for:\n"
     "- a search by strategic goal;\n"
     "- links to each agency's projects at country level;\n"
     "- French and Spanish versions of the interface."),
    ("A.1", "d", Q1, "biodiversity-lead", "accepted", "2014-04-01", "2014-04-03", "2014-04-10", "at_risk",
     "The contribution to the mid-term review depends on inputs from members that have not yet arrived; "
     "the WGRI deadline in June leaves little room."),
    ("A.2", "a", Q1, "greeneconomy-lead", "accepted", "2014-04-02", "2014-04-04", "2014-04-10", "on_track",
     "Stocktaking of green economy toolkits completed for eight agencies; distribution to UNCTs is planned "
     "through the UNDG network."),
    ("C.1", "a", Q1, "esm-lead", "accepted", "2014-04-02", "2014-04-03", "2014-04-10", "completed",
     "The emission inventory guidance was updated and published on Greening the Blue."),
    ("A.1", "a", Q2, "biodiversity-lead", "accepted", "2014-07-01", "2014-07-04", "2014-07-15", "on_track",
     "The search by strategic goal was added and the tool was presented at a side event of UNEA-1.\n\n"
     "Translation of the interface into French and Spanish is under way with the CBD secretariat."),
    ("A.2", "b", Q2, "greeneconomy-lead", "accepted", "2014-07-02", "2014-07-04", "2014-07-15", "on_track",
     "A draft coordination approach was circulated for comment to the IMG members; eleven replied."),
    ("D.1", None, Q2, "secretariat", "accepted", "2014-07-07", "2014-07-08", "2014-07-15", "on_track",
     "UN-DESA agreed to host SOM20 in New York on 25 September 2014; the provisional agenda was circulated to "
     "EMG members on 10 July."),
    ("A.1", "d", Q3, "biodiversity-lead", "submitted", "2014-09-03", "2014-09-05", None, "on_track",
     "The members' inputs arrived in August; the contribution to the mid-term review was sent to the CBD "
     "secretariat on 1 September."),
    ("C.1", "b", Q3, "esm-lead", "draft", "2014-09-08", None, None, "on_track",
     "Draft, not yet submitted: notes on the scorecard building blocks."),
]
# Statuses the secretariat set without an update: (activity, milestone label, status, date).
DEMO_STATUSES = [("B.2", "a", "delayed", "2014-07-15")]
# (member, activity, kind, year, staff days, USD, [(state, date recorded or changed, by), ...], note)
DEMO_CONTRIBUTIONS = [
    ("UNIDO", "B.2", "in_kind", 2014, 10, 15000,
     [("pledged", "2014-01-30", "unido-focal"), ("reported", "2014-06-10", "unido-focal")],
     "Hosting of the peer-review mission and two experts."),
    ("UNEP", "D.1", "time", 2014, 60, None,
     [("pledged", "2014-02-14", "secretariat"), ("reported", "2014-07-31", "secretariat")],
     "Secretariat staff time for the preparation of SOM20."),
    ("UNEP", "C.1", "financial", 2014, None, 50000,
     [("budgeted", "2014-03-10", "secretariat"), ("programmed", "2014-05-20", "secretariat")],
     "Greening the Blue: inventory tool and helpdesk."),
    ("CBD", "A.1", "time", 2014, 30, None,
     [("programmed", "2014-03-20", "secretariat"), ("reported", "2014-08-29", "secretariat")],
     "Staff time for the mapping tool."),
    ("UNDP", "A.2", "time", 2014, 25, None, [("pledged", "2014-04-22", "secretariat")],
     "Country office staff for the toolkit distribution."),
    ("WMO", "B.2", "travel", 2014, None, 8000, [("budgeted", "2014-05-05", "secretariat")],
     "Travel of the peer reviewers."),
    ("CBD", "A.1", "travel", 2015, None, 12000, [("pledged", "2014-08-20", "secretariat")],
     "Travel for the 2015 review of the mapping tool."),
]


def _at(day: str, hour: int = 12):
    import datetime

    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour), datetime.UTC)


def _save_dated(instance, *, when, by, reason: str) -> None:
    """Save with a history record dated `when` (the demo stands for the past: its history says when)."""
    instance._history_date = when
    instance._history_user = by
    instance._change_reason = reason
    instance.save()


@transaction.atomic
def demo_progress_create() -> int:
    """Add the demo's progress, reviews, status changes and contributions to the seed plan, once.

    Runs only while the plan has no progress update and no contribution: a rerun (as `make run` does every
    time) never re-applies a status or rewrites anything a user changed. Every row is written with history
    dated when the demo says it happened. Returns the number of rows created.
    """
    import datetime

    from accomplishments.models import WorkPlan
    from activities.models import Activity, Contribution, Milestone, ProgressUpdate

    plan = WorkPlan.objects.filter(symbol="EMG/SOM.19/03/Rev.1").first()
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERS)}
    if plan is None or "secretariat" not in users:
        return 0
    in_plan = {"activity__accomplishment__work_plan": plan}
    if ProgressUpdate.objects.filter(**in_plan).exists() or Contribution.objects.filter(**in_plan).exists():
        return 0
    secretariat = users["secretariat"]

    def activity(code):
        letter, number = code.split(".")
        return Activity.objects.get(accomplishment__work_plan=plan, accomplishment__code=letter, number=int(number))

    def milestone(code, label):
        return Milestone.objects.get(activity=activity(code), parent=None, label=label)

    def set_status(m, status, *, when, reason):
        m.status = status
        m.completed_on = when.date() if status == Milestone.Status.COMPLETED else None
        m.version += 1
        _save_dated(m, when=when, by=secretariat, reason=reason)

    created = 0
    for code, label, (start, end), author, state, made, submitted, reviewed, status, narrative in DEMO_UPDATES:
        m = milestone(code, label) if label else None
        update = ProgressUpdate(
            activity=m.activity if m else activity(code), milestone=m, author=users[author],
            period_start=datetime.date.fromisoformat(start), period_end=datetime.date.fromisoformat(end),
            reported_status=status, narrative=narrative, review_state="draft",
        )
        _save_dated(update, when=_at(made, 9), by=users[author], reason="Drafted")
        if state in ("submitted", "accepted"):
            update.review_state, update.submitted_at = "submitted", _at(submitted, 10)
            _save_dated(update, when=update.submitted_at, by=users[author], reason="Submitted for review")
        if state == "accepted":
            update.review_state, update.reviewer, update.reviewed_at = "accepted", secretariat, _at(reviewed, 11)
            _save_dated(update, when=update.reviewed_at, by=secretariat, reason="Accepted")
            if m is not None and m.status != status:
                set_status(m, status, when=_at(reviewed, 11) + datetime.timedelta(minutes=1),
                           reason="Status from the accepted progress update")
        # created_at and updated_at are stamped by the database clock: date them like their history.
        ProgressUpdate.objects.filter(pk=update.pk).update(
            created_at=_at(made, 9), updated_at=update.reviewed_at or update.submitted_at or _at(made, 9))
        fragments.retire(fragments.PROGRESS, fragments.ACCEPTED)  # QuerySet.update sends no signal
        created += 1
    for code, label, status, day in DEMO_STATUSES:
        set_status(milestone(code, label), status, when=_at(day, 15), reason="Status set by the secretariat")
    members = {m.acronym: m for m in Member.objects.filter(acronym__in={row[0] for row in DEMO_CONTRIBUTIONS})}
    for acronym, code, kind, year, days, usd, states, note in DEMO_CONTRIBUTIONS:
        (first_state, first_day, first_by), *changes = states
        contribution = Contribution(member=members[acronym], activity=activity(code), kind=kind, year=year,
                                    staff_days=days, amount_usd=usd, state=first_state, note=note,
                                    created_by=users[first_by])
        _save_dated(contribution, when=_at(first_day, 14), by=users[first_by], reason="Recorded")
        for state, day, by in changes:
            contribution.state = state
            contribution.version += 1
            _save_dated(contribution, when=_at(day, 14), by=users[by], reason=f"Now {state}")
        created += 1
    return created


# The SOM20 progress report as the Chair requested it before the meeting, with the action points the secretariat
# suggested to the senior officials (illustrative wording, after the plan's milestones due to SOM20 and SOM21).
# After SOM20 the secretariat records from it the actions the meeting approved (Reports → the report → "Record the
# actions the meeting approved"); leads report on them and the SOM21 report follows them up.
DEMO_SOM20_REPORT = {
    "meeting": "SOM20", "as_of": "2014-09-05", "issued_on": "2014-09-05",
    "agenda_item": "Item 3: Progress in the implementation of the EMG work plan 2014–2015",
    "suggested_actions": [
        "Take note of the progress made in implementing the EMG work plan 2014–2015 and welcome the UN system "
        "contribution to the mid-term review of the Aichi Biodiversity Targets prepared by the IMG on biodiversity.",
        "Request the IMG on biodiversity to present the online mapping tool of the UN system's contributions to the "
        "Aichi Biodiversity Targets at CBD COP 12 and to report on its use to SOM21.",
        "Request the IMG on Green Economy to finalize the system-wide coordination approach on Green Economy and to "
        "report to SOM21.",
        "Request the IMG on Environmental Sustainability Management to publish the common EMS scorecard on the "
        "Greening the Blue community and to report on members' progress against it to SOM21.",
        "Request the secretariat to prepare, in consultation with the members, the work plan 2016–2017 for "
        "consideration by SOM21.",
    ],
}


def demo_som20_report_create():
    """Request the SOM20 progress report with its suggested actions, once: while the plan has no SOM20 report.

    Goes through the reports' service as the Chair would, so the report is compiled by the job (in-process in the
    embedded default, after the commit). Returns the report, or None when there was nothing to do (no plan, no
    demo users, a report already there, or a today before the report's date).
    """
    import datetime

    from accomplishments.models import Meeting, WorkPlan
    from emgplan import clock
    from reports.forms import symbol_suggest
    from reports.models import Report
    from reports.services import report_request

    spec = DEMO_SOM20_REPORT
    plan = WorkPlan.objects.filter(symbol="EMG/SOM.19/03/Rev.1").first()
    meeting = Meeting.objects.filter(code=spec["meeting"]).first()
    chair = User.objects.filter(username="chair").first()
    as_of = datetime.date.fromisoformat(spec["as_of"])
    if plan is None or meeting is None or chair is None or clock.configured_today() < as_of:
        return None
    if Report.objects.filter(work_plan=plan, kind=Report.Kind.SOM, meeting=meeting).exists():
        return None
    with transaction.atomic():
        return report_request(by=chair, plan=plan, kind=Report.Kind.SOM, meeting=meeting, as_of=as_of,
                              symbol=symbol_suggest(meeting, plan=plan),
                              issued_on=datetime.date.fromisoformat(spec["issued_on"]),
                              agenda_item=spec["agenda_item"], suggested_actions="\n\n".join(spec["suggested_actions"]))
