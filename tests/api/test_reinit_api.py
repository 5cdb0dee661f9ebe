"""Reinit through the API: the plan, the typed confirmation, the job that survives its own
clearing of the job tables."""

from __future__ import annotations

import pytest
from django.conf import settings

from edms.accounts.models import User
from edms.backup.models import RestoreJob
from edms.documents.models import Document

pytestmark = pytest.mark.slow


def test_plan_lists_what_would_be_deleted_and_kept(staff, login, effective_document):
    """GIVEN one effective document WHEN staff GET backup/reinit/ THEN the plan says the
    document would be deleted and the document types kept, and names the instance."""
    answer = login(staff).get("/api/v1/backup/reinit/")

    assert answer.status_code == 200
    models = {m["label"]: m for m in answer.json()["plan"]["models"]}
    assert answer.json()["instance_name"] == settings.INSTANCE_NAME
    assert models["documents.document"]["delete"] == 1
    assert models["documents.documenttype"]["keep"] == 6
    assert Document.objects.count() == 1


def test_wrong_instance_name_is_refused_and_nothing_changes(staff, login, effective_document):
    """GIVEN an effective document WHEN staff POST a reinit with the wrong instance name
    THEN the answer is 400 telling the name to type, and no job runs and nothing is deleted."""
    answer = login(staff).post(
        "/api/v1/backup/reinit/",
        {"confirm": "not-this-one", "reason": "test", "admin_password": "pw-admin-123"},
        format="json",
    )

    assert answer.status_code == 400
    assert settings.INSTANCE_NAME in str(answer.json()["confirm"])
    assert Document.objects.count() == 1
    assert not RestoreJob.objects.exists()


def test_confirmed_reinit_runs_in_background_and_its_job_reports_completion(
    staff, login, effective_document
):
    """GIVEN an effective document WHEN staff POST a reinit with the instance name, a reason
    and the new admin's password THEN the answer is 202; when the job is done the documents
    and the old users are gone, the job (written again after the clearing) is completed with
    the safety backup's path, and the new admin can log in with that password."""
    from edms.backup.operations import runner

    answer = login(staff).post(
        "/api/v1/backup/reinit/",
        {
            "confirm": settings.INSTANCE_NAME,
            "reason": "decommission test data",
            "admin_password": "pw-admin",
        },
        format="json",
    )
    assert answer.status_code == 202, answer.content
    runner.wait_for_jobs()

    job = RestoreJob.objects.get(uuid=answer.json()["uuid"])
    assert job.status == "completed", job.error
    assert job.mode == "reinit"
    assert job.result["safety_backup_path"]
    assert "admin_password" not in job.result
    assert not Document.objects.exists()
    assert list(User.objects.values_list("username", flat=True)) == ["admin"]
    admin_client = login(User.objects.get(username="admin"))
    assert admin_client.get(f"/api/v1/backup/restores/{job.uuid}/").json()["status"] == "completed"
