"""Only one restore or reinit at a time: a second request gets 409, and a job whose process
died does not block anything (it is marked failed when jobs are next read)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from edms.backup.models import RestoreJob

pytestmark = pytest.mark.slow

HOLD_LOCK = """
import django, sys
django.setup()
from edms.backup.lock import exclusive_operation
with exclusive_operation("restore from the command line"):
    print("held", flush=True)
    sys.stdin.read()
"""


def reinit_request(client):
    from django.conf import settings

    return client.post(
        "/api/v1/backup/reinit/",
        {"confirm": settings.INSTANCE_NAME, "reason": "test", "admin_password": "pw-admin-123"},
        format="json",
    )


def test_a_restore_running_from_the_command_line_makes_the_api_answer_409(staff, login):
    """GIVEN a restore holding the operation lock in another process (the command line)
    WHEN a staff member uploads a backup or asks for a reinit THEN both get 409 naming the
    running operation, and no job is created."""
    client = login(staff)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
    )
    try:
        assert holder.stdout.readline().strip() == "held"

        upload = client.post(
            "/api/v1/backup/restores/restore_from_file/",
            {"backup_file": SimpleUploadedFile("b.tar.zst", b"irrelevant")},
            format="multipart",
        )
        reinit = reinit_request(client)
    finally:
        holder.communicate("", timeout=30)

    assert upload.status_code == 409, upload.content
    assert "restore from the command line" in upload.json()["detail"]
    assert reinit.status_code == 409, reinit.content
    assert not RestoreJob.objects.exists()


def test_a_job_of_a_process_that_died_is_failed_and_blocks_nothing(staff, login):
    """GIVEN a restore job left 'running' by a process that no longer exists, and one still
    'running' in a live process WHEN a reinit is requested THEN it gets 409 because of the live
    one; WHEN that process ends too THEN listing the restores shows both failed as interrupted
    and a new request is no longer refused for them."""
    client = login(staff)
    host = socket.gethostname()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=-1)
    for pid in (dead.pid, alive.pid):
        RestoreJob.objects.create(
            source_path="/nowhere",
            mode="merge",
            status="running",
            runner=f"{host}:{pid}",
        )

    refused = reinit_request(client)
    alive.communicate(b"", timeout=30)
    listed = client.get("/api/v1/backup/restores/").json()["results"]

    assert refused.status_code == 409, refused.content
    assert [job["status"] for job in listed] == ["failed", "failed"]
    assert all(job["error"].startswith("interrupted") for job in listed)
    assert reinit_request(client).status_code == 202
