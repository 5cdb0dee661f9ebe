"""One huge record line is refused before it is read whole (issue 11, item 10): in a
package's records member and in a JSON Lines fixture, with a message naming the model and the
limit (EDMS_MAX_RECORD_BYTES), and memory bounded by the limit, not by the line."""

from __future__ import annotations

import gzip
import hashlib
import tracemalloc

import orjson
import pytest

from edms.backup.errors import RecordTooLarge
from edms.backup.restore.service import inspect, restore
from edms.backup.verify import verify_package
from tests.backup.packages import build_package, manifest_for

pytestmark = pytest.mark.django_db

LIMIT = 1024 * 1024
HUGE = 24 * 1024 * 1024  # a line 24 times the limit
MEMBER = "records/001-core.systemsetting.jsonl"


@pytest.fixture
def limit(settings) -> int:
    settings.MAX_RECORD_BYTES = LIMIT
    return LIMIT


def _record(value: str, model: str = "core.systemsetting") -> bytes:
    return orjson.dumps({"model": model, "fields": {"key": "k", "value": value}})


def _package_with_a_huge_record(tmp_path):
    lines = _record("small") + b"\n" + _record("x" * HUGE) + b"\n"
    manifest = manifest_for({MEMBER: lines}, record_counts={"core.systemsetting": 2})
    manifest["members"][0]["records"] = 2
    return build_package(tmp_path / "huge.tar.zst", manifest, [(MEMBER, lines)])


def _peak_bytes(action) -> int:
    tracemalloc.start()
    try:
        action()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_verification_refuses_a_record_line_over_the_limit(tmp_path, limit):
    """GIVEN a package whose second record is a 24 MiB line WHEN it is verified with a 1 MiB
    limit THEN the report says which member and model, and the limit, with the unsafe exit
    code, and memory stayed within a few times the limit."""
    package = _package_with_a_huge_record(tmp_path)
    reports = []

    peak = _peak_bytes(lambda: reports.append(verify_package(package)))

    [report] = reports
    assert not report.ok and report.exit_code == RecordTooLarge.exit_code
    assert report.error_type == "RecordTooLarge"
    assert report.problems == [
        f"{MEMBER}: a record of core.systemsetting is longer than {LIMIT} bytes, "
        "the limit for one record (EDMS_MAX_RECORD_BYTES)"
    ]
    assert peak < 8 * LIMIT, peak


def test_restore_refuses_a_record_line_over_the_limit(tmp_path, limit, storage_root):
    """GIVEN the same package WHEN it is restored THEN RecordTooLarge names the model."""
    package = _package_with_a_huge_record(tmp_path)

    with pytest.raises(RecordTooLarge, match="a record of core.systemsetting is longer than"):
        restore(package)


@pytest.mark.parametrize("first", [False, True], ids=["second line", "first line"])
def test_a_json_lines_fixture_with_a_huge_line_is_refused(tmp_path, limit, first):
    """GIVEN a gzipped JSON Lines fixture with a 24 MiB record (first or second) WHEN it is
    inspected (the upload check) THEN RecordTooLarge names the model and the limit, and the
    line was never read whole."""
    huge = _record("x" * HUGE, model="documents.document")
    lines = [huge, _record("small")] if first else [_record("small"), huge]
    fixture = tmp_path / "fixture.jsonl.gz"
    fixture.write_bytes(gzip.compress(b"\n".join(lines) + b"\n", compresslevel=1))
    errors = []

    def upload_check():
        try:
            inspect(fixture)
        except RecordTooLarge as exc:
            errors.append(str(exc))

    peak = _peak_bytes(upload_check)

    assert errors == [
        f"fixture.jsonl.gz: a record of 'documents.document' is longer than {LIMIT} bytes, "
        "the limit for one record (EDMS_MAX_RECORD_BYTES)"
    ]
    assert peak < 8 * LIMIT, peak


def test_records_up_to_the_limit_are_read(tmp_path, limit):
    """GIVEN a record line just under the limit WHEN the package is verified THEN it passes:
    the limit refuses only what is over it."""
    lines = _record("y" * (LIMIT - 100)) + b"\n"
    assert len(lines) <= LIMIT
    manifest = manifest_for({MEMBER: lines}, record_counts={"core.systemsetting": 1})
    manifest["members"][0]["records"] = 1
    package = build_package(tmp_path / "big.tar.zst", manifest, [(MEMBER, lines)])

    report = verify_package(package)

    assert report.ok, report.problems
    assert hashlib.sha256(lines).hexdigest() == manifest["members"][0]["sha256"]


def test_the_default_limit_is_64_mib(settings):
    """GIVEN no EDMS_MAX_RECORD_BYTES WHEN the limit is read THEN it is 64 MiB."""
    from edms.backup.package.streams import max_record_bytes

    if hasattr(settings, "MAX_RECORD_BYTES"):
        del settings.MAX_RECORD_BYTES
    assert max_record_bytes() == 64 * 1024 * 1024
