import signal
import subprocess
import sys
import time

import pytest

from tests.backup.conftest import run_json


@pytest.mark.slow
def test_a_backup_process_stopped_midway_leaves_no_package_and_a_failed_job(demo_instance):
    """GIVEN a full backup running in its own process
    WHEN the process is sent SIGTERM while it is writing (its spool directory exists)
    THEN it exits with code 130, the backups directory holds nothing that looks finished (no
    package, no sidecar, no partial or spool files), and list_backups shows the job failed."""
    instance = demo_instance(documents=150)
    backups = instance.data_dir / "backups"
    process = subprocess.Popen(
        [sys.executable, "-m", "edms", "create_backup", "--type", "full", "--verify"],
        env=instance.env(),
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (backups.exists() and any(backups.iterdir())):
        assert process.poll() is None and time.monotonic() < deadline, "backup never started"
        time.sleep(0.001)
    process.send_signal(signal.SIGTERM)
    stderr = process.communicate(timeout=60)[1]

    assert process.returncode == 130, stderr
    assert "backup interrupted" in stderr
    assert list(backups.iterdir()) == []
    code, listing = run_json(instance, "list_backups")
    assert [(row["status"], row["exists"]) for row in listing] == [("failed", False)]
    assert "stopped by signal" in listing[0]["error"]
