"""Scheduled backups through the API: validated and audited like on the command line."""

from __future__ import annotations

from pathlib import Path

from edms.audit.models import AuditTrail
from edms.backup.models import BackupConfiguration, BackupJob
from tests.api.conftest import follow


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


def test_run_now_backs_up_as_the_schedule_says_and_applies_its_retention(
    staff, login, storage_root
):
    """GIVEN staff and a database schedule keeping the last 1 WHEN they press Run now twice
    THEN each answer is 202 with a scheduled job of that schedule, which completes with a
    verified package; the second run's retention removed the first package, and the schedule's
    own next run is not moved."""
    client = login(staff)
    nightly = client.post(
        "/api/v1/backup/configurations/",
        {"name": "nightly", "backup_type": "database", "schedule": "0 2 * * *", "keep_last": 1},
        format="json",
    ).json()
    url = f"/api/v1/backup/configurations/{nightly['id']}/run/"

    answers, jobs = [], []
    for _ in range(2):
        answers.append(client.post(url))
        jobs.append(follow(client, f"/api/v1/backup/jobs/{answers[-1].json()['uuid']}/"))

    assert [answer.status_code for answer in answers] == [202, 202], answers[0].content
    for job in jobs:
        assert (job["status"], job["configuration"], job["origin"]) == (
            "completed",
            "nightly",
            "scheduled",
        )
        assert job["verification"]["state"] == "passed" and job["triggered_by"] == "admin01"
    assert jobs[1]["result"]["pruned"] == [jobs[0]["path"]]
    assert not Path(jobs[0]["path"]).exists() and Path(jobs[1]["path"]).is_file()
    assert BackupConfiguration.objects.get().last_run_at is None


def test_run_now_of_a_missing_schedule_is_404(staff, login):
    """GIVEN staff WHEN they run a schedule that does not exist THEN 404, and no job starts."""
    answer = login(staff).post("/api/v1/backup/configurations/999/run/")

    assert answer.status_code == 404
    assert not BackupJob.objects.exists()
