"""A dry run shows the plan per model and changes nothing."""

import pytest

from edms.backup.reinit import reinit
from edms.backup.restore.service import restore
from tests.restore.helpers import stored_files, whole_dump

pytestmark = pytest.mark.django_db


def test_dry_run_after_reinit_plans_creates_and_the_admin_conflict_and_writes_nothing(
    small_instance, backup_file, storage_root
):
    """GIVEN a backup and a reinit WHEN a dry run of the restore is made
    THEN the plan says every user but the new admin will be created, the admin is a conflict
    (kept), configuration is matched — and database and storage are exactly as before."""
    path = backup_file()
    reinit(reason="dry run test", safety_backup=False)
    before = whole_dump(exclude_jobs=True), stored_files(storage_root)

    report = restore(path, dry_run=True)

    plan = {p.label: p for p in report.plan}
    assert (plan["accounts.user"].create, plan["accounts.user"].conflict) == (5, 0)
    assert plan["documents.document"].create == 3
    assert plan["documents.documentversion"].create == 2
    assert plan["accounts.role"].matched == 7
    assert report.status == "planned" and report.validation == []
    assert (whole_dump(exclude_jobs=True), stored_files(storage_root)) == before


def test_dry_run_of_a_clean_restore_plans_against_empty_business_tables(
    small_instance, backup_file, storage_root
):
    """GIVEN an unchanged system WHEN a clean restore is dry-run THEN every business record is
    planned as created (the clean restore clears them first) and nothing changes."""
    path = backup_file()
    before = whole_dump(exclude_jobs=True), stored_files(storage_root)

    report = restore(path, clean=True, dry_run=True)

    plan = {p.label: p for p in report.plan}
    assert plan["accounts.user"].create == plan["accounts.user"].in_backup == 5
    assert plan["audit.audittrail"].create == plan["audit.audittrail"].in_backup
    assert plan["documents.documenttype"].matched == 6
    assert (whole_dump(exclude_jobs=True), stored_files(storage_root)) == before
