from django.contrib import admin

from edms.backup.models import BackupConfiguration, BackupJob, RestoreJob
from edms.core.admin import ReadOnlyAdmin


@admin.register(BackupConfiguration)
class BackupConfigurationAdmin(ReadOnlyAdmin):
    """Shown only: every change to a schedule is audited, so it goes through the Schedules page,
    the API or `edms manage_backup_configs` (edms/backup/operations/configurations.py)."""

    list_display = ["name", "backup_type", "schedule", "is_enabled", "keep_last", "last_run_at"]
    list_filter = ["backup_type", "is_enabled"]
    search_fields = ["name", "description"]


@admin.register(BackupJob)
class BackupJobAdmin(ReadOnlyAdmin):
    """Jobs are written by the job runner only; the web UI at /backups/ acts on them."""

    list_display = ["created_at", "backup_type", "status", "phase", "size", "verified_at"]
    list_filter = ["backup_type", "status"]
    search_fields = ["uuid", "path", "sha256"]


@admin.register(RestoreJob)
class RestoreJobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "mode", "status", "phase", "reason", "triggered_by"]
    list_filter = ["mode", "status"]
    search_fields = ["uuid", "source_path", "reason"]
