"""A restore that cannot prove its result rolls back: database and storage as they were."""

import pytest

from edms.backup.errors import ValidationFailed
from edms.backup.restore.service import restore
from edms.documents import storage
from edms.documents.models import Document, DocumentVersion
from tests.restore.helpers import forge, stored_files, whole_dump

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
    """GIVEN a full backup edited by a careful forger (hashes and digest recomputed) so that a
    version names a file the package does not hold, and a target whose stored files are gone
    WHEN restored THEN the package's files are placed, the files check fails after that, and
    storage is left empty again, as it was."""
    absent = "f" * 64

    def name_an_absent_file(label, records):
        if label == "documents.documentversion":
            records[0]["fields"].update(sha256=absent, file=storage.relative_path(absent))
        return records

    path = forge(backup_file(), tmp_path / "forged.tar.zst", name_an_absent_file)
    for version in DocumentVersion.objects.all():
        storage.absolute(version.file).unlink(missing_ok=True)
    before = whole_dump(exclude_jobs=True), stored_files(storage_root)

    with pytest.raises(ValidationFailed, match="missing from storage"):
        restore(path, clean=True)

    assert (whole_dump(exclude_jobs=True), stored_files(storage_root)) == before
