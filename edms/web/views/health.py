"""The health page: the summary of `operations.health`, every value as people read it."""

from __future__ import annotations

from django.shortcuts import render

from edms.backup.operations.health import health_summary
from edms.web.views.access import staff_required

# A severity shown as the badge of the same colour (badges say it in words too).
BADGES = {"ok": "ok", "warning": "busy", "critical": "bad"}


@staff_required
def health(request):
    summary = health_summary()
    problems = [{**p, "badge": BADGES[p["severity"]]} for p in summary["problems"]]
    return render(
        request,
        "web/health.html",
        {"health": summary, "badge": BADGES[summary["status"]], "problems": problems},
    )
