"""post_restore_health: counts, files, audit chain, sequences, admin login."""

import pytest

from edms.accounts.admin_account import create_admin
from edms.audit.models import AuditTrail
from edms.backup.health_checks import post_restore_health
from edms.backup.restore.service import restore
from edms.documents import storage
from edms.documents.models import DocumentVersion

pytestmark = pytest.mark.django_db


def _checks(health):
    return {check.name: check for check in health.checks}


def test_a_restored_system_is_healthy(small_instance, backup_file):
    """GIVEN a clean restore with an admin present WHEN the health checks run THEN every check
    passes, sequences included (on PostgreSQL the next id lies above the highest)."""
    create_admin("admin", "a-long-admin-password")
    restore(backup_file(), clean=True)
    create_admin("admin", "a-long-admin-password")  # a clean restore replaced the users

    health = post_restore_health()

    assert health.ok, health.as_json()
    assert health.counts["documents.document"] == 3
    assert "admin" in _checks(health)["admin login"].detail


def test_a_damaged_system_is_reported(small_instance):
    """GIVEN a stored file changed on disk, an audit entry altered and no admin
    WHEN the health checks run THEN the files, audit chain and admin login checks fail, each
    saying what is wrong."""
    version = DocumentVersion.objects.first()
    storage.absolute(version.file).write_bytes(b"tampered")
    AuditTrail._base_manager.filter(sequence=2).update(action="FORGED")

    checks = _checks(post_restore_health())

    assert not checks["files"].ok and "size" in checks["files"].detail
    assert not checks["audit chain"].ok and "hash mismatch" in checks["audit chain"].detail
    assert not checks["admin login"].ok
