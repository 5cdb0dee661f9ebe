"""The schedules pages: the backup configurations and their editor."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from edms.backup.models import BackupConfiguration, BackupType
from edms.web.views.access import staff_required


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
