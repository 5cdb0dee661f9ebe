import os
from pathlib import Path

import pytest

from edms.backup.errors import BackupError
from edms.backup.models import BackupJob, JobStatus
from edms.backup.operations.jobs import run_backup
from edms.documents import storage
from edms.documents.models import DocumentVersion


class Stop(Exception):
    pass


def _stop_at(phase: str):
    def progress(current: str, done: int, total: int) -> None:
        if current == phase and done > 0:
            raise Stop(f"stopped during {phase}")

    return progress


def _leftovers(settings) -> list[str]:
    backups = Path(settings.BACKUP_DIR)
    return sorted(p.name for p in backups.iterdir()) if backups.exists() else []


@pytest.mark.django_db
@pytest.mark.parametrize("phase", ["records", "write", "verify"])
def test_an_interrupted_backup_leaves_no_file_and_a_failed_job(effective_document, settings, phase):
    """GIVEN a backup that is interrupted midway (during the snapshot, while writing, or while
    verifying) WHEN create_backup stops
    THEN it raises a BackupError, its job is failed with the reason, and the backups directory
    holds nothing: no package, no sidecar, no partial file, no spool directory."""
    with pytest.raises(BackupError, match=f"stopped during {phase}"):
        run_backup("full", verify=True, progress=_stop_at(phase))

    job = BackupJob.objects.get()
    assert job.status == JobStatus.FAILED and f"stopped during {phase}" in job.error
    assert job.finished_at is not None and job.path == ""
    assert _leftovers(settings) == []


@pytest.mark.django_db
def test_an_existing_output_file_is_never_overwritten(effective_document, tmp_path):
    """GIVEN a file already at the output path WHEN a backup is asked to write there
    THEN it refuses, the file is untouched and the job is failed."""
    target = tmp_path / "precious.tar.zst"
    target.write_bytes(b"keep me")

    with pytest.raises(BackupError, match="already exists"):
        run_backup("database", output=target)

    assert target.read_bytes() == b"keep me"
    assert BackupJob.objects.get().status == JobStatus.FAILED


@pytest.mark.django_db
def test_a_damaged_stored_file_fails_the_backup_naming_it(effective_document, settings):
    """GIVEN a stored document file whose bytes no longer match its recorded SHA-256
    WHEN a full backup runs THEN it fails naming the file member, and no package is left."""
    version = DocumentVersion.objects.get(document=effective_document)
    path = storage.absolute(version.file)
    os.chmod(path, 0o600)
    path.write_bytes(b"CLEAN THE BENCH")  # same length, other bytes

    with pytest.raises(BackupError, match=f"files/{version.sha256}: the bytes read hash to"):
        run_backup("full")

    assert _leftovers(settings) == []
    assert BackupJob.objects.get().status == JobStatus.FAILED


@pytest.mark.django_db
def test_a_missing_stored_file_fails_the_backup(effective_document, settings):
    """GIVEN a stored document file that was deleted from storage WHEN a files backup runs
    THEN it fails saying which file could not be read, and no package is left."""
    version = DocumentVersion.objects.get(document=effective_document)
    storage.absolute(version.file).unlink()

    with pytest.raises(BackupError, match="No such file"):
        run_backup("files")

    assert _leftovers(settings) == []


@pytest.mark.django_db
def test_unknown_type_and_compression_are_refused(settings, storage_root):
    """GIVEN a wrong backup type or compression WHEN asked THEN a BackupError lists the choices."""
    with pytest.raises(BackupError, match="use one of database, files, full, export"):
        run_backup("everything")
    with pytest.raises(BackupError, match="use zstd or gzip"):
        run_backup("database", compression="bz2")
    assert _leftovers(settings) == []
