"""When scheduled backups run: which configurations are due (their cron expression since the
last run), running one, and the built-in scheduler loop of the embedded default.

With Celery configured, beat calls `edms.backup.operations.tasks.tick` every minute and the due
runs go to the workers; without it, `edms backup_scheduler` runs the same `run_due` in-process.
Either way a run is claimed first with a conditional update of `last_run_at`, so two schedulers
(two beats, or beat and `edms backup_scheduler`) never start the same scheduled run twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from croniter import croniter
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from edms.backup.create import create_backup
from edms.backup.errors import BackupError
from edms.backup.models import BackupConfiguration, BackupJob, JobStatus
from edms.backup.operations.retention import apply_retention
from edms.backup.package import crypto
from edms.backup.progress import NO_PROGRESS, Progress

log = logging.getLogger(__name__)


class InvalidSchedule(BackupError):
    """A schedule that is not a five-field cron expression."""


def validate_schedule(expression: str) -> str:
    """The expression, stripped, if croniter accepts it as a standard five-field cron line."""
    expression = " ".join(expression.split())
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise InvalidSchedule(
            f"'{expression}' is not a cron expression; use five fields: "
            "minute hour day-of-month month day-of-week, e.g. '0 2 * * *' for 02:00 daily"
        )
    return expression


def next_run(configuration: BackupConfiguration) -> dt.datetime:
    """The first scheduled time after the last run (or after the configuration was created)."""
    base = configuration.last_run_at or configuration.created_at
    return croniter(configuration.schedule, timezone.localtime(base)).get_next(dt.datetime)


def is_due(configuration: BackupConfiguration, now: dt.datetime) -> bool:
    return configuration.is_enabled and next_run(configuration) <= now


def due_configurations(now: dt.datetime | None = None) -> list[BackupConfiguration]:
    now = now or timezone.now()
    enabled = BackupConfiguration.objects.filter(is_enabled=True).order_by("name")
    return [configuration for configuration in enabled if is_due(configuration, now)]


def claim(configuration: BackupConfiguration, now: dt.datetime) -> bool:
    """Mark the run as started, unless another scheduler got there first."""
    claimed = BackupConfiguration.objects.filter(
        pk=configuration.pk, last_run_at=configuration.last_run_at
    ).update(last_run_at=now)
    if claimed:
        configuration.last_run_at = now
    return bool(claimed)


def run_configuration(
    configuration: BackupConfiguration, *, user=None, progress: Progress = NO_PROGRESS
) -> BackupJob:
    """Back up as the configuration says, then prune by its retention policy. A failed backup
    raises (its job is recorded as failed) and prunes nothing."""
    passphrase, recipients = _encryption(configuration)
    job = create_backup(
        configuration.backup_type,
        verify=configuration.verify,
        compression=configuration.compression,
        passphrase=passphrase,
        recipients=recipients,
        user=user,
        configuration=configuration,
        progress=progress,
    )
    pruned = apply_retention(configuration)
    if pruned:
        job.result = {**job.result, "pruned": pruned}
        job.save(update_fields=["result"])
    return job


def _encryption(configuration: BackupConfiguration) -> tuple[str | None, list[str]]:
    """The age recipients (public keys: the server never holds the key to its own backups) or
    passphrase that scheduled backups are encrypted with, from the environment."""
    if not configuration.encrypt:
        return None, []
    recipients = os.environ.get("EDMS_BACKUP_RECIPIENTS", "").split()
    passphrase = os.environ.get(crypto.PASSPHRASE_ENV) or None
    if not recipients and not passphrase:
        message = (
            f"configuration {configuration.name} asks for encryption, but neither "
            f"EDMS_BACKUP_RECIPIENTS (age public keys) nor {crypto.PASSPHRASE_ENV} is set"
        )
        BackupJob.objects.create(
            backup_type=configuration.backup_type,
            configuration=configuration,
            status=JobStatus.FAILED,
            error=message,
            finished_at=timezone.now(),
        )
        raise BackupError(message)
    return passphrase, recipients


@dataclass(frozen=True)
class ScheduledRun:
    configuration: str
    job: str | None = None
    path: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def run_due(now: dt.datetime | None = None) -> list[ScheduledRun]:
    """Claim and run every due configuration in turn; one failing does not stop the others."""
    now = now or timezone.now()
    runs = []
    for configuration in due_configurations(now):
        if not claim(configuration, now):
            continue
        try:
            job = run_configuration(configuration)
        except BackupError as exc:
            log.error("scheduled backup %s failed: %s", configuration.name, exc)
            runs.append(ScheduledRun(configuration.name, error=str(exc)))
        except Exception as exc:  # e.g. retention could not delete a file: report, go on
            log.exception("scheduled backup %s failed", configuration.name)
            runs.append(ScheduledRun(configuration.name, error=f"{type(exc).__name__}: {exc}"))
        else:
            runs.append(ScheduledRun(configuration.name, str(job.uuid), job.path))
    return runs


def dispatch_due(send: Callable[[int], object], now: dt.datetime | None = None) -> list[str]:
    """Claim every due configuration and hand its id to `send` (a Celery task's delay)."""
    now = now or timezone.now()
    claimed = [c for c in due_configurations(now) if claim(c, now)]
    for configuration in claimed:
        send(configuration.pk)
    return [configuration.name for configuration in claimed]


def run_scheduler(
    interval: float,
    stop: threading.Event,
    on_runs: Callable[[list[ScheduledRun]], None] = lambda runs: None,
) -> None:
    """The built-in scheduler: every `interval` seconds run what is due, until `stop` is set.
    A check that fails (the database restarting) is logged and retried at the next interval."""
    while not stop.is_set():
        close_old_connections()
        try:
            on_runs(run_due())
        except DatabaseError:
            log.exception("backup scheduler: could not check the schedule; retrying")
        stop.wait(interval)
