"""A verification whose process died does not block verifying the backup again."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests.api.conftest import follow

pytestmark = pytest.mark.slow


def test_verification_left_running_by_a_dead_process_is_failed_and_can_be_redone(
    staff, login, effective_document
):
    """GIVEN a backup whose verification was 'running' in a process that no longer exists
    WHEN staff read the backup THEN its verification shows as failed (interrupted); WHEN they
    ask to verify again THEN it is accepted and passes."""
    from edms.backup.operations.jobs import run_backup

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    job = run_backup("database")
    job.runner = f"{socket.gethostname()}:{dead.pid}"
    job.verification_state = "running"
    job.save(update_fields=["runner", "verification_state"])
    client = login(staff)
    url = f"/api/v1/backup/jobs/{job.uuid}/"

    interrupted = client.get(url).json()["verification"]
    again = client.post(url + "verify_backup/", {}, format="json")

    assert interrupted["state"] == "failed"
    assert interrupted["error"].startswith("interrupted")
    assert again.status_code == 202, again.content
    from edms.backup.operations import runner

    runner.wait_for_jobs()
    assert follow(client, url)["verification"]["state"] == "passed"
