"""Scenario A: restore onto the same server it was taken from."""

import pytest

from edms.accounts.models import User
from edms.backup.restore.service import restore
from edms.documents.models import Document
from tests.restore.helpers import business_dump, stored_files, without_restore_entries

pytestmark = pytest.mark.django_db


def test_clean_restore_brings_back_exactly_the_data_at_backup_time(
    small_instance, backup_file, storage_root
):
    """GIVEN a backup, then documents edited and deleted and a user added
    WHEN the backup is restored with --clean
    THEN dumpdata of the business models equals the dump at backup time (plus the restore's
    own audit entry) and every stored file is in place."""
    before, files_before = business_dump(), stored_files(storage_root)
    path = backup_file()
    Document.objects.filter(document_number="SOP-0001").update(title="changed after backup")
    Document.objects.get(document_number="WI-0001").delete()
    User.objects.create_user("late01")

    report = restore(path, clean=True, reason="roll back")

    after = business_dump()
    assert without_restore_entries(after) == before
    assert len(after) == len(before) + 1
    assert stored_files(storage_root) == files_before
    assert all(check["ok"] for check in report.validation)


def test_merge_restore_keeps_newer_records_and_adds_the_missing_ones(small_instance, backup_file):
    """GIVEN a backup and a document deleted afterwards, another edited
    WHEN the backup is restored without --clean (conflict policy keep)
    THEN the deleted document is back, the edited one keeps its edit and is reported as a
    conflict, and nothing else changed."""
    path = backup_file()
    Document.objects.get(document_number="WI-0001").delete()
    Document.objects.filter(document_number="SOP-0002").update(title="edited")

    report = restore(path)

    assert Document.objects.get(document_number="SOP-0002").title == "edited"
    assert Document.objects.filter(document_number="WI-0001").exists()
    plan = {p.label: p for p in report.plan}
    assert plan["documents.document"].conflict == 1
    assert plan["documents.document"].conflicts == [["SOP-0002"]]
    assert plan["documents.document"].create == 1


def test_the_restore_job_names_the_user_who_ran_it_after_a_clean_restore(
    small_instance, backup_file
):
    """GIVEN a staff user who starts a clean restore (which re-creates every user row)
    WHEN it completes THEN its RestoreJob points at that user's restored row and the audit
    entry names them."""
    from edms.audit.models import AuditTrail
    from edms.backup.models import RestoreJob
    from edms.backup.operations.jobs import run_restore

    operator = small_instance["people"]["controller"]
    path = backup_file()

    run_restore(path, clean=True, user=operator, reason="audit check")

    job = RestoreJob.objects.get()
    assert job.triggered_by.username == "docctrl01" and job.status == "completed"
    entry = AuditTrail.objects.get(action="BACKUP_RESTORED")
    assert (entry.username, entry.details["reason"]) == ("docctrl01", "audit check")
