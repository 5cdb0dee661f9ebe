import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from edms.audit.models import AuditTrail
from edms.backup.models import BackupConfiguration

pytestmark = pytest.mark.django_db


def configs(*args: str):
    out = StringIO()
    call_command("manage_backup_configs", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_create_list_show_and_the_next_run():
    """GIVEN no configurations WHEN an operator creates a nightly full backup keeping 7 daily
    and 4 weekly THEN list and show return it with its schedule, retention and next run."""
    created = configs(
        "create", "nightly", "--type", "full", "--schedule", "0 2 * * *",
        "--keep-daily", "7", "--keep-weekly", "4",
    )  # fmt: skip

    assert created["name"] == "nightly"
    listed = configs("list")
    assert [c["name"] for c in listed] == ["nightly"]
    shown = configs("show", "nightly")
    assert shown["backup_type"] == "full"
    assert shown["schedule"] == "0 2 * * *"
    assert (shown["keep_last"], shown["keep_daily"], shown["keep_weekly"]) == (7, 7, 4)
    assert shown["is_enabled"] is True
    assert shown["next_run_at"].endswith("T02:00:00+00:00")
    assert AuditTrail.objects.filter(action="BACKUP_CONFIGURATION_CREATED").count() == 1


def test_update_enable_disable_and_delete_are_audited():
    """GIVEN a configuration WHEN it is updated, disabled, enabled and deleted
    THEN each change takes effect and leaves its own audit entry with what changed."""
    configs("create", "hourly-db", "--type", "database", "--schedule", "0 * * * *")

    updated = configs("update", "hourly-db", "--schedule", "30 * * * *", "--keep-last", "24")
    assert (updated["schedule"], updated["keep_last"]) == ("30 * * * *", 24)
    assert configs("disable", "hourly-db")["next_run_at"] is None
    assert BackupConfiguration.objects.get(name="hourly-db").is_enabled is False
    assert configs("enable", "hourly-db")["is_enabled"] is True
    configs("delete", "hourly-db")

    assert not BackupConfiguration.objects.exists()
    actions = list(
        AuditTrail.objects.filter(action__startswith="BACKUP_CONFIGURATION")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        "BACKUP_CONFIGURATION_CREATED",
        "BACKUP_CONFIGURATION_UPDATED",
        "BACKUP_CONFIGURATION_DISABLED",
        "BACKUP_CONFIGURATION_ENABLED",
        "BACKUP_CONFIGURATION_DELETED",
    ]
    update = AuditTrail.objects.get(action="BACKUP_CONFIGURATION_UPDATED")
    assert update.details["changes"] == {
        "schedule": ["0 * * * *", "30 * * * *"],
        "keep_last": [7, 24],
    }


@pytest.mark.parametrize(
    "args, message",
    [
        (("--schedule", "every night"), "not a cron expression"),
        (("--schedule", "0 2 * *"), "not a cron expression"),
        (("--schedule", "61 2 * * *"), "not a cron expression"),
    ],
)
def test_a_bad_schedule_is_refused_and_nothing_is_created(args, message):
    """GIVEN a schedule that is not a five-field cron line WHEN a configuration is created
    THEN the command fails saying how to write one, and no configuration exists."""
    with pytest.raises(CommandError, match=message):
        call_command("manage_backup_configs", "create", "bad", "--type", "full", *args)
    assert not BackupConfiguration.objects.exists()
    assert not AuditTrail.objects.exists()


def test_a_bad_update_changes_nothing():
    """GIVEN a configuration WHEN an update gives a bad schedule or a negative retention
    THEN it fails with a clear message and the stored configuration is unchanged."""
    configs("create", "nightly", "--type", "full", "--schedule", "0 2 * * *")

    with pytest.raises(CommandError, match="cron"):
        call_command("manage_backup_configs", "update", "nightly", "--schedule", "x")
    with pytest.raises(CommandError, match="keep_last"):
        call_command("manage_backup_configs", "update", "nightly", "--keep-last", "-1")

    stored = BackupConfiguration.objects.get(name="nightly")
    assert (stored.schedule, stored.keep_last) == ("0 2 * * *", 7)
    assert not AuditTrail.objects.filter(action="BACKUP_CONFIGURATION_UPDATED").exists()


def test_unknown_and_duplicate_names_are_clear_errors():
    """GIVEN one configuration WHEN another with its name is created, or an unknown one is
    shown or deleted THEN each fails naming the problem and what exists."""
    configs("create", "nightly", "--type", "full", "--schedule", "0 2 * * *")

    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "manage_backup_configs",
            "create",
            "nightly",
            "--type",
            "files",
            "--schedule",
            "0 3 * * *",
        )
    with pytest.raises(CommandError, match=r"no backup configuration named 'weekly'.*nightly"):
        call_command("manage_backup_configs", "delete", "weekly")
    assert BackupConfiguration.objects.get().backup_type == "full"


def test_the_plain_listing_reads_as_a_table():
    """GIVEN two configurations, one disabled WHEN listed without --json
    THEN each is one line with its state, type, schedule and retention."""
    configs("create", "nightly", "--type", "full", "--schedule", "0 2 * * *")
    configs("create", "weekly", "--type", "export", "--schedule", "0 3 * * 0", "--disabled")
    out = StringIO()

    call_command("manage_backup_configs", "list", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].split()[:4] == ["nightly", "enabled", "full", "0"]
    assert lines[1].split()[:3] == ["weekly", "disabled", "export"]
    assert "keep last 7/daily 0/weekly 0/monthly 0" in lines[0]
