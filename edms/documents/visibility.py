"""Who may see which documents and versions. Readers see what is in force; work in progress
(drafts, reviews, approvals waiting) belongs to the people working on it, Document Control and
Quality Assurance."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery

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


def visible_versions(user, versions: QuerySet[DocumentVersion]) -> QuerySet[DocumentVersion]:
    """`versions` narrowed to what the user may see: every version of a document they work on
    (its author, named reviewer or approver, an approver once its review is completed, the
    overseers), otherwise only each document's last version, the one that is or was in force."""
    if sees_everything(user):
        return versions
    works_on = Q(document__author=user) | Q(document__reviewer=user) | Q(document__approver=user)
    if user.has_role("Approver"):
        works_on |= Q(document__state__code="REVIEW_COMPLETED")
    last = DocumentVersion.objects.filter(document=OuterRef("document")).order_by("-version_number")
    return versions.filter(works_on | Q(pk=Subquery(last.values("pk")[:1])))
