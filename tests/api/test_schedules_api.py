"""Scheduled backups through the API: validated and audited like on the command line."""

from __future__ import annotations

from edms.audit.models import AuditTrail
from edms.backup.models import BackupConfiguration


def test_schedules_are_created_changed_and_deleted_with_audit_entries(staff, login):
    """GIVEN staff WHEN they create a schedule (type in capitals), change its retention and
    delete it THEN each answer is as REST expects and each change is in the audit trail."""
    client = login(staff)

    created = client.post(
        "/api/v1/backup/configurations/",
        {"name": "nightly", "backup_type": "FULL", "schedule": "0 2 * * *"},
        format="json",
    )
    url = f"/api/v1/backup/configurations/{created.json()['id']}/"
    changed = client.patch(url, {"keep_last": 14}, format="json")
    deleted = client.delete(url)

    assert created.status_code == 201, created.content
    assert created.json()["backup_type"] == "full"
    assert changed.json()["keep_last"] == 14
    assert deleted.status_code == 204
    assert not BackupConfiguration.objects.exists()
    assert list(
        AuditTrail.objects.filter(action__startswith="BACKUP_CONFIGURATION").values_list(
            "action", flat=True
        )
    ) == [
        "BACKUP_CONFIGURATION_CREATED",
        "BACKUP_CONFIGURATION_UPDATED",
        "BACKUP_CONFIGURATION_DELETED",
    ]


def test_a_bad_cron_expression_or_a_rename_is_refused_and_nothing_changes(staff, login):
    """GIVEN staff and one schedule WHEN they create another with 'every night' as schedule,
    or try to rename the first THEN both answers are 400 saying why, and nothing changed."""
    client = login(staff)
    nightly = client.post(
        "/api/v1/backup/configurations/",
        {"name": "nightly", "backup_type": "full", "schedule": "0 2 * * *"},
        format="json",
    ).json()
    entries = AuditTrail.objects.count()

    bad_cron = client.post(
        "/api/v1/backup/configurations/",
        {"name": "weekly", "backup_type": "full", "schedule": "every night"},
        format="json",
    )
    renamed = client.patch(
        f"/api/v1/backup/configurations/{nightly['id']}/", {"name": "daily"}, format="json"
    )

    assert bad_cron.status_code == 400
    assert "not a cron expression" in bad_cron.json()["schedule"][0]
    assert renamed.status_code == 400
    assert "keeps its name" in renamed.json()["name"][0]
    assert list(BackupConfiguration.objects.values_list("name", flat=True)) == ["nightly"]
    assert AuditTrail.objects.count() == entries
