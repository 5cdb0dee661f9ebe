"""When scheduled backups run: which configurations are due (their cron expression since the
last run), running one with its retention, how late a configuration is, and the built-in
scheduler loop of the embedded default with its heartbeat.

With Celery configured, beat calls `edms.backup.operations.tasks.tick` every minute and the due
runs go to the workers; without it, `edms backup_scheduler` (which `scripts/start.sh` starts
beside the web server) runs the same `run_due` in-process. Either way a run is claimed first
with a conditional update of `last_run_at`, so two schedulers (two beats, or beat and
`edms backup_scheduler`) never start the same scheduled run twice. Every check leaves a
heartbeat in the cache, so health can tell when no scheduler is checking any more.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from croniter import croniter
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from edms.backup.errors import BackupError
from edms.backup.models import (
    BackupConfiguration,
    BackupJob,
    BackupOrigin,
    JobStatus,
    validate_cron,
)
from edms.backup.operations import alerts, jobs, recording
from edms.backup.operations.retention import apply_retention
from edms.core.progress import NO_PROGRESS, Progress

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 60.0  # seconds between two checks: `backup_scheduler` and beat's tick
GRACE = dt.timedelta(minutes=10)  # a run later than this is overdue
HEARTBEAT_KEY = "edms:backup-scheduler:heartbeat"


class InvalidSchedule(BackupError):
    """A schedule that is not a five-field cron expression."""


def validate_schedule(expression: str) -> str:
    """The expression, stripped, if croniter accepts it as a standard five-field cron line."""
    expression = " ".join(expression.split())
    try:
        validate_cron(expression)
    except ValidationError as exc:
        raise InvalidSchedule(exc.messages[0]) from None
    return expression


def next_run(configuration: BackupConfiguration) -> dt.datetime:
    """The first scheduled time after the last run (or after the configuration was created)."""
    return _times(configuration).get_next(dt.datetime)


def _times(configuration: BackupConfiguration) -> croniter:
    base = configuration.last_run_at or configuration.created_at
    return croniter(configuration.schedule, timezone.localtime(base))


def is_due(configuration: BackupConfiguration, now: dt.datetime) -> bool:
    return configuration.is_enabled and next_run(configuration) <= now


def missed_runs(configuration: BackupConfiguration, now: dt.datetime) -> int:
    """How many scheduled times have passed by more than GRACE since the last run: 0 on time,
    1 overdue, 2 (the most counted) a whole period missed. A disabled configuration is never
    late."""
    if not configuration.is_enabled:
        return 0
    times, missed = _times(configuration), 0
    while missed < 2 and times.get_next(dt.datetime) + GRACE < now:
        missed += 1
    return missed


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
    """Back up as the configuration says; its retention follows (`prune_after_run`, which
    puts the pruned paths in the job's result). A failed backup raises (its job is recorded as
    failed) and prunes nothing."""
    return jobs.run_backup(
        configuration.backup_type,
        user=user,
        configuration=configuration,
        origin=BackupOrigin.SCHEDULED,
        progress=progress,
    )


def prune_after_run(sender, instance: BackupJob, **kwargs) -> None:
    """A scheduled backup, once completed, applies its configuration's retention, whoever ran
    it: this scheduler, a Celery worker, `trigger_backup` or the API's Run now. Once: the job's
    result records what was pruned. (Connected to BackupJob's post_save in BackupConfig.)"""
    if (
        instance.status != JobStatus.COMPLETED
        or instance.origin != BackupOrigin.SCHEDULED
        or instance.configuration_id is None
        or "pruned" in instance.result
    ):
        return
    pruned = apply_retention(instance.configuration)
    instance.result = {**instance.result, "pruned": pruned}
    BackupJob.objects.filter(pk=instance.pk).update(result=instance.result)


@dataclass(frozen=True)
class ScheduledRun:
    configuration: str
    job: str | None = None
    path: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def run_due(
    now: dt.datetime | None = None, interval: float = DEFAULT_INTERVAL
) -> list[ScheduledRun]:
    """One check of the built-in scheduler (run every `interval` seconds): claim and run every
    due configuration in turn; one failing does not stop the others."""
    now = now or timezone.now()
    _begin_check(now, interval)
    runs = []
    for configuration in due_configurations(now):
        if not claim(configuration, now):
            continue
        try:
            job = run_configuration(configuration, progress=_beating(interval))
        except BackupError as exc:
            log.error("scheduled backup %s failed: %s", configuration.name, exc)
            runs.append(ScheduledRun(configuration.name, error=str(exc)))
        except Exception as exc:  # e.g. retention could not delete a file: report, go on
            log.exception("scheduled backup %s failed", configuration.name)
            runs.append(ScheduledRun(configuration.name, error=f"{type(exc).__name__}: {exc}"))
        else:
            runs.append(ScheduledRun(configuration.name, str(job.uuid), job.path))
    return runs


def dispatch_due(
    send: Callable[[int], object],
    now: dt.datetime | None = None,
    interval: float = DEFAULT_INTERVAL,
) -> list[str]:
    """Beat's check: claim every due configuration and hand its id to `send` (a Celery task's
    delay)."""
    now = now or timezone.now()
    _begin_check(now, interval)
    claimed = [c for c in due_configurations(now) if claim(c, now)]
    for configuration in claimed:
        send(configuration.pk)
    return [configuration.name for configuration in claimed]


def _begin_check(now: dt.datetime, interval: float) -> None:
    """What every check does before running anything: leave the heartbeat, and alert on each
    enabled configuration that missed a run (before it is caught up now)."""
    record_heartbeat(interval, now)
    for configuration in BackupConfiguration.objects.filter(is_enabled=True):
        missed = missed_runs(configuration, now)
        if missed:
            alerts.schedule_overdue(configuration, next_run(configuration), missed)


def record_heartbeat(interval: float, now: dt.datetime | None = None) -> None:
    """The scheduler checks every `interval` seconds: health expects the next heartbeat by then."""
    cache.set(
        HEARTBEAT_KEY,
        {
            "at": (now or timezone.now()).isoformat(),
            "interval": interval,
            "runner": recording.this_runner(),
        },
        timeout=None,
    )


def last_heartbeat() -> dict | None:
    """{at, interval, runner} of the newest scheduler check, or None if none ever checked."""
    return cache.get(HEARTBEAT_KEY)


def _beating(interval: float) -> Progress:
    """A progress callback that keeps the heartbeat fresh while a long backup runs, since the
    loop checks again only when it is over."""
    last = {"at": time.monotonic()}

    def beat(phase: str, done: int, total: int) -> None:
        if time.monotonic() - last["at"] >= interval / 2:
            last["at"] = time.monotonic()
            record_heartbeat(interval)

    return beat


def run_scheduler(
    interval: float,
    stop: threading.Event,
    on_runs: Callable[[list[ScheduledRun]], None] = lambda runs: None,
) -> None:
    """The built-in scheduler: every `interval` seconds run what is due, until `stop` is set.
    Checks fall on the clock's multiples of the interval (each minute's :00 for 60 s), so a
    backup scheduled for 02:00 starts at 02:00, not up to a minute later. A check that fails
    (the database restarting) is logged and retried at the next one."""
    while not stop.is_set():
        close_old_connections()
        try:
            on_runs(run_due(interval=interval))
        except DatabaseError:
            log.exception("backup scheduler: could not check the schedule; retrying")
        stop.wait(interval - time.time() % interval)
