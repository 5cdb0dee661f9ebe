"""Who may see a page: signed in, and staff for the administrators' pages."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect


def staff_required(view):
    """Logged in (else the login page) and staff (else 403)."""

    @login_required
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("this page is for staff administrators")
        return view(request, *args, **kwargs)

    return checked


@login_required
def home(request):
    return redirect("web:backups" if request.user.is_staff else "web:documents")


def superuser_required(view):
    """Staff (as staff_required) and superuser, else 403: restore, reinit and package downloads
    hand out every account's password hash or replace them."""

    @staff_required
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied("restore, reinit and package downloads need a superuser")
        return view(request, *args, **kwargs)

    return checked
