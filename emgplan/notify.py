"""Telling a user something, from any app, without the app importing accounts (which sits above it).

`notify()` sends the `notice` signal; accounts connects its receiver in AccountsConfig.ready(), which adds the
in-app notice and e-mails it (accounts.services.notice_send). Imports no domain app.
"""
from django.dispatch import Signal

# Sent with user, subject, body, url and reminder (as accounts.services.notice_send takes them).
notice = Signal()


def notify(*, user, subject: str, body: str = "", url: str = "", reminder: bool = False) -> None:
    """Send a notice to the user. Raises if no receiver is connected: a notice must never vanish silently."""
    if not notice.has_listeners():
        raise RuntimeError("No receiver for emgplan.notify.notice: is the accounts app installed?")
    notice.send(sender=None, user=user, subject=subject, body=body, url=url, reminder=reminder)
