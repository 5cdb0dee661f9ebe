"""Scheduled backups run by a real Celery worker on Redis, in a separate EDMS installation."""

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

BROKER = "redis://127.0.0.1:6379/0"

WAIT_FOR_JOBS = """
import json, time
from edms.backup.models import BackupJob
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    jobs = list(BackupJob.objects.order_by("created_at").values(
        "configuration__name", "status", "path", "error", "verified_at"))
    if {finished}:
        break
    time.sleep(0.2)
print(json.dumps(jobs, default=str))
"""
ALL_DONE = "len(jobs) >= {count} and all(j['status'] in ('completed', 'failed') for j in jobs)"


def wait_for_jobs(instance, finished: str) -> list[dict]:
    """The instance's backup jobs, once `finished` (a condition on `jobs`) holds or after 60 s."""
    script = WAIT_FOR_JOBS.format(finished=finished)
    return json.loads(instance.run("shell", "--no-imports", "-c", script).stdout)


@pytest.fixture
def celery_instance(new_instance):
    """A migrated installation with its own queue on the local Redis, and a Celery
    worker serving that queue; the worker is stopped afterwards."""
    try:
        redis.Redis.from_url(BROKER).ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    queue = f"edms-test-{uuid.uuid4().hex[:10]}"
    instance = new_instance("celery")
    instance.extra_env.update(EDMS_CELERY_BROKER_URL=BROKER, EDMS_CELERY_QUEUE=queue)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "edms", "worker", "--pool", "solo",
         "--queues", queue, "--hostname", f"{queue}@%h", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
        env=instance.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        yield instance
    finally:
        worker.terminate()
        log, _ = worker.communicate(timeout=30)
        redis.Redis.from_url(BROKER).delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )
    assert worker.returncode == 0, log


@pytest.mark.slow
def test_a_worker_runs_the_due_backups_that_beat_ticks_and_triggered_ones(celery_instance):
    """GIVEN an installation with documents, a nightly full-backup configuration that is due,
    another that is not, and a Celery worker on Redis
    WHEN the beat tick is sent and the other configuration is sent to run now
    THEN the worker writes both packages, they verify, and the due one's run is recorded."""
    instance = celery_instance
    instance.run("load_demo_data", "--password", "demo-pass-1234", "--documents", "3")
    for name, backup_type in (("nightly", "full"), ("on-demand", "database")):
        instance.run(
            "manage_backup_configs", "create", name, "--type", backup_type,
            "--schedule", "0 2 * * *",
        )  # fmt: skip
    instance.run(
        "shell",
        "--no-imports",
        "-c",
        "import datetime as dt;"
        "from django.utils import timezone;"
        "from edms.backup.models import BackupConfiguration as C;"
        "C.objects.filter(name='nightly').update(created_at=timezone.now() - dt.timedelta(days=2));"
        "from edms.backup.operations.tasks import tick, run_scheduled_backup;"
        "tick.delay();"
        "run_scheduled_backup.delay(C.objects.get(name='on-demand').pk)",
    )

    jobs = sorted(
        wait_for_jobs(instance, ALL_DONE.format(count=2)), key=lambda j: j["configuration__name"]
    )

    assert [(j["configuration__name"], j["status"]) for j in jobs] == [
        ("nightly", "completed"),
        ("on-demand", "completed"),
    ], jobs
    for job in jobs:
        report = json.loads(instance.run("verify_backup", job["path"], "--json").stdout)
        assert report["ok"] is True
    nightly_report = json.loads(instance.run("verify_backup", jobs[0]["path"], "--json").stdout)
    assert nightly_report["manifest"]["file_count"] >= 3
    shown = json.loads(instance.run("manage_backup_configs", "show", "nightly", "--json").stdout)
    assert shown["last_run_at"] is not None


@pytest.mark.slow
def test_a_worker_runs_api_jobs_and_retention(celery_instance):
    """GIVEN a pending backup job as the API creates it, and a configuration with two backups
    whose retention was then lowered to keep 1
    WHEN the job is started as the API starts it (a broker is configured, so it goes to the
    worker) and the retention is sent to the worker
    THEN the job completes with a verified package, run by the worker, and the older backup is
    pruned."""
    instance = celery_instance
    instance.run("manage_backup_configs", "create", "weekly", "--type", "database",
                 "--schedule", "0 3 * * 0")  # fmt: skip
    instance.run("trigger_backup", "weekly")
    instance.run("trigger_backup", "weekly")
    instance.run("manage_backup_configs", "update", "weekly", "--keep-last", "1")
    older, newer = wait_for_jobs(instance, ALL_DONE.format(count=2))
    instance.run(
        "shell",
        "--no-imports",
        "-c",
        "from django.db import transaction;"
        "from edms.backup.operations import runner;"
        "from edms.backup.models import BackupJob, BackupConfiguration as C;"
        "from edms.backup.operations.tasks import prune;"
        "atomic = transaction.atomic(); atomic.__enter__();"
        "job = BackupJob.objects.create(backup_type='full');"
        "runner.start('backup', job, {'verify': True});"
        "atomic.__exit__(None, None, None);"
        "from edms.backup.operations import recording;"
        "assert not recording.threads, 'the job ran in a thread of this process';"
        "prune.delay(C.objects.get(name='weekly').pk)",
    )

    jobs = wait_for_jobs(
        instance, "len(jobs) == 2 and all(j['status'] == 'completed' for j in jobs)"
    )

    assert [j["configuration__name"] for j in jobs] == ["weekly", None], jobs
    assert jobs[0]["path"] == newer["path"]
    assert not Path(older["path"]).exists() and Path(newer["path"]).is_file()
    api_job = jobs[1]
    assert api_job["verified_at"] is not None
    assert json.loads(instance.run("verify_backup", api_job["path"], "--json").stdout)["ok"]
