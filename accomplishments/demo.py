"""Demo users for the embedded default: one per role, with one documented password."""
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction

from activities.models import LeadBody
from emgplan import roles

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


def role_groups_ensure() -> dict[str, Group]:
    """Create the role groups; the secretariat's group gets the admin permissions of the back office."""
    groups = {code: Group.objects.get_or_create(name=code)[0] for code in roles.ROLES}
    perms = Permission.objects.filter(content_type__app_label__in=BACK_OFFICE_APPS)
    if groups[roles.SECRETARIAT].permissions.count() != perms.count():
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
