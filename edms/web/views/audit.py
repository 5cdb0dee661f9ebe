"""The audit trail page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from rest_framework.exceptions import ValidationError

from edms.audit.api import CanReadAuditTrail, can_read_audit_trail, filtered_entries
from edms.audit.models import AuditTrail

PAGE_SIZE = 50

AUDIT_FILTERS = ("action", "username", "object")


@login_required
def audit(request):
    if not can_read_audit_trail(request.user):
        raise PermissionDenied(CanReadAuditTrail.message)
    chosen = {name: request.GET.get(name, "").strip() for name in AUDIT_FILTERS}
    try:
        entries, problem = filtered_entries(chosen), ""
    except ValidationError as exc:
        entries, problem = (
            AuditTrail.objects.none(),
            "; ".join(
                f"{name}: {' '.join(map(str, messages))}" for name, messages in exc.detail.items()
            ),
        )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "web/audit.html", {"entries": page, "filters": chosen, "problem": problem}
    )
