"""The document lifecycle through the API, each step checked by the service's role rules."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from edms.audit.models import AuditTrail
from edms.documents.models import Document


def test_author_reviewer_and_approver_take_a_document_to_effective(people, login, storage_root):
    """GIVEN an author, a reviewer and an approver, each with a JWT
    WHEN they create an SOP, upload a version, submit, review and approve it through the API
    THEN each step answers with the document in its new state and it ends EFFECTIVE today."""
    author, reviewer, approver = (login(people[r]) for r in ("author", "reviewer", "approver"))

    created = author.post(
        "/api/v1/documents/", {"document_type": "SOP", "title": "Gowning"}, format="json"
    )
    assert created.status_code == 201, created.content
    url = f"/api/v1/documents/{created.json()['document_number']}/"
    version = author.post(
        url + "versions/",
        {"file": SimpleUploadedFile("gowning.txt", b"wear the gown"), "change_summary": "first"},
        format="multipart",
    )
    assert version.status_code == 201, version.content
    assert version.json()["version_number"] == 1
    steps = [
        (author, "submit/", {"reviewer": "reviewer01", "password": "pw-author01"}, "UNDER_REVIEW"),
        (reviewer, "review/", {"accept": True, "password": "pw-reviewer01"}, "REVIEW_COMPLETED"),
        (
            approver,
            "approve/",
            {"effective_date": str(timezone.localdate()), "password": "pw-approver01"},
            "EFFECTIVE",
        ),
    ]
    for client, step, body, state in steps:
        answer = client.post(url + step, body, format="json")
        assert answer.status_code == 200, (step, answer.content)
        assert answer.json()["state"] == state

    document = author.get(url).json()
    assert document["approver"] == "approver01"
    assert document["versions"][0]["sha256"] == version.json()["sha256"]


def test_a_step_the_role_does_not_allow_is_403_and_changes_nothing(people, login):
    """GIVEN a Viewer WHEN they try to create a document THEN the answer is 403 with the
    service's message naming the role, and no document or audit entry is added."""
    entries = AuditTrail.objects.count()

    answer = login(people["viewer"]).post(
        "/api/v1/documents/", {"document_type": "SOP", "title": "Sneaky"}, format="json"
    )

    assert answer.status_code == 403
    assert "Author" in answer.json()["detail"]
    assert not Document.objects.exists()
    assert AuditTrail.objects.count() == entries


def test_a_step_the_state_does_not_allow_is_409_and_changes_nothing(
    people, login, effective_document
):
    """GIVEN an effective SOP WHEN its reviewer tries to review it again THEN the answer is 409
    saying which state the step needs, and the document stays EFFECTIVE."""
    answer = login(people["reviewer"]).post(
        "/api/v1/documents/SOP-0001/review/",
        {"accept": True, "password": "pw-reviewer01"},
        format="json",
    )

    assert answer.status_code == 409
    assert "UNDER_REVIEW" in answer.json()["detail"]
    effective_document.refresh_from_db()
    assert effective_document.state.code == "EFFECTIVE"


def test_viewers_see_effective_documents_only(people, login, effective_document):
    """GIVEN an effective SOP and a draft WI WHEN a Viewer lists documents THEN only the SOP is
    listed and the draft's detail is 404; the author sees both."""
    from edms.documents import lifecycle

    lifecycle.create_document(people["author"], document_type="WI", title="Draft")

    seen = login(people["viewer"]).get("/api/v1/documents/").json()["results"]
    draft = login(people["viewer"]).get("/api/v1/documents/WI-0001/")
    by_author = login(people["author"]).get("/api/v1/documents/", {"q": "0001"}).json()

    assert [d["document_number"] for d in seen] == ["SOP-0001"]
    assert draft.status_code == 404
    assert by_author["count"] == 2
