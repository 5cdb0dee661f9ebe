"""Is this installation protected right now? The last good backup in the catalog and its age,
packages that failed verification, late or failing schedules and a silent scheduler, recent
failures, free space, the database and a cheap look at the audit chain, summed up as
ok/warning/critical with each problem spelled out.

Backups are judged from the catalog (the packages on disk and their sidecars), not from job
rows, so the safety backup a reinit wrote still counts after the reinit cleared the jobs.
Cheap enough to poll (the API and UI do): the audit check verifies only the newest entries of
the current chain (`edms verify_audit_chain` walks the whole trail); the stored-file count walks
the storage root, about 0.14 s per 20,000 files on the 2-core test machine.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from edms.audit import chain
from edms.audit.models import AuditTrail
from edms.backup.models import BackupConfiguration, BackupJob, JobStatus, VerificationState
from edms.backup.operations import alerts, catalog, jobs, schedule
from edms.celery import celery_enabled
from edms.core.models import InstanceIdentity

OK, WARNING, CRITICAL = "ok", "warning", "critical"
FREE_SPACE_WARNING, FREE_SPACE_CRITICAL = 0.15, 0.05  # fraction of the file system left
FAILURE_WINDOW = dt.timedelta(days=7)
AUDIT_TAIL = 100
NAMED = 5  # packages named one by one in a problem; the page lists them all

Problems = list[tuple[str, str]]


def health_summary() -> dict:
    """Everything an operator checks each morning, with the problems spelled out."""
    problems: Problems = []
    now = timezone.now()
    database = _database()
    backups = _backups(problems, now)  # the catalog: readable without the database
    if database["reachable"]:
        failures = _recent_failures(problems, backups["last_backup"], now)
        schedules = _schedules(problems, now)
        scheduler = _scheduler(problems, now, any(s["enabled"] for s in schedules))
        audit = _audit_tail(problems)
    else:
        problems.insert(0, (CRITICAL, f"database unreachable: {database['error']}"))
        failures, schedules, scheduler, audit = [], [], {}, {"status": "unchecked"}
    disk = {
        "backup_dir": _free_space(Path(settings.BACKUP_DIR), problems),
        "storage_root": _free_space(Path(settings.STORAGE_ROOT), problems),
    }
    severities = {severity for severity, _ in problems}
    status = CRITICAL if CRITICAL in severities else WARNING if WARNING in severities else OK
    return {
        "status": status,
        "checked_at": now.isoformat(),
        "problems": [{"severity": s, "message": m} for s, m in problems],
        **backups,
        "recent_failures": failures,
        "schedules": schedules,
        "scheduler": scheduler,
        "disk": disk,
        "storage": _storage_files(Path(settings.STORAGE_ROOT)),
        "database": database,
        "audit_chain": audit,
    }


def duration(delta: dt.timedelta) -> str:
    """A span as people read it: "45 s", "12 min", "3 h 12 min", "30 h", "4 d 3 h"."""
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours >= 48:
        days, hours = divmod(hours, 24)
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min" if minutes else f"{seconds} s"


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return {"reachable": False, "vendor": connection.vendor, "error": str(exc)}
    return {"reachable": True, "vendor": connection.vendor, "error": ""}


# --- backups: the catalog ---------------------------------------------------------------


def _backups(problems: Problems, now: dt.datetime) -> dict:
    """The last good backup is the newest package whose verification passed; if none passed,
    the newest package not known to be damaged, reported as unverified."""
    entries = catalog.entries()
    failed = [e for e in entries if e.verification_state == VerificationState.FAILED]
    last_good = next(
        (e for e in entries if e.verification_state == VerificationState.PASSED),
        next((e for e in entries if e.verification_state != VerificationState.FAILED), None),
    )
    max_age = dt.timedelta(hours=settings.BACKUP_MAX_AGE_HOURS)
    age = now - _moment(last_good) if last_good else None
    verified = last_good is not None and last_good.verification_state == VerificationState.PASSED
    if last_good is None:
        problems.append((WARNING, "no backup has been made yet"))
    elif not verified:
        problems.append(
            (
                WARNING,
                f"no backup has passed verification; the newest, {last_good.name}, is not "
                "verified (verify it on the Backups page)",
            )
        )
    if last_good is not None and age > max_age:
        problems.append(
            (
                WARNING,
                f"the last good backup, {last_good.name}, was made {duration(age)} ago "
                f"(limit {duration(max_age)})",
            )
        )
    for entry in failed[:NAMED]:
        problems.append(
            (WARNING, f"backup {entry.name} failed verification: {_verification_error(entry)}")
        )
    if len(failed) > NAMED:
        problems.append((WARNING, f"and {len(failed) - NAMED} more packages failed verification"))
    return {
        "last_backup": _package(last_good, now) if last_good else None,
        "last_backup_age_hours": round(age.total_seconds() / 3600, 1) if age is not None else None,
        "max_age_hours": settings.BACKUP_MAX_AGE_HOURS,
        "backup_overdue": age is None or age > max_age,
        "catalog": {
            "directory": str(catalog.directory()),
            "count": len(entries),
            "bytes": sum(e.size for e in entries),
            "newest": _package(entries[0], now) if entries else None,
            "verified": sum(e.verification_state == VerificationState.PASSED for e in entries),
            "failed_verification": [_package(e, now) for e in failed],
            "unreadable": [{"name": e.name, "problem": e.problem} for e in entries if e.problem],
        },
    }


def _package(entry: catalog.CatalogEntry, now: dt.datetime) -> dict:
    return {
        "name": entry.name,
        "job": entry.job,
        "backup_type": entry.backup_type,
        "origin": entry.origin_label,
        "configuration": entry.configuration,
        "size": entry.size,
        "sha256": entry.sha256,
        "created_at": _moment(entry).isoformat(),
        "age": duration(now - _moment(entry)),
        "verification": entry.verification,
        "verified": entry.verification_state == VerificationState.PASSED,
    }


def _moment(entry: catalog.CatalogEntry) -> dt.datetime:
    """When the package was made: its sidecar's time, else (unreadable) the file's."""
    try:
        when = dt.datetime.fromisoformat(entry.moment)
    except (TypeError, ValueError):
        when = dt.datetime.fromisoformat(entry.modified_at)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _verification_error(entry: catalog.CatalogEntry) -> str:
    return entry.verification.get("error") or "no reason recorded"


def _recent_failures(problems: Problems, last_good: dict | None, now: dt.datetime) -> list:
    """This server's failed backups since the last good one (a week at most). Scheduled ones
    are judged per schedule; the others are counted here."""
    failures = BackupJob.objects.filter(
        status=JobStatus.FAILED, created_at__gte=now - FAILURE_WINDOW
    ).select_related("configuration", "triggered_by", "verified_by")
    if last_good is not None:
        failures = failures.filter(
            created_at__gt=dt.datetime.fromisoformat(last_good["created_at"])
        )
    failed = list(failures.order_by("-created_at")[:10])
    manual = [job for job in failed if job.configuration_id is None]
    if manual:
        problems.append((WARNING, f"{len(manual)} backup(s) failed since the last good one"))
    return [jobs.job_json(job) for job in failed]


# --- schedules and the scheduler ---------------------------------------------------------


def _schedules(problems: Problems, now: dt.datetime) -> list[dict]:
    """Each configuration's next run and lateness (one missed run: warning, two: critical) and
    its latest results (the last failed: warning, the last two: critical)."""
    found = []
    for configuration in BackupConfiguration.objects.order_by("name"):
        missed = schedule.missed_runs(configuration, now)
        upcoming = schedule.next_run(configuration) if configuration.is_enabled else None
        failing = _failing(configuration)
        name = configuration.name
        if missed:
            alerts.schedule_overdue(configuration, upcoming, missed)
            problems.append(
                (
                    CRITICAL if missed > 1 else WARNING,
                    f"schedule {name} is overdue: its run due {duration(now - upcoming)} ago "
                    f"has not happened"
                    + (" and it has missed the next one too" if missed > 1 else ""),
                )
            )
        if failing:
            count = "backup" if len(failing) == 1 else f"{len(failing)} backups"
            problems.append(
                (
                    CRITICAL if len(failing) > 1 else WARNING,
                    f"schedule {name}: its last {count} failed: {failing[0].error}",
                )
            )
        found.append(
            {
                "name": name,
                "schedule": configuration.schedule,
                "enabled": configuration.is_enabled,
                "last_run_at": _iso(configuration.last_run_at),
                "next_run_at": _iso(upcoming),
                "missed_runs": missed,
                "failed_in_a_row": len(failing),
            }
        )
    return found


def _failing(configuration: BackupConfiguration) -> list[BackupJob]:
    """The configuration's latest finished jobs, up to two, while they are failures."""
    latest = configuration.jobs.filter(status__in=(JobStatus.COMPLETED, JobStatus.FAILED))
    failing = []
    for job in latest.order_by("-created_at")[:2]:
        if job.status != JobStatus.FAILED:
            break
        failing.append(job)
    return failing


def _scheduler(problems: Problems, now: dt.datetime, needed: bool) -> dict:
    """Whether a scheduler checks: its heartbeat is at most two intervals old."""
    beat = schedule.last_heartbeat()
    kind = "Celery beat" if celery_enabled() else "edms backup_scheduler"
    if beat is None:
        checked_at, interval, running = None, schedule.DEFAULT_INTERVAL, False
    else:
        checked_at, interval = dt.datetime.fromisoformat(beat["at"]), float(beat["interval"])
        running = now - checked_at <= dt.timedelta(seconds=2 * interval)
    if needed and not running:
        since = (
            f"its last check was {duration(now - checked_at)} ago"
            if checked_at
            else ("it has never checked")
        )
        problems.append(
            (
                WARNING,
                f"the backup scheduler ({kind}) is not running: {since}, "
                f"it should check every {duration(dt.timedelta(seconds=interval))}; "
                "scheduled backups will not run",
            )
        )
    return {
        "kind": kind,
        "running": running,
        "last_check_at": _iso(checked_at),
        "last_check_age": duration(now - checked_at) if checked_at else None,
        "interval_seconds": interval,
        "every": duration(dt.timedelta(seconds=interval)),
        "runner": beat["runner"] if beat else None,
    }


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# --- the machine and the audit chain -----------------------------------------------------


def _free_space(path: Path, problems: Problems) -> dict:
    """Free space of the file system holding `path` (or its nearest existing parent)."""
    existing = next(p for p in (path, *path.parents) if p.exists())
    usage = shutil.disk_usage(existing)
    free_fraction = usage.free / usage.total if usage.total else 0.0
    if free_fraction < FREE_SPACE_CRITICAL:
        problems.append((CRITICAL, f"{path}: only {free_fraction:.0%} free"))
    elif free_fraction < FREE_SPACE_WARNING:
        problems.append((WARNING, f"{path}: only {free_fraction:.0%} free"))
    return {
        "path": str(path),
        "free_bytes": usage.free,
        "total_bytes": usage.total,
        "free_percent": round(100 * free_fraction, 1),
    }


def _storage_files(root: Path) -> dict:
    count = size = 0
    for directory, _, files in os.walk(root):
        for name in files:
            count += 1
            size += os.stat(os.path.join(directory, name)).st_size
    return {"root": str(root), "file_count": count, "bytes": size}


def _audit_tail(problems: Problems) -> dict:
    """Verify the newest entries of the current chain link up and end at the recorded head."""
    identity = InstanceIdentity.objects.order_by("pk").first()
    if identity is None:
        return {"status": "ok", "checked_entries": 0, "head": 0, "problem": ""}
    tail = list(
        AuditTrail.objects.filter(chain=identity.audit_chain).order_by("-sequence")[:AUDIT_TAIL]
    )[::-1]
    reason = ""
    last_sequence = tail[-1].sequence if tail else 0
    if last_sequence != identity.audit_head:
        reason = f"the chain ends at #{last_sequence} but the head is #{identity.audit_head}"
    for before, entry in zip([None, *tail], tail, strict=False):
        if reason:
            break
        expected_previous = before.entry_hash if before else _previous_hash(entry)
        if before is not None and entry.sequence != before.sequence + 1:
            reason = f"entries {before.sequence + 1}..{entry.sequence - 1} are missing"
        elif entry.previous_hash != expected_previous:
            reason = f"entry #{entry.sequence} does not link to the entry before it"
        elif entry.entry_hash != chain.entry_hash(entry):
            reason = f"entry #{entry.sequence} was altered"
    if reason:
        problems.append((CRITICAL, f"audit chain broken: {reason}"))
    return {
        "status": "broken" if reason else "ok",
        "checked_entries": len(tail),
        "head": identity.audit_head,
        "problem": reason,
    }


def _previous_hash(entry: AuditTrail) -> str:
    """What the oldest checked entry must point at: genesis for #1, else the stored hash before."""
    if entry.sequence == 1:
        return chain.GENESIS_HASH
    before = AuditTrail.objects.filter(chain=entry.chain, sequence=entry.sequence - 1).first()
    return before.entry_hash if before else ""
