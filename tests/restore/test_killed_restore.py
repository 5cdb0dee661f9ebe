"""A restore killed mid-way leaves the target as it was, and the next restore is not blocked."""

import json
import signal
import subprocess
import sys
import time

import orjson
import pytest

from edms.core.registry import registry

pytestmark = pytest.mark.slow


def _dump(instance) -> list[str]:
    labels = [e.label for e in registry.backed_up()]
    out = instance.run("dumpdata", *labels, "--natural-foreign", "--natural-primary").stdout
    return sorted(orjson.dumps(r, option=orjson.OPT_SORT_KEYS).decode() for r in orjson.loads(out))


def _files(instance) -> list[str]:
    root = instance.data_dir / "storage" / "documents"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_sigkill_during_a_clean_restore_changes_nothing(new_instance):
    """GIVEN an instance with more than a thousand records, its backup, and then a reinit
    WHEN `restore_backup --clean` is killed with SIGKILL while it runs
    THEN the database and the stored files are exactly as after the reinit, and a new restore
    runs to completion (the kernel released the lock) with nothing left over."""
    edms = new_instance("killed")
    edms.run("load_demo_data", "--documents", "300", "--password", "demo-password-k")
    backup = edms.data_dir / "backup.tar.zst"
    edms.run("create_backup", "--type", "full", "--output", str(backup))
    edms.run("system_reinit", "--confirm", "--no-safety-backup", "--reason", "kill test")
    before_db, before_files = _dump(edms), _files(edms)
    lock = edms.data_dir / "maintenance.lock"

    process = subprocess.Popen(
        [sys.executable, "-m", "edms", "restore_backup", "--from-file", str(backup), "--clean"],
        env=edms.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not (lock.exists() and b"restore" in lock.read_bytes()):
        assert time.monotonic() < deadline and process.poll() is None, "restore never started"
        time.sleep(0.02)
    time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL, "the restore finished before it could be killed"

    assert _dump(edms) == before_db
    assert _last_job(edms) == "running"  # killed before it finished
    leftovers = set(_files(edms)) - set(before_files)
    assert set(before_files) <= set(_files(edms))

    result = json.loads(
        edms.run("restore_backup", "--from-file", str(backup), "--clean", "--json").stdout
    )
    assert result["ok"] and result["records"] > 1000
    files_now = _files(edms)
    assert len(files_now) == result["files"]["in_backup"]
    assert leftovers <= set(files_now)  # any file the killed restore placed is a backup file
    statuses = edms.run("shell", "--no-imports", "-c", JOBS).stdout.split()
    assert statuses == ["failed", "completed"]  # the dead restore's job is marked failed


JOBS = (
    "from edms.backup.models import RestoreJob;"
    "print(*RestoreJob.objects.exclude(mode='reinit').order_by('created_at')"
    ".values_list('status', flat=True))"
)


def _last_job(instance) -> str:
    return instance.run("shell", "--no-imports", "-c", JOBS).stdout.split()[-1]
