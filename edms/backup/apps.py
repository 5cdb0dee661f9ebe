from django.apps import AppConfig
from django.db.models.signals import post_save


class BackupConfig(AppConfig):
    name = "edms.backup"
    label = "backup"
    verbose_name = "Backup and restore"

    def ready(self) -> None:
        """What follows a job row being saved, whichever runner saved it: retention after a
        scheduled backup, and an email alert for a failure."""
        from edms.backup.models import BackupJob, RestoreJob
        from edms.backup.operations import alerts, schedule

        post_save.connect(schedule.prune_after_run, sender=BackupJob, dispatch_uid="edms-prune")
        for model in (BackupJob, RestoreJob):
            post_save.connect(alerts.job_saved, sender=model, dispatch_uid=f"edms-alert-{model}")
