"""Stored files from a backup: each verified against its SHA-256 before it is placed.

``FilePlacer`` remembers the files it placed that were not there before, so a failed restore
removes exactly those and leaves storage as it was; the files a clean restore's records no
longer name (``retire``) are removed once it has committed. Both are listed in a journal file:
if the process is killed before it is done, the next restore removes the journaled files that
no record refers to (``recover_interrupted``).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from edms.backup.errors import CorruptPackage
from edms.backup.target import Target
from edms.core.progress import NO_PROGRESS, Progress
from edms.core.registry import registry
from edms.documents import storage

CHUNK = 1024 * 1024
PLACING = "placing-"  # a file being copied into storage: a killed restore's are removed
SHA256 = re.compile(r"[0-9a-f]{64}")


class FilePlacer:
    def __init__(self, root: Path, progress: Progress = NO_PROGRESS) -> None:
        self.placed: list[str] = []
        self.retired: list[str] = []
        self.present = 0
        self.verified: set[str] = set()
        self._progress = progress
        self._journal = None
        self._root = str(root)
        self._journal_path = journal_path(root)
        self._tmp = os.path.join(self._root, "tmp")
        os.makedirs(self._tmp, exist_ok=True)
        self._directories: set[str] = set()  # storage directories known to exist

    def __enter__(self) -> FilePlacer:
        return self

    def __exit__(self, failure, *exc) -> None:
        """After a commit the retired files go; success or not, the journal is done with:
        undo() has run if needed."""
        if failure is None:
            for path in self.retired:
                Path(path).unlink(missing_ok=True)
        if self._journal is not None:
            self._journal.close()
            self._journal_path.unlink(missing_ok=True)

    def place_all(self, files: Iterator[tuple[str, int, BinaryIO]], total: int = 0) -> None:
        for done, (sha256, size, stream) in enumerate(files, start=1):
            self._place(sha256, size, stream)
            self._progress("files", done, total)

    def _place(self, sha256: str, size: int, stream: BinaryIO) -> None:
        # Plain strings and os calls, not pathlib: this runs once per stored file.
        if not SHA256.fullmatch(sha256):
            raise CorruptPackage(f"stored file name {sha256!r} is not a SHA-256")
        target = os.path.join(self._root, storage.relative_path(sha256))  # hex: stays inside
        fd, tmp = tempfile.mkstemp(dir=self._tmp, prefix=PLACING)
        try:
            digest, written = hashlib.sha256(), 0
            os.fchmod(fd, 0o640)
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
            if os.path.exists(target):
                # replaced by the verified copy: the file found there is not trusted unread
                self.present += 1
                os.replace(tmp, target)
            else:
                self._note(target)
                # storage.place's move, on the address already known to be inside the root
                # (hex only): it spares resolving the path again for every file
                directory = os.path.dirname(target)
                if directory not in self._directories:
                    os.makedirs(directory, exist_ok=True)
                    self._directories.add(directory)
                os.replace(tmp, target)
                self.placed.append(target)
            self.verified.add(sha256)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def retire(self, paths: set[str]) -> None:
        """Files (absolute paths) no record names any more: removed after the commit."""
        for path in sorted(paths):
            self._note(path)
            self.retired.append(path)

    def undo(self) -> None:
        """Remove the files this restore placed (after a failure or rollback)."""
        for path in self.placed:
            Path(path).unlink(missing_ok=True)
        self.placed.clear()

    def _note(self, target: str) -> None:
        if self._journal is None:
            self._journal_path.parent.mkdir(parents=True, exist_ok=True)
            self._journal = open(self._journal_path, "a")  # noqa: SIM115 - closed in __exit__
        self._journal.write(f"{target}\n")
        self._journal.flush()


def journal_path(root: Path) -> Path:
    return root / "tmp" / "restore-placed.journal"


def referenced_files(target: Target) -> set[str]:
    """The absolute paths of every stored file a record of the target names."""
    return {
        str(storage.absolute(relative, target.root))
        for entry in registry.backed_up()
        for stored in entry.files
        for relative in entry.model._base_manager.using(target.using).values_list(
            stored.path_field, flat=True
        )
    }


def recover_interrupted(target: Target) -> int:
    """Remove the journaled files of a killed restore that no record refers to; return how
    many."""
    for copy in (target.root / "tmp").glob(f"{PLACING}*"):
        copy.unlink(missing_ok=True)  # only ever called under the maintenance lock
    path = journal_path(target.root)
    if not path.exists():
        return 0
    referenced = referenced_files(target)
    removed = 0
    for line in path.read_text().splitlines():
        if line and line not in referenced and Path(line).is_file():
            Path(line).unlink()
            removed += 1
    path.unlink()
    return removed
