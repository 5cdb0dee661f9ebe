"""Where a restore writes, passed to the engine explicitly instead of settings changed at run
time: a database alias and a storage root. Only the live system takes the maintenance lock,
recovers what a killed restore left, and records the restore in its audit trail; a scratch
copy (the restore drill) does none of that."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class Target:
    using: str = "default"
    storage_root: Path | None = None  # None: the live STORAGE_ROOT
    live: bool = True

    @property
    def root(self) -> Path:
        """The storage root, resolved (settings are read when asked, not at import)."""
        return Path(self.storage_root or settings.STORAGE_ROOT).resolve()


LIVE = Target()


def scratch(using: str, storage_root: Path) -> Target:
    return Target(using=using, storage_root=storage_root, live=False)
