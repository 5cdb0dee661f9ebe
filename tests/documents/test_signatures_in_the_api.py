"""The same signatures through the REST API: the signing steps take the password in the body."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from edms.audit.models import AuditTrail
from edms.documents import lifecycle
from edms.documents.models import Document, Signature
from tests.documents.conftest import PDF, password_of

URL = "/api/v1/documents/SOP-0001/"


def api_as(user) -> APIClient:
    """A client carrying the JWT that POST /api/v1/auth/login/ gave the user."""
    client = APIClient()
    token = client.post(
        "/api/v1/auth/login/",
        {"username": user.username, "password": password_of(user)},
        format="json",
    ).json()["access"]
    client.credentials(HTTP_AUTHORIZATION="Bearer " + token)
    return client


@pytest.fixture
def under_review(named_people, storage_root) -> Document:
    author = named_people["author"]
    doc = lifecycle.create_document(author, document_type="SOP", title="Cleaning")
    lifecycle.upload_version(author, doc, io.BytesIO(PDF), "c.pdf", content_type="application/pdf")
    return lifecycle.submit_for_review(author, doc, named_people["reviewer"])


def test_a_signed_review_through_the_api(under_review, named_people):
    """GIVEN an SOP under review WHEN the reviewer posts review/ with their password
    THEN 200, the SOP's review is completed and its version lists the signature: printed name,
    meaning, time and SHA-256."""
    answer = api_as(named_people["reviewer"]).post(
        URL + "review/", {"accept": True, "password": "pw-reviewer01"}, format="json"
    )

    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "REVIEW_COMPLETED"
    [signature] = answer.json()["versions"][0]["signatures"]
    assert (signature["full_name"], signature["meaning"]) == ("Ben Okafor", "Reviewed")
    assert signature["sha256"] == under_review.versions.get().sha256
    assert signature["signed_at"].endswith("Z") or "+00:00" in signature["signed_at"]


@pytest.mark.parametrize(
    ("step", "body"),
    [
        ("review/", {"accept": True}),
        ("approve/", {}),
        ("make_effective/", {}),
        ("obsolete/", {"reason": "x"}),
        ("submit/", {"reviewer": "reviewer01"}),
    ],
)
def test_every_signing_step_needs_the_password(under_review, named_people, step, body):
    """GIVEN an SOP WHEN a signing step is posted without a password THEN 400 naming it."""
    answer = api_as(named_people["reviewer"]).post(URL + step, body, format="json")

    assert answer.status_code == 400
    assert "password" in answer.json()


def test_a_wrong_password_is_403_with_the_reason_and_audited(under_review, named_people):
    """GIVEN an SOP under review WHEN the reviewer signs with a wrong password
    THEN 403 saying the password was wrong, the refusal is audited, nothing is signed."""
    answer = api_as(named_people["reviewer"]).post(
        URL + "review/", {"accept": True, "password": "wrong"}, format="json"
    )

    assert answer.status_code == 403
    assert "wrong password for reviewer01" in answer.json()["detail"]
    assert AuditTrail.objects.filter(action="SIGNATURE_REFUSED").count() == 1
    assert not Signature.objects.exists()


def test_signing_blocked_is_429_saying_for_how_long(under_review, named_people):
    """GIVEN five wrong passwords WHEN the reviewer signs with the right one
    THEN 429 saying signing is blocked for 15 minutes, and the SOP is still under review."""
    client = api_as(named_people["reviewer"])
    for _ in range(5):
        client.post(URL + "review/", {"accept": True, "password": "wrong"}, format="json")

    answer = client.post(
        URL + "review/", {"accept": True, "password": "pw-reviewer01"}, format="json"
    )

    assert answer.status_code == 429
    assert "blocked for 15 minutes" in answer.json()["detail"]
    assert Document.objects.get().state.code == "UNDER_REVIEW"


def test_an_upload_is_type_checked_by_content(named_people, storage_root):
    """GIVEN a draft WHEN its author uploads a program named .pdf through the API
    THEN 415 saying what may be stored, and no version is added."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    lifecycle.create_document(named_people["author"], document_type="SOP", title="Typed")

    answer = api_as(named_people["author"]).post(
        URL + "versions/",
        {"file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00" + bytes(100))},
        format="multipart",
    )

    assert answer.status_code == 415
    assert "not a PDF, plain text" in answer.json()["detail"]
    assert not Document.objects.get().versions.exists()


def test_a_reader_gets_only_the_version_in_force(named_people, storage_root):
    """GIVEN an effective SOP whose first version was replaced before review
    WHEN a viewer and its author read it through the API
    THEN the viewer's answer lists version 2 only, the author's both."""
    people = named_people
    doc = lifecycle.create_document(people["author"], document_type="SOP", title="Two tries")
    for n in (1, 2):
        lifecycle.upload_version(people["author"], doc, io.BytesIO(b"try %d" % n), f"v{n}.txt")
    lifecycle.submit_for_review(people["author"], doc, people["reviewer"])
    lifecycle.review(people["reviewer"], doc, accept=True)
    lifecycle.approve(people["approver"], doc, effective_date=timezone.localdate())

    def listed(user) -> list[int]:
        return [v["version_number"] for v in api_as(user).get(URL).json()["versions"]]

    assert listed(people["viewer"]) == [2]
    assert listed(people["author"]) == [1, 2]
