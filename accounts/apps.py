from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Users, roles and notices"

    def ready(self):
        from emgplan.notify import notice

        from . import permissions  # noqa: F401  (registers the app's rules)
        from .services import notice_receive

        notice.connect(notice_receive, dispatch_uid="accounts.notice_receive")
