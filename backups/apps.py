from django.apps import AppConfig


class BackupsConfig(AppConfig):
    """Backup and restore of the whole site (database and files); imports no domain app."""

    name = "backups"
    verbose_name = "Backup and restore"
