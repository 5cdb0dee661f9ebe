from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "edms.backup"
    label = "backup"
    verbose_name = "Backup and restore"
