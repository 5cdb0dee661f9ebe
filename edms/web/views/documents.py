"""The documents list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from edms.documents.api import visible_documents

PAGE_SIZE = 50


@login_required
def documents(request):
    rows = visible_documents(request.user).select_related("document_type", "state", "author")
    if text := request.GET.get("q", "").strip():
        rows = rows.filter(title__icontains=text) | rows.filter(document_number__icontains=text)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/documents.html", {"documents": page, "q": text})
