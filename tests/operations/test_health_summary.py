import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from edms.audit.models import AuditTrail
from edms.backup.create import create_backup
from edms.backup.models import BackupJob, JobStatus
from edms.backup.operations.health import health_summary

pytestmark = pytest.mark.django_db


def messages(summary: dict) -> list[str]:
    return [problem["message"] for problem in summary["problems"]]


def test_a_new_install_warns_that_it_has_no_backup(storage_root):
    """GIVEN a new install WHEN health is checked THEN the database is reachable, the audit
    chain is fine, and the status is warning because no backup exists yet."""
    summary = health_summary()

    assert summary["status"] == "warning"
    assert messages(summary) == ["no backup has been made yet"]
    assert summary["last_backup"] is None and summary["backup_overdue"] is True
    assert summary["database"]["reachable"] is True
    assert summary["audit_chain"]["status"] == "ok"


def test_a_fresh_good_backup_makes_it_ok(effective_document):
    """GIVEN a document with its file and a full backup just taken WHEN health is checked
    THEN it is ok: the backup is named with its age, free space is reported for the backup
    and storage directories, and the storage holds the one document file."""
    job = create_backup("full")

    summary = health_summary()

    assert summary["status"] == "ok", summary["problems"]
    assert summary["last_backup"]["uuid"] == str(job.uuid)
    assert summary["last_backup_age_hours"] < 0.1 and summary["backup_overdue"] is False
    assert summary["storage"]["file_count"] == 1
    for place in ("backup_dir", "storage_root"):
        assert 0 < summary["disk"][place]["free_bytes"] <= summary["disk"][place]["total_bytes"]
    assert summary["audit_chain"]["checked_entries"] == AuditTrail.objects.count()


def test_an_old_backup_is_overdue_against_the_configured_age(storage_root, settings):
    """GIVEN the last good backup finished 30 hours ago
    WHEN health is checked with the default limit (26 h) THEN it warns the backup is overdue
    WHEN the limit is 48 h THEN it is ok."""
    job = create_backup("database")
    BackupJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(hours=30))

    overdue = health_summary()
    settings.BACKUP_MAX_AGE_HOURS = 48
    relaxed = health_summary()

    assert overdue["status"] == "warning" and overdue["backup_overdue"] is True
    assert messages(overdue) == ["the last good backup is 30.0 hours old (limit 26.0)"]
    assert relaxed["status"] == "ok" and relaxed["backup_overdue"] is False


def test_failures_since_the_last_good_backup_are_listed(storage_root):
    """GIVEN a good backup, then a failed one WHEN health is checked
    THEN the failure is listed with its error and the status is warning; failures before the
    last good backup are not."""
    BackupJob.objects.create(backup_type="full", status=JobStatus.FAILED, error="old failure")
    create_backup("database")
    BackupJob.objects.create(backup_type="full", status=JobStatus.FAILED, error="disk full")

    summary = health_summary()

    assert summary["status"] == "warning"
    assert [f["error"] for f in summary["recent_failures"]] == ["disk full"]
    assert "1 backup(s) failed since the last good one" in messages(summary)


def test_a_backup_whose_file_is_gone_does_not_count(storage_root):
    """GIVEN two backups and the newer package deleted by hand WHEN health is checked
    THEN the older one is the last good backup and the missing file is reported."""
    older = create_backup("database")
    newer = create_backup("database")
    Path(newer.path).unlink()

    summary = health_summary()

    assert summary["last_backup"]["uuid"] == str(older.uuid)
    assert summary["status"] == "warning"
    assert f"backup {newer.uuid} is recorded but its file is gone: {newer.path}" in messages(
        summary
    )


def test_a_tampered_audit_entry_is_critical(effective_document):
    """GIVEN a fresh backup and then one audit entry edited in the database
    WHEN health is checked THEN the status is critical and names the altered entry."""
    create_backup("database")
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
    create_backup("database")
    newest = AuditTrail.objects.order_by("-sequence").first()
    AuditTrail.objects.filter(pk=newest.pk)._raw_delete(AuditTrail.objects.db)

    summary = health_summary()

    assert summary["status"] == "critical"
    assert "but the head is" in summary["audit_chain"]["problem"]
