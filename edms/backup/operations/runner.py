"""The three ways a job runs, and what happens to jobs whose runner died.

A job runs `inline` (now, in this thread: tests), in a worker `thread` after the
creating transaction commits (the embedded default), or on a `celery` worker (a broker is set).
Jobs carrying a secret never go to Celery: a broker would hold the secret in clear.

Each run is recorded by `recording.recorded`; a job made to run in this process names it as
its runner from the start, so a kill at any moment leaves nothing "pending" for ever.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import connection, transaction

from edms.backup.errors import BackupError, OperationInProgress
from edms.backup.lock import exclusive_operation
from edms.backup.models import BackupJob, RestoreJob
from edms.backup.operations import jobs, recording
from edms.celery import app as celery_app
from edms.celery import celery_enabled
from edms.core.models import InstanceIdentity

logger = logging.getLogger(__name__)

SECRET_OPTIONS = ("passphrase", "admin_password")
RUN_TASK = "edms.backup.run_job"


Job = BackupJob | RestoreJob


# --- starting ------------------------------------------------------------------------------


def start(kind: str, job: Job, options: dict | None = None, user=None) -> None:
    """Run a pending job with the configured runner (see the module docstring)."""
    options = options or {}
    mode = runner_mode(carries_secret=any(options.get(name) for name in SECRET_OPTIONS))
    user_id = user.pk if user is not None else None
    if mode == "inline":
        run(kind, job.pk, options, user_id)
    elif mode == "celery":
        recording.save(job, runner="")  # queued: a worker records itself when it takes the job
        transaction.on_commit(
            lambda: celery_app.send_task(RUN_TASK, args=(kind, job.pk, options, user_id))
        )
    else:
        key = str(job.uuid)
        recording.threads[key] = None
        recording.save(job, runner=recording.this_runner())

        def launch() -> None:
            thread = threading.Thread(
                target=_run_in_thread, args=(kind, job.pk, key, options, user_id), daemon=True
            )
            recording.threads[key] = thread
            thread.start()

        transaction.on_commit(launch)


def runner_mode(*, carries_secret: bool) -> str:
    """EDMS_JOB_RUNNER if set; else celery with a broker (never for a secret), else thread."""
    chosen = settings.JOB_RUNNER
    if chosen == "celery" or (not chosen and celery_enabled()):
        return "thread" if carries_secret else "celery"
    return chosen or "thread"


def _run_in_thread(kind: str, job_id: int, key: str, options: dict, user_id) -> None:
    try:
        run(kind, job_id, options, user_id)
    finally:
        connection.close()  # the thread's own connection; left open it would leak
        recording.threads.pop(key, None)


def run(kind: str, job_id: int, options: dict, user_id: int | None = None) -> None:
    """Do one job's work (`jobs.perform`). A failure ends up on the job; an unexpected one is
    logged too."""
    job = (BackupJob if kind in (jobs.BACKUP, jobs.VERIFY) else RestoreJob).objects.get(pk=job_id)
    try:
        jobs.perform(kind, job, options, user=_user(user_id))
    except BackupError:
        pass  # recorded on the job
    except Exception:
        logger.exception("%s job %s failed", kind, job_id)


def _user(user_id: int | None):
    if user_id is None:
        return None
    from django.contrib.auth import get_user_model

    return get_user_model()._base_manager.filter(pk=user_id).first()


def wait_for_jobs(timeout: float = 60) -> None:
    """Block until this process's job threads have finished (tests, orderly shutdown)."""
    deadline = time.monotonic() + timeout
    while (running := [t for t in list(recording.threads.values()) if t is not None]) and (
        time.monotonic() < deadline
    ):
        for thread in running:
            thread.join(max(0.0, deadline - time.monotonic()))


def admit_exclusive() -> None:
    """Refuse (OperationInProgress) while a restore or reinit is pending or running anywhere.

    Call inside the transaction that creates the new job: the instance row lock makes two
    concurrent requests take turns, so only one of them can pass."""
    InstanceIdentity.current(for_update=True)
    recording.clean_dead_runs()
    active = RestoreJob.objects.filter(status__in=recording.ACTIVE).first()
    if active is not None:
        raise OperationInProgress(
            f"a {active.mode} job ({active.uuid}) is {active.status}; "
            "wait for it to finish, then try again"
        )
    with exclusive_operation("api-admission"):
        pass  # a restore or reinit started from the command line holds the operation lock
