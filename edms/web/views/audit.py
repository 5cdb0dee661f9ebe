"""The audit trail page, and its export as CSV or PDF with the same filters."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render

from edms.audit import export
from edms.audit.api import CanReadAuditTrail, can_read_audit_trail, filtered_entries
from edms.audit.models import AuditTrail

PAGE_SIZE = 50


class AuditFilters(forms.Form):
    """The page's filters; dates are whole UTC days, both ends included."""

    action = forms.CharField(required=False, max_length=60)
    username = forms.CharField(required=False, max_length=150, label="User")
    document = forms.CharField(required=False, max_length=40)
    object = forms.CharField(required=False, max_length=300)
    since = forms.DateField(required=False, label="From (UTC)")
    until = forms.DateField(required=False, label="To (UTC)")

    def clean_action(self) -> str:
        """Actions as the page shows them ("Made effective") or as stored (MADE_EFFECTIVE)."""
        return "_".join(self.cleaned_data["action"].upper().split())

    def api_filters(self) -> dict[str, str]:
        """The audit API's filters: 'to' becomes the start of the next day (exclusive)."""
        chosen = {k: v for k, v in self.cleaned_data.items() if v}
        if "since" in chosen:
            chosen["since"] = _day_start(chosen["since"])
        if "until" in chosen:
            chosen["until"] = _day_start(chosen["until"] + dt.timedelta(days=1))
        return chosen


@login_required
def audit(request):
    _require_reader(request.user)
    form = AuditFilters(request.GET)
    problem = _problem(form)
    entries = AuditTrail.objects.none() if problem else filtered_entries(form.api_filters())
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/audit.html",
        {"entries": page, "form": form, "problem": problem, "query": query.urlencode()},
    )


@login_required
def audit_export(request, kind: str):
    """The filtered entries as a streamed CSV or PDF download; the export is audited."""
    _require_reader(request.user)
    if kind not in export.FORMATS:
        raise Http404(f"no export as {kind}: csv or pdf")
    form = AuditFilters(request.GET)
    if problem := _problem(form):
        return HttpResponse(f"Nothing exported: {problem}", status=400, content_type="text/plain")
    return export.download(export.prepare(form.api_filters(), request.user, kind))


def _require_reader(user) -> None:
    if not can_read_audit_trail(user):
        raise PermissionDenied(CanReadAuditTrail.message)


def _problem(form: AuditFilters) -> str:
    """The form's errors in one sentence; empty when every filter is valid (and then the
    audit API's filters accept them too)."""
    if form.is_valid():
        return ""
    return "; ".join(
        f"{form[name].label.lower()}: {' '.join(e)}" for name, e in form.errors.items()
    )


def _day_start(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).isoformat()
