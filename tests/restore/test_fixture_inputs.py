"""Older inputs: Django fixtures made with dumpdata --natural-foreign --natural-primary (.json,
.json.gz, .jsonl) and the seeds' wrapped format restore like our packages."""

import gzip
import io
import re

import orjson
import pytest
from django.core.management import call_command

from edms.backup.errors import UnsupportedFormat
from edms.backup.restore.service import inspect, restore
from edms.core.registry import registry
from edms.documents.models import Document
from tests.restore.helpers import business_dump

pytestmark = pytest.mark.django_db


def _dumpdata(fmt: str, exclude_audit: bool = True) -> bytes:
    labels = [e.label for e in registry.backed_up()]
    if exclude_audit:
        labels.remove("audit.audittrail")
    out = io.StringIO()
    call_command(
        "dumpdata", *labels, natural_foreign=True, natural_primary=True, format=fmt, stdout=out
    )
    return out.getvalue().encode()


def _json(tmp_path):
    return _save(tmp_path / "fixture.json", _dumpdata("json"))


def _json_gz(tmp_path):
    return _save(tmp_path / "fixture.json.gz", gzip.compress(_dumpdata("json")))


def _jsonl(tmp_path):
    return _save(tmp_path / "fixture.jsonl", _dumpdata("jsonl"))


def _wrapped(tmp_path):
    wrapped = {
        "metadata": {"backup_type": "database", "created_at": "2026-01-04T12:34:56Z"},
        "data": orjson.loads(_dumpdata("json")),
    }
    return _save(tmp_path / "wrapped.json.gz", gzip.compress(orjson.dumps(wrapped)))


def _save(path, data):
    path.write_bytes(data)
    return path


def _without_audit(lines):
    """The dump without audit entries; times as dumpdata writes them after a restore from a
    dumpdata fixture ("…:52.000Z" comes back as a whole second and is dumped as "…:52Z")."""
    return sorted(
        re.sub(r"(T\d\d:\d\d:\d\d)\.000(Z|[+-])", r"\1\2", line)
        for line in lines
        if '"model":"audit.audittrail"' not in line
    )


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (_json, "fixture"),
        (_json_gz, "fixture"),
        (_jsonl, "fixture (JSON Lines)"),
        (_wrapped, "wrapped fixture"),
    ],
)
def test_a_django_fixture_restores_the_business_data(make, kind, small_instance, tmp_path):
    """GIVEN a dumpdata fixture of every backed-up model (in one of the older formats) and the
    documents deleted afterwards WHEN it is restored with --clean THEN dumpdata of the business
    models equals the dump at fixture time (the audit trail aside: not in the fixture)."""
    path = make(tmp_path)
    before = _without_audit(business_dump())
    Document.objects.all().delete()

    assert inspect(path).kind == kind
    report = restore(path, clean=True)

    assert _without_audit(business_dump()) == before
    assert report.kind == kind


def test_a_fixture_with_audit_entries_is_refused_before_anything_is_written(
    small_instance, tmp_path
):
    """GIVEN a dumpdata fixture including the audit trail (no content digest vouches for its
    entries; Django's encoder even cuts their timestamps to milliseconds) WHEN restored with
    --clean THEN it is refused, saying how to restore it without them, and nothing changed."""
    path = _save(tmp_path / "with-audit.json", _dumpdata("json", exclude_audit=False))
    Document.objects.filter(document_number="WI-0001").delete()

    with pytest.raises(UnsupportedFormat, match="no content digest.*--only"):
        restore(path, clean=True)

    assert not Document.objects.filter(document_number="WI-0001").exists()
