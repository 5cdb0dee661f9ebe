"""Byte streams under a package: compression by magic bytes, bounded expansion, checked members.

A package is exactly one zstd frame or one gzip member, ending where the file ends: a cut
file, a second frame or member, or appended bytes are refused rather than half read.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
import tarfile
import zlib
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import zstandard
from django.conf import settings

from edms.backup.errors import CorruptPackage, RecordTooLarge, UnsafePackage, UnsupportedFormat
from edms.backup.package.manifest import Member

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 1024 * 1024
ZSTD_MAX_BLOCK = 128 * 1024
RECENT_BYTES = 64 * 1024  # kept of what was last read: more than tarfile reads ahead
STREAM_ERRORS = (tarfile.TarError, zstandard.ZstdError, EOFError, zlib.error, gzip.BadGzipFile)


def max_record_bytes() -> int:
    """The longest record line read (EDMS_MAX_RECORD_BYTES): one line is held whole."""
    return getattr(settings, "MAX_RECORD_BYTES", 64 * 1024**2)


def compression_of(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(4)
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    raise UnsupportedFormat(f"{path.name} is neither a zstd nor a gzip compressed tar archive")


def open_decompressed(path: Path) -> BinaryIO:
    """The tar stream inside a package file. A zstd frame's extent is checked before a byte is
    decompressed; a gzip member's when its end is read."""
    if compression_of(path) == "zstd":
        check_zstd_frame(path)
        source = open(path, "rb")  # noqa: SIM115 - closed with the returned stream
        return zstandard.ZstdDecompressor().stream_reader(source, closefd=True)
    return GzipMember(path)


def check_zstd_frame(path: Path) -> None:
    """Walk the frame's block headers (without decompressing): the one frame must end, with
    its checksum, exactly at the end of the file."""
    size = path.stat().st_size
    fd = os.open(path, os.O_RDONLY)
    try:
        head = os.pread(fd, 18, 0)
        try:
            has_checksum = zstandard.get_frame_parameters(head).has_checksum
            offset = zstandard.frame_header_size(head)
        except zstandard.ZstdError as exc:
            raise damaged(f"the start of {path.name}", exc) from None
        last = False
        while not last and offset < size:
            header = int.from_bytes(os.pread(fd, 3, offset).ljust(3, b"\0"), "little")
            last, kind, block_size = bool(header & 1), (header >> 1) & 3, header >> 3
            if kind == 3 or block_size > ZSTD_MAX_BLOCK:
                raise damaged(f"byte {offset} of {path.name}", "not a zstd block header")
            offset += 3 + (1 if kind == 1 else block_size)
    finally:
        os.close(fd)
    end = offset + 4 * has_checksum
    if not last or end > size:
        raise damaged(
            f"the end of {path.name}",
            f"the file ends before its zstd frame does ({size} bytes): it was cut short; "
            "copy the package again from where it is stored",
        )
    if end < size:
        raise CorruptPackage(
            f"{path.name} has {size - end} bytes after the end of its zstd frame (a second "
            "frame or appended data): not a package as EDMS writes it"
        )


class GzipMember:
    """The one gzip member of a package, inflated in bounded steps; its CRC and length are
    checked by zlib, and a cut file or any byte after the member is refused."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)

    def read(self, size: int = -1) -> bytes:
        wanted = sys.maxsize if size is None or size < 0 else size
        out: list[bytes] = []
        got = 0
        while got < wanted and not self._inflate.eof:
            data = self._inflate.unconsumed_tail or self._file.read(CHUNK)
            if not data:
                raise EOFError("the file ends before its gzip stream does (truncated)")
            piece = self._inflate.decompress(data, min(wanted - got, CHUNK))
            out.append(piece)
            got += len(piece)
            if self._inflate.eof:
                self._refuse_trailing_data()
        return b"".join(out)

    def _refuse_trailing_data(self) -> None:
        extra = len(self._inflate.unused_data) + len(self._file.read(1))
        if extra:
            raise CorruptPackage(
                f"{self.name} has data after the end of its gzip stream (a second member or "
                "appended bytes): not a package as EDMS writes it"
            )

    def close(self) -> None:
        self._file.close()


class BoundedReader:
    """Refuses to produce more than `limit` bytes: a decompression bomb stops here."""

    def __init__(self, raw: BinaryIO, limit: int) -> None:
        self._raw, self.limit, self.count = raw, limit, 0
        self._recent: deque[bytes] = deque()
        self._recent_size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.count += len(data)
        if self.count > self.limit:
            raise UnsafePackage(
                f"the package expands to more than {self.limit} bytes, beyond the expansion bound"
            )
        if data:
            self._recent.append(data)
            self._recent_size += len(data)
            while self._recent_size - len(self._recent[0]) >= RECENT_BYTES:
                self._recent_size -= len(self._recent.popleft())
        return data

    def rest_from(self, position: int) -> Iterator[bytes]:
        """The stream from `position` (at most RECENT_BYTES back) to its end, in chunks."""
        behind = self.count - position
        if not 0 <= behind <= self._recent_size:
            raise CorruptPackage(f"damaged or truncated package at byte {position}")
        recent = b"".join(self._recent)
        yield recent[len(recent) - behind :]
        while chunk := self.read(CHUNK):
            yield chunk

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
        """Lists of complete lines, one list per chunk read. A line is never longer than
        max_record_bytes(): a longer one is refused as soon as it is, before it is whole."""
        limit, pending = max_record_bytes(), b""
        while chunk := self.read(CHUNK):
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            if len(pending) > limit or max(map(len, lines), default=0) > limit:
                self._refuse_long_line(limit)
            yield lines
        if pending:
            yield [pending]

    def _refuse_long_line(self, limit: int) -> None:
        raise RecordTooLarge(
            f"{self.member.name}: a record of {self.member.label} is longer than {limit} bytes, "
            "the limit for one record (EDMS_MAX_RECORD_BYTES)"
        )

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


def damaged(where: str, exc: BaseException | str) -> CorruptPackage:
    return CorruptPackage(f"damaged or truncated package at {where}: {exc}")
