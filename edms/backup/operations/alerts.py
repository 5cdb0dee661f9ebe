"""Emails to the addresses in EDMS_ALERT_EMAIL when something needs a person: a failed backup,
restore drill or verification, and a scheduled backup that missed its run.

One email per event: the cache remembers each alert sent (for ALERT_MEMORY), so a job row saved
again, or a schedule checked every minute while it stays overdue, does not send it twice. Job
failures are caught where every runner ends up, the job row being saved (`job_saved`, a
post_save receiver), so a thread, a Celery worker or a command alert alike.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from edms.backup.models import (
    BackupConfiguration,
    BackupJob,
    JobStatus,
    RestoreJob,
    RestoreMode,
    VerificationState,
)

log = logging.getLogger(__name__)

ALERT_MEMORY = 30 * 24 * 3600  # seconds an alert is remembered as sent


def alert(key: str, subject: str, body: str) -> bool:
    """Email the alert unless it was sent already (or no address is set); True if sent. A mail
    server that fails is logged, never raised: the alert is tried again next time."""
    if not settings.ALERT_EMAIL:
        return False
    remembered = f"edms:alert:{key}"
    if not cache.add(remembered, timezone.now().isoformat(), timeout=ALERT_MEMORY):
        return False
    try:
        send_mail(
            f"[EDMS {settings.INSTANCE_NAME}] {subject}",
            body,
            None,  # DEFAULT_FROM_EMAIL
            settings.ALERT_EMAIL,
        )
    except Exception:  # SMTP refused, host unreachable: a failing alert must not fail the job
        log.exception("could not email the alert %r to %s", subject, settings.ALERT_EMAIL)
        cache.delete(remembered)
        return False
    return True


def job_saved(sender, instance: BackupJob | RestoreJob, **kwargs) -> None:
    """Alert on a backup or drill that failed, and on a package that failed verification,
    once the saving transaction has committed."""
    for key, subject, body in _job_alerts(instance):
        transaction.on_commit(partial(alert, key, subject, body))


def _job_alerts(job: BackupJob | RestoreJob) -> list[tuple[str, str, str]]:
    found = []
    if isinstance(job, BackupJob):
        what = f"{job.backup_type} backup" + (
            f" of {job.configuration}" if job.configuration else ""
        )
        if job.status == JobStatus.FAILED:
            found.append(
                (
                    f"backup-failed:{job.uuid}",
                    f"{what} failed",
                    f"The {what} started at {_when(job.started_at or job.created_at)} failed:\n\n"
                    f"{job.error}\n\njob {job.uuid}",
                )
            )
        if job.verification_state == VerificationState.FAILED:
            name = Path(job.path).name
            found.append(
                (
                    f"verification-failed:{job.uuid}",
                    f"backup {name} failed verification",
                    f"The package {job.path} failed verification at {_when(job.verified_at)}:"
                    f"\n\n{job.verification_error}\n\nDo not rely on it; make a new backup.",
                )
            )
    elif job.mode == RestoreMode.DRILL and job.status == JobStatus.FAILED:
        name = Path(job.source_path).name
        found.append(
            (
                f"drill-failed:{job.uuid}",
                f"restore drill of {name} failed",
                f"The restore drill of {job.source_path} failed: the backup could not be "
                f"restored into a scratch copy and validated.\n\n{job.error}\n\njob {job.uuid}",
            )
        )
    return found


def schedule_overdue(configuration: BackupConfiguration, due_at: dt.datetime, missed: int) -> bool:
    """Alert once per missed run: the key names the run that did not happen."""
    runs = "two scheduled runs" if missed > 1 else "its scheduled run"
    return alert(
        f"schedule-overdue:{configuration.pk}:{due_at.isoformat()}",
        f"scheduled backup {configuration.name} is overdue",
        f"The backup configuration {configuration.name} ({configuration.schedule}) missed "
        f"{runs}, due at {_when(due_at)}; its last run was "
        f"{_when(configuration.last_run_at) if configuration.last_run_at else 'never'}.\n\n"
        "Is the scheduler running? scripts/start.sh starts it beside the web server, "
        "`edms backup_scheduler` runs it alone, and with Celery it is `celery -A edms beat`.",
    )


def _when(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "an unknown time"
