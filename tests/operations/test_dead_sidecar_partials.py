"""A sidecar being rewritten when its process is killed leaves no partial file behind.

Found by the long kill-point run (every event a kill point): a kill while a finished backup's
sidecar was rewritten (its verification recorded) left `.<package>.metadata.json.partial`."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from edms.backup.models import BackupJob
from edms.backup.operations import recording
from edms.backup.operations.jobs import run_backup
from edms.backup.package import sidecar

pytestmark = pytest.mark.django_db


def _dead_runner() -> str:
    """The runner string of a process that has ended."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                           capture_output=True, text=True)  # fmt: skip
    return f"{socket.gethostname()}:{child.stdout.strip()}:1"


def test_a_dead_process_sidecar_partials_go_and_a_live_one_stays(storage_root, tmp_path, settings):
    """GIVEN a backup in the backups directory and one written elsewhere (--output), each with
    the partial sidecar of a killed process beside it, and one of this live process
    WHEN the next operation starts THEN the dead ones are removed and the live one is kept."""
    kept_here = run_backup("full")
    elsewhere = tmp_path / "offsite" / "copy.tar.zst"
    run_backup("full", output=elsewhere)
    dead = _dead_runner()
    packages = [BackupJob.objects.get(path=str(elsewhere)).path, kept_here.path]
    partials = []
    for package in packages:
        path = sidecar.path_of(Path(package))
        partials.append(path.with_name(f".{path.name}.{dead}{sidecar.PARTIAL}"))
        partials[-1].write_text("{")
    live = sidecar.partial_of(Path(kept_here.path))
    live.write_text("{")

    recording.clean_dead_runs()

    assert [p for p in partials if p.exists()] == []
    assert live.exists()
