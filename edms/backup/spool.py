"""Spools: an operation's private working folder (mode 0700) inside BACKUP_DIR, never in the
system's temporary directory: what it holds (records, a decrypted package) is as secret as a
backup. A spool is named after the process that made it, so when that process is killed the next
start of any operation removes it (`remove_dead_spools`), with the partial files it listed."""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from django.conf import settings

from edms.backup.lock import runner_gone, this_runner
from edms.backup.package import sidecar

SPOOL_PREFIX = ".edms-backup-"
LEDGER = "partials"  # in a spool: the partial files it made beside the package


class Spool:
    """A private folder, with a list of the partial files a backup makes beside its package.
    However the operation ends, the folder and those files go: on the way out, or, if the
    process was killed, at the next start of any operation. A package is kept only once its
    sidecar is written; before that it is removed with the partial it was linked from."""

    def __init__(self) -> None:
        host, pid, start = this_runner().split(":")
        name = f"{SPOOL_PREFIX}{pid}-{start}-{secrets.token_hex(4)}-{host}"
        self.path = Path(settings.BACKUP_DIR) / name

    def __enter__(self) -> Spool:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path.mkdir(mode=0o700)
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        _discard(self.path)

    def outside(self, target: Path, kind: str = "") -> Path:
        """The name of a partial file for `target` (``.<name><kind>.partial`` beside it),
        listed before it is made."""
        return self.note(target.with_name(f".{target.name}{kind}.partial"))

    def note(self, partial: Path) -> Path:
        """List `partial` before it is made, so a killed run's is found and removed."""
        with open(self.path / LEDGER, "a") as ledger:
            ledger.write(f"{partial}\n")
        return partial


def remove_dead_spools() -> int:
    """Remove what backups whose process died left: their spool folders and partial files.
    Return how many spools were removed."""
    removed = 0
    for path in Path(settings.BACKUP_DIR).glob(f"{SPOOL_PREFIX}*"):
        pid, start, _, host = (path.name.removeprefix(SPOOL_PREFIX).split("-", 3) + [""] * 3)[:4]
        if pid.isdigit() and runner_gone(f"{host}:{pid}:{start}"):
            _discard(path)
            removed += 1
    return removed


def _discard(spool: Path) -> None:
    """Remove a spool's listed partial files, a package linked from one but without its
    sidecar, then the spool itself."""
    try:
        listed = (spool / LEDGER).read_text().splitlines()
    except FileNotFoundError:
        listed = []
    for line in filter(None, listed):
        partial = Path(line)
        package = partial.with_name(partial.name[1:].removesuffix(".partial"))
        linked = partial.exists() and package.exists() and os.path.samefile(partial, package)
        if linked and not sidecar.path_of(package).exists():
            package.unlink()  # linked into place, but the backup never finished
        partial.unlink(missing_ok=True)
    shutil.rmtree(spool, ignore_errors=True)
