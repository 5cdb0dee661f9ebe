"""Creating, following, verifying and downloading a backup through the API."""

from __future__ import annotations

import hashlib

import pytest

from tests.api.conftest import follow

pytestmark = pytest.mark.slow


def test_create_backup_runs_in_background_and_reports_progress_and_result(
    staff, login, effective_document
):
    """GIVEN a staff member with a JWT and an effective document
    WHEN they POST jobs/create_backup/ with the seeds' form parameters (DATABASE in capitals)
    THEN the answer is 202 with a pending or running job, and polling its detail ends in
    completed with 100 %, the record counts and a package whose SHA-256 the download matches."""
    client = login(staff)

    answer = client.post(
        "/api/v1/backup/jobs/create_backup/",
        {"backup_type": "FULL", "compress": "true", "verify": "true"},
    )

    assert answer.status_code == 202, answer.content
    started = answer.json()
    assert started["status"] in ("pending", "running", "completed")  # the inline runner: done
    assert started["backup_type"] == "full"
    job = follow(client, f"/api/v1/backup/jobs/{started['uuid']}/")
    assert job["status"] == "completed", job["error"]
    assert job["percent"] == 100.0
    assert job["record_counts"]["documents.document"] == 1
    assert job["verification"]["state"] == "passed" and job["verification"]["at"]
    assert job["triggered_by"] == staff.username

    download = client.get(job["download_url"])
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == job["sha256"]
    assert len(body) == job["size"]


def test_verify_backup_records_the_verification(staff, login, effective_document):
    """GIVEN a completed backup WHEN a staff member POSTs jobs/{uuid}/verify_backup/ as JSON
    THEN the answer is 202 and the job ends with a passed verification: when, and by whom."""
    client = login(staff)
    created = client.post(
        "/api/v1/backup/jobs/create_backup/", {"backup_type": "database"}, format="json"
    ).json()
    url = f"/api/v1/backup/jobs/{created['uuid']}/"
    assert follow(client, url)["verification"]["state"] == "not-verified"

    answer = client.post(url + "verify_backup/", {}, format="json")

    assert answer.status_code == 202, answer.content
    from edms.backup.operations import runner

    runner.wait_for_jobs()
    job = client.get(url).json()
    assert job["verification"]["state"] == "passed"
    assert job["verification"]["by"] == staff.username and job["verification"]["at"]
    assert job["result"]["verification"]["ok"] is True
