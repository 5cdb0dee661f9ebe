"""Content-addressed file storage: a file lives at a path derived from its SHA-256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from edms.core.errors import TooLarge

CHUNK = 1024 * 1024


class FileTooLarge(TooLarge):
    """A document version file over EDMS_MAX_DOCUMENT_FILE_BYTES."""


@dataclass(frozen=True)
class StoredBlob:
    path: str  # relative to the storage root
    sha256: str
    size: int


def root() -> Path:
    return Path(settings.STORAGE_ROOT)


def relative_path(sha256: str) -> str:
    return f"documents/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def absolute(path: str, base: Path | None = None) -> Path:
    """`path` under the storage root (or under `base`), refusing one that escapes it."""
    base = (base or root()).resolve()
    resolved = (base / path).resolve()
    if not resolved.is_relative_to(base):
        raise ValueError(f"storage path escapes the storage root: {path}")
    return resolved


def store(stream: BinaryIO, max_bytes: int | None = None) -> StoredBlob:
    """Copy a stream into storage in chunks, hashing as it goes; identical content is kept once."""
    limit = settings.MAX_DOCUMENT_FILE_BYTES if max_bytes is None else max_bytes
    tmp_dir = root() / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise FileTooLarge(f"file is larger than the limit of {limit} bytes")
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        place(Path(tmp_name), sha)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    return StoredBlob(relative_path(sha), sha, size)


def place(source: Path, sha256: str) -> Path:
    """Move an already-verified file to its content address (a no-op if it is already there)."""
    target = absolute(relative_path(sha256))
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        os.chmod(target, 0o640)
    return target


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
