"""The document lifecycle: each step checks role and state, records a transition and audits."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.utils import timezone

from edms.audit import chain
from edms.audit.models import AuditTrail
from edms.core.models import SystemSetting
from edms.documents import lifecycle, storage
from edms.documents.lifecycle import LifecycleError, RoleRequired
from edms.documents.models import Document, DocumentVersion
from edms.workflows.models import DocumentTransition, DocumentWorkflow


def _snapshot(document: Document) -> tuple:
    """Everything a refused step must leave untouched."""
    document.refresh_from_db()
    return (
        document.state.code,
        document.reviewer_id,
        document.approver_id,
        document.effective_date,
        document.superseded_by_id,
        DocumentTransition.objects.count(),
        DocumentWorkflow.objects.count(),
        DocumentVersion.objects.count(),
        AuditTrail.objects.count(),
    )


def _draft(people, title="Cleaning", type_code="SOP", content=b"v1") -> Document:
    doc = lifecycle.create_document(people["author"], document_type=type_code, title=title)
    lifecycle.upload_version(people["author"], doc, io.BytesIO(content), "v1.txt")
    return doc


def test_happy_path_records_every_transition_and_audit_entry(effective_document, people):
    """GIVEN an SOP taken from DRAFT to EFFECTIVE WHEN its history is read
    THEN each step is a transition in one finished workflow and an audit entry, in order."""
    workflow = effective_document.workflows.get()
    assert not workflow.is_active and workflow.current_state.code == "EFFECTIVE"
    steps = [(t.from_state.code, t.to_state.code) for t in workflow.transitions.all()]
    assert steps == [
        ("DRAFT", "UNDER_REVIEW"),
        ("UNDER_REVIEW", "REVIEW_COMPLETED"),
        ("REVIEW_COMPLETED", "APPROVED_PENDING_EFFECTIVE"),
        ("APPROVED_PENDING_EFFECTIVE", "EFFECTIVE"),
    ]
    actions = list(AuditTrail.objects.order_by("sequence").values_list("action", flat=True))
    assert actions[-6:] == [
        "DOCUMENT_CREATED",
        "VERSION_UPLOADED",
        "SUBMITTED_FOR_REVIEW",
        "REVIEW_ACCEPTED",
        "APPROVED",
        "MADE_EFFECTIVE",
    ]
    assert effective_document.approver == people["approver"]
    assert effective_document.review_date == lifecycle._add_months(timezone.localdate(), 24)
    assert chain.verify() == []


def test_future_effective_date_waits_until_the_date_comes(people, storage_root):
    """GIVEN a document approved with an effective date next week WHEN that day comes
    THEN it stays APPROVED_PENDING_EFFECTIVE until then and becomes EFFECTIVE on the day."""
    doc = _draft(people)
    lifecycle.submit_for_review(people["author"], doc, people["reviewer"])
    lifecycle.review(people["reviewer"], doc, accept=True)
    next_week = timezone.localdate() + dt.timedelta(days=7)
    doc = lifecycle.approve(people["approver"], doc, effective_date=next_week)
    assert doc.state.code == "APPROVED_PENDING_EFFECTIVE"
    assert lifecycle.activate_due_documents(people["controller"]) == []
    activated = lifecycle.activate_due_documents(people["controller"], today=next_week)
    assert [d.state.code for d in activated] == ["EFFECTIVE"]


def test_supersede_and_obsolete(effective_document, people, make_user):
    """GIVEN an effective SOP-0001 and a newer effective SOP-0002 WHEN the controller
    supersedes the first by the second and makes the second obsolete
    THEN SOP-0001 is SUPERSEDED pointing at SOP-0002, which is OBSOLETE with today's date."""
    newer = _draft(people, content=b"v2 text")
    lifecycle.submit_for_review(people["author"], newer, people["reviewer"])
    lifecycle.review(people["reviewer"], newer, accept=True)
    newer = lifecycle.approve(people["approver"], newer, effective_date=timezone.localdate())
    old = lifecycle.supersede(people["controller"], effective_document, by=newer)
    assert (old.state.code, old.superseded_by.document_number) == ("SUPERSEDED", "SOP-0002")
    newer = lifecycle.obsolete(people["controller"], newer, reason="process retired")
    assert (newer.state.code, newer.obsolete_date) == ("OBSOLETE", timezone.localdate())
    assert chain.verify() == []


def test_rejected_review_returns_to_draft_with_the_reason(people, storage_root):
    """GIVEN a document under review WHEN the reviewer rejects it with a comment
    THEN it is DRAFT again, the workflow is finished, and the comment is kept."""
    doc = _draft(people)
    lifecycle.submit_for_review(people["author"], doc, people["reviewer"])
    doc = lifecycle.review(people["reviewer"], doc, accept=False, comment="unclear step 3")
    workflow = doc.workflows.get()
    assert doc.state.code == "DRAFT" and not workflow.is_active
    assert workflow.transitions.last().comment == "unclear step 3"


def test_document_numbers_count_per_type(people, storage_root):
    """GIVEN SOPs and a policy created in turn THEN each type counts on its own."""
    numbers = [
        lifecycle.create_document(people["author"], document_type=code, title="t").document_number
        for code in ("SOP", "SOP", "POL", "SOP")
    ]
    assert numbers == ["SOP-0001", "SOP-0002", "POL-0001", "SOP-0003"]


def test_number_width_follows_the_system_setting(people, storage_root):
    """GIVEN the system setting document_number_width set to 6 WHEN a policy is created
    THEN its number has six digits."""
    SystemSetting.objects.filter(key="document_number_width").update(value={"value": 6})
    doc = lifecycle.create_document(people["author"], document_type="POL", title="t")
    assert doc.document_number == "POL-000001"


def test_numbers_keep_growing_past_the_padding(people, storage_root):
    """GIVEN SOP-9999 exists WHEN another SOP is created THEN it is SOP-10000, then SOP-10001."""
    doc = lifecycle.create_document(people["author"], document_type="SOP", title="t")
    Document.objects.filter(pk=doc.pk).update(document_number="SOP-9999")
    numbers = [
        lifecycle.create_document(people["author"], document_type="SOP", title="t").document_number
        for _ in range(2)
    ]
    assert numbers == ["SOP-10000", "SOP-10001"]


def test_version_files_are_stored_under_their_sha256(people, storage_root):
    """GIVEN two uploads WHEN they are stored THEN each lives at the path of its SHA-256 with
    its size recorded, and version numbers count up."""
    doc = _draft(people, content=b"first text")
    second = lifecycle.upload_version(people["author"], doc, io.BytesIO(b"second!"), "v2.pdf")
    first = doc.versions.get(version_number=1)
    for version, content in ((first, b"first text"), (second, b"second!")):
        sha = hashlib.sha256(content).hexdigest()
        assert (version.sha256, version.size, version.file) == (
            sha,
            len(content),
            storage.relative_path(sha),
        )
        assert (storage_root / version.file).read_bytes() == content
    assert second.version_number == 2


def test_upload_over_the_size_limit_is_refused_and_leaves_nothing(people, storage_root, settings):
    """GIVEN a limit of 10 bytes WHEN an 11-byte file is uploaded
    THEN it is refused, no version is recorded and no file is left in storage."""
    settings.MAX_DOCUMENT_FILE_BYTES = 10
    doc = lifecycle.create_document(people["author"], document_type="SOP", title="t")
    before = _snapshot(doc)
    with pytest.raises(storage.FileTooLarge, match="limit of 10 bytes"):
        lifecycle.upload_version(people["author"], doc, io.BytesIO(b"x" * 11), "big.txt")
    assert _snapshot(doc) == before
    assert [p for p in storage_root.rglob("*") if p.is_file()] == []


def _under_review(people):
    doc = _draft(people)
    return lifecycle.submit_for_review(people["author"], doc, people["reviewer"])


def _review_completed(people):
    return lifecycle.review(people["reviewer"], _under_review(people), accept=True)


REFUSED = [
    # (what the document is, the step, the error, words of the message)
    (
        "draft",
        lambda p, d: lifecycle.review(p["reviewer"], d, accept=True),
        LifecycleError,
        "DRAFT",
    ),
    ("draft", lambda p, d: lifecycle.approve(p["approver"], d), LifecycleError, "REVIEW_COMPLETED"),
    (
        "draft",
        lambda p, d: lifecycle.submit_for_review(p["viewer"], d, p["reviewer"]),
        RoleRequired,
        "only the author",
    ),
    (
        "draft",
        lambda p, d: lifecycle.submit_for_review(p["author"], d, p["viewer"]),
        RoleRequired,
        "Reviewer",
    ),
    (
        "draft",
        lambda p, d: lifecycle.obsolete(p["controller"], d, reason="x"),
        LifecycleError,
        "EFFECTIVE",
    ),
    (
        "under_review",
        lambda p, d: lifecycle.upload_version(p["author"], d, io.BytesIO(b"x"), "x.txt"),
        LifecycleError,
        "UNDER_REVIEW",
    ),
    (
        "under_review",
        lambda p, d: lifecycle.review(p["approver"], d, accept=True),
        RoleRequired,
        "Reviewer",
    ),
    (
        "under_review",
        lambda p, d: lifecycle.review(p["reviewer"], d, accept=False),
        LifecycleError,
        "comment",
    ),
    (
        "review_completed",
        lambda p, d: lifecycle.approve(p["reviewer"], d),
        RoleRequired,
        "Approver",
    ),
    (
        "review_completed",
        lambda p, d: lifecycle.approve(p["approver"], d, accept=False),
        LifecycleError,
        "comment",
    ),
    (
        "review_completed",
        lambda p, d: lifecycle.make_effective(p["approver"], d, on=timezone.localdate()),
        LifecycleError,
        "APPROVED_PENDING_EFFECTIVE",
    ),
    (
        "effective",
        lambda p, d: lifecycle.obsolete(p["viewer"], d, reason="x"),
        RoleRequired,
        "Document Controller",
    ),
    (
        "effective",
        lambda p, d: lifecycle.obsolete(p["controller"], d, reason=" "),
        LifecycleError,
        "reason",
    ),
    (
        "effective",
        lambda p, d: lifecycle.supersede(p["controller"], d, by=d),
        LifecycleError,
        "cannot supersede itself",
    ),
]


@pytest.mark.parametrize(("stage", "step", "error", "words"), REFUSED)
def test_illegal_steps_and_wrong_roles_are_refused_and_change_nothing(
    request, people, storage_root, stage, step, error, words
):
    """GIVEN a document at some stage WHEN a step not allowed there (or by that person) is tried
    THEN a clear error names the problem and the document, its history and the audit trail
    are exactly as before."""
    builders = {
        "draft": _draft,
        "under_review": _under_review,
        "review_completed": _review_completed,
        "effective": lambda p: request.getfixturevalue("effective_document"),
    }
    doc = builders[stage](people)
    before = _snapshot(doc)
    with pytest.raises(error, match=words):
        step(people, doc)
    assert _snapshot(doc) == before


def test_an_approver_cannot_approve_their_own_review(people, make_user, storage_root):
    """GIVEN a reviewer who is also an approver WHEN they approve what they reviewed
    THEN it is refused (four eyes) and nothing changes."""
    both = make_user("reviewer02", "Reviewer", "Approver")
    doc = _draft(people)
    lifecycle.submit_for_review(people["author"], doc, both)
    lifecycle.review(both, doc, accept=True)
    before = _snapshot(doc)
    with pytest.raises(RoleRequired, match="neither the author nor the reviewer"):
        lifecycle.approve(both, doc)
    assert _snapshot(doc) == before
