"""Who may see which documents and versions. Readers see what is in force; work in progress
(drafts, reviews, approvals waiting) belongs to the people working on it, Document Control and
Quality Assurance."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from edms.documents.models import Document, DocumentVersion

# Roles that see every document in every state.
OVERSEERS = ("Document Controller", "Quality Assurance", "Administrator")
# Roles that work on documents: they also see the ones no longer in force (superseded, obsolete).
WORKING_ROLES = ("Author", "Reviewer", "Approver")


def sees_everything(user) -> bool:
    return user.is_staff or user.has_role(*OVERSEERS)


def visible_documents(user) -> QuerySet[Document]:
    """Effective documents for everybody; retired ones for the working roles; documents in
    progress for their author, named reviewer and approver (and approvers, once a review is
    completed and an approver is wanted); everything for staff and the overseeing roles."""
    if sees_everything(user):
        return Document.objects.all()
    seen = Q(state__code="EFFECTIVE") | Q(author=user) | Q(reviewer=user) | Q(approver=user)
    if user.has_role(*WORKING_ROLES):
        seen |= Q(state__is_terminal=True)
    if user.has_role("Approver"):
        seen |= Q(state__code="REVIEW_COMPLETED")
    return Document.objects.filter(seen)


def works_on(user, document: Document) -> bool:
    """Whether the user sees the document's work in progress: every version, not only the one
    that was in force."""
    return (
        sees_everything(user)
        or user.pk in (document.author_id, document.reviewer_id, document.approver_id)
        or (document.state.code == "REVIEW_COMPLETED" and user.has_role("Approver"))
    )


def visible_versions(user, document: Document) -> QuerySet[DocumentVersion]:
    """All versions for those who work on the document; only the last, the one that is or was
    in force, for everybody else."""
    versions = document.versions.select_related("created_by").order_by("version_number")
    if works_on(user, document):
        return versions
    return versions.filter(pk=document.versions.order_by("-version_number").values("pk")[:1])
