"""Write a package: a compressed tar stream, manifest first, then the members it lists."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import tarfile
from pathlib import Path
from typing import BinaryIO

import orjson
import zstandard

from edms.backup.errors import BackupError
from edms.backup.package.manifest import MANIFEST_NAME, Member

ZSTD_LEVEL = 3
GZIP_LEVEL = 6
COMPRESSIONS = ("zstd", "gzip")


class _Hashing:
    """Passes reads through, hashing them, so a file is checked while it is copied."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream, self.sha256, self.size = stream, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


class PackageWriter:
    """A tar stream compressed into a new file created owner-only (0600) and exclusively."""

    def __init__(self, path: Path, compression: str = "zstd", mtime: float = 0) -> None:
        if compression not in COMPRESSIONS:
            raise BackupError(f"unknown compression {compression!r}: use zstd or gzip")
        self.path, self.mtime = Path(path), int(mtime)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file = os.fdopen(fd, "wb")
        if compression == "zstd":
            compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True)
            self._compressed = compressor.stream_writer(self._file, closefd=False)
        else:
            self._compressed = gzip.GzipFile(
                fileobj=self._file, mode="wb", compresslevel=GZIP_LEVEL, mtime=self.mtime
            )
        self._tar = tarfile.open(  # noqa: SIM115 - closed by close()
            fileobj=self._compressed, mode="w|", format=tarfile.PAX_FORMAT
        )

    def add_manifest(self, manifest: dict) -> None:
        data = orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)
        self._tar.addfile(self._info(MANIFEST_NAME, len(data)), io.BytesIO(data))

    def add(self, member: Member, stream: BinaryIO) -> None:
        """Copy `member.size` bytes from `stream`; they must hash to `member.sha256`."""
        hashing = _Hashing(stream)
        self._tar.addfile(self._info(member.name, member.size), hashing)
        if hashing.sha256.hexdigest() != member.sha256:
            raise BackupError(
                f"{member.name}: the bytes read hash to {hashing.sha256.hexdigest()}, not "
                f"{member.sha256}: the source is damaged or changed"
            )

    def close(self) -> None:
        """Finish the tar and compression stream and flush the file to disk."""
        self._tar.close()
        self._compressed.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()

    def abort(self) -> None:
        """Drop everything written; the partial file is removed.

        The file is closed first, so the tar and compression streams can only fail to flush:
        closing them now keeps them from trying again when they are garbage-collected."""
        self._file.close()
        for stream in (self._tar, self._compressed):
            with contextlib.suppress(ValueError, OSError):
                stream.close()
        self.path.unlink(missing_ok=True)

    def _info(self, name: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, self.mtime
        return info
