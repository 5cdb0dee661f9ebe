"""Health judged from the backup catalog: the packages on disk and their sidecars."""

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from edms.audit.models import AuditTrail
from edms.backup.models import BackupJob, JobStatus
from edms.backup.operations.health import duration, health_summary
from edms.backup.operations.jobs import run_backup
from edms.backup.package import sidecar
from edms.backup.reinit import reinit

pytestmark = pytest.mark.django_db


def messages(summary: dict) -> list[str]:
    return [problem["message"] for problem in summary["problems"]]


def made_ago(job: BackupJob, hours: float) -> None:
    """Pretend the package was written `hours` ago, as its sidecar says."""
    when = timezone.now() - dt.timedelta(hours=hours)
    sidecar.update(Path(job.path), created_at=when.isoformat())


def test_a_new_install_warns_that_it_has_no_backup(storage_root):
    """GIVEN a new install WHEN health is checked THEN the database is reachable, the audit
    chain is fine, and the status is warning because no backup exists yet."""
    summary = health_summary()

    assert summary["status"] == "warning"
    assert messages(summary) == ["no backup has been made yet"]
    assert summary["last_backup"] is None and summary["backup_overdue"] is True
    assert summary["database"]["reachable"] is True
    assert summary["audit_chain"]["status"] == "ok"


def test_a_fresh_verified_backup_makes_it_ok(effective_document):
    """GIVEN a document with its file and a full, verified backup just taken WHEN health is
    checked THEN it is ok: the package is named with its age, free space is reported for the
    backup and storage directories, and the storage holds the one document file."""
    job = run_backup("full", verify=True)

    summary = health_summary()

    assert summary["status"] == "ok", summary["problems"]
    assert summary["last_backup"]["name"] == Path(job.path).name
    assert summary["last_backup"]["job"] == str(job.uuid)
    assert summary["last_backup"]["verified"] is True
    assert summary["last_backup"]["age"].endswith(" s")
    assert summary["last_backup_age_hours"] < 0.1 and summary["backup_overdue"] is False
    assert summary["catalog"]["count"] == 1 and summary["catalog"]["verified"] == 1
    assert summary["storage"]["file_count"] == 1
    for place in ("backup_dir", "storage_root"):
        assert 0 < summary["disk"][place]["free_bytes"] <= summary["disk"][place]["total_bytes"]
    assert summary["audit_chain"]["checked_entries"] == AuditTrail.objects.count()


def test_an_unverified_backup_counts_but_warns(storage_root):
    """GIVEN only a backup that was never verified WHEN health is checked THEN it is the last
    backup, not overdue, and the status is warning, naming the package to verify."""
    job = run_backup("database")

    summary = health_summary()

    name = Path(job.path).name
    assert summary["status"] == "warning"
    assert summary["last_backup"]["name"] == name and summary["backup_overdue"] is False
    assert messages(summary) == [
        f"no backup has passed verification; the newest, {name}, is not verified "
        "(verify it on the Backups page)"
    ]


def test_an_old_backup_is_overdue_against_the_configured_age(storage_root, settings):
    """GIVEN the last verified backup was made 30 hours ago
    WHEN health is checked with the default limit (26 h) THEN it warns the backup is overdue,
    in hours; WHEN the limit is 48 h THEN it is ok."""
    job = run_backup("database", verify=True)
    made_ago(job, 30)

    overdue = health_summary()
    settings.BACKUP_MAX_AGE_HOURS = 48
    relaxed = health_summary()

    assert overdue["status"] == "warning" and overdue["backup_overdue"] is True
    assert messages(overdue) == [
        f"the last good backup, {Path(job.path).name}, was made 30 h ago (limit 26 h)"
    ]
    assert overdue["last_backup_age_hours"] == 30.0
    assert relaxed["status"] == "ok" and relaxed["backup_overdue"] is False


def test_a_package_that_failed_verification_is_named_and_not_counted(storage_root):
    """GIVEN a verified backup, then a newer one whose verification failed (damaged on disk)
    WHEN health is checked THEN the status is warning naming the damaged package and why, and
    the last good backup is the older, verified one."""
    good = run_backup("database", verify=True)
    damaged = run_backup("database")
    sidecar.update(
        Path(damaged.path),
        verification={"state": "failed", "at": timezone.now().isoformat(), "error": "truncated"},
    )

    summary = health_summary()

    assert summary["status"] == "warning"
    assert messages(summary) == [f"backup {Path(damaged.path).name} failed verification: truncated"]
    assert summary["last_backup"]["name"] == Path(good.path).name
    assert [p["name"] for p in summary["catalog"]["failed_verification"]] == [
        Path(damaged.path).name
    ]


def test_after_a_reinit_the_safety_backup_is_the_last_good_backup(effective_document):
    """GIVEN an installation with a document WHEN it is reinitialised (job rows cleared)
    THEN health still sees the verified safety backup the reinit wrote: ok, not overdue."""
    result = reinit(reason="year-end reset", admin_password="a-long-admin-password")
    assert not BackupJob.objects.exclude(path="").exists()

    summary = health_summary()

    assert summary["status"] == "ok", summary["problems"]
    assert summary["last_backup"]["name"] == Path(result.safety_backup_path).name
    assert summary["last_backup"]["origin"] == "reinit safety backup"
    assert summary["last_backup"]["verified"] is True and summary["backup_overdue"] is False


def test_failures_since_the_last_good_backup_are_listed(storage_root):
    """GIVEN a good backup, then a failed one WHEN health is checked
    THEN the failure is listed with its error and the status is warning; failures before the
    last good backup are not."""
    BackupJob.objects.create(backup_type="full", status=JobStatus.FAILED, error="old failure")
    run_backup("database", verify=True)
    BackupJob.objects.create(backup_type="full", status=JobStatus.FAILED, error="disk full")

    summary = health_summary()

    assert summary["status"] == "warning"
    assert [f["error"] for f in summary["recent_failures"]] == ["disk full"]
    assert messages(summary) == ["1 backup(s) failed since the last good one"]


def test_a_package_deleted_by_hand_is_not_counted(storage_root):
    """GIVEN two verified backups and the newer package deleted by hand WHEN health is
    checked THEN the older one, still on disk, is the last good backup."""
    older = run_backup("database", verify=True)
    newer = run_backup("database", verify=True)
    Path(newer.path).unlink()

    summary = health_summary()

    assert summary["last_backup"]["name"] == Path(older.path).name
    assert summary["catalog"]["count"] == 1 and summary["status"] == "ok"


def test_a_tampered_audit_entry_is_critical(effective_document):
    """GIVEN a fresh backup and then one audit entry edited in the database
    WHEN health is checked THEN the status is critical and names the altered entry."""
    run_backup("database", verify=True)
    entry = AuditTrail.objects.order_by("-sequence")[1]
    with connection.cursor() as cursor:  # as someone with database access would
        cursor.execute(
            f"UPDATE {AuditTrail._meta.db_table} SET object_repr = %s WHERE id = %s",
            ["SOP-9999", entry.pk],
        )

    summary = health_summary()

    assert summary["status"] == "critical"
    assert summary["audit_chain"]["status"] == "broken"
    assert summary["audit_chain"]["problem"] == f"entry #{entry.sequence} was altered"


def test_a_removed_newest_audit_entry_is_critical(effective_document):
    """GIVEN the newest audit entry deleted behind the system's back WHEN health is checked
    THEN the chain no longer ends at the recorded head: critical."""
    run_backup("database", verify=True)
    newest = AuditTrail.objects.order_by("-sequence").first()
    AuditTrail.objects.filter(pk=newest.pk)._raw_delete(AuditTrail.objects.db)

    summary = health_summary()

    assert summary["status"] == "critical"
    assert "but the head is" in summary["audit_chain"]["problem"]


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(45, "45 s"), (12 * 60 + 5, "12 min"), (3 * 3600 + 12 * 60, "3 h 12 min"),
     (30 * 3600, "30 h"), (4 * 86400 + 3 * 3600, "4 d 3 h")],
)  # fmt: skip
def test_ages_read_like_people_say_them(seconds, shown):
    """GIVEN a span WHEN health shows it THEN it reads as people say it, never raw seconds."""
    assert duration(dt.timedelta(seconds=seconds)) == shown


def test_monitoring_sees_the_status_and_staff_the_whole_summary(storage_root, make_user):
    """GIVEN a verified backup and a nightly schedule no scheduler checks
    WHEN monitoring asks /api/v1/backup/health/ without logging in THEN it gets only the status,
    when it was checked and the last backup's age; WHEN staff ask THEN they get the problems,
    the last backup, the schedules and the scheduler too."""
    from django.test import Client

    from edms.backup.operations import configurations

    run_backup("database", verify=True)
    configurations.create("nightly", backup_type="database", schedule="0 2 * * *")
    staff = Client()
    staff.force_login(make_user("admin01", "Administrator", is_staff=True))

    anonymous = Client().get("/api/v1/backup/health/").json()
    full = staff.get("/api/v1/backup/health/").json()

    assert set(anonymous) == {"status", "checked_at", "last_backup_age_hours", "backup_overdue"}
    assert anonymous["status"] == "warning" and anonymous["backup_overdue"] is False
    assert full["status"] == "warning"
    assert "is not running" in full["problems"][0]["message"]
    assert full["schedules"][0]["name"] == "nightly"
    assert full["scheduler"]["running"] is False and full["last_backup"]["verified"] is True
