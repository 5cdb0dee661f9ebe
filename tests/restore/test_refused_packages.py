"""Damaged, foreign or future inputs are refused with a clear error and change nothing."""

import pytest

from edms.backup.errors import CorruptPackage, DecryptionFailed, UnsupportedFormat
from edms.backup.restore.service import inspect, restore
from edms.documents.models import Document
from tests.restore.helpers import repack, stored_files, whole_dump

pytestmark = pytest.mark.django_db


@pytest.fixture
def backup_of_changed_system(small_instance, storage_root, backup_file):
    """A backup, then the system changed so that a restore would have work to do; after the
    test body, asserts that database and storage are exactly as they were before the restore."""
    from edms.documents.models import Document

    def state():
        return whole_dump(exclude_jobs=True), stored_files(storage_root)

    path = backup_file()
    Document.objects.filter(document_number="WI-0001").delete()
    target = state()
    yield path
    assert state() == target


def _truncated(path, tmp_path):
    data = path.read_bytes()
    return _write(tmp_path / "truncated.tar.zst", data[: len(data) // 2])


def _flipped(path, tmp_path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    return _write(tmp_path / "flipped.tar.zst", bytes(data))


def _write(path, data):
    path.write_bytes(data)
    return path


def _bad_file_checksum(path, tmp_path):
    def corrupt(name, data):
        return bytes([data[0] ^ 1]) + data[1:] if name.startswith("files/") else data

    return repack(path, tmp_path / "bad-file.tar.zst", member=corrupt)


def _newer_migration(path, tmp_path):
    def future(manifest):
        manifest["migrations"]["documents"].append("0099_from_the_future")
        return manifest

    return repack(path, tmp_path / "future.tar.zst", manifest=future)


def _unknown_version(path, tmp_path):
    def version(manifest):
        manifest["format_version"] = 99
        return manifest

    return repack(path, tmp_path / "v99.tar.zst", manifest=version)


def _not_a_backup(path, tmp_path):
    return _write(tmp_path / "notes.txt", b"just some notes, not a backup\n")


@pytest.mark.parametrize(
    ("damage", "error", "message"),
    [
        (_truncated, CorruptPackage, "truncated"),
        (_flipped, CorruptPackage, None),  # the message depends on where the byte landed
        (_bad_file_checksum, CorruptPackage, "checksum"),
        (_newer_migration, UnsupportedFormat, "0099_from_the_future"),
        (_unknown_version, UnsupportedFormat, "format version 99"),
        (_not_a_backup, UnsupportedFormat, "neither a zstd nor a gzip"),
    ],
)
def test_a_damaged_or_foreign_package_is_refused_and_nothing_changes(
    damage, error, message, tmp_path, backup_of_changed_system
):
    """GIVEN a backup damaged in one way (or not a backup at all)
    WHEN it is restored with --clean THEN the restore fails with the matching error type and a
    message naming the problem, and database and storage are exactly as before."""
    with pytest.raises(error, match=message):
        restore(damage(backup_of_changed_system, tmp_path), clean=True)


def test_inspect_refuses_a_future_package(tmp_path, backup_of_changed_system):
    """GIVEN a package from a newer schema WHEN inspected (the upload endpoint's first step)
    THEN UnsupportedFormat says to upgrade."""
    with pytest.raises(UnsupportedFormat, match="upgrade EDMS"):
        inspect(_newer_migration(backup_of_changed_system, tmp_path))


def test_wrong_passphrase_is_refused(small_instance, backup_file, storage_root):
    """GIVEN an encrypted backup WHEN restored with the wrong passphrase or none
    THEN DecryptionFailed and nothing changes."""
    path = backup_file(passphrase="correct horse battery staple")
    Document.objects.filter(document_number="WI-0001").delete()
    before = whole_dump(exclude_jobs=True), stored_files(storage_root)
    with pytest.raises(DecryptionFailed):
        restore(path, clean=True, passphrase="wrong passphrase")
    with pytest.raises(DecryptionFailed):
        restore(path, clean=True)
    assert (whole_dump(exclude_jobs=True), stored_files(storage_root)) == before
