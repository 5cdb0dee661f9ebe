"""What waits for a user ("Waiting for me"): reviews assigned to them, approvals they may give,
their own drafts, and documents that become effective within a week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from edms.documents.models import Document
from edms.documents.visibility import visible_documents

SOON = dt.timedelta(days=7)


@dataclass
class Inbox:
    reviews: QuerySet[Document]
    approvals: QuerySet[Document]
    drafts: QuerySet[Document]
    becoming_effective: QuerySet[Document]

    @property
    def sections(self) -> list[tuple[str, QuerySet[Document]]]:
        return [
            ("Reviews assigned to you", self.reviews),
            ("Approvals waiting for you", self.approvals),
            ("Your drafts", self.drafts),
            ("Becoming effective within 7 days", self.becoming_effective),
        ]

    def count(self) -> int:
        return sum(documents.count() for _, documents in self.sections)


def waiting_for(user, today: dt.date | None = None) -> Inbox:
    """The user's inbox. Approvals are not assigned to one approver: every approver who is
    neither the author nor the reviewer may give one, so it waits for each of them."""
    today = today or timezone.localdate()
    rows = Document.objects.select_related("document_type", "state", "author").order_by(
        "updated_at"
    )
    approvals = rows.none()
    if user.has_role("Approver"):
        approvals = rows.filter(state__code="REVIEW_COMPLETED").exclude(
            Q(author=user) | Q(reviewer=user)
        )
    soon = Q(effective_date__lte=today + SOON) | Q(effective_date__isnull=True)
    return Inbox(
        reviews=rows.filter(state__code="UNDER_REVIEW", reviewer=user),
        approvals=approvals,
        drafts=rows.filter(state__code="DRAFT", author=user),
        becoming_effective=rows.filter(
            soon, state__code="APPROVED_PENDING_EFFECTIVE", pk__in=visible_documents(user)
        ).order_by("effective_date"),
    )
