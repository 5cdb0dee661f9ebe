import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pyrage import x25519

from edms.audit.models import AuditTrail
from edms.backup.models import BackupConfiguration, BackupJob, JobStatus
from edms.backup.verify import verify_package


def trigger(name: str) -> dict:
    out = StringIO()
    call_command("trigger_backup", name, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_trigger_runs_the_configuration_now_and_applies_its_retention(
    configuration, effective_document
):
    """GIVEN a full-backup configuration keeping the last 2, and two earlier runs of it
    WHEN an operator triggers it THEN a new verified package holding the document file exists,
    the oldest package and its sidecar are gone with their job, the pruning is audited, and
    the schedule's last run is not moved by the manual run."""
    weekly = configuration("weekly", backup_type="full", keep_last=2)
    first, second = trigger("weekly"), trigger("weekly")
    assert first["pruned"] == second["pruned"] == []

    third = trigger("weekly")

    assert third["pruned"] == [first["path"]]
    assert not Path(first["path"]).exists()
    assert not Path(first["path"] + ".metadata.json").exists()
    assert Path(second["path"]).is_file() and Path(third["path"]).is_file()
    report = verify_package(Path(third["path"]))
    assert report.ok and report.manifest["file_count"] == 1
    assert third["verified"] is True
    assert list(BackupJob.objects.order_by("created_at").values_list("path", flat=True)) == [
        second["path"],
        third["path"],
    ]
    pruned = AuditTrail.objects.get(action="BACKUP_PRUNED")
    assert pruned.details["path"] == first["path"] and pruned.details["configuration"] == "weekly"
    assert BackupConfiguration.objects.get(pk=weekly.pk).last_run_at is None


def test_an_unknown_configuration_is_a_clear_error(configuration):
    """GIVEN one configuration WHEN another name is triggered
    THEN the command fails listing the configured names, and no job is recorded."""
    configuration("nightly")

    with pytest.raises(CommandError, match=r"no backup configuration named 'nighty'.*nightly"):
        call_command("trigger_backup", "nighty")

    assert not BackupJob.objects.exists()


def test_a_failed_backup_fails_the_command_and_prunes_nothing(configuration, monkeypatch):
    """GIVEN a configuration keeping 1, with one good backup, then switched to encryption
    while no key is configured WHEN it is triggered THEN the command fails saying what to set,
    the failure is a recorded job, and the good backup is still there."""
    monkeypatch.delenv("EDMS_BACKUP_RECIPIENTS", raising=False)
    monkeypatch.delenv("EDMS_BACKUP_PASSPHRASE", raising=False)
    configuration("nightly", keep_last=1)
    good = trigger("nightly")
    BackupConfiguration.objects.filter(name="nightly").update(encrypt=True)

    with pytest.raises(CommandError, match="EDMS_BACKUP_RECIPIENTS"):
        call_command("trigger_backup", "nightly", stderr=StringIO())

    assert Path(good["path"]).is_file()
    assert sorted(BackupJob.objects.values_list("status", flat=True)) == [
        JobStatus.COMPLETED,
        JobStatus.FAILED,
    ]


def test_encrypted_configurations_use_the_configured_age_recipient(configuration, monkeypatch):
    """GIVEN a configuration with encryption on and an age public key in EDMS_BACKUP_RECIPIENTS
    WHEN it is triggered THEN the package is encrypted and verifies with the matching identity."""
    identity = x25519.Identity.generate()
    monkeypatch.setenv("EDMS_BACKUP_RECIPIENTS", str(identity.to_public()))
    configuration("sealed", encrypt=True)

    result = trigger("sealed")

    assert result["path"].endswith(".age")
    assert BackupJob.objects.get().encrypted is True
    assert verify_package(Path(result["path"]), identity=str(identity)).ok
