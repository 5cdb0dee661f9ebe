"""Uploads go to a temporary file on disk, never into memory, and stop at the size limit.

Set as the only FILE_UPLOAD_HANDLERS, so a 10 GB backup upload costs disk, not RAM."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from edms.core.errors import TooLarge


class UploadTooLarge(TooLarge):
    """An upload past EDMS_MAX_UPLOAD_BYTES, refused while it streams in (413)."""


def _too_large() -> UploadTooLarge:
    return UploadTooLarge(
        f"the upload is larger than the limit of {settings.MAX_UPLOAD_BYTES} bytes "
        "(EDMS_MAX_UPLOAD_BYTES)"
    )


class BoundedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Refuses a request whose declared or received size passes settings.MAX_UPLOAD_BYTES."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > settings.MAX_UPLOAD_BYTES:
            raise _too_large()
        self.received = 0
        return super().handle_raw_input(input_data, META, content_length, boundary, encoding)

    def receive_data_chunk(self, raw_data: bytes, start: int):
        self.received += len(raw_data)
        if self.received > settings.MAX_UPLOAD_BYTES:
            raise _too_large()
        return super().receive_data_chunk(raw_data, start)
