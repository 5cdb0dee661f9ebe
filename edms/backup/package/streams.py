"""Byte streams under a package: compression by magic bytes, bounded expansion, checked members."""

from __future__ import annotations

import gzip
import hashlib
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import zstandard

from edms.backup.errors import CorruptPackage, UnsafePackage, UnsupportedFormat
from edms.backup.package.manifest import Member

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 1024 * 1024
STREAM_ERRORS = (tarfile.TarError, zstandard.ZstdError, EOFError, zlib.error, gzip.BadGzipFile)


def compression_of(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(4)
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    raise UnsupportedFormat(f"{path.name} is neither a zstd nor a gzip compressed tar archive")


def open_decompressed(path: Path) -> BinaryIO:
    """The tar stream inside a package file (read across frames, so trailing junk is an error)."""
    source = open(path, "rb")  # noqa: SIM115 - closed with the returned stream
    if compression_of(path) == "zstd":
        return zstandard.ZstdDecompressor().stream_reader(
            source, read_across_frames=True, closefd=True
        )
    return gzip.GzipFile(fileobj=source, mode="rb")


class BoundedReader:
    """Refuses to produce more than `limit` bytes: a decompression bomb stops here."""

    def __init__(self, raw: BinaryIO, limit: int) -> None:
        self._raw, self.limit, self.count = raw, limit, 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.count += len(data)
        if self.count > self.limit:
            raise UnsafePackage(
                f"the package expands to more than {self.limit} bytes, beyond the expansion bound"
            )
        return data

    def drain(self) -> None:
        while self.read(CHUNK):
            pass

    def close(self) -> None:
        self._raw.close()


class CheckedMember:
    """A member's bytes, hashed and counted as they are read; ``finish()`` compares."""

    def __init__(self, member: Member, stream: BinaryIO) -> None:
        self.member, self._stream = member, stream
        self._sha256, self.size = hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._stream.read(size)
        except STREAM_ERRORS as exc:
            raise damaged(self.member.name, exc) from exc
        self._sha256.update(data)
        self.size += len(data)
        return data

    def readable(self) -> bool:
        return True

    def iter_lines(self) -> Iterator[bytes]:
        """Lines without their newline, read in chunks (a member is never held whole)."""
        for batch in self.iter_line_batches():
            yield from batch

    def iter_line_batches(self) -> Iterator[list[bytes]]:
        """Lists of complete lines, one list per chunk read."""
        pending = b""
        while chunk := self.read(CHUNK):
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            yield lines
        if pending:
            yield [pending]

    def finish(self) -> None:
        while self.read(CHUNK):
            pass
        name = self.member.name
        if self.size != self.member.size:
            raise CorruptPackage(f"{name}: {self.size} bytes, the manifest says {self.member.size}")
        actual = self._sha256.hexdigest()
        if actual != self.member.sha256:
            raise CorruptPackage(
                f"{name}: sha256 {actual} does not match the manifest's {self.member.sha256}"
            )


def damaged(where: str, exc: BaseException) -> CorruptPackage:
    return CorruptPackage(f"damaged or truncated package at {where}: {exc}")
