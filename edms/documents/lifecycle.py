"""The document lifecycle: every step checks the actor's role, records the workflow transition
and writes an audit entry. API views, commands and demo data all go through these functions.

Submitting (as the author), reviewing, approving, making effective and obsoleting are electronic
signatures when given a `signer` from `signatures.authenticate` (the web UI and the API always
give one); the signature and the step's audit entry are written in the step's transaction."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import BinaryIO

from django.db import transaction
from django.db.models.functions import Length
from django.utils import timezone

from edms.audit import chain
from edms.core.errors import Conflict, NotPermitted
from edms.core.models import SystemSetting
from edms.documents import signatures, storage
from edms.documents.models import (
    Document,
    DocumentDependency,
    DocumentSource,
    DocumentType,
    DocumentVersion,
    Signature,
)
from edms.documents.signatures import Signer
from edms.workflows.models import DocumentState, DocumentTransition, DocumentWorkflow, WorkflowType

REVIEW_AND_APPROVAL = "Review and Approval"
UP_VERSIONING = "Up-versioning"
OBSOLESCENCE = "Obsolescence"
Meaning = Signature.Meaning


class LifecycleError(Conflict):
    """A step that is not allowed in the document's current state."""


class RoleRequired(NotPermitted, LifecycleError):
    """The actor lacks the role a step needs: a lifecycle refusal (callers that ask whether a
    step is possible catch LifecycleError), answered as a permission one (403, exit 11)."""


def require_role(actor, *roles: str) -> None:
    if not actor.is_active or not actor.has_role(*roles):
        raise RoleRequired(f"{actor.username} needs the role {' or '.join(roles)} for this step")


def require_state(document: Document, *codes: str) -> None:
    if document.state.code not in codes:
        raise LifecycleError(
            f"{document.document_number} is {document.state.code}; "
            f"this step needs {' or '.join(codes)}"
        )


def next_document_number(document_type: DocumentType, width: int = 4) -> str:
    """The next free number for a type (call inside a transaction holding the type's row lock).

    The highest number is the longest, then lexically greatest one: numbers grow past the
    padding width (SOP-10000 after SOP-9999), so plain string order is not enough."""
    prefix = f"{document_type.code}-"
    highest = (
        Document.objects.filter(document_number__startswith=prefix)
        .order_by(Length("document_number").desc(), "-document_number")
        .values_list("document_number", flat=True)
        .first()
    )
    suffix = highest[len(prefix) :] if highest else "0"
    return f"{prefix}{int(suffix) + 1 if suffix.isdigit() else 1:0{width}d}"


@transaction.atomic
def create_document(
    actor,
    *,
    document_type: str,
    title: str,
    description: str = "",
    source: str = "Original Digital Draft",
    metadata: dict | None = None,
) -> Document:
    require_role(actor, "Author")
    doc_type = DocumentType.objects.select_for_update(no_key=True).get(
        code=document_type, is_active=True
    )
    document = Document.objects.create(
        document_number=next_document_number(doc_type, _number_width()),
        title=title,
        description=description,
        document_type=doc_type,
        source=DocumentSource.objects.get(name=source),
        state=DocumentState.objects.get(code="DRAFT"),
        author=actor,
        metadata=metadata or {},
    )
    chain.record("DOCUMENT_CREATED", actor, document, {"title": title})
    return document


@transaction.atomic
def upload_version(
    actor,
    document: Document,
    stream: BinaryIO,
    filename: str,
    *,
    change_summary: str = "",
    content_type: str = "",
) -> DocumentVersion:
    document = _locked(document)
    may_upload(actor, document)
    blob = storage.store(stream)
    latest = document.versions.order_by("-version_number").first()
    version = DocumentVersion.objects.create(
        document=document,
        version_number=(latest.version_number + 1) if latest else 1,
        file=blob.path,
        sha256=blob.sha256,
        size=blob.size,
        original_filename=filename[:255],
        content_type=content_type,
        change_summary=change_summary,
        created_by=actor,
    )
    document.save(update_fields=["updated_at"])
    chain.record("VERSION_UPLOADED", actor, version, {"sha256": blob.sha256, "size": blob.size})
    return version


@transaction.atomic
def add_dependency(
    actor, document: Document, depends_on: Document, kind: str = DocumentDependency.Kind.REFERENCES
) -> DocumentDependency:
    """Record that `document` relies on `depends_on` (e.g. a WI implementing an SOP)."""
    if document.author_id != actor.pk:
        require_role(actor, "Document Controller")
    if document.pk == depends_on.pk:
        raise LifecycleError(f"{document.document_number} cannot depend on itself")
    if depends_on.state.code in ("SUPERSEDED", "OBSOLETE"):
        raise LifecycleError(f"{depends_on.document_number} is {depends_on.state.code}")
    dependency, created = DocumentDependency.objects.get_or_create(
        document=document, depends_on=depends_on, dependency_type=kind
    )
    if created:
        chain.record("DEPENDENCY_ADDED", actor, dependency, {"type": kind})
    return dependency


@transaction.atomic
def submit_for_review(
    actor, document: Document, reviewer, *, signer: Signer | None = None
) -> Document:
    document = _locked(document)
    may_submit(actor, document)
    require_role(reviewer, "Reviewer")
    signature = signatures.sign(signer, actor, document, Meaning.AUTHORED)
    document.reviewer = reviewer
    workflow = DocumentWorkflow.objects.create(
        document=document,
        workflow_type=WorkflowType.objects.get(name=REVIEW_AND_APPROVAL),
        current_state=document.state,
        initiated_by=actor,
    )
    return _move(
        document,
        workflow,
        actor,
        "UNDER_REVIEW",
        "SUBMITTED_FOR_REVIEW",
        f"reviewer: {reviewer.username}",
        signature=signature,
    )


@transaction.atomic
def review(
    actor, document: Document, *, accept: bool, comment: str = "", signer: Signer | None = None
) -> Document:
    document = _locked(document)
    may_review(actor, document)
    if not accept and not comment.strip():
        raise LifecycleError("a rejection needs a comment saying why")
    workflow = _active_workflow(document)
    meaning = Meaning.REVIEWED if accept else Meaning.REJECTED
    signature = signatures.sign(signer, actor, document, meaning)
    if accept:
        return _move(
            document,
            workflow,
            actor,
            "REVIEW_COMPLETED",
            "REVIEW_ACCEPTED",
            comment,
            signature=signature,
        )
    return _move(
        document,
        workflow,
        actor,
        "DRAFT",
        "REVIEW_REJECTED",
        comment,
        complete=True,
        signature=signature,
    )


@transaction.atomic
def approve(
    actor,
    document: Document,
    *,
    accept: bool = True,
    comment: str = "",
    effective_date: dt.date | None = None,
    signer: Signer | None = None,
) -> Document:
    """Approve (or reject with a comment); an effective date given here is part of the approval,
    so reaching it needs no signature of its own."""
    document = _locked(document)
    may_approve(actor, document)
    workflow = _active_workflow(document)
    if not accept:
        if not comment.strip():
            raise LifecycleError("a rejection needs a comment saying why")
        signature = signatures.sign(signer, actor, document, Meaning.REJECTED)
        return _move(
            document,
            workflow,
            actor,
            "DRAFT",
            "APPROVAL_REJECTED",
            comment,
            complete=True,
            signature=signature,
        )
    signature = signatures.sign(signer, actor, document, Meaning.APPROVED)
    document.approver = actor
    document.approved_at = timezone.now()
    document = _move(
        document,
        workflow,
        actor,
        "APPROVED_PENDING_EFFECTIVE",
        "APPROVED",
        comment,
        signature=signature,
    )
    if effective_date is not None:
        document = make_effective(actor, document, on=effective_date)
    return document


@transaction.atomic
def make_effective(
    actor,
    document: Document,
    *,
    on: dt.date,
    today: dt.date | None = None,
    signer: Signer | None = None,
) -> Document:
    """Set the effective date; the document becomes EFFECTIVE now if that date has come."""
    document = _locked(document)
    may_make_effective(actor, document)
    signature = signatures.sign(signer, actor, document, Meaning.MADE_EFFECTIVE)
    document.effective_date = on
    if on > (today or timezone.localdate()):
        document.save(update_fields=["effective_date"])
        details = {"effective_date": on.isoformat(), **_signed(signature)}
        chain.record("EFFECTIVE_DATE_SET", actor, document, details)
        return document
    document.review_date = _add_months(on, document.document_type.review_period_months)
    return _move(
        document,
        _active_workflow(document),
        actor,
        "EFFECTIVE",
        "MADE_EFFECTIVE",
        f"effective {on.isoformat()}",
        complete=True,
        signature=signature,
    )


def activate_due_documents(actor, today: dt.date | None = None) -> list[Document]:
    """Make effective every approved document whose effective date has come."""
    today = today or timezone.localdate()
    due = Document.objects.filter(
        state__code="APPROVED_PENDING_EFFECTIVE", effective_date__lte=today
    )
    return [
        make_effective(actor, document, on=document.effective_date, today=today) for document in due
    ]


@transaction.atomic
def supersede(actor, document: Document, *, by: Document, comment: str = "") -> Document:
    document, by = _locked(document), _locked(by)
    if document.pk == by.pk:
        raise LifecycleError(f"{document.document_number} cannot supersede itself")
    may_supersede(actor, document)
    require_state(by, "EFFECTIVE", "APPROVED_PENDING_EFFECTIVE")
    document.superseded_by = by
    workflow = _start(document, actor, UP_VERSIONING)
    return _move(
        document,
        workflow,
        actor,
        "SUPERSEDED",
        "SUPERSEDED",
        comment or f"superseded by {by.document_number}",
        complete=True,
    )


@transaction.atomic
def obsolete(actor, document: Document, *, reason: str, signer: Signer | None = None) -> Document:
    document = _locked(document)
    may_obsolete(actor, document)
    if not reason.strip():
        raise LifecycleError("making a document obsolete needs a reason")
    signature = signatures.sign(signer, actor, document, Meaning.OBSOLETED)
    document.obsolete_date = timezone.localdate()
    workflow = _start(document, actor, OBSOLESCENCE)
    return _move(
        document,
        workflow,
        actor,
        "OBSOLETE",
        "MADE_OBSOLETE",
        reason,
        complete=True,
        signature=signature,
    )


# Who may take each step in which state. The steps call these first; `allowed_steps` asks them
# all, so pages offer exactly the steps the service would accept.


def may_upload(actor, document: Document) -> None:
    require_role(actor, "Author")
    require_state(document, "DRAFT")
    if document.author_id != actor.pk:
        raise RoleRequired(f"only the author {document.author.username} may upload versions")


def may_submit(actor, document: Document) -> None:
    require_state(document, "DRAFT")
    if document.author_id != actor.pk:
        raise RoleRequired(f"only the author {document.author.username} may submit for review")
    if not document.versions.exists():
        raise LifecycleError(f"{document.document_number} has no version file to review")


def may_review(actor, document: Document) -> None:
    require_state(document, "UNDER_REVIEW")
    require_role(actor, "Reviewer")
    if document.reviewer_id != actor.pk:
        raise RoleRequired(f"{document.document_number} is assigned to another reviewer")


def may_approve(actor, document: Document) -> None:
    require_state(document, "REVIEW_COMPLETED")
    require_role(actor, "Approver")
    if actor.pk in (document.author_id, document.reviewer_id):
        raise RoleRequired("the approver must be neither the author nor the reviewer")


def may_make_effective(actor, document: Document) -> None:
    require_state(document, "APPROVED_PENDING_EFFECTIVE")
    require_role(actor, "Approver", "Document Controller")


def may_supersede(actor, document: Document) -> None:
    require_state(document, "EFFECTIVE")
    require_role(actor, "Document Controller", "Approver")


def may_obsolete(actor, document: Document) -> None:
    require_state(document, "EFFECTIVE")
    require_role(actor, "Document Controller", "Approver")


STEP_RULES = {
    "upload": may_upload,
    "submit": may_submit,
    "review": may_review,
    "approve": may_approve,
    "make_effective": may_make_effective,
    "supersede": may_supersede,
    "obsolete": may_obsolete,
}


def allowed_steps(actor, document: Document) -> set[str]:
    """The names of the steps in STEP_RULES that `actor` may take on `document` now."""
    allowed = set()
    for name, rule in STEP_RULES.items():
        try:
            rule(actor, document)
        except LifecycleError:
            continue
        allowed.add(name)
    return allowed


def _number_width() -> int:
    """Digits in new document numbers: the system setting document_number_width (default 4)."""
    setting = SystemSetting.objects.filter(key="document_number_width").first()
    return int(setting.value.get("value", 4)) if setting else 4


def _locked(document: Document) -> Document:
    """The document's row, locked; only that row (of=self): locking its joined state and type
    rows too would make every concurrent step on documents in the same state wait for the
    others, and deadlock against transactions already holding the audit chain's head."""
    return (
        Document.objects.select_for_update(of=("self",))
        .select_related("state", "document_type")
        .get(pk=document.pk)
    )


def _active_workflow(document: Document) -> DocumentWorkflow:
    workflow = document.workflows.filter(is_active=True).order_by("-started_at").first()
    if workflow is None:
        raise LifecycleError(f"{document.document_number} has no workflow in progress")
    return workflow


def _start(document: Document, actor, workflow_type: str) -> DocumentWorkflow:
    return DocumentWorkflow.objects.create(
        document=document,
        workflow_type=WorkflowType.objects.get(name=workflow_type),
        current_state=document.state,
        initiated_by=actor,
    )


def _move(
    document: Document,
    workflow: DocumentWorkflow,
    actor,
    to_code: str,
    action: str,
    comment: str = "",
    *,
    complete: bool = False,
    signature: Signature | None = None,
) -> Document:
    """The one place a document changes state: transition, workflow, document, audit entry
    (which carries the step's signature, if it is one)."""
    from_state, to_state = document.state, DocumentState.objects.get(code=to_code)
    DocumentTransition.objects.create(
        workflow=workflow, from_state=from_state, to_state=to_state, actor=actor, comment=comment
    )
    workflow.current_state = to_state
    if complete:
        workflow.is_active, workflow.completed_at = False, timezone.now()
    workflow.save()
    document.state = to_state
    document.save()
    chain.record(
        action,
        actor,
        document,
        {
            "from": from_state.code,
            "to": to_code,
            "comment": comment,
            "workflow": str(workflow.uuid),
            **_signed(signature),
        },
    )
    return document


def _signed(signature: Signature | None) -> dict:
    """The audit details that bind a signature to its entry (none for an unsigned step)."""
    return {"signature": signatures.claim(signature)} if signature else {}


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )
