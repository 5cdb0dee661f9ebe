"""The schedules pages: the backup configurations, each with its next run and last result, and
their editor."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from edms.backup.models import BackupConfiguration, BackupType
from edms.backup.operations import jobs, schedule
from edms.web.views.access import staff_required


@staff_required
def schedules(request):
    return render(
        request,
        "web/schedules.html",
        {
            "rows": [_row(c) for c in BackupConfiguration.objects.order_by("name")],
            "backup_types": BackupType.choices,
        },
    )


@staff_required
def schedule_edit(request, pk: int):
    return render(
        request,
        "web/schedule_edit.html",
        {
            "row": _row(get_object_or_404(BackupConfiguration, pk=pk)),
            "backup_types": BackupType.choices,
        },
    )


def _row(configuration: BackupConfiguration) -> dict:
    """The configuration, when it runs next, whether it is late, and its latest job."""
    latest = configuration.jobs.select_related("triggered_by").order_by("-created_at").first()
    return {
        "configuration": configuration,
        "next_run": schedule.next_run(configuration) if configuration.is_enabled else None,
        "missed_runs": schedule.missed_runs(configuration, timezone.now()),
        "last": jobs.job_json(latest) if latest else None,
    }
