"""Progress a running job reports reaches the job's detail at once, although the job's own
database transaction (a restore's) has not committed anything yet."""

from __future__ import annotations

import socket
import subprocess
import sys

from django.core.cache import cache

from edms.backup.models import RestoreJob
from edms.backup.operations import recording
from edms.core.progress import NO_PROGRESS


def test_reported_progress_shows_in_the_detail_while_the_job_runs(staff, login):
    """GIVEN a restore running in another live process WHEN its progress callback reports
    'apply' 40 of 100, then 100 of 100 THEN the job's detail shows that phase with 40 % and then
    100 %; WHEN the job is completed THEN the detail shows the row's final values."""
    worker = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=-1)
    try:
        job = RestoreJob.objects.create(
            source_path="/uploads/x",
            mode="merge",
            status="running",
            runner=f"{socket.gethostname()}:{worker.pid}",
        )
        client, url = login(staff), f"/api/v1/backup/restores/{job.uuid}/"
        report = recording.publishing(job, NO_PROGRESS)

        report("apply", 40, 100)
        midway = client.get(url).json()
        report("apply", 100, 100)
        applied = client.get(url).json()
    finally:
        worker.communicate(b"", timeout=30)
    RestoreJob.objects.filter(pk=job.pk).update(status="completed", phase="done")
    cache.delete(recording.progress_key(job))  # as `recorded` does when the job ends
    done = client.get(url).json()

    assert (midway["status"], midway["phase"], midway["percent"]) == ("running", "apply", 40.0)
    assert (applied["progress_done"], applied["percent"]) == (100, 100.0)
    assert (done["status"], done["phase"], done["percent"]) == ("completed", "done", 100.0)
