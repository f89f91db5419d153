"""The signed-in people of the load benchmark: at least 100 distinct users spread over the roles.

Created in the benchmark database only (the harness refuses any database not named emgplan_bench*):
the demo users, the leads of the lead bodies that lead the plan's activities and the members' focal points
(made by devtools.generate.plan_generate), and as many more secretariat, chair and viewer accounts as it takes.
None of them has a usable password: the harness signs them in by writing their sessions.
"""
from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from devtools.demo import DEMO_USERS, demo_users_create, role_groups_ensure
from emgplan import roles

# Extra accounts beside the demo ones; viewers fill up to the number asked.
EXTRA = {roles.SECRETARIAT: 4, roles.CHAIR: 2}


@transaction.atomic
def bench_users(plan, total: int = 120) -> dict[str, list[User]]:
    """The users of each role that the load signs in (at least `total` in all), creating the missing ones."""
    from activities.models import Activity

    demo_users_create()
    groups = role_groups_ensure()
    by_role: dict[str, list[User]] = {code: [] for code in roles.ROLES}
    for username, (role, *_rest) in DEMO_USERS.items():
        by_role[role].append(User.objects.get(username=username))
    body_ids = set(Activity.objects.filter(accomplishment__work_plan=plan).values_list("lead_body", flat=True))
    leads = User.objects.filter(lead_bodies__in=body_ids, groups__name=roles.LEAD).distinct().order_by("pk")
    focal = User.objects.filter(focal_for__isnull=False, groups__name=roles.FOCAL_POINT).distinct()
    by_role[roles.LEAD] = _unique(by_role[roles.LEAD] + list(leads))
    by_role[roles.FOCAL_POINT] = _unique(by_role[roles.FOCAL_POINT] + list(focal.order_by("pk")))

    def extra(role, n):
        for k in range(1, n + 1):
            user, created = User.objects.get_or_create(
                username=f"bench-{role.replace('_', '-')}-{k}",
                defaults={"email": f"bench-{role}-{k}@example.org", "is_staff": role == roles.SECRETARIAT})
            if created:
                user.set_unusable_password()
                user.save()
                user.groups.add(groups[role])
            by_role[role].append(user)

    for role, n in EXTRA.items():
        extra(role, n)
    missing = total - sum(len(users) for users in by_role.values())
    extra(roles.VIEWER, max(missing, 0) + 10)  # at least ten more viewers than the demo's one
    return by_role


def _unique(users):
    seen, out = set(), []
    for user in users:
        if user.pk not in seen:
            seen.add(user.pk)
            out.append(user)
    return out
