"""Scenario C: a backup restores onto a second, freshly migrated installation."""

import json

import orjson
import pytest

from edms.core.registry import BackupRole, registry

pytestmark = pytest.mark.slow


def business_dump(instance) -> list[str]:
    labels = [entry.label for entry in registry.of_role(BackupRole.BUSINESS)]
    out = instance.run("dumpdata", *labels, "--natural-foreign", "--natural-primary").stdout
    return sorted(orjson.dumps(r, option=orjson.OPT_SORT_KEYS).decode() for r in orjson.loads(out))


def test_a_backup_restores_onto_a_new_server_with_identical_business_data(new_instance):
    """GIVEN an installation with demo data and a full backup of it
    WHEN the backup is restored onto a second, freshly migrated installation (export type,
    restore_from_package) THEN dumpdata of the business models is identical on both (plus the
    restore's own audit entry), and the new server's files and audit chain check out."""
    old, new = new_instance("old"), new_instance("new")
    old.run("load_demo_data", "--documents", "6", "--password", "demo-password-c")
    package = old.data_dir / "export.tar.zst"
    old.run("create_backup", "--type", "export", "--output", str(package))

    result = new.run(
        "restore_from_package", "--package", str(package), "--allow-privileged-changes", "--json"
    )

    assert json.loads(result.stdout)["ok"]
    before, after = business_dump(old), business_dump(new)
    assert set(before) <= set(after)
    added = set(after) - set(before)
    assert [line for line in added if '"by":"restore"' not in line] == [
        line for line in added if "BACKUP_RESTORED" in line
    ]
    assert len([line for line in added if "BACKUP_RESTORED" in line]) == 1
    assert json.loads(new.run("post_restore_health", "--json").stdout)["ok"]
