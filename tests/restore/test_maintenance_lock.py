"""Only one restore or reinit at a time, and a dead holder never leaves the lock stuck."""

import os
import signal
import subprocess
import sys
import time

import pytest

from edms.backup.errors import OperationInProgress
from edms.backup.lock import exclusive_operation, lock_path
from edms.backup.reinit import reinit
from edms.backup.restore.service import restore

HOLD = (
    "import django, os, sys, time; os.environ['DJANGO_SETTINGS_MODULE'] = 'tests.settings';"
    "django.setup(); from edms.backup.lock import exclusive_operation;"
    "cm = exclusive_operation('restore'); cm.__enter__(); print('held', flush=True);"
    "time.sleep(60)"
)


@pytest.fixture
def holder(settings):
    """Another process holding the lock (same data dir)."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "EDMS_DATA_DIR": str(settings.DATA_DIR)},
    )
    assert process.stdout.readline().strip() == "held"
    yield process
    process.kill()
    process.wait()


@pytest.mark.django_db
def test_a_second_restore_or_reinit_is_refused_at_once(holder, small_instance, backup_file):
    """GIVEN another process running a restore WHEN a restore or a reinit starts
    THEN each is refused immediately with OperationInProgress naming the holder, and the data
    is untouched."""
    path = backup_file()
    started = time.monotonic()
    with pytest.raises(OperationInProgress, match=rf"restore \(pid {holder.pid}\)"):
        restore(path, clean=True)
    with pytest.raises(OperationInProgress):
        reinit(reason="blocked", safety_backup=False)
    assert time.monotonic() - started < 5
    from edms.accounts.models import User

    assert User.objects.filter(username="author01").exists()


def test_a_killed_holder_releases_the_lock(holder):
    """GIVEN a process holding the lock WHEN it is killed with SIGKILL THEN the lock can be
    taken at once, and it is re-entrant within one process."""
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with exclusive_operation("reinit"), exclusive_operation("restore"):
        assert b"reinit" in lock_path().read_bytes()
