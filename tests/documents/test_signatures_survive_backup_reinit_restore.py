"""Signatures are business data: a backup carries them, a reinit clears them, a restore brings
them back identical and still bound to their audit entries."""

from __future__ import annotations

import pytest

from edms.audit import chain
from edms.backup.digest import content_digest
from edms.backup.operations.jobs import run_backup
from edms.backup.reinit import reinit
from edms.backup.restore.service import restore
from edms.documents.models import Signature
from tests.restore.helpers import business_dump


def _signature_records() -> list[str]:
    return [line for line in business_dump() if '"model":"documents.signature"' in line]


@pytest.mark.parametrize("clean", [False, True], ids=["merge", "clean"])
def test_signatures_round_trip_through_backup_reinit_and_restore(signed_document, tmp_path, clean):
    """GIVEN an SOP with four signatures and a full backup of it
    WHEN the system is re-initialised (signatures gone) and the backup restored
    THEN the signatures are back field for field, with the same signers, times, meanings and
    SHA-256, and the audit chain (which checks each signature) verifies."""
    before = _signature_records()
    assert len(before) == 4
    package = tmp_path / "full.tar.zst"
    run_backup("full", output=package)

    reinit(reason="signature round trip", safety_backup=False)
    assert not Signature.objects.exists()
    restore(package, clean=clean, reason="bring the signatures back")

    assert _signature_records() == before
    assert chain.verify() == []


def test_the_content_digest_covers_signatures(signed_document):
    """GIVEN a signed SOP WHEN one signature's printed name is changed in the database
    THEN the content digest of the business data changes (a clean restore would notice)."""
    digest = content_digest()

    Signature.objects.filter(meaning="APPROVED").update(full_name="Someone Else")

    assert content_digest() != digest
