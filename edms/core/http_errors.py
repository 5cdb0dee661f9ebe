"""The API's one exception handler: an EDMS error answers its class's HTTP status with its
message, so no view maps errors itself; everything else is DRF's default handling."""

from __future__ import annotations

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from edms.core.errors import EdmsError


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """`{"detail": message, "error": type}` with `exc.http_status` for an EdmsError."""
    if not isinstance(exc, EdmsError):
        return drf_exception_handler(exc, context)
    set_rollback()
    return Response({"detail": str(exc), "error": type(exc).__name__}, status=exc.http_status)
