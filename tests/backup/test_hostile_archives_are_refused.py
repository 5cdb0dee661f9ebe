import hashlib
import io
import json
import tarfile

import pytest
import zstandard

from edms.backup.errors import CorruptPackage, UnsafePackage, UnsupportedFormat
from edms.backup.package.reader import open_package
from edms.backup.verify import verify_package
from tests.backup.packages import build_package, manifest_for

CONTENT = b"just a document"
SHA = hashlib.sha256(CONTENT).hexdigest()
LISTED = {f"files/{SHA}": CONTENT}


def _link(name: str, kind: bytes, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


HOSTILE = {
    "parent directory": ([("../escape", b"x")], "points outside the package"),
    "absolute path": ([("/tmp/escape", b"x")], "points outside the package"),
    "symlink": ([_link(f"files/{SHA}", tarfile.SYMTYPE, "/etc/passwd")], "is a link"),
    "hardlink": ([_link(f"files/{SHA}", tarfile.LNKTYPE, "manifest.json")], "is a link"),
    "device": ([_link(f"files/{SHA}", tarfile.CHRTYPE, "")], "is a link, device"),
    "unlisted member": (
        [(f"files/{SHA}", CONTENT), ("records/001-auth.user.jsonl", b"{}\n")],
        "is not listed in the manifest",
    ),
    "repeated member": ([(f"files/{SHA}", CONTENT), (f"files/{SHA}", CONTENT)], "or repeated"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_members_are_refused_and_nothing_is_extracted(tmp_path, case):
    """GIVEN a package crafted with a hostile member WHEN it is read for extraction or verified
    THEN UnsafePackage names the member, and no file appears outside the target directory."""
    entries, message = HOSTILE[case]
    package = build_package(tmp_path / "hostile.tar.zst", manifest_for(LISTED), entries)
    target = tmp_path / "extract"

    with pytest.raises(UnsafePackage, match=message), open_package(package) as reader:
        reader.extract_files(target)

    report = verify_package(package)
    assert not report.ok and report.exit_code == UnsafePackage.exit_code
    assert message in report.problems[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["extract", "hostile.tar.zst"]
    assert list(target.iterdir()) == []


def test_manifest_listing_an_escaping_name_is_refused(tmp_path):
    """GIVEN a manifest that lists `../../etc/cron.d/x` WHEN the package is opened
    THEN it is refused before any member is read."""
    manifest = manifest_for({"../../etc/cron.d/x": b"x"})
    package = build_package(tmp_path / "p.tar.zst", manifest, [])

    with pytest.raises(UnsafePackage, match="never writes"):
        open_package(package)


class _Zeros:
    def __init__(self, size: int) -> None:
        self.left = size

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        self.left -= size
        return bytes(size)


def _bomb(path, declared: int, actual: int):
    """A tiny package whose one file member unpacks to `actual` zero bytes."""
    sha = hashlib.sha256()
    zeros = _Zeros(actual)
    while chunk := zeros.read(1 << 20):
        sha.update(chunk)
    name = f"files/{sha.hexdigest()}"
    manifest = {
        "format": "edms-backup",
        "format_version": 1,
        "members": [{"name": name, "size": declared, "sha256": sha.hexdigest()}],
    }
    with open(path, "wb") as out:
        writer = zstandard.ZstdCompressor(level=19).stream_writer(out)
        with tarfile.open(fileobj=writer, mode="w|") as archive:
            data = json.dumps(manifest).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            info = tarfile.TarInfo(name)
            info.size = actual
            archive.addfile(info, _Zeros(actual))
        writer.close()
    return path


@pytest.mark.slow
def test_a_decompression_bomb_is_refused_before_it_expands(tmp_path):
    """GIVEN a package of a few KB that declares 300 MB of zeros
    WHEN it is opened THEN UnsafePackage cites the expansion bound and nothing is unpacked."""
    size = 300 * 1024 * 1024
    package = _bomb(tmp_path / "bomb.tar.zst", declared=size, actual=size)
    assert package.stat().st_size < 100_000

    with pytest.raises(UnsafePackage, match="expansion bound"):
        open_package(package)


def test_a_member_larger_than_the_manifest_says_is_refused(tmp_path):
    """GIVEN a manifest that declares a small file but a tar header of 8 MB
    WHEN the package is read THEN UnsafePackage names the member before reading it."""
    package = _bomb(tmp_path / "liar.tar.zst", declared=10, actual=8 * 1024 * 1024)

    with (
        pytest.raises(UnsafePackage, match="the archive declares 8388608 bytes"),
        open_package(package) as reader,
    ):
        list(reader.iter_files())


def test_an_unknown_format_version_is_unsupported(tmp_path):
    """GIVEN a package whose manifest says format_version 2 WHEN it is verified
    THEN UnsupportedFormat says which version and what to do."""
    package = build_package(
        tmp_path / "future.tar.zst",
        manifest_for(LISTED, format_version=2),
        [(f"files/{SHA}", CONTENT)],
    )

    with pytest.raises(UnsupportedFormat, match="format version 2 is not supported"):
        open_package(package)
    assert verify_package(package).exit_code == UnsupportedFormat.exit_code


@pytest.mark.parametrize(
    "content, error, message",
    [
        (b"PK\x03\x04 a zip file", UnsupportedFormat, "neither a zstd nor a gzip"),
        (zstandard.ZstdCompressor().compress(b"not a tar at all" * 100), CorruptPackage, "damaged"),
    ],
)
def test_files_that_are_not_packages_are_refused(tmp_path, content, error, message):
    """GIVEN a file that is not an EDMS package WHEN it is opened THEN a typed error says so."""
    path = tmp_path / "not-a-package"
    path.write_bytes(content)

    with pytest.raises(error, match=message):
        open_package(path)


def test_a_package_without_manifest_first_is_refused(tmp_path):
    """GIVEN a tar whose first member is not manifest.json WHEN opened THEN CorruptPackage."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo(f"files/{SHA}")
        info.size = len(CONTENT)
        archive.addfile(info, io.BytesIO(CONTENT))
    path = tmp_path / "p.tar.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(buffer.getvalue()))

    with pytest.raises(CorruptPackage, match="does not start with manifest.json"):
        open_package(path)
