import gc
import sys

import pytest

from edms.backup.package.writer import PackageWriter


@pytest.mark.parametrize("compression", ["zstd", "gzip"])
def test_an_aborted_writer_removes_its_file_and_leaves_no_stream_to_flush(
    tmp_path, monkeypatch, compression
):
    """GIVEN a package being written WHEN the backup fails and the writer aborts
    THEN the partial file is gone, and no half-closed stream later fails while being
    garbage-collected (which would surface as an unraisable 'write to closed file')."""
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: unraisable.append(u.exc_value))
    path = tmp_path / f"edms-database.tar.{compression}"
    writer = PackageWriter(path, compression)
    writer.add_manifest({"format_version": 1})

    writer.abort()
    del writer
    gc.collect()

    assert not path.exists()
    assert unraisable == []
