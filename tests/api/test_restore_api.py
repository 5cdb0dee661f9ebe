"""Upload a backup, see the dry-run plan, confirm, follow the restore: through the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from edms.accounts.models import User
from edms.backup.models import RestoreJob
from edms.documents.models import Document
from tests.api.conftest import follow

pytestmark = pytest.mark.slow


@pytest.fixture
def package_then_reinit(effective_document, settings) -> Path:
    """A full backup of one effective SOP, then a reinit that empties the system and leaves
    a new admin whose password is 'pw-admin'."""
    from edms.backup.operations.jobs import run_backup
    from edms.backup.reinit import reinit

    package = Path(run_backup("full", verify=True).path)
    reinit(reason="test: start afresh", admin_password="pw-admin", safety_backup=False)
    assert not Document.objects.exists()
    return package


def upload(client, package: Path, **fields):
    data = {"backup_file": SimpleUploadedFile(package.name, package.read_bytes()), **fields}
    return client.post("/api/v1/backup/restores/restore_from_file/", data, format="multipart")


def test_dry_run_shows_the_plan_and_execute_restores_the_documents(package_then_reinit, login):
    """GIVEN a backup and a reinitialised system WHEN the new admin uploads the backup with
    dry_run=true THEN a 202 job ends with a plan to create the document and nothing is
    restored yet; WHEN the dry run is executed THEN the restore completes, the document is back
    and the uploaded file is removed."""
    client = login(User.objects.get(username="admin"))

    answer = upload(client, package_then_reinit, dry_run="true", reason="disaster drill")

    assert answer.status_code == 202, answer.content
    planned = follow(client, f"/api/v1/backup/restores/{answer.json()['uuid']}/")
    assert planned["status"] == "completed", planned["error"]
    assert planned["mode"] == "dry-run"
    assert planned["plan"]["documents.document"]["create"] == 1
    assert not Document.objects.exists()

    answer = client.post(
        f"/api/v1/backup/restores/{planned['uuid']}/execute/",
        {"reason": "disaster drill"},
        format="json",
    )

    assert answer.status_code == 202, answer.content
    restored = follow(client, f"/api/v1/backup/restores/{answer.json()['uuid']}/")
    assert restored["status"] == "completed", restored["error"]
    assert restored["mode"] == "merge"
    assert restored["percent"] == 100.0
    assert Document.objects.get().document_number == "SOP-0001"
    assert not Path(RestoreJob.objects.get(uuid=restored["uuid"]).source_path).exists()


def test_a_file_that_is_not_a_backup_is_refused_before_anything_starts(staff, login, settings):
    """GIVEN a staff member WHEN they upload a text file as a backup THEN the answer is 415
    (not a format EDMS reads) saying why, no restore job exists and no uploaded file is kept."""
    client = login(staff)

    answer = client.post(
        "/api/v1/backup/restores/restore_from_file/",
        {"backup_file": SimpleUploadedFile("notes.tar.zst", b"not a backup at all" * 100)},
        format="multipart",
    )

    assert answer.status_code == 415, answer.content
    assert answer.json()["detail"]
    assert not RestoreJob.objects.exists()
    assert not any((Path(settings.BACKUP_DIR) / "uploads").glob("*"))


def test_an_upload_over_the_size_limit_is_refused(staff, login, settings, tmp_path):
    """GIVEN an upload limit of 10 kB WHEN a 20 kB file is uploaded THEN the answer is 413
    naming the limit, and no job or file is left."""
    settings.MAX_UPLOAD_BYTES = 10_000
    settings.BACKUP_DIR = tmp_path / "backups"
    client = login(staff)

    answer = client.post(
        "/api/v1/backup/restores/restore_from_file/",
        {"backup_file": SimpleUploadedFile("big.tar.zst", b"x" * 20_000)},
        format="multipart",
    )

    assert answer.status_code == 413, answer.content
    assert "10000 bytes" in answer.json()["detail"]
    assert not RestoreJob.objects.exists()
    assert not (tmp_path / "backups" / "uploads").exists()


def test_a_failed_restore_keeps_the_upload_for_another_try(effective_document, staff, login):
    """GIVEN a backup, after which a user's e-mail changed WHEN the dry run is executed with
    conflict=fail THEN the restore fails naming the conflict and changes nothing; WHEN the same
    dry run is executed again with conflict=update THEN it completes and the e-mail is back."""
    from edms.backup.operations.jobs import run_backup

    package = Path(run_backup("full").path)
    User.objects.filter(username="author01").update(email="changed@example.org")
    client = login(staff)
    planned = follow(
        client, f"/api/v1/backup/restores/{upload(client, package, dry_run='true').json()['uuid']}/"
    )
    assert planned["plan"]["accounts.user"]["conflict"] >= 1

    def execute(conflict: str) -> dict:
        answer = client.post(
            f"/api/v1/backup/restores/{planned['uuid']}/execute/",
            {"conflict": conflict},
            format="json",
        )
        assert answer.status_code == 202, answer.content
        return follow(client, f"/api/v1/backup/restores/{answer.json()['uuid']}/")

    refused = execute("fail")
    assert refused["status"] == "failed"
    assert "author01" in refused["error"]
    assert User.objects.get(username="author01").email == "changed@example.org"

    assert execute("update")["status"] == "completed"
    assert User.objects.get(username="author01").email != "changed@example.org"


def test_a_clean_restore_keeps_the_operator_signed_in(effective_document, staff, login):
    """GIVEN staff holding a JWT and a backup that contains them WHEN they run a clean restore
    (every user deleted and loaded again, possibly under other row ids) THEN the restore
    completes and the same token still opens the API as the same person: tokens name users by
    uuid, which the restore keeps."""
    from edms.backup.operations.jobs import run_backup

    package = Path(run_backup("full").path)
    client = login(staff)
    planned = follow(
        client,
        f"/api/v1/backup/restores/"
        f"{upload(client, package, dry_run='true', clean='true').json()['uuid']}/",
    )

    answer = client.post(
        f"/api/v1/backup/restores/{planned['uuid']}/execute/",
        {"clean": True, "reason": "clean restore test"},
        format="json",
    )
    restored = follow(client, f"/api/v1/backup/restores/{answer.json()['uuid']}/")

    assert restored["status"] == "completed", restored["error"]
    assert restored["mode"] == "clean"
    assert restored["triggered_by"] == staff.username
    assert Document.objects.get().document_number == "SOP-0001"
