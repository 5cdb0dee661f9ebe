"""The one owner of job state: `recorded(job)` marks a job running, then completed or failed
with its error and timing; `verification_recorded(job)` does the same for the verification of a
package. Services only return reports.

Every start first cleans up what dead runs left (`clean_dead_runs`): their jobs are marked
failed as interrupted (`reap_orphans`, also when jobs are read), their spool folders and partial
files removed, and the stored files a killed restore or reinit left unreferenced removed. A
runner is ``host:pid:start`` (`lock.this_runner`), so a reused process id is no live runner.
Live progress goes to the cache, not to the row: backup and restore report
progress from inside their own database transaction, where a row update would stay invisible
until the end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from edms.backup import lock
from edms.backup.errors import BackupError, OperationInProgress
from edms.backup.models import BackupJob, JobStatus, RestoreJob, VerificationState
from edms.backup.package import sidecar
from edms.backup.restore.files import recover_interrupted
from edms.backup.spool import remove_dead_spools
from edms.backup.target import LIVE
from edms.core.progress import NO_PROGRESS, Progress

PROGRESS_INTERVAL = 0.25  # seconds between two cache writes of one job's progress
INTERRUPTED = (
    "interrupted: the process running this job stopped before it finished; what it had "
    "changed was undone and what it left behind removed"
)
ACTIVE = (JobStatus.PENDING, JobStatus.RUNNING)

threads: dict[str, threading.Thread | None] = {}  # uuid -> thread, for jobs the runner threads
running_here: set[str] = set()  # uuids of the jobs running in this process now

Job = BackupJob | RestoreJob


def this_runner() -> str:
    """Host, process id and start time, so another process can tell whether the runner died."""
    return lock.this_runner()


@contextmanager
def recorded(job: Job, progress: Progress = NO_PROGRESS) -> Iterator[Progress]:
    """Run the block as `job`: running now, then completed or failed with the error. Yields a
    progress callback that publishes live progress and also calls `progress`."""
    with _running_here(job):
        clean_dead_runs()
        save(job, status=JobStatus.RUNNING, started_at=timezone.now(), runner=this_runner())
        try:
            yield publishing(job, progress)
        except BaseException as exc:
            failed_at = timezone.now()
            save(job, status=JobStatus.FAILED, error=describe_error(exc), finished_at=failed_at)
            raise
        else:
            save(job, status=JobStatus.COMPLETED, phase="done", finished_at=timezone.now())
        finally:
            cache.delete(progress_key(job))


@contextmanager
def verification_recorded(
    job: BackupJob, user=None, progress: Progress = NO_PROGRESS
) -> Iterator[Progress]:
    """Record a verification of `job`'s package: running, then passed or failed (the block
    raises a BackupError to fail it). The package's sidecar gets the same state."""
    with _running_here(job):
        clean_dead_runs()
        save(job, verification_state=VerificationState.RUNNING, runner=this_runner())
        try:
            yield publishing(job, progress)
        except BaseException as exc:
            verified(job, VerificationState.FAILED, describe_error(exc), user)
            raise
        else:
            verified(job, VerificationState.PASSED, "", user)
        finally:
            cache.delete(progress_key(job))


@contextmanager
def _running_here(job: Job) -> Iterator[None]:
    """Known to this process while it runs, so `reap_orphans` here never fails it."""
    key = str(job.uuid)
    running_here.add(key)
    try:
        yield
    finally:
        running_here.discard(key)


def verified(job: BackupJob, state: str, error: str, user) -> None:
    """Record a finished verification on the job and in its package's sidecar."""
    save(
        job,
        verification_state=state,
        verification_error=error,
        verified_at=timezone.now(),
        verified_by=user if user is not None and user.pk else None,
    )
    if job.path and Path(job.path).exists():
        sidecar.update(
            Path(job.path),
            verification={
                "state": state,
                "at": job.verified_at.isoformat(),
                "by": getattr(job.verified_by, "username", ""),
                "error": error,
            },
        )


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, BackupError):
        return str(exc)
    if isinstance(exc, KeyboardInterrupt | SystemExit):
        return str(exc) or f"stopped ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}"


def save(job: Job, **fields) -> None:
    """Set fields on the instance and save it. A reinit deletes job rows, its own included:
    saving writes the row again, without a user the reinit removed."""
    for name, value in fields.items():
        setattr(job, name, value)
    user_model = type(job)._meta.get_field("triggered_by").related_model
    for name in ("triggered_by", "verified_by"):
        user_id = getattr(job, f"{name}_id", None)
        if user_id is not None and not user_model._base_manager.filter(pk=user_id).exists():
            setattr(job, name, None)
    job.save()


def progress_key(job: Job) -> str:
    return f"edms:job-progress:{job._meta.label_lower}:{job.uuid}"


def publishing(job: Job, also: Progress) -> Progress:
    """Publish (phase, done, total) to the cache, at most every 0.25 s per job unless the phase
    changes or completes, and pass every call on to `also`."""
    key, last = progress_key(job), {"phase": None, "at": 0.0}

    def report(phase: str, done: int, total: int) -> None:
        also(phase, done, total)
        now = time.monotonic()
        if phase == last["phase"] and done < total and now - last["at"] < PROGRESS_INTERVAL:
            return
        last.update(phase=phase, at=now)
        cache.set(key, {"phase": phase, "done": done, "total": total}, timeout=24 * 3600)

    return report


def live_progress(job: Job) -> dict | None:
    """The latest progress a job (or a backup's verification) published while it runs."""
    return cache.get(progress_key(job))


def clean_dead_runs() -> None:
    """What every start does first: fail the jobs of dead runners, remove the spools and
    partial files of dead backups, the sidecars dead processes were writing and, unless a
    restore or reinit runs now, the stored files a killed one placed or meant to remove that no
    record refers to."""
    reap_orphans()
    remove_dead_spools()
    remove_dead_sidecar_partials()
    try:
        with lock.exclusive_operation("cleanup after an interrupted run"):
            recover_interrupted(LIVE)
    except OperationInProgress:
        pass  # the files in its journal are the running restore's own


def remove_dead_sidecar_partials() -> None:
    """In the backups directory and wherever this server's jobs wrote a package."""
    elsewhere = BackupJob.objects.exclude(path="").order_by().values_list("path", flat=True)
    for directory in {Path(settings.BACKUP_DIR), *(Path(path).parent for path in elsewhere)}:
        for partial in sidecar.dead_partials(directory, lock.runner_gone):
            partial.unlink(missing_ok=True)


def reap_orphans() -> int:
    """Mark failed the active jobs and verifications whose runner process is gone; return how
    many."""
    reaped = 0
    for model in (BackupJob, RestoreJob):
        for job in model.objects.filter(status__in=ACTIVE).exclude(runner=""):
            if _runner_gone(job.runner, str(job.uuid)):
                reaped += model.objects.filter(pk=job.pk, status__in=ACTIVE).update(
                    status=JobStatus.FAILED, finished_at=timezone.now(), error=INTERRUPTED
                )
    running = BackupJob.objects.filter(verification_state=VerificationState.RUNNING)
    for job in running.exclude(runner=""):
        if _runner_gone(job.runner, str(job.uuid)):
            verified(job, VerificationState.FAILED, INTERRUPTED, None)
            reaped += 1
    return reaped


def _runner_gone(runner: str, job_uuid: str) -> bool:
    mine = this_runner()
    if runner in (mine, mine.rpartition(":")[0]):
        return job_uuid not in threads and job_uuid not in running_here
    return lock.runner_gone(runner)
