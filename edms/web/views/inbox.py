"""The inbox ("Waiting for me"): what the signed-in user has to do or should know is coming."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from edms.documents.inbox import waiting_for


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "web/inbox.html", {"inbox": waiting_for(request.user)})
