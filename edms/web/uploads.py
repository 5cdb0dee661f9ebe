"""Uploads go to a temporary file on disk, never into memory, stop at the size limit, and are
refused before a byte is written unless a signed-in user sends them.

Set as the only FILE_UPLOAD_HANDLERS, so a 10 GB backup upload costs disk, not RAM, and an
anonymous caller costs nothing: the handler sees the request before the body is read, so it
checks the caller itself (session cookie or bearer token) instead of trusting the view's
authentication, which may come after the body is parsed (Django's CSRF check reads it first)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from rest_framework.exceptions import APIException
from rest_framework_simplejwt.authentication import JWTAuthentication

from edms.core.errors import NotPermitted, TooLarge


class UploadTooLarge(TooLarge):
    """An upload past EDMS_MAX_UPLOAD_BYTES, refused while it streams in (413)."""


class AnonymousUpload(NotPermitted, PermissionDenied):
    """A file sent without a valid session or token: refused before it is written (403).
    A PermissionDenied too, so that a page or middleware reading the body answers 403."""


def _too_large() -> UploadTooLarge:
    return UploadTooLarge(
        f"the upload is larger than the limit of {settings.MAX_UPLOAD_BYTES} bytes "
        "(EDMS_MAX_UPLOAD_BYTES)"
    )


def _caller(request):
    """The signed-in user behind the request (session, else bearer token), or None."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    try:
        found = JWTAuthentication().authenticate(request)
    except APIException:
        return None  # a forged, expired or revoked token is no caller
    return found[0] if found else None


class BoundedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Refuses an anonymous caller's file, and a request whose declared or received size
    passes settings.MAX_UPLOAD_BYTES."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.caller = _caller(self.request)
        if content_length and content_length > settings.MAX_UPLOAD_BYTES:
            raise _too_large()
        self.received = 0
        return super().handle_raw_input(input_data, META, content_length, boundary, encoding)

    def new_file(self, *args, **kwargs) -> None:
        if self.caller is None:
            raise AnonymousUpload("log in before uploading a file: nothing was stored")
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int):
        self.received += len(raw_data)
        if self.received > settings.MAX_UPLOAD_BYTES:
            raise _too_large()
        return super().receive_data_chunk(raw_data, start)
