"""The built-in scheduler of the embedded default, as an operator runs it: a long-lived process."""

import json
import signal
import subprocess
import sys
import time

import pytest

BACKDATE = (
    "import datetime as dt; from django.utils import timezone;"
    "from edms.backup.models import BackupConfiguration as C;"
    "C.objects.filter(name='nightly').update(created_at=timezone.now() - dt.timedelta(days=2))"
)


@pytest.mark.slow
def test_the_scheduler_process_runs_due_backups_and_stops_cleanly_on_sigterm(new_instance):
    """GIVEN an installation with a due nightly configuration
    WHEN `edms backup_scheduler --interval 0.5 --json` runs THEN it reports the backup it made,
    the package verifies, and on SIGTERM the process exits 0 without running it again."""
    instance = new_instance("scheduler")
    instance.run("manage_backup_configs", "create", "nightly", "--type", "database",
                 "--schedule", "0 2 * * *")  # fmt: skip
    instance.run("shell", "--no-imports", "-c", BACKDATE)
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "edms", "backup_scheduler", "--interval", "0.5", "--json"],
        env=instance.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = scheduler.stdout.readline()  # blocks until the first run is reported
        time.sleep(1.5)  # three more checks: nothing else is due
    finally:
        scheduler.send_signal(signal.SIGTERM)
        rest, errors = scheduler.communicate(timeout=30)

    assert first_line, errors
    run = json.loads(first_line)
    assert (run["configuration"], run["ok"]) == ("nightly", True), errors
    assert rest == "" and scheduler.returncode == 0, errors
    assert json.loads(instance.run("verify_backup", run["path"], "--json").stdout)["ok"] is True
    listed = json.loads(instance.run("manage_backup_configs", "list", "--json").stdout)
    assert listed[0]["last_run_at"] is not None


@pytest.mark.slow
def test_commands_exit_non_zero_with_a_clear_message(new_instance):
    """GIVEN an installation with no configurations WHEN an operator triggers an unknown one or
    creates one with a bad schedule THEN each exits non-zero with the reason on stderr."""
    instance = new_instance("errors")

    unknown = instance.run("trigger_backup", "nightly", check=False)
    bad = instance.run("manage_backup_configs", "create", "x", "--type", "full",
                       "--schedule", "daily", check=False)  # fmt: skip

    assert unknown.returncode == 1
    assert "no backup configuration named 'nightly' (configured: none)" in unknown.stderr
    assert bad.returncode == 1 and "'daily' is not a cron expression" in bad.stderr
    assert instance.run("manage_backup_configs", "list", "--json").stdout.strip() == "[]"
