"""Telling people things: the in-app notice list, and e-mail through Django's backend."""
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils.html import escape

from emgplan import roles

from .models import Notice, Profile


def wants_email(user) -> bool:
    profile = Profile.objects.filter(user=user).first()
    return bool(user.email) and (profile is None or profile.email_reminders)


def notice_send(*, user, subject: str, body: str = "", url: str = "", reminder: bool = False) -> Notice:
    """Add a notice for the user and e-mail it after commit.

    Reminders respect the user's opt-out; notices about the user's own work (reviews) are always sent.
    """
    notice = Notice.objects.create(user=user, subject=subject, body=body, url=url)
    if user.email and (not reminder or wants_email(user)):
        link = f"{settings.SITE_URL}{url}" if url else ""
        text = f"{body}\n\n{link}".strip()
        html = f"<p>{escape(body)}</p>" + (f'<p><a href="{escape(link)}">{escape(link)}</a></p>' if link else "")

        def send():
            message = EmailMultiAlternatives(subject=f"[EMG] {subject}", body=text, to=[user.email])
            message.attach_alternative(html, "text/html")
            message.send()

        transaction.on_commit(send)
        Notice.objects.filter(pk=notice.pk).update(emailed=True)
    return notice


def notice_receive(sender, *, user, subject, body="", url="", reminder=False, **kwargs) -> Notice:
    """The receiver of emgplan.notify.notice: apps below accounts tell users things through it."""
    return notice_send(user=user, subject=subject, body=body, url=url, reminder=reminder)


@transaction.atomic
def user_roles_set(*, user: User, role: str, lead_bodies=(), members=(), by=None) -> User:
    """Give the user exactly one role and its scope (lead bodies for a lead, members for a focal point)."""
    if role not in roles.ROLES:
        raise ValueError(f"unknown role {role!r}")
    role_groups = Group.objects.filter(name__in=roles.ROLES)
    user.groups.remove(*role_groups)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    user.lead_bodies.set(lead_bodies if role == roles.LEAD else [])
    user.focal_for.set(members if role == roles.FOCAL_POINT else [])
    user.is_staff = role == roles.SECRETARIAT
    user.save(update_fields=["is_staff"])
    return user


def user_role(user) -> str | None:
    names = {g.name for g in user.groups.all()}
    return next((r for r in roles.ROLES if r in names), None)
