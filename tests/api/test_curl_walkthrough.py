"""The README's curl sequence, run as a script against a real server."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from edms.backup.models import RestoreJob

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCRIPT = Path(__file__).with_name("curl_walkthrough.sh")


def test_curl_backs_up_downloads_uploads_plans_and_restores(
    live_server, make_user, effective_document, tmp_path
):
    """GIVEN a running server with an effective document and a staff user
    WHEN the curl script logs in, creates a backup, polls it, downloads it, uploads it for a
    plan and executes the plan THEN every step succeeds and the server records a completed
    merge restore of the downloaded file."""
    make_user("admin01", "Administrator", is_staff=True, is_superuser=True)

    run = subprocess.run(
        ["bash", str(SCRIPT), live_server.url, "admin01", "pw-admin01", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].endswith(": completed")
    assert lines[2].startswith("plan ") and not lines[2].endswith(" 0 records")
    assert lines[3].endswith(": completed")
    restore = RestoreJob.objects.get(mode="merge")
    assert restore.status == "completed"
    assert restore.reason == "curl walkthrough"
