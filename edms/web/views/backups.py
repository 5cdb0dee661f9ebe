"""The administrators' backup pages: the catalog, one package, restore, reinit."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from edms.backup.errors import BackupError
from edms.backup.models import BackupJob, BackupType, RestoreJob, RestoreMode
from edms.backup.operations import catalog, jobs, recording
from edms.backup.reinit import plan_reinit
from edms.core.errors import NotFound
from edms.web.views.access import staff_required, superuser_required

PAGE_SIZE = 50


@staff_required
def backups(request):
    recording.reap_orphans()
    packages = catalog.entries()
    on_disk = {entry.path for entry in packages}
    recent = BackupJob.objects.select_related("configuration", "triggered_by")[:200]
    return render(
        request,
        "web/backups.html",
        {
            "packages": Paginator(packages, PAGE_SIZE).get_page(request.GET.get("page")),
            "directory": catalog.directory(),
            "jobs_without_package": [
                jobs.job_json(job) for job in recent if job.path not in on_disk
            ][:20],
            "backup_types": BackupType.choices,
        },
    )


@staff_required
def package(request, name: str):
    entry = _catalog_entry(name)
    contents, contents_error = None, ""
    try:
        contents = catalog.contents(entry)
    except BackupError as exc:
        contents_error = f"the manifest cannot be read: {exc}"
    return render(
        request,
        "web/package.html",
        {"package": entry, "contents": contents, "contents_error": contents_error},
    )


@superuser_required
def restore(request):
    recording.reap_orphans()
    chosen = request.GET.get("package")
    return render(
        request,
        "web/restore.html",
        {
            "package": _catalog_entry(chosen) if chosen else None,
            "restores": [jobs.job_json(job) for job in RestoreJob.objects.all()[:20]],
        },
    )


@superuser_required
def reinit(request):
    return render(
        request,
        "web/reinit.html",
        {"plan": jobs.as_json_dict(plan_reinit()), "instance_name": settings.INSTANCE_NAME},
    )


def reinit_done(request):
    """Where a reinit ends: its starter's account is gone, so this page needs no login. It
    shows only the state of the reinit job named (an unguessable uuid) and who to sign in as."""
    try:
        job_uuid = uuid.UUID(request.GET.get("job", ""))
    except ValueError:
        job_uuid = None
    job = RestoreJob.objects.filter(uuid=job_uuid, mode=RestoreMode.REINIT).first()
    return render(request, "web/reinit_done.html", {"job": job})


def _catalog_entry(name: str) -> catalog.CatalogEntry:
    try:
        return catalog.get(name)
    except NotFound as exc:
        raise Http404(str(exc)) from None
