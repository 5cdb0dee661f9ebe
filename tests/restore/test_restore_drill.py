"""test_restore (the restore drill) proves a backup restorable and never touches live data."""

import json

import pytest

from edms.backup.digest import content_digest
from edms.backup.models import RestoreJob, RestoreMode
from edms.backup.operations import jobs
from edms.backup.restore.drill import test_restore as restore_drill
from tests.restore.helpers import repack, stored_files, whole_dump

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_a_good_backup_passes_the_drill_and_live_data_is_untouched(
    small_instance, backup_file, storage_root
):
    """GIVEN a full backup WHEN the restore drill runs THEN it reports every validation and
    health check passed, a RestoreJob in mode drill records it, and the live database (dump and
    content digest) and storage are unchanged."""
    path = backup_file()
    before = whole_dump(exclude_jobs=True), content_digest(), stored_files(storage_root)

    report = jobs.perform(jobs.DRILL, jobs.restore_job(path, mode=RestoreMode.DRILL))

    assert report.ok, report.error or report.health
    assert report.restore["records"] > 90
    assert {c["name"] for c in report.restore["validation"]} >= {"content digest", "audit chain"}
    assert RestoreJob.objects.get(mode="drill").status == "completed"
    assert (whole_dump(exclude_jobs=True), content_digest(), stored_files(storage_root)) == before


def test_a_damaged_backup_fails_the_drill(small_instance, backup_file, storage_root, tmp_path):
    """GIVEN a backup whose stored file is damaged WHEN drilled THEN the drill fails naming the
    checksum, and the live data is unchanged."""

    def corrupt(name, data):
        return b"X" + data[1:] if name.startswith("files/") else data

    path = repack(backup_file(), tmp_path / "bad.tar.zst", member=corrupt)
    before = whole_dump(exclude_jobs=True), stored_files(storage_root)

    report = restore_drill(path)

    assert not report.ok and report.error_type == "CorruptPackage"
    assert "checksum" in report.error
    assert (whole_dump(exclude_jobs=True), stored_files(storage_root)) == before


def test_the_drill_command_exits_non_zero_on_a_bad_backup(new_instance, tmp_path):
    """GIVEN a file that is not a backup WHEN `edms test_restore` runs on it THEN it exits with
    the UnsupportedFormat code and says the drill failed."""
    edms = new_instance("drill-cli")
    junk = tmp_path / "junk.tar.zst"
    junk.write_bytes(b"not a backup")
    result = edms.run("test_restore", str(junk), check=False)
    assert result.returncode == 4 and "restore drill FAILED" in result.stderr
    good = edms.data_dir / "good.tar.zst"
    edms.run("create_backup", "--type", "full", "--output", str(good))
    assert json.loads(edms.run("test_restore", str(good), "--json").stdout)["ok"]
