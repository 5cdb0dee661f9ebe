"""The SQLite database holds every password hash and the data directory holds the secret key:
only the account EDMS runs as may read them. Both are made private as a connection opens, so
an installation made before this rule is mended at its next start."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.db.backends.signals import connection_created
from django.dispatch import receiver

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


@receiver(connection_created, dispatch_uid="edms.accounts.make_database_private")
def make_database_private(sender, connection, **kwargs) -> None:
    """Directory 0700, the database file and its WAL companions 0600 (SQLite gives these the
    database file's mode, so later ones come out private too)."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return
    _restrict(Path(settings.DATA_DIR), PRIVATE_DIR)
    database = Path(connection.settings_dict["NAME"])
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        _restrict(path, PRIVATE_FILE)


def _restrict(path: Path, mode: int) -> None:
    try:
        if path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except (FileNotFoundError, PermissionError):
        pass  # not made yet, or not ours to change (a directory the operator shares)
