"""Pages of the administrators' UI. They only render: every action (create, verify, restore,
reinit, save a schedule) is a form that static/web/edms.js sends to the REST API, so the UI and
`curl` go through the same code and the same permission checks."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from rest_framework.exceptions import ValidationError

from edms.audit.api import CanReadAuditTrail, can_read_audit_trail, filtered_entries
from edms.audit.models import AuditTrail
from edms.backup.models import BackupConfiguration, BackupJob, BackupType, RestoreJob
from edms.backup.operations import jobs
from edms.backup.operations.health import health_summary
from edms.backup.reinit import plan_reinit
from edms.documents.api import visible_documents

PAGE_SIZE = 50


def staff_required(view):
    """Logged in (else the login page) and staff (else 403)."""

    @login_required
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("this page is for staff administrators")
        return view(request, *args, **kwargs)

    return checked


@login_required
def home(request):
    return redirect("web:backups" if request.user.is_staff else "web:documents")


@staff_required
def backups(request):
    jobs.reap_orphans()
    page = Paginator(BackupJob.objects.select_related("configuration"), PAGE_SIZE)
    return render(
        request,
        "web/backups.html",
        {"jobs": page.get_page(request.GET.get("page")), "backup_types": BackupType.choices},
    )


@staff_required
def restore(request):
    jobs.reap_orphans()
    return render(request, "web/restore.html", {"restores": RestoreJob.objects.all()[:20]})


@staff_required
def schedules(request):
    return render(
        request,
        "web/schedules.html",
        {
            "configurations": BackupConfiguration.objects.order_by("name"),
            "backup_types": BackupType.choices,
        },
    )


@staff_required
def schedule_edit(request, pk: int):
    return render(
        request,
        "web/schedule_edit.html",
        {
            "configuration": get_object_or_404(BackupConfiguration, pk=pk),
            "backup_types": BackupType.choices,
        },
    )


@staff_required
def reinit(request):
    return render(
        request,
        "web/reinit.html",
        {"plan": jobs.as_json_dict(plan_reinit()), "instance_name": settings.INSTANCE_NAME},
    )


@staff_required
def health(request):
    return render(request, "web/health.html", {"health": health_summary()})


@login_required
def documents(request):
    rows = visible_documents(request.user).select_related("document_type", "state", "author")
    if text := request.GET.get("q", "").strip():
        rows = rows.filter(title__icontains=text) | rows.filter(document_number__icontains=text)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/documents.html", {"documents": page, "q": text})


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
