"""Each role takes its lifecycle steps on the document's page: plain forms posted with the CSRF
token; signatures need the password typed again; refusals re-show the page saying why."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from edms.audit.models import AuditTrail
from edms.documents import lifecycle
from edms.documents.models import Document, Signature
from tests.documents.conftest import PDF, password_of


def browser(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def send(client: Client, page: str, action: str, data: dict):
    """Open the page, then post its form the way the browser does: with the CSRF token."""
    client.get(page)
    token = client.cookies["csrftoken"].value
    return client.post(action, {**data, "csrfmiddlewaretoken": token})


def step(client: Client, number: str, name: str, data: dict):
    return send(client, f"/documents/{number}/", f"/documents/{number}/{name}/", data)


def forms_on(client: Client, number: str) -> list[str]:
    page = client.get(f"/documents/{number}/").content.decode()
    names = ["upload", "submit", "review", "approve", "make_effective", "supersede", "obsolete"]
    return [name for name in names if f'id="step-{name}"' in page]


def test_an_sop_goes_from_draft_to_effective_through_the_pages(named_people, storage_root):
    """GIVEN an author, a reviewer, an approver and Document Control
    WHEN the author creates an SOP, uploads a PDF and submits it to reviewer01 (signing), the
    reviewer signs the review, the approver signs the approval with an effective date next
    week, and Document Control signs making it effective today
    THEN each step redirects back to the page, which says what happened, and the SOP is
    EFFECTIVE with four signatures on the PDF's SHA-256."""
    people = named_people
    author = browser(people["author"])

    created = send(
        author, "/documents/new/", "/documents/new/", {"document_type": "SOP", "title": "Gowning"}
    )
    assert created.status_code == 302 and created["Location"] == "/documents/SOP-0001/"
    upload = {"file": SimpleUploadedFile("gowning.pdf", PDF), "change_summary": "first"}
    assert step(author, "SOP-0001", "upload", upload).status_code == 302
    submitted = step(
        author,
        "SOP-0001",
        "submit",
        {"reviewer": people["reviewer"].pk, "password": password_of(people["author"])},
    )
    assert submitted.status_code == 302
    page = author.get("/documents/SOP-0001/").content.decode()
    assert "Submitted for review and signed. State now: Under review." in page

    for who, name, data in [
        ("reviewer", "review", {"decision": "accept", "comment": "fine"}),
        (
            "approver",
            "approve",
            {"decision": "accept", "effective_date": timezone.localdate() + dt.timedelta(7)},
        ),
        ("controller", "make_effective", {"on": timezone.localdate()}),
    ]:
        client = browser(people[who])
        answer = step(client, "SOP-0001", name, {**data, "password": password_of(people[who])})
        assert answer.status_code == 302, answer.content.decode()[-2000:]

    document = Document.objects.get(document_number="SOP-0001")
    assert document.state.code == "EFFECTIVE"
    version = document.versions.get()
    assert version.content_type == "application/pdf"
    assert list(Signature.objects.values_list("meaning", "username", "sha256")) == [
        ("AUTHORED", "author01", version.sha256),
        ("REVIEWED", "reviewer01", version.sha256),
        ("APPROVED", "approver01", version.sha256),
        ("MADE_EFFECTIVE", "docctrl01", version.sha256),
    ]


@pytest.fixture
def under_review(named_people, storage_root) -> Document:
    author = named_people["author"]
    doc = lifecycle.create_document(author, document_type="SOP", title="Cleaning")
    lifecycle.upload_version(author, doc, io.BytesIO(PDF), "c.pdf", content_type="application/pdf")
    return lifecycle.submit_for_review(author, doc, named_people["reviewer"])


def test_the_review_form_shows_the_meaning_and_a_wrong_password_is_refused(
    under_review, named_people
):
    """GIVEN an SOP under review WHEN its reviewer opens it THEN the review form says they sign
    as Ben Okafor meaning 'Reviewed' and asks for the password; WHEN they sign with a wrong
    password THEN the page answers 403 with the reason and the form again (comment kept), the
    refusal is audited and the SOP is still under review."""
    reviewer = browser(named_people["reviewer"])
    page = reviewer.get("/documents/SOP-0001/").content.decode()
    assert "You sign electronically as <strong>Ben Okafor</strong>" in page
    assert "Reviewed" in page and 'type="password"' in page

    answer = step(
        reviewer,
        "SOP-0001",
        "review",
        {"decision": "accept", "comment": "looks right", "password": "nope"},
    )

    assert answer.status_code == 403
    page = answer.content.decode()
    assert "wrong password for reviewer01: nothing was signed" in page
    assert 'id="step-review"' in page and "looks right" in page and "nope" not in page
    refusal = AuditTrail.objects.get(action="SIGNATURE_REFUSED")
    assert (refusal.username, refusal.details["signing"]) == ("reviewer01", "review of SOP-0001")
    assert Document.objects.get().state.code == "UNDER_REVIEW"


def test_five_wrong_passwords_block_signing_and_the_page_says_for_how_long(
    under_review, named_people
):
    """GIVEN an SOP under review WHEN the reviewer types a wrong password five times
    THEN the sixth attempt, with the right password, answers 429 saying signing is blocked for
    15 minutes, and nothing is signed."""
    reviewer = browser(named_people["reviewer"])
    data = {"decision": "accept", "comment": ""}
    for _ in range(5):
        assert step(reviewer, "SOP-0001", "review", {**data, "password": "x"}).status_code == 403

    answer = step(reviewer, "SOP-0001", "review", {**data, "password": "pw-reviewer01"})

    assert answer.status_code == 429
    assert "Signing is blocked for 15 minutes" in answer.content.decode()
    assert not Signature.objects.exists()


def test_a_rejection_needs_a_comment_and_sends_the_draft_back(under_review, named_people):
    """GIVEN an SOP under review WHEN the reviewer rejects without a comment THEN 409 with
    the service's message; WITH a comment THEN it is a draft again, signed 'Rejected'."""
    reviewer = browser(named_people["reviewer"])
    signed = {"decision": "reject", "password": "pw-reviewer01"}

    refused = step(reviewer, "SOP-0001", "review", {**signed, "comment": ""})
    done = step(reviewer, "SOP-0001", "review", {**signed, "comment": "step 3 is unclear"})

    assert refused.status_code == 409 and "needs a comment" in refused.content.decode()
    assert done.status_code == 302
    assert Document.objects.get().state.code == "DRAFT"
    assert Signature.objects.get().meaning == "REJECTED"


@pytest.mark.parametrize(
    ("who", "forms"),
    [
        ("author", []),
        ("reviewer", ["review"]),
        ("approver", []),
        ("controller", []),
        ("viewer", None),
    ],
)
def test_each_role_is_shown_only_the_steps_it_may_take(under_review, named_people, who, forms):
    """GIVEN an SOP under review WHEN each role opens its page THEN only the named reviewer is
    offered a step (the review); the viewer cannot open the page at all."""
    client = browser(named_people[who])
    if forms is None:
        assert client.get("/documents/SOP-0001/").status_code == 404
    else:
        assert forms_on(client, "SOP-0001") == forms


def test_steps_offered_along_the_way(named_people, signed_document, storage_root):
    """GIVEN a draft with a version and an effective SOP WHEN the author opens the draft and
    Document Control the effective SOP THEN the author is offered upload and submit, and
    Document Control supersede and make obsolete."""
    author = named_people["author"]
    draft = lifecycle.create_document(author, document_type="WI", title="New")
    lifecycle.upload_version(author, draft, io.BytesIO(b"text"), "wi.txt")

    assert forms_on(browser(author), "WI-0001") == ["upload", "submit"]
    assert forms_on(browser(named_people["controller"]), "SOP-0001") == ["supersede", "obsolete"]


def test_obsolete_with_a_reason_and_a_signature(signed_document, named_people):
    """GIVEN an effective SOP WHEN Document Control makes it obsolete with a reason, signing
    THEN it is OBSOLETE, the reason is in its history and an 'Obsoleted' signature is shown."""
    controller = browser(named_people["controller"])

    answer = step(
        controller,
        "SOP-0001",
        "obsolete",
        {"reason": "line closed", "password": password_of(named_people["controller"])},
    )

    assert answer.status_code == 302
    page = controller.get("/documents/SOP-0001/").content.decode()
    assert "line closed" in page and '<span class="meaning">Obsoleted</span>' in page


def test_supersede_by_a_newer_document(signed_document, named_people, signer):
    """GIVEN an effective SOP-0001 and an approved SOP-0002 WHEN Document Control supersedes
    the first by the second THEN SOP-0001 is superseded and links to SOP-0002."""
    people = named_people
    newer = lifecycle.create_document(people["author"], document_type="SOP", title="v2")
    lifecycle.upload_version(people["author"], newer, io.BytesIO(b"v2"), "v2.txt")
    lifecycle.submit_for_review(people["author"], newer, people["reviewer"])
    lifecycle.review(people["reviewer"], newer, accept=True)
    lifecycle.approve(people["approver"], newer)
    controller = browser(people["controller"])

    answer = step(controller, "SOP-0001", "supersede", {"by": "SOP-0002", "comment": ""})

    assert answer.status_code == 302
    page = controller.get("/documents/SOP-0001/").content.decode()
    assert "Superseded" in page and 'href="/documents/SOP-0002/"' in page


UPLOAD_REFUSALS = [
    ("program.pdf", b"MZ\x90\x00\x03" + bytes(200), 415, "is not a PDF, plain text"),
    ("notes.pdf", b"just some words", 415, "holds plain text content, so its name must end in"),
    ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(50), 415, "is not a PDF, plain text"),
]


@pytest.mark.parametrize(("name", "content", "status", "words"), UPLOAD_REFUSALS)
def test_uploads_are_type_checked_by_content(
    named_people, storage_root, name, content, status, words
):
    """GIVEN a draft WHEN its author uploads a file whose content is not a PDF, text or Office
    document, or whose name claims another type THEN the page answers 415 saying so and no
    version is added."""
    author = named_people["author"]
    lifecycle.create_document(author, document_type="SOP", title="Typed")

    answer = step(
        browser(author), "SOP-0001", "upload", {"file": SimpleUploadedFile(name, content)}
    )

    assert answer.status_code == status
    assert words in answer.content.decode()
    assert not Document.objects.get().versions.exists()


def test_an_upload_over_the_limit_is_refused_with_413(named_people, storage_root, settings):
    """GIVEN EDMS_MAX_DOCUMENT_FILE_BYTES of 100 WHEN the author uploads 101 bytes of text
    THEN the page answers 413 naming the limit and nothing is stored."""
    settings.MAX_DOCUMENT_FILE_BYTES = 100
    author = named_people["author"]
    lifecycle.create_document(author, document_type="SOP", title="Big")

    answer = step(
        browser(author), "SOP-0001", "upload", {"file": SimpleUploadedFile("a.txt", b"a" * 101)}
    )

    assert answer.status_code == 413
    assert "larger than the limit of 100 bytes" in answer.content.decode()
    assert not Document.objects.get().versions.exists()


def test_a_step_someone_may_not_take_is_refused_by_the_service(under_review, named_people):
    """GIVEN an SOP under review WHEN its author posts a review anyway (no form was offered)
    THEN 403 with the service's reason, and nothing changes."""
    author = browser(named_people["author"])
    data = {"decision": "accept", "password": password_of(named_people["author"])}

    answer = step(author, "SOP-0001", "review", data)

    assert answer.status_code == 403
    assert "needs the role Reviewer" in answer.content.decode()
    assert Document.objects.get().state.code == "UNDER_REVIEW"


def test_only_authors_create_documents(named_people):
    """GIVEN a viewer WHEN they open the new-document page THEN 403; an author gets the form."""
    assert browser(named_people["viewer"]).get("/documents/new/").status_code == 403
    page = browser(named_people["author"]).get("/documents/new/")
    assert (
        page.status_code == 200 and b"SOP \xe2\x80\x94 Standard Operating Procedure" in page.content
    )


def test_a_post_without_the_csrf_token_is_refused(under_review, named_people):
    """GIVEN the reviewer signed in WHEN a review is posted without the CSRF token
    THEN 403 and nothing is signed."""
    reviewer = browser(named_people["reviewer"])

    answer = reviewer.post(
        "/documents/SOP-0001/review/", {"decision": "accept", "password": "pw-reviewer01"}
    )

    assert answer.status_code == 403
    assert not Signature.objects.exists()


def _office_zip(*parts: str) -> bytes:
    """A minimal OOXML package: the content-types part and the given parts."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for part in ("[Content_Types].xml", *parts):
            package.writestr(part, "<xml/>")
    return out.getvalue()


UPLOADS_ACCEPTED = [
    ("procedure.pdf", PDF, "application/pdf"),
    ("notes.md", "Grüße, step 1 ✓".encode(), "text/plain"),
    (
        "form.docx",
        _office_zip("word/document.xml"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "sheet.xlsx",
        _office_zip("xl/workbook.xml"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("legacy.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "application/msword"),
]


@pytest.mark.parametrize(("name", "content", "kind"), UPLOADS_ACCEPTED)
def test_pdf_text_and_office_files_are_accepted_and_typed_by_content(
    named_people, storage_root, name, content, kind
):
    """GIVEN a draft WHEN its author uploads a PDF, a UTF-8 text, a Word, an Excel or an old
    Office file THEN each is stored as version 1 with the type its content shows."""
    author = named_people["author"]
    lifecycle.create_document(author, document_type="SOP", title="Typed")

    answer = step(
        browser(author), "SOP-0001", "upload", {"file": SimpleUploadedFile(name, content)}
    )

    assert answer.status_code == 302
    assert Document.objects.get().versions.get().content_type == kind


def test_a_spreadsheet_named_as_a_word_document_is_refused(named_people, storage_root):
    """GIVEN a draft WHEN an Excel package named .docx is uploaded THEN 415 naming the
    extension its content needs."""
    lifecycle.create_document(named_people["author"], document_type="SOP", title="Typed")

    answer = step(
        browser(named_people["author"]),
        "SOP-0001",
        "upload",
        {"file": SimpleUploadedFile("sheet.docx", _office_zip("xl/workbook.xml"))},
    )

    assert answer.status_code == 415
    assert "its name must end in .xlsx" in answer.content.decode()
