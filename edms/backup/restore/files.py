"""Stored files from a backup: each verified against its SHA-256 before it is placed.

``FilePlacer`` remembers the files it placed that were not there before, so a failed restore
removes exactly those and leaves storage as it was.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from edms.backup.errors import CorruptPackage
from edms.backup.progress import NO_PROGRESS, Progress
from edms.documents import storage

CHUNK = 1024 * 1024


class FilePlacer:
    def __init__(self, progress: Progress = NO_PROGRESS) -> None:
        self.placed: list[Path] = []
        self.present = 0
        self.verified: set[str] = set()
        self._progress = progress

    def place_all(self, files: Iterator[tuple[str, int, BinaryIO]], total: int = 0) -> None:
        for done, (sha256, size, stream) in enumerate(files, start=1):
            self._place(sha256, size, stream)
            self._progress("files", done, total)

    def _place(self, sha256: str, size: int, stream: BinaryIO) -> None:
        target = storage.absolute(storage.relative_path(sha256))
        tmp_dir = storage.root() / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp_dir)
        tmp = Path(name)
        try:
            digest, written = hashlib.sha256(), 0
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    written += len(chunk)
                    out.write(chunk)
            if digest.hexdigest() != sha256 or written != size:
                raise CorruptPackage(
                    f"stored file {sha256} fails its checksum ({written} bytes, sha256 "
                    f"{digest.hexdigest()}); the backup is damaged"
                )
            if target.exists():
                self.present += 1
            else:
                storage.place(tmp, sha256)
                self.placed.append(target)
            self.verified.add(sha256)
        finally:
            tmp.unlink(missing_ok=True)

    def undo(self) -> None:
        """Remove the files this restore placed (after a failure or rollback)."""
        for path in self.placed:
            path.unlink(missing_ok=True)
        self.placed.clear()
