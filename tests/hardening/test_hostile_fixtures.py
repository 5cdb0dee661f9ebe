"""A fixture whose "model" is a path: refused, naming the label, and no file is written
anywhere (issue 11, item 1). Tried the way an attacker would: on the command line, with and
without --dry-run, and as an upload to the API."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from edms.backup.errors import CorruptPackage, UnsupportedFormat
from edms.backup.models import RestoreJob
from edms.backup.restore.service import inspect
from tests.api.conftest import login, no_job_left_running  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

# (label, error it is refused with). Paths point into the test's own directory, through the
# spool directory, or to places no one could write: none of them may appear.
HOSTILE_LABELS = {
    "absolute path": ("{outside}/pwned", CorruptPackage),
    "parent directories": ("../../escaped", CorruptPackage),
    "deep parents": ("../" * 12 + "tmp/edms-pwned", CorruptPackage),
    "dotted path": ("documents/../../../escaped.document", CorruptPackage),
    "null byte": ("documents.document\x00", CorruptPackage),
    "long label": ("a" * 5000 + ".b", UnsupportedFormat),
    "unknown model": ("shadow.passwd", UnsupportedFormat),
}


@pytest.fixture
def playground(tmp_path, monkeypatch) -> Path:
    """A directory holding everything the restore could touch: its own temporary directory
    (so `../..` from a spool directory lands here too) and an `outside` target."""
    spool_root = tmp_path / "tmp"
    spool_root.mkdir()
    (tmp_path / "outside").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool_root))
    return tmp_path


@pytest.fixture
def superuser(make_user):
    """Restores need a superuser: the upload check must refuse the fixture, not the caller."""
    return make_user("root01", "Administrator", is_staff=True, is_superuser=True)


def _fixture(folder: Path, label: str, form: str) -> Path:
    label = label.replace("{outside}", str(folder / "outside"))
    records = [
        {"model": "core.systemsetting", "fields": {"key": "a", "value": "b"}},
        {"model": label, "fields": {"x": 1}},
    ]
    if form == "jsonl":
        data = b"".join(orjson.dumps(record) + b"\n" for record in records)
    else:
        data = orjson.dumps(records)
    path = folder / "input" / f"fixture.{form}"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(gzip.compress(data) if form == "json.gz" else data)
    return path


def _files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _nothing_written(playground: Path) -> None:
    assert _files_under(playground) == sorted(
        str(p.relative_to(playground)) for p in (playground / "input").iterdir()
    )
    assert not list(Path("/tmp").glob("edms-pwned*"))


@pytest.mark.parametrize("case", list(HOSTILE_LABELS))
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "restore"])
def test_a_path_as_model_label_is_refused_on_the_command_line(playground, case, dry_run):
    """GIVEN a JSON fixture whose second record's "model" is a path WHEN an operator runs
    restore_backup --from-file on it (with or without --dry-run) THEN the command fails with
    the corrupt (3) or unsupported (4) exit code, the message names the bad label (cut short
    when long), and no file appeared anywhere."""
    label, error = HOSTILE_LABELS[case]
    fixture = _fixture(playground, label, "json")
    options = ["--dry-run"] if dry_run else []

    with pytest.raises(CommandError) as refused:
        call_command("restore_backup", "--from-file", str(fixture), *options)

    assert refused.value.returncode == error.exit_code
    message = str(refused.value)
    assert "fixture.json" in message and (
        "not a model label" in message or "does not have" in message
    )
    assert len(message) < 400
    _nothing_written(playground)


@pytest.mark.parametrize("form", ["jsonl", "json.gz"])
def test_json_lines_and_gzipped_fixtures_are_checked_the_same_way(playground, form):
    """GIVEN a hostile label in a JSON Lines or gzipped fixture WHEN inspected (the upload
    check) THEN it is refused and nothing is written."""
    fixture = _fixture(playground, "{outside}/pwned", form)

    with pytest.raises(CorruptPackage, match="is not a model label"):
        inspect(fixture)

    _nothing_written(playground)


@pytest.mark.parametrize("case", ["absolute path", "parent directories", "unknown model"])
def test_the_upload_check_refuses_a_path_as_label(playground, superuser, login, settings, case):  # noqa: F811
    """GIVEN a superuser WHEN they upload the hostile fixture to restore_from_file
    THEN the answer is 400 or 415 with a message naming the label, no restore job exists,
    the upload is not kept and no file appeared outside."""
    settings.BACKUP_DIR = playground / "backups"
    label, error = HOSTILE_LABELS[case]
    fixture = _fixture(playground, label, "json")

    answer = login(superuser).post(
        "/api/v1/backup/restores/restore_from_file/",
        {"backup_file": SimpleUploadedFile("fixture.json", fixture.read_bytes())},
        format="multipart",
    )

    assert answer.status_code == error.http_status, answer.content
    detail = answer.json()["detail"]
    assert "not a model label" in detail or "does not have" in detail
    assert not RestoreJob.objects.exists()
    assert not [p for p in _files_under(playground) if not p.startswith(("input/", "backups/"))]
    assert not [p for p in (playground / "backups").rglob("*") if p.is_file()]
