"""The seeds' test 4, from the command line: backup, reinit, restore."""

import json

import pytest

pytestmark = pytest.mark.slow

COUNTS = (
    "from edms.accounts.models import User; from edms.documents.models import Document;"
    "a = User.objects.get(username='author01');"
    "print(User.objects.count(), Document.objects.count(),"
    " ','.join(a.roles.values_list('name', flat=True)),"
    " ','.join(a.groups.values_list('name', flat=True)))"
)


def test_backup_reinit_restore_brings_back_7_users_and_4_documents(new_instance):
    """GIVEN demo data (7 users, 4 documents) with author01 in a group
    WHEN create_backup, system_reinit --confirm and restore_backup run as an operator would
    THEN there are 7 users and 4 documents again, author01 keeps its role and group, the
    post-restore health checks pass and the audit chain verifies."""
    edms = new_instance("test4")
    edms.run("load_demo_data", "--password", "demo-password-4")
    edms.run(
        "shell",
        "--no-imports",
        "-c",
        "from django.contrib.auth.models import Group; from edms.accounts.models import User;"
        "User.objects.get(username='author01').groups.add(Group.objects.create(name='Authors'))",
    )
    assert edms.run("shell", "--no-imports", "-c", COUNTS).stdout.split() == [
        "7",
        "4",
        "Author",
        "Authors",
    ]
    backup = edms.data_dir / "backup_pre_reinit.tar.zst"
    edms.run("create_backup", "--type", "full", "--output", str(backup))

    reinit = edms.run("system_reinit", "--confirm", "--reason", "seed test 4", "--json")
    assert json.loads(reinit.stdout)["safety_backup_sha256"]
    assert (
        edms.run("shell", "--no-imports", "-c", COUNTS, check=False).returncode != 0
    )  # author01 is gone

    restored = json.loads(edms.run("restore_backup", "--from-file", str(backup), "--json").stdout)

    assert restored["ok"] and restored["mode"] == "merge"
    assert edms.run("shell", "--no-imports", "-c", COUNTS).stdout.split() == [
        "7",
        "4",
        "Author",
        "Authors",
    ]
    health = json.loads(edms.run("post_restore_health", "--json").stdout)
    assert health["ok"], health
    assert (
        "every chain verifies" in {c["name"]: c["detail"] for c in health["checks"]}["audit chain"]
    )
