"""The backup catalog through the API: every package on disk, whatever happened to the job
rows, and the actions on a package where it lies."""

from __future__ import annotations

from pathlib import Path

import pytest

from edms.accounts.models import User
from edms.audit.models import AuditTrail
from edms.backup.models import BackupJob
from edms.backup.operations.jobs import run_backup
from edms.backup.reinit import reinit
from edms.documents.models import Document
from tests.api.conftest import follow

CATALOG = "/api/v1/backup/catalog/"


def test_a_package_is_listed_with_its_origin_verification_and_contents(
    effective_document, staff, login
):
    """GIVEN a verified full backup WHEN staff list the catalog and open the package
    THEN it is listed as a manual, verified full backup with its SHA-256, and its detail shows
    the per-model counts and the migrations from the manifest; the server path is not shown."""
    job = run_backup("full", verify=True, user=staff)
    client = login(staff)

    listed = client.get(CATALOG).json()
    detail = client.get(f"{CATALOG}{Path(job.path).name}/").json()

    assert [(p["name"], p["origin"], p["verification_state"]) for p in listed] == [
        (Path(job.path).name, "manual", "passed")
    ]
    assert listed[0]["sha256"] == job.sha256 and listed[0]["created_by"] == "admin01"
    assert "path" not in listed[0]
    assert detail["contents"]["record_counts"]["documents.document"] == 1
    assert "documents" in detail["contents"]["migrations"]


def test_after_a_reinit_the_safety_backup_is_in_the_catalog_and_restores_where_it_lies(
    effective_document, login
):
    """GIVEN a system with one effective SOP WHEN it is re-initialised (job rows cleared)
    THEN the catalog lists the safety backup, verified; WHEN the new admin plans a restore of it
    by name and executes the plan THEN the SOP is back and the package is still in place."""
    reinit(reason="test: reinit then undo", admin_password="pw-admin")
    client = login(User.objects.get(username="admin"))
    assert not BackupJob.objects.exists() and not Document.objects.exists()

    [safety] = client.get(CATALOG).json()
    planned = client.post(f"{CATALOG}{safety['name']}/restore/", {"reason": "undo"}, format="json")

    assert (safety["origin"], safety["verification_state"]) == ("safety", "passed")
    assert planned.status_code == 202, planned.content
    plan = follow(client, f"/api/v1/backup/restores/{planned.json()['uuid']}/")
    assert plan["mode"] == "dry-run" and plan["plan"]["documents.document"]["create"] == 1
    executed = client.post(f"/api/v1/backup/restores/{plan['uuid']}/execute/", {}, format="json")
    restored = follow(client, f"/api/v1/backup/restores/{executed.json()['uuid']}/")
    assert restored["status"] == "completed", restored["error"]
    assert Document.objects.get().document_number == effective_document.document_number
    assert (Path(plan["result"]["source"])).is_file()


def test_a_package_from_before_a_reinit_can_be_verified_again(effective_document, login):
    """GIVEN a reinit's safety backup (no job row of its own) WHEN the new admin verifies it
    THEN the verification passes and is written to the package's sidecar and the catalog."""
    reinit(reason="test", admin_password="pw-admin")
    client = login(User.objects.get(username="admin"))
    [safety] = client.get(CATALOG).json()

    answer = client.post(f"{CATALOG}{safety['name']}/verify/", {}, format="json")

    assert answer.status_code == 202, answer.content
    job = follow(client, f"/api/v1/backup/jobs/{answer.json()['uuid']}/")
    assert job["verification"]["state"] == "passed" and job["verification"]["by"] == "admin"
    [after] = client.get(CATALOG).json()
    assert after["verification"]["by"] == "admin"


def test_deleting_is_audited_and_refused_for_the_newest_verified_and_held_packages(
    effective_document, staff, login
):
    """GIVEN two verified backups WHEN staff delete the newest THEN 409: it is the last proven
    one; WHEN they hold the older one and delete it THEN 409; WHEN they release it and delete it
    with a reason THEN 204, the files are gone and the audit trail names the package and why."""
    older = Path(run_backup("database", verify=True).path)
    newer = Path(run_backup("database", verify=True).path)
    client = login(staff)

    newest = client.post(f"{CATALOG}{newer.name}/delete/", {"reason": "tidy"}, format="json")
    held = client.post(f"{CATALOG}{older.name}/hold/", {"keep": True, "reason": "inspection"})
    refused = client.post(f"{CATALOG}{older.name}/delete/", {"reason": "tidy"}, format="json")
    client.post(f"{CATALOG}{older.name}/hold/", {"keep": False, "reason": "inspection over"})
    deleted = client.post(f"{CATALOG}{older.name}/delete/", {"reason": "tidy"}, format="json")

    assert newest.status_code == 409 and "newest verified" in newest.json()["detail"]
    assert held.status_code == 200 and held.json()["keep"] is True
    assert refused.status_code == 409 and "hold" in refused.json()["detail"]
    assert deleted.status_code == 204
    assert not older.exists() and newer.exists()
    entry = AuditTrail.objects.get(action="BACKUP_DELETED")
    assert (entry.username, entry.details["package"], entry.details["reason"]) == (
        "admin01",
        older.name,
        "tidy",
    )


@pytest.mark.parametrize("name", ["nothing-here.tar.zst", "..%2Fsecret_key", "%2Fetc%2Fpasswd"])
def test_a_name_not_in_the_catalog_is_404(staff, login, name):
    """GIVEN no such package WHEN staff ask for it, by any name THEN 404 naming the folder."""
    answer = login(staff).get(f"{CATALOG}{name}/")

    assert answer.status_code == 404, answer.content


def test_the_catalog_is_for_staff_only(people, login):
    """GIVEN an author WHEN they list the catalog THEN 403."""
    assert login(people["author"]).get(CATALOG).status_code == 403
