"""--only restores a subset of groups together with what it depends on."""

import json

import pytest

from edms.accounts.models import User, UserRole
from edms.audit.models import AuditTrail
from edms.backup.reinit import reinit
from edms.backup.restore.plan import select_entries
from edms.backup.restore.service import restore
from edms.documents.models import Document
from edms.workflows.models import DocumentTransition

pytestmark = pytest.mark.django_db


def test_critical_business_data_restores_users_documents_workflows_but_not_the_audit_trail(
    small_instance, backup_file
):
    """GIVEN a backup and a reinit WHEN only accounts, documents and workflows are restored
    THEN users (with roles and groups), documents and transitions are back, while the audit
    trail holds only the reinit's chain, the restore's entry and one entry per role grant the
    restore made."""
    path = backup_file()
    transitions = DocumentTransition.objects.count()
    reinit(reason="only test", safety_backup=False)
    entries_after_reinit = AuditTrail.objects.count()
    grants_after_reinit = UserRole.objects.count()

    report = restore(path, only=["accounts", "documents", "workflows"])

    assert User.objects.count() == 6
    assert Document.objects.count() == 3
    assert DocumentTransition.objects.count() == transitions
    assert User.objects.get(username="author01").groups.get().name == "QA Team Ω"
    grants = UserRole.objects.count() - grants_after_reinit
    assert AuditTrail.objects.count() == entries_after_reinit + 1 + grants
    restored_grants = AuditTrail.objects.filter(action="ROLE_ASSIGNED", details__by="restore")
    assert restored_grants.count() == grants
    assert "audit.audittrail" in report.skipped


def test_a_group_brings_the_models_it_depends_on():
    """GIVEN the registry WHEN only workflows are selected THEN documents, users and the
    configuration they point to are selected too, and the audit trail is not."""
    labels = {entry.label for entry in select_entries(("workflows",))}
    assert {"workflows.documenttransition", "documents.document", "accounts.user"} <= labels
    assert {"workflows.documentstate", "documents.documenttype"} <= labels
    assert "audit.audittrail" not in labels


def test_the_command_line_only_option_selects_the_groups(small_instance, backup_file, capsys):
    """GIVEN a backup WHEN `restore_backup --only accounts --dry-run --json` runs
    THEN the plan covers the accounts group and what it needs, and no documents or audit."""
    from django.core.management import call_command

    call_command(
        "restore_backup", "--from-file", str(backup_file()), "--only", " accounts ,",
        "--dry-run", "--json",
    )  # fmt: skip

    planned = {entry["label"] for entry in json.loads(capsys.readouterr().out)["plan"]}
    assert "accounts.user" in planned and "accounts.userrole" in planned
    assert "documents.document" not in planned and "audit.audittrail" not in planned
