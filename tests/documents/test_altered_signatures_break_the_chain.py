"""A signature is vouched for by its signing step's audit entry: a row altered, removed or
forged in the database makes `edms verify_audit_chain` exit 1 and name it."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from edms.audit.models import AuditTrail
from edms.documents.models import Signature
from tests.core.audit_helpers import verify_audit_chain


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{table}", Signature._meta.db_table), params)


ALTERATIONS = {
    "full_name": "Someone Else",
    "username": "approver02",
    "meaning": "REVIEWED",
    "sha256": "0" * 64,
    "signed_at": "2020-01-01 00:00:00",
}


@pytest.mark.parametrize("column", sorted(ALTERATIONS))
def test_a_signature_altered_with_raw_sql_is_named(signed_document, column):
    """GIVEN an SOP signed at every step, whose audit trail verifies
    WHEN one column of the approval's signature is changed with raw SQL
    THEN verify_audit_chain exits 1 naming the signature, the altered field and its entry."""
    assert verify_audit_chain()[0] == 0
    signature = Signature.objects.get(meaning="APPROVED")
    entry = AuditTrail.objects.get(action="APPROVED")

    _raw(f"UPDATE {{table}} SET {column} = %s WHERE id = %s", [ALTERATIONS[column], signature.pk])

    code, output = verify_audit_chain()
    assert code == 1
    assert f"signature {signature.uuid} does not match its audit entry" in output
    assert f"entry #{entry.sequence} ({entry.uuid})" in output
    assert (column if column != "username" else "signer") in output


def test_a_signature_moved_to_another_signer_is_named(signed_document, named_people):
    """GIVEN a signed SOP WHEN the review signature's user link is pointed at the approver
    THEN verification names the signature and both users."""
    signature = Signature.objects.get(meaning="REVIEWED")

    _raw(
        "UPDATE {table} SET signer_id = %s WHERE id = %s",
        [named_people["approver"].pk, signature.pk],
    )

    code, output = verify_audit_chain()
    assert code == 1
    assert f"signature {signature.uuid} links to user approver01, not reviewer01" in output


def test_a_removed_or_forged_signature_is_named(signed_document, named_people):
    """GIVEN a signed SOP WHEN the approval's signature row is deleted and a signature nobody
    signed is inserted, both with raw SQL
    THEN verification names the missing one and the forged one."""
    removed = Signature.objects.get(meaning="APPROVED")
    forged = uuid.uuid4()
    _raw("DELETE FROM {table} WHERE id = %s", [removed.pk])
    _raw(
        "INSERT INTO {table} (uuid, version_id, signer_id, username, full_name, meaning, "
        "signed_at, sha256) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        [
            forged.hex if connection.vendor == "sqlite" else str(forged),
            removed.version_id,
            named_people["viewer"].pk,
            "viewer01",
            "Elena Tanaka",
            "APPROVED",
            removed.signed_at,
            removed.sha256,
        ],
    )

    code, output = verify_audit_chain()
    assert code == 1
    assert f"signature {removed.uuid} named by the audit trail is missing" in output
    assert f"signature {forged} has no audit entry" in output
