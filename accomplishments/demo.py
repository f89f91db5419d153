"""Demo users for the embedded default: one per role, with one documented password."""
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from django.db.models import Q

from activities.models import LeadBody
from emgplan import roles
from emgplan.plan_cache import plan_changed

from .models import Member

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


# Illustrative progress and contributions on the seed plan, so that a first run shows a living plan.
# (activity, milestone label, period start, period end, author, review state, reported status, narrative)
DEMO_UPDATES = [
    ("A.1", "a", "2014-01-01", "2014-03-31", "biodiversity-lead", "accepted", "on_track",
     "The online mapping tool now lists the contributions of twelve agencies to the Aichi Biodiversity "
     "Targets; a beta version was shown to focal points, who asked for a search by strategic goal."),
    ("A.1", "d", "2014-01-01", "2014-03-31", "biodiversity-lead", "accepted", "at_risk",
     "The contribution to the mid-term review depends on inputs from members that have not yet arrived; "
     "the WGRI deadline in June leaves little room."),
    ("A.2", "a", "2014-01-01", "2014-03-31", "greeneconomy-lead", "accepted", "on_track",
     "Stocktaking of green economy toolkits completed for eight agencies; distribution to UNCTs is planned "
     "through the UNDG network."),
    ("C.1", "a", "2014-01-01", "2014-03-31", "esm-lead", "accepted", "completed",
     "The emission inventory guidance was updated and published on Greening the Blue."),
    ("A.2", "b", "2014-04-01", "2014-05-31", "greeneconomy-lead", "submitted", "on_track",
     "A draft coordination approach was circulated for comment to the IMG members."),
    ("C.1", "b", "2014-04-01", "2014-05-31", "esm-lead", "draft", "on_track",
     "Draft, not yet submitted: notes on the scorecard building blocks."),
]
# Statuses moved by the secretariat after the accepted updates above (only from "not started").
DEMO_STATUSES = [("A.1", "a", "on_track"), ("A.1", "d", "at_risk"), ("A.2", "a", "on_track"),
                 ("C.1", "a", "completed"), ("A.2", "b", "on_track"), ("B.2", "a", "delayed")]
# (member, activity, kind, year, staff days, USD, state)
DEMO_CONTRIBUTIONS = [
    ("UNEP", "D.1", "time", 2014, 60, None, "reported"),
    ("UNEP", "C.1", "financial", 2014, None, 50000, "programmed"),
    ("UNDP", "A.2", "time", 2014, 25, None, "pledged"),
    ("UNIDO", "B.2", "in_kind", 2014, 10, 15000, "reported"),
    ("WMO", "B.2", "travel", 2014, None, 8000, "budgeted"),
    ("CBD", "A.1", "time", 2014, 30, None, "reported"),
    ("CBD", "A.1", "travel", 2015, None, 12000, "pledged"),
]


@transaction.atomic
def demo_progress_create() -> int:
    """Add the illustrative progress updates and contributions to the seed plan. Safe to repeat.

    Rows are written with the ORM directly (no review workflow, no history): they stand for the past.
    Returns the number of rows created.
    """
    import datetime

    from accomplishments.models import WorkPlan
    from activities.models import Activity, Contribution, Milestone, ProgressUpdate

    plan = WorkPlan.objects.filter(symbol="EMG/SOM.19/03/Rev.1").first()
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERS)}
    if plan is None or "secretariat" not in users:
        return 0

    def activity(code):
        letter, number = code.split(".")
        return Activity.objects.get(accomplishment__work_plan=plan, accomplishment__code=letter, number=int(number))

    def milestone(code, label):
        return Milestone.objects.get(activity=activity(code), parent=None, label=label)

    created = 0
    for code, label, start, end, author, state, status, narrative in DEMO_UPDATES:
        m = milestone(code, label)
        period_start, period_end = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
        reviewed = state == "accepted"
        _, was_created = ProgressUpdate.objects.get_or_create(
            activity=m.activity, milestone=m, period_start=period_start, period_end=period_end,
            author=users[author],
            defaults={
                "review_state": state, "reported_status": status, "narrative": narrative,
                "submitted_at": datetime.datetime.combine(period_end, datetime.time(12), datetime.UTC)
                if state != "draft" else None,
                "reviewer": users["secretariat"] if reviewed else None,
                "reviewed_at": datetime.datetime.combine(period_end + datetime.timedelta(days=10),
                                                         datetime.time(12), datetime.UTC) if reviewed else None,
            },
        )
        created += was_created
    for code, label, status in DEMO_STATUSES:
        extra = {"completed_on": datetime.date(2014, 4, 10)} if status == "completed" else {}
        Milestone.objects.filter(pk=milestone(code, label).pk, status="not_started").update(status=status, **extra)
    plan_changed()  # QuerySet.update sends no signal
    for acronym, code, kind, year, days, usd, state in DEMO_CONTRIBUTIONS:
        _, was_created = Contribution.objects.get_or_create(
            member=Member.objects.get(acronym=acronym), activity=activity(code), kind=kind, year=year,
            defaults={"staff_days": days, "amount_usd": usd, "state": state, "created_by": users["secretariat"],
                      "note": "Demo data."},
        )
        created += was_created
    return created
