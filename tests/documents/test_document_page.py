"""A document's page: what it shows, to whom, and its files served only after their SHA-256."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from edms.audit.models import AuditTrail
from edms.documents import lifecycle
from tests.documents.conftest import PDF


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_metadata_versions_signatures_history_and_audit(
    signed_document, named_people
):
    """GIVEN an SOP made effective with four signatures WHEN a viewer opens /documents/SOP-0001/
    THEN they see its title and state by name, the version with its size in human units, its
    SHA-256 and author, a view and a download link, each signature's printed name, meaning
    and time, the workflow history and the document's audit entries."""
    version = signed_document.versions.get()

    answer = browser(named_people["viewer"]).get("/documents/SOP-0001/")

    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Line clearance" in page and "Effective" in page
    assert f"{len(PDF)}\xa0bytes" in page and version.sha256 in page and "Anna Meyer" in page
    assert "/documents/SOP-0001/versions/1/view/" in page
    assert "/documents/SOP-0001/versions/1/download/" in page
    for name, meaning in [
        ("Anna Meyer", "Authored"),
        ("Ben Okafor", "Reviewed"),
        ("Chloe Rossi", "Approved"),
        ("David Schmidt", "Made effective"),
    ]:
        assert f'<strong class="printed-name">{name}</strong>' in page
        assert f'<span class="meaning">{meaning}</span>' in page
    assert "<time datetime=" in page and " UTC</time>" in page
    assert "Under review" in page and "Review completed" in page  # the timeline
    assert "MADE_EFFECTIVE" in page  # the document's audit entries
    assert 'id="step-' not in page  # a viewer has no step to take


def test_dependencies_show_both_ways(signed_document, named_people, storage_root):
    """GIVEN a work instruction that implements the effective SOP WHEN the SOP's page and the
    WI's page are opened by Document Control THEN each links to the other."""
    author = named_people["author"]
    wi = lifecycle.create_document(author, document_type="WI", title="Clearance checklist")
    lifecycle.add_dependency(author, wi, signed_document, "IMPLEMENTS")
    client = browser(named_people["controller"])

    sop_page = client.get("/documents/SOP-0001/").content.decode()
    wi_page = client.get("/documents/WI-0001/").content.decode()

    assert 'href="/documents/WI-0001/"' in sop_page
    assert 'href="/documents/SOP-0001/"' in wi_page and "implements" in wi_page


def test_a_pdf_is_viewed_inline_and_downloaded_byte_for_byte(signed_document, named_people):
    """GIVEN an effective SOP whose version is a PDF WHEN a viewer opens view and download
    THEN view answers application/pdf inline and download the stored bytes as an attachment."""
    client = browser(named_people["viewer"])

    view = client.get("/documents/SOP-0001/versions/1/view/")
    download = client.get("/documents/SOP-0001/versions/1/download/")

    assert view["Content-Type"] == "application/pdf"
    assert view["Content-Disposition"].startswith("inline")
    assert b"".join(view.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert 'filename="line-clearance.pdf"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF


def test_text_is_viewed_as_utf8_text_whatever_the_uploader_claimed(named_people, storage_root):
    """GIVEN a draft whose version was uploaded through the service claiming text/html
    WHEN its author views it THEN it is served as text/plain; charset=utf-8, not as HTML."""
    author = named_people["author"]
    doc = lifecycle.create_document(author, document_type="SOP", title="Sneaky")
    text = "<script>alert(1)</script> Grüße".encode()
    lifecycle.upload_version(author, doc, io.BytesIO(text), "a.txt", content_type="text/html")

    view = browser(author).get("/documents/SOP-0001/versions/1/view/")

    assert view["Content-Type"] == "text/plain; charset=utf-8"
    assert b"".join(view.streaming_content) == text


def test_a_damaged_file_is_an_error_page_and_an_audit_entry(signed_document, named_people):
    """GIVEN an effective SOP whose stored file was altered on disk
    WHEN a viewer downloads or views it
    THEN each answer is a 500 page saying the file is damaged, no byte of it is served, and
    each attempt is an audit entry naming the version."""
    version = signed_document.versions.get()
    from edms.documents import storage

    storage.absolute(version.file).write_bytes(PDF.replace(b"1.4", b"1.7"))
    client = browser(named_people["viewer"])

    for how in ("download", "view"):
        answer = client.get(f"/documents/SOP-0001/versions/1/{how}/")
        assert answer.status_code == 500
        assert b"The stored file of SOP-0001 v1 is damaged" in answer.content
        assert b"%PDF" not in answer.content
    entries = AuditTrail.objects.filter(action="VERSION_FILE_DAMAGED")
    assert [(e.username, e.object_repr) for e in entries] == [("viewer01", "SOP-0001 v1")] * 2


def test_a_missing_file_is_reported_as_damaged(signed_document, named_people):
    """GIVEN an effective SOP whose stored file was deleted WHEN it is downloaded
    THEN the answer is the damaged-file page saying it is missing."""
    from edms.documents import storage

    storage.absolute(signed_document.versions.get().file).unlink()

    answer = browser(named_people["viewer"]).get("/documents/SOP-0001/versions/1/download/")

    assert answer.status_code == 500
    assert b"missing from storage" in answer.content


@pytest.fixture
def draft(named_people, storage_root):
    """WI-0001, a draft under review by reviewer01, with one text version."""
    author = named_people["author"]
    doc = lifecycle.create_document(author, document_type="WI", title="Draft work")
    lifecycle.upload_version(author, doc, io.BytesIO(b"work in progress"), "wi.txt")
    return lifecycle.submit_for_review(author, doc, named_people["reviewer"])


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("viewer", False),
        ("approver", False),
        ("author", True),
        ("reviewer", True),
        ("controller", True),
    ],
)
def test_work_in_progress_is_seen_only_by_those_working_on_it(
    draft, named_people, make_user, who, sees
):
    """GIVEN a WI under review WHEN people open its page and its file by URL
    THEN its author, named reviewer and Document Control see them; a viewer and an approver not
    (yet) involved get 404 for both."""
    client = browser(named_people[who])
    expected = 200 if sees else 404

    assert client.get("/documents/WI-0001/").status_code == expected
    assert client.get("/documents/WI-0001/versions/1/download/").status_code == expected


def test_quality_assurance_sees_work_in_progress(draft, make_user):
    """GIVEN a WI under review WHEN a QA user opens it THEN the page shows it."""
    assert (
        browser(make_user("qa01", "Quality Assurance")).get("/documents/WI-0001/").status_code
        == 200
    )


def test_a_reader_sees_only_the_version_in_force(named_people, signer, storage_root):
    """GIVEN an effective SOP with two versions (the first replaced before review)
    WHEN a viewer opens it THEN only version 2 is listed and version 1's file is 404; the
    author still sees both."""
    author = named_people["author"]
    doc = lifecycle.create_document(author, document_type="SOP", title="Two drafts")
    lifecycle.upload_version(author, doc, io.BytesIO(b"first try"), "v1.txt")
    lifecycle.upload_version(author, doc, io.BytesIO(b"second try"), "v2.txt")
    lifecycle.submit_for_review(author, doc, named_people["reviewer"])
    lifecycle.review(named_people["reviewer"], doc, accept=True)
    from django.utils import timezone

    lifecycle.approve(named_people["approver"], doc, effective_date=timezone.localdate())
    reader = browser(named_people["viewer"])

    page = reader.get("/documents/SOP-0001/").content.decode()

    assert 'data-version="2"' in page and 'data-version="1"' not in page
    assert reader.get("/documents/SOP-0001/versions/1/download/").status_code == 404
    assert 'data-version="1"' in browser(author).get("/documents/SOP-0001/").content.decode()
