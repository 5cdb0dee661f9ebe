"""The health page."""

from __future__ import annotations

from django.shortcuts import render

from edms.backup.operations.health import health_summary
from edms.web.views.access import staff_required


@staff_required
def health(request):
    return render(request, "web/health.html", {"health": health_summary()})
