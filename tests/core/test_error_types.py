"""Every error is a type in one hierarchy with an exit code and an HTTP status, and the API's one
exception handler answers each with its status and message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import path
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient
from rest_framework.views import APIView

from edms.backup.operations import configurations, schedule  # noqa: F401 - define error types
from edms.core.errors import EdmsError
from edms.documents import demo, lifecycle, storage  # noqa: F401 - define error types
from edms.web import uploads  # noqa: F401 - defines UploadTooLarge

README = Path(__file__).resolve().parents[2] / "README.md"


def error_types() -> list[type[EdmsError]]:
    found, pending = [], [EdmsError]
    while pending:
        error = pending.pop()
        found.append(error)
        pending += error.__subclasses__()
    return sorted(set(found), key=lambda error: error.__name__)


ERRORS = {error.__name__: error for error in error_types()}


def documented_exit_codes() -> dict[int, set[str]]:
    """The README's exit-code table: each code and the error types its row names."""
    section = README.read_text().split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \|(.*)$", section, re.M)
    return {int(code): set(re.findall(r"`(\w+)`", row.rsplit("|", 2)[-2])) for code, row in rows}


def test_the_hierarchy_holds_every_error_type():
    """GIVEN the modules that define errors WHEN the hierarchy is walked THEN the backup,
    configuration, schedule, lifecycle, storage, demo-data and upload errors are all in it."""
    expected = {
        "BackupError", "CorruptPackage", "UnsupportedFormat", "UnsafePackage",
        "DecryptionFailed", "RestoreConflict", "ValidationFailed", "OperationInProgress",
        "ConfigurationError", "InvalidSchedule", "LifecycleError", "RoleRequired",
        "FileTooLarge", "DemoDataError", "UploadTooLarge", "UsageError", "CheckFailed",
        "Conflict", "NotPermitted", "TooLarge",
    }  # fmt: skip
    assert expected <= set(ERRORS)


@pytest.mark.parametrize("error", error_types(), ids=lambda error: error.__name__)
def test_each_type_has_the_exit_code_of_its_readme_row_and_a_client_error_status(error):
    """GIVEN an error type WHEN its attributes are read THEN its exit code is the one of the
    README row that names it or the family it belongs to (so a code means one documented
    thing), and its HTTP status is a client error."""
    documented = documented_exit_codes()
    family = {ancestor.__name__ for ancestor in error.__mro__}

    assert isinstance(error.exit_code, int) and error.exit_code in documented
    assert family & documented[error.exit_code], (error.exit_code, documented[error.exit_code])
    assert isinstance(error.http_status, int) and 400 <= error.http_status < 500


def test_the_backup_errors_keep_the_exit_codes_scripts_rely_on():
    """GIVEN the backup error types WHEN their exit codes are read THEN they are 3 to 9, as
    every release documented them."""
    backup = ("CorruptPackage", "UnsupportedFormat", "UnsafePackage", "DecryptionFailed",
              "RestoreConflict", "ValidationFailed", "OperationInProgress")  # fmt: skip
    assert [ERRORS[name].exit_code for name in backup] == [3, 4, 5, 6, 7, 8, 9]


def test_the_statuses_are_those_the_api_promises():
    """GIVEN the error types WHEN their HTTP statuses are read THEN conflicts and a running
    restore are 409, a failed validation 422, an unknown format 415, a bad package 400, a
    missing role 403 and anything too large 413."""
    statuses = {
        "RestoreConflict": 409,
        "OperationInProgress": 409,
        "LifecycleError": 409,
        "ValidationFailed": 422,
        "UnsupportedFormat": 415,
        "CorruptPackage": 400,
        "RoleRequired": 403,
        "FileTooLarge": 413,
        "UploadTooLarge": 413,
        "ConfigurationError": 400,
    }
    assert {name: ERRORS[name].http_status for name in statuses} == statuses


class RaiseError(APIView):
    """Raises the error type named in the URL, with a message naming a path."""

    permission_classes = [AllowAny]

    def get(self, request, name: str):
        raise ERRORS[name](f"/srv/edms/backups/{name}.tar.zst is the one at fault")


class RaiseDrfError(APIView):
    """Raises one of DRF's own exceptions."""

    permission_classes = [AllowAny]

    def get(self, request):
        raise NotFound("no such thing")


urlpatterns = [
    path("raise/<str:name>/", RaiseError.as_view()),
    path("raise-drf/", RaiseDrfError.as_view()),
]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("name", sorted(ERRORS))
def test_the_api_answers_each_error_with_its_status_and_message(db, name):
    """GIVEN a view that raises an EDMS error WHEN a client calls it THEN the answer has the
    type's HTTP status, its message as `detail` (naming the path at fault) and its type name."""
    answer = APIClient().get(f"/raise/{name}/")

    assert answer.status_code == ERRORS[name].http_status
    assert answer.json() == {
        "detail": f"/srv/edms/backups/{name}.tar.zst is the one at fault",
        "error": name,
    }


@pytest.mark.urls(__name__)
def test_drf_errors_keep_drf_answers(db):
    """GIVEN a view that raises DRF's own NotFound WHEN a client calls it THEN DRF's default
    handling answers, as before."""
    answer = APIClient().get("/raise-drf/")

    assert (answer.status_code, answer.json()) == (404, {"detail": "no such thing"})


def test_a_version_file_over_the_limit_is_413_naming_the_file(people, storage_root, settings):
    """GIVEN a document file limit of 10 bytes WHEN the author uploads 20 bytes
    THEN the answer is 413 naming the file and the setting, and no version is stored."""
    settings.MAX_DOCUMENT_FILE_BYTES = 10
    document = lifecycle.create_document(people["author"], document_type="SOP", title="Big")
    client = APIClient()
    client.force_authenticate(people["author"])

    answer = client.post(
        f"/api/v1/documents/{document.document_number}/versions/",
        {"file": SimpleUploadedFile("big.txt", b"x" * 20)},
        format="multipart",
    )

    assert answer.status_code == 413, answer.content
    assert answer.json()["error"] == "FileTooLarge"
    assert "big.txt" in answer.json()["detail"]
    assert "EDMS_MAX_DOCUMENT_FILE_BYTES" in answer.json()["detail"]
    assert not document.versions.exists()
