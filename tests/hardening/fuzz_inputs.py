"""Real small inputs to damage: the 0.1.0 corpus packages and a dumpdata fixture, and the
tar and compression surgery an attacker or a bad copy would do to them."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import zstandard

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "packages" / "0.1.0"
ZSTD_PACKAGE = CORPUS / "full.tar.zst"
GZIP_PACKAGE = CORPUS / "database.tar.gz"
FIXTURE = CORPUS / "dumpdata.json"


def tar_of(package: bytes) -> bytes:
    """The decompressed tar stream of a zstd or gzip package."""
    if package.startswith(b"\x1f\x8b"):
        return gzip.decompress(package)
    return zstandard.ZstdDecompressor().stream_reader(io.BytesIO(package)).read()


def zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(write_checksum=True).compress(data)


def tar_end(tar: bytes) -> int:
    """Where the end-of-archive marker (the first all-zero header) begins."""
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.getmembers()
        return archive.offset


def one_member_tar(name: str, data: bytes) -> bytes:
    """A tar member's header and data blocks, without an end-of-archive marker."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()[: tar_end(buffer.getvalue())]


def member_after_end(tar: bytes, gap: int) -> bytes:
    """`tar` with a member smuggled in `gap` bytes after its end-of-archive marker begins."""
    end = tar_end(tar)
    smuggled = one_member_tar("files/" + "0" * 64, b"smuggled")
    return tar[: end + gap] + smuggled + bytes(10240)
