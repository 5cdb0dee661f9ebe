"""HTTP errors the API answers with, besides those DRF has (it has no 409)."""

from rest_framework import status
from rest_framework.exceptions import APIException


class Conflict(APIException):
    """The request is valid but the current state forbids it (a running restore, a document
    in the wrong state); the message says what to wait for or do first."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class UploadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "upload_too_large"
