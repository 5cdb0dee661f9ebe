import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from edms.backup.models import BackupConfiguration, BackupJob, JobStatus
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


def test_a_non_positive_interval_is_refused(db):
    """GIVEN an operator's typo WHEN the scheduler is started with --interval 0
    THEN it refuses with a clear message instead of spinning."""
    with pytest.raises(CommandError, match="--interval must be a positive"):
        call_command("backup_scheduler", "--interval", "0")
