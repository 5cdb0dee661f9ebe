"""Review, approval, making effective and obsoleting are electronic signatures (21 CFR 11.50,
11.70, 11.200): the signer types their password again, and the signature names who, when and
what it means, bound to the SHA-256 of the exact version file signed."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.utils import timezone

from edms.audit import chain
from edms.audit.models import AuditTrail
from edms.documents import lifecycle, signatures
from edms.documents.models import Signature
from edms.documents.signatures import SignatureRefused, SigningBlocked
from tests.documents.conftest import PDF, password_of


def test_each_signed_step_records_who_when_what_for_and_the_exact_file(signed_document):
    """GIVEN an SOP submitted, reviewed, approved and made effective, each step signed
    WHEN its signatures are read
    THEN there is one per step, in order, naming the signer's username and printed name, a UTC
    time with microseconds, the meaning, and the SHA-256 of the version file signed."""
    rows = list(signatures.of_document(signed_document))

    assert [(s.username, s.full_name, s.get_meaning_display()) for s in rows] == [
        ("author01", "Anna Meyer", "Authored"),
        ("reviewer01", "Ben Okafor", "Reviewed"),
        ("approver01", "Chloe Rossi", "Approved"),
        ("docctrl01", "David Schmidt", "Made effective"),
    ]
    version = signed_document.versions.get()
    assert {s.sha256 for s in rows} == {hashlib.sha256(PDF).hexdigest()} == {version.sha256}
    assert {s.version for s in rows} == {version}
    assert all(s.signed_at.utcoffset() == dt.timedelta(0) for s in rows)
    assert len({s.signed_at for s in rows}) == 4
    assert chain.verify() == []


def test_the_signing_steps_audit_entry_carries_the_signature(signed_document):
    """GIVEN a signed review WHEN its audit entry is read
    THEN it carries the signature's uuid, meaning, signer, time and SHA-256."""
    signature = Signature.objects.get(meaning=Signature.Meaning.REVIEWED)
    entry = AuditTrail.objects.get(action="REVIEW_ACCEPTED")

    assert entry.details["signature"] == {
        "uuid": str(signature.uuid),
        "meaning": "REVIEWED",
        "signer": "reviewer01",
        "full_name": "Ben Okafor",
        "signed_at": signature.signed_at.isoformat(timespec="microseconds"),
        "sha256": signature.sha256,
        "version": ["SOP-0001", 1],
    }


def test_a_rejection_is_signed_as_a_rejection(named_people, signer, storage_root):
    """GIVEN a document under review WHEN the reviewer rejects it with a comment, signing
    THEN the signature's meaning is 'Rejected' and the document is a draft again."""
    author, reviewer = named_people["author"], named_people["reviewer"]
    doc = lifecycle.create_document(author, document_type="WI", title="Weighing")
    lifecycle.upload_version(author, doc, _bytes(b"weigh twice"), "wi.txt")
    lifecycle.submit_for_review(author, doc, reviewer)

    doc = lifecycle.review(
        reviewer, doc, accept=False, comment="step 2 unclear", signer=signer(reviewer)
    )

    assert doc.state.code == "DRAFT"
    assert Signature.objects.get().get_meaning_display() == "Rejected"


def test_obsoleting_is_signed(signed_document, named_people, signer):
    """GIVEN an effective SOP WHEN Document Control makes it obsolete with a reason, signing
    THEN an 'Obsoleted' signature by them is added."""
    controller = named_people["controller"]

    lifecycle.obsolete(controller, signed_document, reason="line closed", signer=signer(controller))

    assert Signature.objects.latest("signed_at").meaning == Signature.Meaning.OBSOLETED
    assert chain.verify() == []


def test_a_wrong_password_refuses_the_step_and_is_audited(named_people, storage_root):
    """GIVEN a document under review WHEN its reviewer types a wrong password to sign
    THEN signing is refused with a message saying so, the refusal is an audit entry, and the
    document is still under review with no signature."""
    author, reviewer = named_people["author"], named_people["reviewer"]
    doc = lifecycle.create_document(author, document_type="SOP", title="Gowning")
    lifecycle.upload_version(author, doc, _bytes(b"gown up"), "sop.txt")
    lifecycle.submit_for_review(author, doc, reviewer)

    with pytest.raises(SignatureRefused, match="wrong password for reviewer01"):
        signatures.authenticate(reviewer, "not-my-password")

    refusal = AuditTrail.objects.get(action="SIGNATURE_REFUSED")
    assert (refusal.username, refusal.object_repr) == ("reviewer01", "reviewer01")
    doc.refresh_from_db()
    assert doc.state.code == "UNDER_REVIEW"
    assert not Signature.objects.exists()
    assert chain.verify() == []


def test_five_wrong_passwords_block_signing_for_fifteen_minutes(people, monkeypatch):
    """GIVEN a reviewer WHEN they type a wrong password five times within 15 minutes
    THEN the fifth refusal says signing is now blocked for 15 minutes, even the right password
    is then refused (audited as blocked), and 15 minutes later the right password signs again."""
    reviewer = people["reviewer"]
    for _ in range(4):
        with pytest.raises(SignatureRefused) as refused:
            signatures.authenticate(reviewer, "guess")
        assert "blocked" not in str(refused.value)

    with pytest.raises(SignatureRefused, match="blocked for 15 minutes.*in 15 minutes"):
        signatures.authenticate(reviewer, "guess")
    with pytest.raises(SigningBlocked, match="Signing is blocked for 15 minutes"):
        signatures.authenticate(reviewer, password_of(reviewer))

    assert AuditTrail.objects.filter(action="SIGNATURE_REFUSED").count() == 5
    assert AuditTrail.objects.filter(action="SIGNING_BLOCKED").count() == 1
    later = timezone.now() + dt.timedelta(minutes=15, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert signatures.authenticate(reviewer, password_of(reviewer)).user == reviewer


def test_nobody_signs_for_someone_else(named_people, signer, storage_root):
    """GIVEN a reviewer's credential WHEN the step is taken in another reviewer's name
    THEN it is refused and nothing is signed."""
    author, reviewer = named_people["author"], named_people["reviewer"]
    doc = lifecycle.create_document(author, document_type="SOP", title="Gowning")
    lifecycle.upload_version(author, doc, _bytes(b"gown up"), "sop.txt")
    lifecycle.submit_for_review(author, doc, reviewer)

    with pytest.raises(SignatureRefused, match="must sign for themselves"):
        lifecycle.review(reviewer, doc, accept=True, signer=signer(author))

    assert not Signature.objects.exists()


def _bytes(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
