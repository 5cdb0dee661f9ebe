"""One restore or reinit at a time, across processes, and never stuck after a crash.

The lock is ``fcntl.flock`` on a file in the data directory: the kernel releases it when the
holding process dies, however it dies, so a killed restore cannot leave the system locked.
Within one process the lock is re-entrant (a reinit takes a safety backup, a drill restores).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from edms.backup.errors import OperationInProgress

_held = threading.local()


def lock_path() -> Path:
    return Path(settings.DATA_DIR) / "maintenance.lock"


@contextmanager
def exclusive_operation(name: str) -> Iterator[None]:
    """Hold the maintenance lock for `name`; raise OperationInProgress at once if it is held."""
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    path = lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            raise OperationInProgress(
                f"cannot start {name}: {holder} is running; wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{name} (pid {os.getpid()})".encode(), 0)
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the flock
