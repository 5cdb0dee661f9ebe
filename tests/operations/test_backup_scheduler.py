import datetime as dt
import json
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from edms.backup.models import BackupConfiguration, BackupJob, JobStatus
from edms.backup.operations import catalog, schedule
from edms.backup.operations.schedule import claim, due_configurations
from edms.backup.verify import verify_package

TWO_DAYS = dt.timedelta(days=2)


def scheduler_once() -> list[dict]:
    out = StringIO()
    call_command("backup_scheduler", "--once", "--json", stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_once_runs_only_the_due_enabled_configurations(configuration, effective_document):
    """GIVEN a nightly configuration created two days ago (due), one created just now (its
    02:00 has not come), and a disabled one that would be due
    WHEN the scheduler runs once THEN only the due one runs: a completed, verified package that
    re-verifies, linked to its configuration, and its last run is recorded; a second pass at
    once runs nothing."""
    nightly = configuration("nightly", created=TWO_DAYS)
    configuration("fresh", schedule="0 2 * * *")
    configuration("paused", created=TWO_DAYS, is_enabled=False)

    runs = scheduler_once()

    assert [(run["configuration"], run["ok"]) for run in runs] == [("nightly", True)]
    job = BackupJob.objects.get()
    assert (job.configuration, job.status, job.backup_type) == (
        nightly,
        JobStatus.COMPLETED,
        "database",
    )
    assert job.verified_at is not None  # configurations verify by default
    assert runs[0]["path"] == job.path and Path(job.path).is_file()
    assert verify_package(Path(job.path)).ok
    assert BackupConfiguration.objects.get(name="nightly").last_run_at is not None
    assert scheduler_once() == []


def test_every_check_leaves_a_heartbeat(db, storage_root):
    """GIVEN no schedule at all WHEN the scheduler checks once with --interval 300
    THEN its heartbeat says when it checked, that the next check comes within 300 s, and who
    checked."""
    before = dt.datetime.now(dt.UTC)

    call_command("backup_scheduler", "--once", "--interval", "300", stdout=StringIO())

    beat = schedule.last_heartbeat()
    assert dt.datetime.fromisoformat(beat["at"]) >= before
    assert beat["interval"] == 300 and ":" in beat["runner"]


def test_one_failing_configuration_does_not_stop_the_others(configuration, monkeypatch):
    """GIVEN two due configurations, one asking for encryption with no key configured
    WHEN the scheduler runs once THEN the other still backs up, the failure is recorded as a
    failed job naming what to set, and the command exits non-zero."""
    monkeypatch.delenv("EDMS_BACKUP_RECIPIENTS", raising=False)
    monkeypatch.delenv("EDMS_BACKUP_PASSPHRASE", raising=False)
    configuration("a-encrypted", created=TWO_DAYS, encrypt=True)
    configuration("b-plain", created=TWO_DAYS)
    err = StringIO()

    with pytest.raises(CommandError, match="1 scheduled backup"):
        call_command("backup_scheduler", "--once", stdout=StringIO(), stderr=err)

    failed = BackupJob.objects.get(configuration__name="a-encrypted")
    assert failed.status == JobStatus.FAILED
    assert "EDMS_BACKUP_RECIPIENTS" in failed.error and "EDMS_BACKUP_PASSPHRASE" in err.getvalue()
    done = BackupJob.objects.get(configuration__name="b-plain")
    assert done.status == JobStatus.COMPLETED and Path(done.path).is_file()


def test_a_run_claimed_by_another_scheduler_is_not_started_twice(configuration):
    """GIVEN a due configuration seen by two schedulers at once
    WHEN the first runs it THEN the second's claim fails, so it does not run it again."""
    configuration("nightly", created=TWO_DAYS)
    seen_by_second = due_configurations()

    scheduler_once()

    assert [c.name for c in seen_by_second] == ["nightly"]
    assert claim(seen_by_second[0], seen_by_second[0].created_at) is False
    assert BackupJob.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_schedulers_racing_fire_a_due_schedule_once(configuration, monkeypatch):
    """GIVEN a due configuration and two schedulers that both find it due before either has
    claimed it WHEN both go on at the same moment THEN only one backs it up: one job, one
    package, and the other scheduler reports no run."""
    configuration("nightly", created=TWO_DAYS)
    both_looked = threading.Barrier(2, timeout=30)
    find_due = schedule.due_configurations

    def looking_together(now=None):
        due = find_due(now)
        both_looked.wait()
        return due

    monkeypatch.setattr(schedule, "due_configurations", looking_together)
    reports: list[list] = []

    def scheduler() -> None:
        try:
            reports.append(schedule.run_due())
        finally:
            connection.close()

    racing = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in racing:
        thread.start()
    for thread in racing:
        thread.join(timeout=120)

    assert sorted(len(runs) for runs in reports) == [0, 1]
    assert BackupJob.objects.count() == 1
    assert [entry.configuration for entry in catalog.entries()] == ["nightly"]


def test_a_non_positive_interval_is_refused(db):
    """GIVEN an operator's typo WHEN the scheduler is started with --interval 0
    THEN it refuses with a clear message instead of spinning."""
    with pytest.raises(CommandError, match="--interval must be a positive"):
        call_command("backup_scheduler", "--interval", "0")
