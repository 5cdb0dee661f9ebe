"""system_reinit from the command line: plan, confirmation, safety backup, new admin."""

import json

import pytest

pytestmark = pytest.mark.slow


def test_dry_run_lists_what_is_deleted_and_kept_and_changes_nothing(new_instance):
    """GIVEN demo data WHEN system_reinit --dry-run runs THEN it lists per model what would be
    deleted and kept, and the data is still there."""
    edms = new_instance("reinit-plan")
    edms.run("load_demo_data", "--password", "demo-password-r")
    plan = json.loads(edms.run("system_reinit", "--dry-run", "--json").stdout)
    models = {m["label"]: m for m in plan["models"]}
    assert models["accounts.user"]["delete"] == 7
    assert models["documents.document"]["delete"] == 4
    assert models["accounts.role"] == {
        "label": "accounts.role",
        "role": "configuration",
        "delete": 0,
        "keep": 7,
    }
    assert plan["files"] > 0
    again = json.loads(edms.run("system_reinit", "--dry-run", "--json").stdout)
    assert {m["label"]: m for m in again["models"]} == models


def test_reinit_needs_a_reason_and_a_confirmation(new_instance):
    """GIVEN an installation WHEN system_reinit runs without --reason, or with a mistyped
    instance name at the prompt THEN it refuses (exit 2) and nothing is deleted."""
    edms = new_instance("reinit-refused")
    edms.run("load_demo_data", "--password", "demo-password-r")
    no_reason = edms.run("system_reinit", "--confirm", check=False)
    wrong_name = edms.run("system_reinit", "--reason", "x", input="prod\n", check=False)
    assert (no_reason.returncode, wrong_name.returncode) == (2, 2)
    assert "instance name did not match" in wrong_name.stderr
    plan = json.loads(edms.run("system_reinit", "--dry-run", "--json").stdout)
    assert {m["label"]: m["delete"] for m in plan["models"]}["accounts.user"] == 7


def test_typed_instance_name_runs_the_reinit_with_a_generated_admin_password(new_instance):
    """GIVEN demo data WHEN the operator types the instance name at the prompt
    THEN a verified safety backup is written, business data and files are gone, configuration
    stays, the admin's generated password is printed once and works, and the new audit chain
    starts with the reinit entry naming the reason and the safety backup's SHA-256."""
    edms = new_instance("reinit-typed")
    edms.run("load_demo_data", "--password", "demo-password-r")

    result = edms.run("system_reinit", "--reason", "year-end reset", input="edms\n")

    password = result.stdout.split("admin password (shown once): ")[1].split()[0]
    sha = result.stdout.split(" sha256 ")[1].split()[0]
    check = edms.run(
        "shell",
        "--no-imports",
        "-c",
        "from edms.accounts.models import User; from edms.audit.models import AuditTrail;"
        "from edms.documents.models import Document, DocumentType;"
        "from edms.documents import storage;"
        f"print(User.objects.get().check_password('{password}'), Document.objects.count(),"
        " DocumentType.objects.count(), len(list((storage.root() / 'documents').rglob('*.*'))),"
        " AuditTrail.objects.order_by('sequence').first().action,"
        " AuditTrail.objects.order_by('sequence').first().details['safety_backup_sha256'],"
        " AuditTrail.objects.order_by('sequence').first().details['reason'])",
    )
    assert check.stdout.split() == [
        "True",
        "0",
        "6",
        "0",
        "SYSTEM_REINIT",
        sha,
        "year-end",
        "reset",
    ]
    backups = list((edms.data_dir / "backups").glob("edms-full-*.tar.zst"))
    assert len(backups) == 1
    assert json.loads(edms.run("verify_backup", str(backups[0]), "--json").stdout)["ok"]
