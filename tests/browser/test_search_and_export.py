"""A reader finds a document by a word inside its PDF; an inspector exports the audit trail."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from edms.audit.models import AuditTrail
from edms.documents import lifecycle
from tests.search.pdfs import pdf_with_text

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WORD = "quetzalcoatlus"  # appears only inside the effective SOP's PDF (and in a draft)


def _document(people, type_code: str, title: str, pdf: bytes, effective: bool):
    author = people["author"]
    document = lifecycle.create_document(author, document_type=type_code, title=title)
    lifecycle.upload_version(author, document, io.BytesIO(pdf), "file.pdf")
    if effective:
        lifecycle.submit_for_review(author, document, people["reviewer"])
        lifecycle.review(people["reviewer"], document, accept=True)
        lifecycle.approve(people["approver"], document, effective_date=dt.date.today())
    return document


@pytest.fixture
def shelf(people, make_user, storage_root):
    """SOP-0001 effective, its PDF about the word; SOP-0002 and POL-0001 effective without it;
    SOP-0003 a draft that mentions it; and a QA inspector."""
    _document(people, "SOP", "Fossil handling", pdf_with_text(f"Label every {WORD} cast."), True)
    _document(people, "SOP", "Bench cleaning", pdf_with_text("Wipe with ethanol."), True)
    _document(people, "POL", "Access policy", pdf_with_text("Badges at all times."), True)
    _document(people, "SOP", "Draft casts", pdf_with_text(f"A {WORD} draft."), False)
    make_user("qa01", "Quality Assurance", first_name="Quinn", last_name="Ash")
    return people


def sign_in(page, base: str, username: str, landing: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"pw-{username}")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(base + landing)


def rows(page) -> list[str]:
    return page.locator("#documents tbody tr td:first-child").all_inner_texts()


def test_a_viewer_finds_a_word_inside_a_pdf_then_filters_and_sorts_the_list(
    live_server, browser_page, screenshot, shelf
):
    """GIVEN three effective documents and a draft, one effective SOP's PDF and the draft
    containing a rare word WHEN viewer01 types the word in the search box THEN only the
    effective SOP is listed, as a link to its page, with its state by name; WHEN they clear it,
    choose the type SOP and sort by title twice THEN the two effective SOPs are listed in
    reverse title order with the total shown."""
    page, base = browser_page, live_server.url
    sign_in(page, base, "viewer01", "/documents/")

    page.get_by_label("Search").fill(WORD)
    page.click("#document-filters button[type=submit]")
    page.wait_for_url(re.compile(r".*q=" + WORD))
    screenshot("search-result")
    assert rows(page) == ["SOP-0001"]
    assert page.inner_text("#document-count") == "1–1 of 1 document"
    assert page.locator("#documents a", has_text="SOP-0001").get_attribute("href") == (
        "/documents/SOP-0001/"
    )
    assert page.inner_text("#documents .doc-state") == "Effective"

    page.get_by_label("Search").fill("")
    page.get_by_label("Type").select_option(label="Standard Operating Procedure")
    page.click("#document-filters button[type=submit]")
    page.click("#documents th a:has-text('Title')")
    page.click("#documents th a:has-text('Title')")
    page.wait_for_url(re.compile(r".*sort=-title"))
    screenshot("filtered-sorted")
    assert rows(page) == ["SOP-0001", "SOP-0002"]  # Fossil handling, Bench cleaning
    assert page.inner_text("#document-count") == "1–2 of 2 documents"
    assert "▼" in page.inner_text("#documents th[aria-sort=descending]")
    updated = page.locator("#documents time").first
    assert updated.inner_text().endswith(("UTC", "GMT"))  # this browser's zone, named


def test_an_inspector_exports_a_documents_audit_trail_as_csv_and_pdf(
    live_server, browser_page, screenshot, shelf
):
    """GIVEN an effective SOP and a QA inspector whose browser runs in Tokyo time
    WHEN they filter the audit page by SOP-0001 and export CSV and PDF
    THEN the page shows times in Tokyo time with the zone named; the CSV holds the document's
    entries from creation to MADE_EFFECTIVE; the PDF's cover names the filter, the count, an
    intact chain and the inspector; and both exports are in the audit trail."""
    page, base = browser_page, live_server.url
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Tokyo"})
    sign_in(page, base, "qa01", "/documents/")
    page.goto(base + "/audit/")
    page.get_by_label("Document").fill("SOP-0001")
    page.click("#audit-filters button:has-text('Filter')")
    page.wait_for_url(re.compile(r".*document=SOP-0001"))
    screenshot("audit-filtered-tokyo")
    first_time = page.locator("#audit time").first
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (GMT\+9|JST)", first_time.inner_text())
    assert first_time.get_attribute("title").endswith("UTC · Asia/Tokyo")

    with page.expect_download() as csv_download:
        page.click("#export-csv")
    with page.expect_download() as pdf_download:
        page.click("#export-pdf")
    with open(csv_download.value.path(), encoding="utf-8") as f:
        csv_rows = list(csv.DictReader(f))
    pdf = PdfReader(pdf_download.value.path())

    actions = [row["action"] for row in csv_rows]
    assert actions[0] == "DOCUMENT_CREATED" and actions[-1] == "MADE_EFFECTIVE"
    assert {row["object"] for row in csv_rows} >= {"SOP-0001", "SOP-0001 v1"}
    cover = " ".join(pdf.pages[0].extract_text().split())
    assert "Filters document = SOP-0001" in cover
    assert f"Entries exported {len(csv_rows)}" in cover
    assert "Audit chain intact" in cover
    assert "Generated by Quinn Ash (qa01)" in cover
    assert "MADE_EFFECTIVE" in pdf.pages[1].extract_text()
    exports = AuditTrail.objects.filter(action="AUDIT_TRAIL_EXPORTED").order_by("sequence")
    assert [e.details["format"] for e in exports] == ["csv", "pdf"]
