"""One restore or reinit at a time, across processes, and never stuck after a crash.

The lock is ``fcntl.flock`` on a file in the data directory: the kernel releases it when the
holding process dies, however it dies, so a killed restore cannot leave the system locked.
Within one process the lock is re-entrant (a reinit takes a safety backup, a drill restores).

Whatever else a run leaves (job rows, spool folders) names its runner: host, process id and
the process's start time, so a later start can tell a dead run from a live one even after the
process id was reused.
"""

from __future__ import annotations

import fcntl
import os
import socket
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


def this_runner() -> str:
    """``host:pid:start`` of this process (start: its start time in clock ticks since boot)."""
    return f"{socket.gethostname()}:{os.getpid()}:{_start_time(os.getpid())}"


def runner_gone(runner: str) -> bool:
    """True when `runner` (as `this_runner` wrote it, or an older ``host:pid``) is a process of
    this host that no longer runs; False if it runs, or lives elsewhere and cannot be seen."""
    host, _, rest = runner.partition(":")
    pid, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine (a Celery worker) or unknown: cannot tell from here
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, under another user
    now = _start_time(int(pid))
    return bool(start and now) and start != now  # the pid now names another process


def _start_time(pid: int) -> str:
    """Field 22 of /proc/<pid>/stat; "" where there is no /proc (then the pid alone counts)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rpartition(")")[2].split()[19]
