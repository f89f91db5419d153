from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Users, roles and notices"

    def ready(self):
        from . import permissions  # noqa: F401  (registers the app's rules)
