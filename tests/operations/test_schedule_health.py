"""Health watches the schedules: late runs, failing runs and a scheduler that stopped checking."""

import datetime as dt

import pytest
from django.utils import timezone

from edms.backup.models import BackupConfiguration, BackupJob, JobStatus
from edms.backup.operations import schedule
from edms.backup.operations.health import health_summary
from edms.backup.operations.jobs import run_backup


@pytest.fixture
def verified_backup(db, storage_root):
    """A fresh, verified backup, so only the schedules can make health complain."""
    return run_backup("database", verify=True)


def problems(summary: dict) -> list[tuple[str, str]]:
    return [(p["severity"], p["message"]) for p in summary["problems"]]


def last_ran(configuration: BackupConfiguration, ago: dt.timedelta) -> None:
    BackupConfiguration.objects.filter(pk=configuration.pk).update(last_run_at=timezone.now() - ago)


def daily_an_hour_ago() -> str:
    """A daily cron line whose time of day was an hour ago."""
    then = timezone.now() - dt.timedelta(hours=1)
    return f"{then.minute} {then.hour} * * *"


def test_a_schedule_turns_health_to_warning_then_critical_as_runs_are_missed(
    configuration, verified_backup
):
    """GIVEN a daily schedule whose time was an hour ago, and a scheduler that checks
    WHEN it ran then THEN health is ok and the schedule is on time; WHEN it last ran the day
    before (today's run missed by more than the grace) THEN warning, naming the schedule;
    WHEN it last ran two days ago (yesterday's run missed too) THEN critical."""
    daily = configuration("daily", schedule=daily_an_hour_ago())
    schedule.record_heartbeat(60)

    last_ran(daily, dt.timedelta(minutes=59))
    on_time = health_summary()
    last_ran(daily, dt.timedelta(days=1))
    one_missed = health_summary()
    last_ran(daily, dt.timedelta(days=2))
    two_missed = health_summary()

    assert on_time["status"] == "ok", on_time["problems"]
    assert on_time["schedules"][0]["missed_runs"] == 0
    assert one_missed["status"] == "warning"
    [(severity, message)] = problems(one_missed)
    assert severity == "warning" and message == (
        "schedule daily is overdue: its run due 1 h ago has not happened"
    )
    assert two_missed["status"] == "critical"
    assert problems(two_missed)[0][1].endswith("and it has missed the next one too")
    assert two_missed["schedules"][0]["missed_runs"] == 2


def test_a_disabled_schedule_is_never_overdue(configuration, verified_backup):
    """GIVEN a nightly schedule created two days ago but disabled, and no scheduler
    WHEN health is checked THEN it is ok: nothing is expected to run."""
    configuration("paused", created=dt.timedelta(days=2), is_enabled=False)

    summary = health_summary()

    assert summary["status"] == "ok", summary["problems"]
    assert summary["schedules"][0]["enabled"] is False


def test_failing_runs_turn_health_to_warning_then_critical(configuration, verified_backup):
    """GIVEN a schedule on time WHEN its latest backup failed THEN warning with the error;
    WHEN the two latest failed THEN critical; WHEN the next one succeeds THEN ok again."""
    nightly = configuration("nightly")
    schedule.record_heartbeat(60)

    def job(status: str, error: str = "") -> None:
        BackupJob.objects.create(
            backup_type="database", configuration=nightly, status=status, error=error
        )

    job(JobStatus.FAILED, "disk full")
    once = health_summary()
    job(JobStatus.FAILED, "disk still full")
    twice = health_summary()
    job(JobStatus.COMPLETED)
    recovered = health_summary()

    assert problems(once) == [("warning", "schedule nightly: its last backup failed: disk full")]
    assert problems(twice) == [
        ("critical", "schedule nightly: its last 2 backups failed: disk still full")
    ]
    assert recovered["status"] == "ok", recovered["problems"]


def test_a_silent_scheduler_turns_health_to_warning(configuration, verified_backup):
    """GIVEN an enabled schedule WHEN no scheduler ever checked THEN warning: the scheduler is
    not running; WHEN it checked just now THEN ok; WHEN its last check is older than two of its
    intervals THEN warning again, saying how long ago it checked."""
    configuration("nightly")

    never = health_summary()
    schedule.record_heartbeat(60)
    fresh = health_summary()
    schedule.record_heartbeat(60, now=timezone.now() - dt.timedelta(minutes=3))
    stale = health_summary()

    assert problems(never) == [
        (
            "warning",
            "the backup scheduler (edms backup_scheduler) is not running: it has never checked, "
            "it should check every 1 min; scheduled backups will not run",
        )
    ]
    assert fresh["status"] == "ok" and fresh["scheduler"]["running"] is True
    assert stale["status"] == "warning" and stale["scheduler"]["running"] is False
    assert "its last check was 3 min ago" in problems(stale)[0][1]


def test_without_schedules_no_scheduler_is_needed(verified_backup):
    """GIVEN no schedule and no scheduler WHEN health is checked THEN it is ok."""
    summary = health_summary()

    assert summary["status"] == "ok", summary["problems"]
    assert summary["scheduler"]["running"] is False
