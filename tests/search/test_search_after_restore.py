"""A restored instance finds the same documents once its search index is rebuilt."""

from __future__ import annotations

import pytest

from edms.backup.create import create_backup
from edms.backup.reinit import reinit
from edms.backup.restore.service import restore
from edms.search.index import rebuild
from tests.search.conftest import found
from tests.search.pdfs import pdf_with_text

pytestmark = pytest.mark.django_db

QUERIES = ["zirconium", "ethanol", "calibration", "SOP-0001", "weighing", "vessel tare"]


@pytest.fixture
def library(draft_with_file):
    draft_with_file("Cleaning the bench", b"Wipe with ethanol, then rinse.", "clean.txt")
    draft_with_file(
        "Balance calibration", pdf_with_text("Use the zirconium reference weight."), "bal.pdf"
    )
    draft_with_file(
        "Weighing", pdf_with_text("Tare the vessel before weighing."), "weigh.pdf", "WI"
    )


def _results() -> dict[str, list[str]]:
    return {query: found(query) for query in QUERIES}


def test_after_reinit_and_restore_rebuild_finds_the_same_documents(library, tmp_path):
    """GIVEN documents with text and PDF files, their search results, and a full backup
    WHEN the system is reinitialised (search finds nothing) and the backup restored
    THEN every search finds the same documents as before: the restore rebuilt the index."""
    before = _results()
    backup = tmp_path / "full.tar.zst"
    create_backup("full", output=backup)
    reinit(reason="search test", safety_backup=False, admin_password="a-long-admin-pass")
    assert all(result == [] for result in _results().values())

    restore(backup, reason="search test")

    assert _results() == before
    assert before["zirconium"] == ["SOP-0002"]


def test_a_clean_restore_over_changed_documents_rebuilds_to_the_backup(
    library, draft_with_file, tmp_path
):
    """GIVEN a backup, then a new document about 'glassware' WHEN the backup is restored
    clean THEN search finds what the backup held and not the new one, and a rebuild by hand
    indexes the three documents the backup holds."""
    before = _results()
    backup = tmp_path / "full.tar.zst"
    create_backup("full", output=backup)
    draft_with_file("Glassware", b"Rinse the glassware twice.", "glass.txt")
    assert found("glassware") == ["SOP-0003"]

    restore(backup, clean=True, reason="search test")

    assert _results() == before
    assert found("glassware") == []
    assert rebuild() == 3
