"""Scenario B: restore after a system reinit (new admin, configuration kept, new audit chain)."""

import pytest

from edms.accounts.models import User
from edms.audit import chain
from edms.backup.reinit import reinit
from edms.backup.restore.service import restore
from tests.restore.helpers import business_dump, stored_files, without_restore_entries

pytestmark = pytest.mark.django_db


def test_restore_after_reinit_links_users_to_the_kept_roles_and_groups(
    small_instance, backup_file, storage_root
):
    """GIVEN a backup, then a reinit (which removes every user and file and creates an admin)
    WHEN the backup is restored (merge, the default)
    THEN every business record of the backup is back exactly as it was, the reinit's admin is
    kept, author01 has its role and group, files are back and the audit chains verify."""
    before, files_before = business_dump(), stored_files(storage_root)
    path = backup_file()
    reinit(reason="test B", safety_backup=False, admin_password="a-long-admin-pass")
    assert User.objects.count() == 1

    restore(path, reason="after reinit")

    after = set(business_dump())
    assert set(before) <= after
    extra = after - set(before)
    assert all(
        '"admin"' in line
        or "BACKUP_RESTORED" in line
        or "REINIT" in line
        or "ADMIN_CREATED" in line
        or '"by":"restore"' in line  # the audit entries of the role grants it made
        for line in extra
    )
    author = User.objects.get(username="author01")
    assert list(author.roles.values_list("name", flat=True)) == ["Author"]
    assert list(author.groups.values_list("name", flat=True)) == ["QA Team Ω"]
    assert User.objects.get(username="admin").check_password("a-long-admin-pass")
    assert stored_files(storage_root) == files_before
    assert chain.verify() == []


def test_clean_restore_after_reinit_equals_the_backup(small_instance, backup_file):
    """GIVEN a backup and a reinit WHEN restored with --clean THEN business data equals the
    backup's exactly (plus the restore entry)."""
    before = business_dump()
    path = backup_file()
    reinit(reason="test B clean", safety_backup=False)

    restore(path, clean=True)

    assert without_restore_entries(business_dump()) == before
    assert chain.verify() == []
