"""The administrators' backup pages: backups, restore, reinit."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render

from edms.backup.models import BackupJob, BackupType, RestoreJob
from edms.backup.operations import jobs
from edms.backup.reinit import plan_reinit
from edms.web.views.access import staff_required

PAGE_SIZE = 50


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
def reinit(request):
    return render(
        request,
        "web/reinit.html",
        {"plan": jobs.as_json_dict(plan_reinit()), "instance_name": settings.INSTANCE_NAME},
    )
