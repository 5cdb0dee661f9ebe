"""A clean restore leaves storage as the backup had it: files only newer versions named go."""

import io
import threading

import pytest
from django.db import connection

from edms.audit import chain
from edms.backup.restore.service import restore
from edms.documents import lifecycle, storage
from edms.documents.models import Document, DocumentVersion

pytestmark = pytest.mark.django_db


def test_the_files_of_versions_a_clean_restore_removed_are_gone(
    small_instance, backup_file, storage_root
):
    """GIVEN a backup, then a new version uploaded WHEN the backup is restored with --clean
    THEN the new version's file is removed from storage once the restore commits, and every
    file the backup's versions name is there."""
    path = backup_file()
    draft = Document.objects.get(title="Weigh ünd measure")
    newer = lifecycle.upload_version(
        small_instance["people"]["author"], draft, io.BytesIO(b"weigh it twice"), "wi-2.txt"
    )
    newer_file = storage.absolute(newer.file)
    assert newer_file.is_file()

    report = restore(path, clean=True)

    assert not newer_file.exists()
    assert report.files["removed"] == 1
    for version in DocumentVersion.objects.all():
        assert storage.absolute(version.file).is_file()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.slow
def test_a_clean_restore_keeps_concurrent_writers_out_until_it_commits(
    small_instance, backup_file, storage_root
):
    """GIVEN a writer appending audit entries in another connection WHEN a clean restore runs
    meanwhile THEN the restore completes (on PostgreSQL the writer waits for it; on SQLite it
    waits for the write lock or fails, never the restore), and the audit chain verifies."""
    path = backup_file()
    stop, errors, written = threading.Event(), [], []

    def write() -> None:
        from django.db import connection as own

        try:
            while not stop.is_set():
                try:
                    written.append(chain.record("LOGIN", None).sequence)
                except Exception as exc:  # a locked SQLite database: the writer's problem
                    errors.append(exc)
        finally:
            own.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        report = restore(path, clean=True, reason="while someone writes")
    finally:
        stop.set()
        writer.join()

    assert report.status == "completed"
    assert chain.verify() == []
    if connection.vendor == "postgresql":
        assert errors == [] and written
