"""What happens to a record that exists on the target and differs from the backup."""

import pytest

from edms.backup.errors import RestoreConflict
from edms.backup.restore.service import restore
from edms.documents.models import Document
from tests.restore.helpers import stored_files, whole_dump

pytestmark = pytest.mark.django_db


@pytest.fixture
def edited_after_backup(small_instance, backup_file):
    path = backup_file()
    Document.objects.filter(document_number="SOP-0002").update(
        title="edited", metadata={"edited": True}
    )
    Document.objects.filter(document_number="WI-0001").delete()
    return path


def test_keep_leaves_the_existing_record_and_reports_it(edited_after_backup):
    """GIVEN a document edited after the backup WHEN restored with --conflict keep (default)
    THEN the edit stays and the plan names the record as a conflict."""
    report = restore(edited_after_backup, conflict="keep")
    assert Document.objects.get(document_number="SOP-0002").title == "edited"
    plan = {p.label: p for p in report.plan}["documents.document"]
    assert (plan.create, plan.conflict, plan.conflicts) == (1, 1, [["SOP-0002"]])


def test_update_replaces_the_existing_record_with_the_backup(edited_after_backup):
    """GIVEN a document edited after the backup WHEN restored with --conflict update
    THEN the backup's title and metadata are back."""
    report = restore(edited_after_backup, conflict="update")
    document = Document.objects.get(document_number="SOP-0002")
    assert (document.title, document.metadata) == ("Cleaning v2", {})
    plan = {p.label: p for p in report.plan}["documents.document"]
    assert (plan.update, plan.conflict) == (1, 0)


def test_fail_refuses_and_changes_nothing(edited_after_backup, storage_root):
    """GIVEN a document edited after the backup (and another deleted)
    WHEN restored with --conflict fail THEN RestoreConflict names the model and natural key,
    and not even the deleted document comes back."""
    before = whole_dump(exclude_jobs=True), stored_files(storage_root)
    with pytest.raises(RestoreConflict, match=r"documents.document \['SOP-0002'\]"):
        restore(edited_after_backup, conflict="fail")
    assert (whole_dump(exclude_jobs=True), stored_files(storage_root)) == before


def test_identical_records_are_matched_not_conflicts(small_instance, backup_file):
    """GIVEN an unchanged system WHEN its backup is restored with --conflict fail
    THEN every record is matched and nothing is a conflict."""
    report = restore(backup_file(), conflict="fail")
    assert all(p.conflict == 0 and p.create == 0 for p in report.plan)
    assert sum(p.matched for p in report.plan) == report.records
