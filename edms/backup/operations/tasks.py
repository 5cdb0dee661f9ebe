"""Celery tasks: thin edges over the scheduler and job services, so a worker does exactly what
`edms backup_scheduler`, `edms trigger_backup` and the API's background threads do."""

from __future__ import annotations

from edms.backup.models import BackupConfiguration
from edms.backup.operations import runner, schedule
from edms.backup.operations.retention import apply_retention
from edms.celery import app


@app.task(name="edms.backup.tick")
def tick() -> list[str]:
    """Sent by beat every minute: claim the due configurations and queue one backup each."""
    return schedule.dispatch_due(run_scheduled_backup.delay)


@app.task(name="edms.backup.run_scheduled_backup")
def run_scheduled_backup(configuration_id: int) -> str:
    """Back up one configuration now and prune by its retention; returns the job's uuid."""
    configuration = BackupConfiguration.objects.get(pk=configuration_id)
    job = schedule.run_configuration(configuration)
    return str(job.uuid)


@app.task(name="edms.backup.apply_retention")
def prune(configuration_id: int) -> list[str]:
    """Delete the backups the configuration's retention policy no longer keeps."""
    return apply_retention(BackupConfiguration.objects.get(pk=configuration_id))


@app.task(name=runner.RUN_TASK)
def run_job(kind: str, job_id: int, options: dict | None = None, user_id: int | None = None):
    """Run a pending BackupJob or RestoreJob created by the API or the web UI."""
    runner.run(kind, job_id, options or {}, user_id)
