"""Values every page's navigation shows."""

from __future__ import annotations

from django.http import HttpRequest

from edms.documents.inbox import waiting_for


def navigation(request: HttpRequest) -> dict:
    """How many documents wait for the signed-in user, and whether they may create one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_count": waiting_for(user).count(), "can_create": user.has_role("Author")}
