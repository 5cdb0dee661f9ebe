"""A restore that cannot prove its result rolls back: database and storage as they were."""

import pytest

from edms.backup.errors import ValidationFailed
from edms.backup.restore.service import restore
from edms.documents import storage
from edms.documents.models import Document, DocumentVersion
from tests.restore.helpers import repack, stored_files, whole_dump

pytestmark = pytest.mark.django_db


def test_a_missing_stored_file_fails_validation_and_rolls_back(small_instance, backup_file):
    """GIVEN a database-only backup (no files) and a document deleted afterwards, and one
    version's file lost from storage WHEN the backup is restored
    THEN validation names the missing file, and the deleted document is not restored."""
    path = backup_file("database")
    version = DocumentVersion.objects.get(document__document_number="WI-0001")
    Document.objects.filter(document_number="SOP-0002").delete()
    storage.absolute(version.file).unlink()
    before = whole_dump(exclude_jobs=True), stored_files(storage.root())

    with pytest.raises(ValidationFailed, match="missing from storage"):
        restore(path, clean=True)

    assert (whole_dump(exclude_jobs=True), stored_files(storage.root())) == before


def test_files_placed_by_a_failed_restore_are_removed(
    small_instance, backup_file, storage_root, tmp_path
):
    """GIVEN a full backup whose manifest claims one document more than it holds, and a
    target whose stored files are gone WHEN restored THEN the files are placed, the count check
    fails after that, and storage is left empty again, as it was."""

    def claim_more(manifest):
        manifest["record_counts"]["documents.document"] += 1
        return manifest

    path = repack(backup_file(), tmp_path / "overclaimed.tar.zst", manifest=claim_more)
    for version in DocumentVersion.objects.all():
        storage.absolute(version.file).unlink(missing_ok=True)
    before = whole_dump(exclude_jobs=True), stored_files(storage_root)

    with pytest.raises(ValidationFailed, match="documents.document: read 3, manifest says 4"):
        restore(path, clean=True)

    assert (whole_dump(exclude_jobs=True), stored_files(storage_root)) == before
