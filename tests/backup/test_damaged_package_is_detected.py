import hashlib
import shutil
from pathlib import Path

import pytest

from edms.backup.verify import verify_package
from tests.backup.packages import member_offsets, tar_bytes, write_zstd


def _copy_without_sidecar(package: Path, tmp_path: Path) -> Path:
    """The package alone, so the structural checks (not the sidecar checksum) must find it."""
    copy = tmp_path / "alone" / package.name
    copy.parent.mkdir()
    shutil.copyfile(package, copy)
    return copy


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def _positions(size: int) -> dict[str, int]:
    return {
        "zstd magic": 0,
        "zstd frame header": 5,
        "manifest and records block": 400,
        "random file member": size - 100 * 1024,  # stored raw: the bytes of that file
        "last byte (checksum)": size - 1,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("where", list(_positions(1)))
def test_one_flipped_byte_anywhere_fails_verification(
    full_package, big_file_document, tmp_path, where
):
    """GIVEN a verified full backup WHEN one byte is flipped at a given position
    THEN verify_package reports not ok, with a non-zero exit code and a message naming what
    is damaged."""
    package = _copy_without_sidecar(full_package, tmp_path)
    _flip(package, _positions(package.stat().st_size)[where])

    report = verify_package(package)

    assert not report.ok and report.exit_code in (3, 4), report
    problem = report.problems[0]
    if where == "zstd magic":
        assert report.error_type == "UnsupportedFormat" and "zstd nor a gzip" in problem
    elif where == "random file member":
        member = "files/" + hashlib.sha256(big_file_document).hexdigest()
        # the member's checksum, or zstd's frame checksum while that member was being read
        assert problem.startswith(f"{member}: sha256 ") or f" at {member}: " in problem, problem
    elif where == "manifest and records block":
        assert report.error_type == "CorruptPackage"
        assert problem.startswith(("manifest.json", "records/", "damaged or truncated package at"))
    else:
        assert report.error_type == "CorruptPackage"
        assert "damaged or truncated package at " in problem, problem


@pytest.mark.django_db
@pytest.mark.parametrize("keep", [0.99, 0.5, 0.01])
def test_a_truncated_package_fails_verification(full_package, tmp_path, keep):
    """GIVEN a verified full backup WHEN the file is cut short THEN verification fails and says
    the package is damaged or truncated, naming where reading stopped."""
    package = _copy_without_sidecar(full_package, tmp_path)
    data = package.read_bytes()
    package.write_bytes(data[: int(len(data) * keep)])

    report = verify_package(package)

    assert not report.ok and report.exit_code == 3
    assert "damaged or truncated package at " in report.problems[0], report.problems


@pytest.mark.django_db
def test_the_sidecar_checksum_names_a_changed_package(full_package):
    """GIVEN a package with its metadata sidecar WHEN one byte changes THEN the report says the
    package's SHA-256 differs from the one the sidecar recorded."""
    _flip(full_package, full_package.stat().st_size // 2)

    report = verify_package(full_package)

    assert not report.ok
    assert f"{full_package.name}: sha256 " in report.problems[0]
    assert f"{full_package.name}.metadata.json" in report.problems[0]


@pytest.mark.django_db
def test_an_intact_package_verifies(full_package):
    """GIVEN a freshly written full backup WHEN verified THEN it is ok, and every record and
    file the manifest lists was read."""
    report = verify_package(full_package)

    assert report.ok, report.problems
    assert report.counts == report.manifest["record_counts"]
    assert report.counts["documents.document"] == 2
    assert report.sizes["files"] > 256 * 1024


@pytest.mark.django_db
@pytest.mark.parametrize("member", ["-documents.document.jsonl", "files/"])
def test_a_changed_byte_inside_a_member_is_named(full_package, tmp_path, member):
    """GIVEN a full backup WHEN one byte in the middle of a member's data changes inside the
    tar (and the package is recompressed, so compression checks cannot notice)
    THEN verification names that member and its checksum mismatch."""
    tar = bytearray(tar_bytes(full_package))
    name, (offset, size) = next(
        (n, span) for n, span in member_offsets(bytes(tar)).items() if member in n
    )
    tar[offset + size // 2] ^= 0x01
    package = write_zstd(tmp_path / "changed.tar.zst", bytes(tar))

    report = verify_package(package)

    assert not report.ok and report.exit_code == 3
    problem = report.problems[0]
    assert problem.startswith(name) and ("sha256" in problem or "invalid JSON" in problem)
