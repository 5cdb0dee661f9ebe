import datetime as dt
from pathlib import Path

from django.utils import timezone

from edms.backup.models import BackupJob, JobStatus
from edms.backup.operations.jobs import run_backup
from edms.backup.operations.retention import apply_retention


def backdate(job: BackupJob, days: int, hour: int = 0) -> None:
    """Pretend the job ran at `hour` o'clock, `days` days ago."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    created_at = midnight - dt.timedelta(days=days) + dt.timedelta(hours=hour)
    BackupJob.objects.filter(pk=job.pk).update(created_at=created_at)


def test_daily_retention_keeps_one_per_day_and_touches_nothing_else(configuration):
    """GIVEN a configuration keeping the last 1 and 3 daily, with two backups on each of the
    last five days; a manual backup; another configuration's old backup; an old failed run
    WHEN its retention is applied THEN it keeps the newest backup of each of the three newest
    days, deletes the rest of its own packages and sidecars, and leaves the manual backup,
    the other configuration's backup and the failed run alone."""
    daily = configuration("daily", keep_last=1, keep_daily=3)
    other = configuration("other", keep_last=1)
    own = []
    for day in range(5, 0, -1):
        for hour in (2, 12):
            job = run_backup("database", configuration=daily)
            backdate(job, day, hour)
            own.append(job)
    manual = run_backup("database")
    backdate(manual, 30)
    foreign = run_backup("database", configuration=other)
    backdate(foreign, 30)
    failed = BackupJob.objects.create(
        backup_type="database", configuration=daily, status=JobStatus.FAILED, error="disk full"
    )
    backdate(failed, 30)

    deleted = apply_retention(daily)

    kept = [job for job in own if BackupJob.objects.filter(pk=job.pk).exists()]
    # own is oldest first: own[-1] is yesterday 12:00, own[-3] and own[-5] noon of the days before
    assert kept == [own[-5], own[-3], own[-1]]
    assert sorted(deleted) == sorted(job.path for job in own if job not in kept)
    for job in own:
        assert Path(job.path).exists() is (job in kept)
        assert Path(job.path + ".metadata.json").exists() is (job in kept)
    for survivor in (manual, foreign):
        assert Path(survivor.path).is_file()
    assert BackupJob.objects.filter(pk__in=[manual.pk, foreign.pk, failed.pk]).count() == 3


def test_dry_run_names_what_would_go_and_deletes_nothing(configuration):
    """GIVEN three backups of a configuration keeping the last 1
    WHEN retention is applied as a dry run THEN it names the two older packages and every
    package and job is still there."""
    nightly = configuration("nightly", keep_last=1)
    jobs = [run_backup("database", configuration=nightly) for _ in range(3)]
    for age, job in zip((3, 2, 1), jobs, strict=True):
        backdate(job, age)

    would_go = apply_retention(nightly, dry_run=True)

    assert would_go == [jobs[0].path, jobs[1].path]
    assert all(Path(job.path).is_file() for job in jobs)
    assert BackupJob.objects.filter(configuration=nightly).count() == 3


def test_a_package_deleted_by_hand_does_not_count_as_kept(configuration):
    """GIVEN a configuration keeping the last 1, with two backups, the newer package deleted
    by hand WHEN retention is applied THEN the older package — the only one left — is kept."""
    nightly = configuration("nightly", keep_last=1)
    older = run_backup("database", configuration=nightly)
    backdate(older, 2)
    newer = run_backup("database", configuration=nightly)
    Path(newer.path).unlink()

    assert apply_retention(nightly) == []
    assert Path(older.path).is_file()
