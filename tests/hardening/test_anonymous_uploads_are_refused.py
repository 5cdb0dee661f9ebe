"""An anonymous caller's file is refused before a byte of it reaches the disk, on every upload
endpoint: the backup restore upload, the API's version upload and the document page's."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from edms.documents import lifecycle
from tests.documents.conftest import PDF

SEVERAL_MB = b"%PDF-1.4\n" + b"x" * (4 * 1024 * 1024)
UPLOADS = [
    "/api/v1/backup/restores/restore_from_file/",
    "/api/v1/documents/SOP-0001/versions/",
    "/documents/SOP-0001/upload/",
]


@pytest.fixture
def spool_dirs(settings, tmp_path):
    """Where an upload would be written: the temporary-file folder and the backup uploads."""
    spool = tmp_path / "spool"
    (spool / "tmp").mkdir(parents=True)
    settings.FILE_UPLOAD_TEMP_DIR = str(spool / "tmp")
    settings.BACKUP_DIR = str(spool / "backups")
    return spool


def files_in(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("url", UPLOADS)
def test_an_anonymous_multipart_post_is_refused_and_writes_nothing(
    url, spool_dirs, effective_document
):
    """GIVEN an installation with a document WHEN someone not signed in posts a 4 MB file to an
    upload endpoint THEN the answer is 403 and no file was written anywhere."""
    client = Client(enforce_csrf_checks=True)
    answer = client.post(url, {"file": SimpleUploadedFile("big.pdf", SEVERAL_MB)})

    assert answer.status_code in (401, 403)
    assert files_in(spool_dirs) == []


@pytest.mark.parametrize("url", UPLOADS)
def test_a_forged_csrf_cookie_or_token_does_not_make_a_caller(url, spool_dirs, effective_document):
    """GIVEN an installation with a document WHEN someone posts a 4 MB file with a made-up CSRF
    cookie (so the CSRF check reads the body) or a made-up bearer token THEN the answer is 403
    and no file was written."""
    forged_cookie = Client(enforce_csrf_checks=True)
    forged_cookie.cookies["csrftoken"] = "x" * 32
    upload = {"file": SimpleUploadedFile("big.pdf", SEVERAL_MB), "csrfmiddlewaretoken": "x" * 32}

    with_cookie = forged_cookie.post(url, upload)
    upload["file"].seek(0)
    with_token = Client(enforce_csrf_checks=True).post(
        url, upload, HTTP_AUTHORIZATION="Bearer not.a.token"
    )

    assert with_cookie.status_code in (401, 403)
    assert with_token.status_code in (401, 403)
    assert files_in(spool_dirs) == []


def test_a_signed_in_author_still_uploads_a_version(spool_dirs, people, storage_root):
    """GIVEN an author with a draft WHEN they log in and upload a version over the API THEN it
    is stored (the refusal is for anonymous callers only)."""
    document = lifecycle.create_document(
        people["author"], document_type="SOP", title="Line clearance"
    )
    client = Client()
    tokens = client.post(
        "/api/v1/auth/login/",
        {"username": "author01", "password": "pw-author01"},
        content_type="application/json",
    ).json()

    answer = client.post(
        f"/api/v1/documents/{document.document_number}/versions/",
        {"file": SimpleUploadedFile("sop.pdf", PDF), "change_summary": "first"},
        HTTP_AUTHORIZATION="Bearer " + tokens["access"],
    )

    assert answer.status_code == 201, answer.content
