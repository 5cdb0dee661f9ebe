"""Backup, verify, restore and reinit jobs, run in the background.

`run_job(kind, job_id, options)` does one job's work and takes only JSON values, so a Celery
task can run it as well as the worker thread `start()` uses now. Live progress goes to the
cache (`live_progress`), not to the job row: restore and backup report progress from inside
their own database transaction, where a row update would stay invisible until the end (and on
SQLite would wait for the very lock the job holds). The row gets status, timing and the final
report. A job whose process died is marked failed the next time jobs are read (`reap_orphans`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import orjson
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from edms.backup.create import create_backup
from edms.backup.errors import BackupError, OperationInProgress
from edms.backup.lock import exclusive_operation
from edms.backup.models import BackupJob, JobStatus, RestoreJob
from edms.backup.operations import tasks
from edms.backup.reinit import reinit
from edms.backup.restore.service import restore
from edms.backup.verify import verify_package
from edms.celery import celery_enabled
from edms.core.models import InstanceIdentity

logger = logging.getLogger(__name__)

ACTIVE = (JobStatus.PENDING, JobStatus.RUNNING)
PROGRESS_INTERVAL = 0.25  # seconds between two cache writes of one job's progress
REINIT_MODE = "reinit"
SECRET_OPTIONS = ("passphrase", "admin_password")

_threads: dict[str, threading.Thread | None] = {}  # job uuid -> its thread, in this process


def this_runner() -> str:
    """Who runs a job: host and process id, so another process can tell whether it died."""
    return f"{socket.gethostname()}:{os.getpid()}"


# --- starting jobs -------------------------------------------------------------------------


def start(kind: str, job: BackupJob | RestoreJob, options: dict | None = None) -> None:
    """Run the job once the transaction that created it has committed: on a Celery worker when
    a broker is configured, else in a worker thread of this process. Jobs carrying a secret
    (a passphrase, an admin password) always stay in this process: a broker would hold the
    secret in clear."""
    options = options or {}
    if celery_enabled() and not any(options.get(name) for name in SECRET_OPTIONS):
        transaction.on_commit(lambda: tasks.run_job.delay(kind, job.pk, options))
        return
    key = str(job.uuid)
    _threads[key] = None
    _claim(job)

    def launch() -> None:
        thread = threading.Thread(
            target=_run_in_thread, args=(kind, job.pk, key, options), name=f"edms-{kind}"
        )
        thread.daemon = True
        _threads[key] = thread
        thread.start()

    transaction.on_commit(launch)


def _run_in_thread(kind: str, job_id: int, key: str, options: dict) -> None:
    try:
        run_job(kind, job_id, options)
    finally:
        connection.close()  # the thread's own connection; left open it would leak
        _threads.pop(key, None)


def wait_for_jobs(timeout: float = 60) -> None:
    """Block until this process's job threads have finished (tests, orderly shutdown)."""
    deadline = time.monotonic() + timeout
    while (running := [t for t in list(_threads.values()) if t is not None]) and (
        time.monotonic() < deadline
    ):
        for thread in running:
            thread.join(max(0.0, deadline - time.monotonic()))


def admit_exclusive() -> None:
    """Refuse (OperationInProgress) while a restore or reinit is pending or running anywhere.

    Call inside the transaction that creates the new job: the instance row lock makes two
    concurrent requests take turns, so only one of them can pass."""
    InstanceIdentity.current(for_update=True)
    reap_orphans()
    active = RestoreJob.objects.filter(status__in=ACTIVE).first()
    if active is not None:
        raise OperationInProgress(
            f"a {active.mode} job ({active.uuid}) is {active.status}; "
            "wait for it to finish, then try again"
        )
    _probe_operation_lock()


def _probe_operation_lock() -> None:
    """A restore or reinit started from the command line holds the operation lock."""
    with exclusive_operation("api-admission"):
        pass


# --- running jobs --------------------------------------------------------------------------


def run_job(kind: str, job_id: int, options: dict | None = None) -> None:
    """Do the work of one job: mark it running, call its service, record the outcome.

    `options` carries what the job row has no field for (compression, passphrases); they are
    never stored."""
    options = options or {}
    runner = RUNNERS[kind]
    model = BackupJob if kind in ("backup", "verify") else RestoreJob
    job = model.objects.get(pk=job_id)
    _claim(job)
    if kind != "verify":
        _set(job, status=JobStatus.RUNNING, started_at=timezone.now())
    try:
        runner(job, options, progress_reporter(job))
    except Exception as exc:  # noqa: BLE001 - any failure must end up on the job, not in a log only
        message = str(exc) if isinstance(exc, BackupError) else f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, BackupError):
            logger.exception("%s job %s failed", kind, job_id)
        _fail(kind, model, job, message)
    finally:
        cache.delete(progress_key(job))


def _claim(job: BackupJob | RestoreJob) -> None:
    """Write who runs the job into it, for `reap_orphans` in other processes."""
    _set(job, result={**job.result, "runner": this_runner()})


def _set(job: BackupJob | RestoreJob, **fields) -> None:
    """Change the instance and the row alike (the service may save the instance later)."""
    for name, value in fields.items():
        setattr(job, name, value)
    type(job).objects.filter(pk=job.pk).update(**fields)


def _fail(kind: str, model, job, message: str) -> None:
    if kind == "verify":
        verification = {"state": "failed", "error": message}
        job.result = {**model.objects.get(pk=job.pk).result, "verification": verification}
        model.objects.filter(pk=job.pk).update(result=job.result, phase="verify failed")
        return
    fields = {"status": JobStatus.FAILED, "error": message, "finished_at": timezone.now()}
    if not model.objects.filter(pk=job.pk).update(**fields) and kind == "reinit":
        _recreate_reinit_job(job, **fields)


# --- progress ------------------------------------------------------------------------------


def progress_key(job: BackupJob | RestoreJob) -> str:
    return f"edms:job-progress:{job._meta.label_lower}:{job.uuid}"


def progress_reporter(job: BackupJob | RestoreJob) -> Callable[[str, int, int], None]:
    """A Progress callback that publishes (phase, done, total), at most every 0.25 s per job
    unless the phase changes or the phase is complete."""
    key, last = progress_key(job), {"phase": None, "at": 0.0}

    def report(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase == last["phase"] and done < total and now - last["at"] < PROGRESS_INTERVAL:
            return
        last.update(phase=phase, at=now)
        cache.set(key, {"phase": phase, "done": done, "total": total}, timeout=24 * 3600)

    return report


def live_progress(job: BackupJob | RestoreJob) -> dict | None:
    """The latest progress a job (or a backup's verification) published while it runs."""
    return cache.get(progress_key(job))


# --- crashed runners -----------------------------------------------------------------------


INTERRUPTED = "interrupted: the process running this job stopped before it finished"


def reap_orphans() -> int:
    """Mark failed the active jobs (and verifications) whose runner process is gone; return
    how many."""
    reaped = 0
    for model in (BackupJob, RestoreJob):
        for job in model.objects.filter(status__in=ACTIVE):
            if _runner_gone(job.result.get("runner", ""), str(job.uuid)):
                reaped += model.objects.filter(pk=job.pk, status__in=ACTIVE).update(
                    status=JobStatus.FAILED, finished_at=timezone.now(), error=INTERRUPTED
                )
    for job in BackupJob.objects.filter(result__verification__state="running"):
        if _runner_gone(job.result.get("runner", ""), str(job.uuid)):
            job.result = {**job.result, "verification": {"state": "failed", "error": INTERRUPTED}}
            job.save(update_fields=["result"])
            reaped += 1
    return reaped


def _runner_gone(runner: str, job_uuid: str) -> bool:
    host, _, pid = runner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine (a Celery worker) or unknown: cannot tell from here
    if int(pid) == os.getpid():
        return job_uuid not in _threads
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


# --- the work of each kind -----------------------------------------------------------------


def _run_backup(job: BackupJob, options: dict, progress) -> None:
    create_backup(
        job.backup_type,
        verify=options.get("verify", False),
        compression=options.get("compression", "zstd"),
        passphrase=options.get("passphrase"),
        user=job.triggered_by,
        configuration=job.configuration,
        progress=progress,
        job=job,
    )


def _run_verify(job: BackupJob, options: dict, progress) -> None:
    report = verify_package(Path(job.path), passphrase=options.get("passphrase"), progress=progress)
    verification = {"state": "passed" if report.ok else "failed", **as_json_dict(report)}
    job.refresh_from_db()
    job.result = {**job.result, "verification": verification}
    job.phase = "verified" if report.ok else "verify failed"
    if report.ok:
        job.verified_at = timezone.now()
    job.save(update_fields=["result", "verified_at", "phase"])


def _run_restore(job: RestoreJob, options: dict, progress) -> None:
    source = Path(job.source_path)
    restore(
        source,
        clean=job.mode == "clean" or options.get("clean", False),
        dry_run=job.mode == "dry-run",
        conflict=job.conflict_policy,
        only=job.only_groups or None,
        reason=job.reason,
        user=job.triggered_by,
        passphrase=options.get("passphrase"),
        progress=progress,
        job=job,
    )
    if job.mode != "dry-run":
        # Restored: the upload has served. After a failure it stays, so the dry run can be
        # executed again with other options; old uploads are pruned (api.prune_stale_uploads).
        source.unlink(missing_ok=True)


def _run_reinit(job: RestoreJob, options: dict, progress) -> None:
    """Reinit clears the job tables too, this job's row included: it is written again after."""
    result = reinit(
        reason=job.reason,
        user=job.triggered_by,
        admin_password=options.get("admin_password"),
        safety_backup=options.get("safety_backup", True),
        progress=progress,
    )
    fields = {
        "status": JobStatus.COMPLETED,
        "phase": "done",
        "finished_at": timezone.now(),
        "result": as_json_dict(result, drop=("admin_password", "password")),
    }
    if not RestoreJob.objects.filter(pk=job.pk).update(**fields):
        _recreate_reinit_job(job, **fields)


def _recreate_reinit_job(job: RestoreJob, **fields) -> None:
    RestoreJob.objects.update_or_create(
        uuid=job.uuid,
        defaults={
            "source_path": "",
            "mode": REINIT_MODE,
            "reason": job.reason,
            "created_at": job.created_at,
            "started_at": job.started_at,
            **fields,
        },
    )


def as_json_dict(report, drop: tuple[str, ...] = ()) -> dict:
    """A service's report object as JSON-ready data, without secrets."""
    if hasattr(report, "to_json") or hasattr(report, "as_json"):
        data = report.to_json() if hasattr(report, "to_json") else report.as_json()
    elif dataclasses.is_dataclass(report):
        data = dataclasses.asdict(report)
    else:
        data = dict(report)
    data = orjson.loads(orjson.dumps(data, default=str))
    return {k: v for k, v in data.items() if k not in drop}


RUNNERS: dict[str, Callable] = {
    "backup": _run_backup,
    "verify": _run_verify,
    "restore": _run_restore,
    "reinit": _run_reinit,
}
