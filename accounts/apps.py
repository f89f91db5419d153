from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Users, roles and notices"

    def ready(self):
        from emgplan.notify import notice

        from . import permissions  # noqa: F401  (registers the app's rules)
        from .services import notice_receive

        notice.connect(notice_receive, dispatch_uid="accounts.notice_receive")

        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        post_save.connect(_name_changed, sender=get_user_model(), dispatch_uid="accounts.fragments-user-name")
        # A deleted user leaves the fragments too (reviewers are emptied by a QuerySet.update, which sends no signal).
        post_delete.connect(_name_changed, sender=get_user_model(), dispatch_uid="accounts.fragments-user-gone")


NAME_FIELDS = {"username", "first_name", "last_name"}


def _name_changed(sender, update_fields=None, **kwargs):
    """Shared fragments name the authors of progress ("Filed by ..."): a change of a user's name retires them. A
    sign-in saves last_login only and retires nothing."""
    from emgplan import fragments

    if update_fields is None or NAME_FIELDS & set(update_fields):
        fragments.retire(fragments.PROGRESS, fragments.ACCEPTED)
