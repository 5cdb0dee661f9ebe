"""Jobs: the rows that say what this server did, the work of each kind, and a job's one JSON
form.

`perform(kind, job, options)` does a job's work now, recorded by `recording`; the command line
calls it directly and `runner` calls it in a thread or on a Celery worker. `options` carries
what the row has no field for (compression, passphrases): it is never stored.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import orjson

from edms.backup.create import BackupReport, Provenance, create_backup
from edms.backup.errors import BackupError
from edms.backup.models import (
    BackupConfiguration,
    BackupJob,
    BackupOrigin,
    JobStatus,
    RestoreJob,
    RestoreMode,
)
from edms.backup.operations import recording
from edms.backup.package import crypto
from edms.backup.reinit import reinit
from edms.backup.restore.drill import test_restore
from edms.backup.restore.service import RestoreReport, restore
from edms.backup.verify import verify_package
from edms.core.progress import NO_PROGRESS, Progress
from edms.core.requester import requester

BACKUP, VERIFY, RESTORE, DRILL, REINIT = "backup", "verify", "restore", "drill", "reinit"
SECRETS = ("passphrase", "identity", "admin_password", "password")
# What a backup job row records of the package it wrote (BackupReport has each of them).
PACKAGE_FIELDS = (
    "path",
    "size",
    "sha256",
    "encrypted",
    "record_counts",
    "file_count",
    "content_digest",
)


# --- making job rows -----------------------------------------------------------------------


def backup_job(
    backup_type: str,
    *,
    user=None,
    configuration: BackupConfiguration | None = None,
    origin: str = BackupOrigin.MANUAL,
) -> BackupJob:
    return BackupJob.objects.create(
        backup_type=backup_type,
        triggered_by=user,
        configuration=configuration,
        origin=origin,
        runner=recording.this_runner(),
    )


def restore_job(
    source: Path | str,
    *,
    mode: str,
    conflict: str = "keep",
    only: list[str] | tuple[str, ...] = (),
    reason: str = "",
    user=None,
) -> RestoreJob:
    return RestoreJob.objects.create(
        source_path=str(source),
        mode=mode,
        conflict_policy=conflict,
        only_groups=list(only),
        reason=reason,
        triggered_by=user,
        runner=recording.this_runner(),
    )


def restore_mode(*, clean: bool = False, dry_run: bool = False) -> str:
    if dry_run:
        return RestoreMode.DRY_RUN
    return RestoreMode.CLEAN if clean else RestoreMode.MERGE


def run_backup(
    backup_type: str,
    *,
    user=None,
    configuration: BackupConfiguration | None = None,
    origin: str = BackupOrigin.MANUAL,
    progress: Progress = NO_PROGRESS,
    **options,
) -> BackupJob:
    """Back up now, in this thread, recorded as a BackupJob (returned). `options` as for
    `create_backup`: output, verify, compression, passphrase, recipients."""
    job = backup_job(backup_type, user=user, configuration=configuration, origin=origin)
    perform(BACKUP, job, options, user=user, progress=progress)
    return job


def run_restore(
    source: Path | str,
    *,
    clean: bool = False,
    dry_run: bool = False,
    conflict: str = "keep",
    only: list[str] | tuple[str, ...] = (),
    reason: str = "",
    user=None,
    progress: Progress = NO_PROGRESS,
    **secrets,
) -> RestoreReport:
    """Restore now, in this thread, recorded as a RestoreJob; `secrets`: passphrase, identity."""
    job = restore_job(
        source,
        mode=restore_mode(clean=clean, dry_run=dry_run),
        conflict=conflict,
        only=only,
        reason=reason,
        user=user,
    )
    return perform(RESTORE, job, secrets, user=user, progress=progress)


# --- doing the work ------------------------------------------------------------------------


def perform(
    kind: str, job, options: dict | None = None, *, user=None, progress: Progress = NO_PROGRESS
):
    """Do `job`'s work now, in this thread, recorded on the job; return the service's report.
    A failure is recorded, then raised."""
    if kind == VERIFY:
        context = recording.verification_recorded(job, user, progress)
    else:
        context = recording.recorded(job, progress)
    with context as tracked:
        return WORK[kind](job, options or {}, tracked, user)


def _backup(job: BackupJob, options: dict, progress: Progress, user) -> BackupReport:
    configuration = job.configuration
    passphrase, recipients = options.get("passphrase"), options.get("recipients", ())
    if configuration is not None and configuration.encrypt and not (passphrase or recipients):
        passphrase, recipients = scheduled_encryption(configuration)
    default = configuration or BackupConfiguration(verify=False)
    report = create_backup(
        job.backup_type,
        output=options.get("output"),
        verify=options.get("verify", default.verify),
        compression=options.get("compression", default.compression),
        passphrase=passphrase,
        recipients=recipients,
        provenance=Provenance(
            origin=job.origin,
            created_by=requester(user or job.triggered_by),
            configuration=configuration.name if configuration else "",
            job=str(job.uuid),
        ),
        progress=progress,
    )
    recording.save(
        job, **{name: getattr(report, name) for name in PACKAGE_FIELDS}, result=report.as_json()
    )
    if report.verified:
        recording.verified(job, "passed", "", user or job.triggered_by)
    return report


def scheduled_encryption(configuration: BackupConfiguration) -> tuple[str | None, list[str]]:
    """The age recipients (public keys: the server never holds the key to its own backups) or
    passphrase that a configuration's backups are encrypted with, from the environment."""
    recipients = os.environ.get("EDMS_BACKUP_RECIPIENTS", "").split()
    passphrase = os.environ.get(crypto.PASSPHRASE_ENV) or None
    if not recipients and not passphrase:
        raise BackupError(
            f"configuration {configuration.name} asks for encryption, but neither "
            f"EDMS_BACKUP_RECIPIENTS (age public keys) nor {crypto.PASSPHRASE_ENV} is set"
        )
    return passphrase, recipients


def _verify(job: BackupJob, options: dict, progress: Progress, user):
    if not job.path or not Path(job.path).exists():
        raise BackupError(f"the package of job {job.uuid} is no longer on disk ({job.path})")
    report = verify_package(
        Path(job.path),
        passphrase=options.get("passphrase"),
        identity=options.get("identity"),
        progress=progress,
    )
    recording.save(job, result={**job.result, "verification": as_json_dict(report)})
    if not report.ok:
        raise report.error()
    return report


def _restore(job: RestoreJob, options: dict, progress: Progress, user):
    report = restore(
        Path(job.source_path),
        clean=job.mode == RestoreMode.CLEAN,
        dry_run=job.mode == RestoreMode.DRY_RUN,
        conflict=job.conflict_policy,
        only=job.only_groups or None,
        reason=job.reason,
        user=user,
        passphrase=options.get("passphrase"),
        identity=options.get("identity"),
        progress=progress,
        allow_privileged_changes=bool(options.get("allow_privileged_changes")),
    )
    report.job = str(job.uuid)
    fields = {
        "source_sha256": report.source_sha256,
        "plan": {plan.label: plan.as_json() for plan in report.plan},
        "result": report.to_json(),
        "progress_done": report.records,
        "progress_total": report.records,
    }
    if user is not None and job.mode == RestoreMode.CLEAN:
        # a clean restore re-created the users: point the job at the restored row
        fields["triggered_by"] = type(user)._base_manager.filter(username=user.username).first()
    recording.save(job, **fields)
    if options.get("remove_source") and job.mode != RestoreMode.DRY_RUN:
        # an upload has served once restored; after a failure it stays, so the dry run can be
        # executed again with other options (old uploads are pruned by the API)
        Path(job.source_path).unlink(missing_ok=True)
    return report


def _drill(job: RestoreJob, options: dict, progress: Progress, user):
    report = test_restore(
        Path(job.source_path),
        passphrase=options.get("passphrase"),
        identity=options.get("identity"),
        progress=progress,
    )
    recording.save(job, result=report.to_json())
    if not report.ok:
        raise report.failure()
    return report


def _reinit(job: RestoreJob, options: dict, progress: Progress, user):
    """Reinit clears the job tables, this job's row included: `recording` writes it again."""
    result = reinit(
        reason=job.reason,
        user=user,
        admin_username=options.get("admin_username", "admin"),
        admin_password=options.get("admin_password"),
        safety_backup=options.get("safety_backup", True),
        progress=progress,
    )
    recording.save(job, result=as_json_dict(result))
    return result


WORK: dict[str, Callable] = {
    BACKUP: _backup,
    VERIFY: _verify,
    RESTORE: _restore,
    DRILL: _drill,
    REINIT: _reinit,
}


# --- the JSON form -------------------------------------------------------------------------


def as_json_dict(report) -> dict:
    """A service's report object as JSON-ready data, without secrets."""
    if hasattr(report, "to_json") or hasattr(report, "as_json"):
        data = report.to_json() if hasattr(report, "to_json") else report.as_json()
    elif dataclasses.is_dataclass(report):
        data = dataclasses.asdict(report)
    else:
        data = dict(report)
    data = orjson.loads(orjson.dumps(data, default=str))
    return {k: v for k, v in data.items() if k not in SECRETS}


def job_json(job: BackupJob | RestoreJob) -> dict:
    """A job as the API, the web pages, `list_backups --json` and health show it, with its
    live progress while it runs."""
    live = recording.live_progress(job) or {}
    done = live.get("done", job.progress_done)
    total = live.get("total", job.progress_total)
    data = {
        "uuid": str(job.uuid),
        "kind": "backup" if isinstance(job, BackupJob) else "restore",
        "status": job.status,
        "phase": live.get("phase", job.phase),
        "progress_done": done,
        "progress_total": total,
        "percent": 100.0 if job.status == JobStatus.COMPLETED else _percent(done, total),
        "triggered_by": job.triggered_by.username if job.triggered_by else None,
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
        "error": job.error,
        "result": job.result,
        "runner": job.runner,
    }
    if isinstance(job, BackupJob):
        data.update(
            backup_type=job.backup_type,
            origin=job.origin,
            configuration=job.configuration.name if job.configuration else None,
            **{name: getattr(job, name) for name in PACKAGE_FIELDS},
            filename=Path(job.path).name if job.path else "",
            exists=bool(job.path) and Path(job.path).exists(),
            verification={
                "state": job.verification_state,
                "at": _iso(job.verified_at),
                "by": job.verified_by.username if job.verified_by else None,
                "error": job.verification_error,
            },
        )
    else:
        data.update(
            mode=job.mode,
            source_name=_source_name(job.source_path),
            source_sha256=job.source_sha256,
            conflict_policy=job.conflict_policy,
            only_groups=job.only_groups,
            reason=job.reason,
            plan=job.plan,
        )
    return data


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _percent(done: int, total: int) -> float:
    return round(100 * done / total, 1) if total else 0.0


def _source_name(path: str) -> str:
    """The name a package was uploaded under (uploads are kept as `<random>--<name>`)."""
    name = Path(path).name
    return name.partition("--")[2] or name
