"""An SOP's life in Chromium, one journey per role: the author writes and submits it, the
reviewer and the approver sign, Document Control makes it effective, a reader reads it and sees
who signed, when and what for, and cannot reach a draft."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from edms.documents import lifecycle, signatures
from edms.documents.demo import one_page_pdf
from edms.documents.models import Document, Signature
from tests.browser.conftest import ARTIFACTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PDF = one_page_pdf(["Gowning procedure for cleanroom B"])
NAMES = {
    "author01": ("Author", "Anna", "Meyer"),
    "reviewer01": ("Reviewer", "Ben", "Okafor"),
    "approver01": ("Approver", "Chloe", "Rossi"),
    "docctrl01": ("Document Controller", "David", "Schmidt"),
    "viewer01": ("Viewer", "Elena", "Tanaka"),
}


@pytest.fixture
def team(make_user) -> dict:
    """The demo cast with printed names; each one's password is pw-<username>."""
    return {
        username: make_user(username, role, first_name=first, last_name=last)
        for username, (role, first, last) in NAMES.items()
    }


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(base + "/documents/**")


def sop(team: dict, until: str) -> Document:
    """SOP-0001 "Gowning" with a PDF, taken through the service (signed) up to `until`."""
    author, reviewer = team["author01"], team["reviewer01"]

    def signer(user):
        return signatures.authenticate(user, "pw-" + user.username)

    doc = lifecycle.create_document(author, document_type="SOP", title="Gowning")
    lifecycle.upload_version(
        author, doc, io.BytesIO(PDF), "gowning.pdf", content_type="application/pdf"
    )
    lifecycle.submit_for_review(author, doc, reviewer, signer=signer(author))
    if until == "submitted":
        return doc
    lifecycle.review(reviewer, doc, accept=True, comment="clear", signer=signer(reviewer))
    if until == "reviewed":
        return doc
    approver = team["approver01"]
    soon = timezone.localdate() + dt.timedelta(days=3)
    lifecycle.approve(approver, doc, effective_date=soon, signer=signer(approver))
    if until == "approved":
        return doc
    controller = team["docctrl01"]
    return lifecycle.make_effective(
        controller, doc, on=timezone.localdate(), signer=signer(controller)
    )


def open_from_inbox(page, section: str) -> None:
    page.click("#nav-inbox")
    page.wait_for_selector(f"section:has(h2:has-text('{section}')) >> text=SOP-0001")
    page.click(f"section:has(h2:has-text('{section}')) >> text=SOP-0001")
    page.wait_for_selector("h1:has-text('SOP-0001')")


def test_an_author_creates_an_sop_uploads_a_pdf_and_submits_it(
    live_server, browser_page, screenshot, team, storage_root, tmp_path
):
    """GIVEN author01 signed in WHEN they create an SOP, upload a PDF and submit it to
    reviewer01, signing with their password THEN the page shows the PDF's version with its
    size and SHA-256, the state 'Under review' and their 'Authored' signature."""
    page, base = browser_page, live_server.url
    pdf = tmp_path / "gowning.pdf"
    pdf.write_bytes(PDF)
    sign_in(page, base, "author01")

    page.click("nav >> text=New document")
    page.select_option("#create-document select[name=document_type]", "SOP")
    page.fill("#create-document input[name=title]", "Gowning")
    screenshot("create")
    page.click("#create-document button[type=submit]")
    page.wait_for_url(base + "/documents/SOP-0001/")

    page.set_input_files("#step-upload input[type=file]", str(pdf))
    page.fill("#step-upload input[name=change_summary]", "first issue")
    page.click("#step-upload button[type=submit]")
    page.wait_for_selector("#versions tr[data-version='1']")
    version = Document.objects.get().versions.get()
    assert version.sha256 in page.inner_text("#versions")
    screenshot("uploaded")

    page.select_option("#step-submit select[name=reviewer]", label="Ben Okafor (reviewer01)")
    page.fill("#step-submit input[name=password]", "pw-author01")
    page.click("#step-submit button[type=submit]")
    page.wait_for_selector("text=State now: Under review")
    assert "Under review" in page.inner_text("h1")
    assert "Authored" in page.inner_text("#signatures")
    screenshot("submitted")


def test_the_reviewer_finds_it_in_the_inbox_opens_the_pdf_and_signs(
    live_server, browser_page, screenshot, team, storage_root, request
):
    """GIVEN SOP-0001 submitted to reviewer01 WHEN they open it from their inbox, open its PDF,
    and sign the review first with a wrong password, then with theirs
    THEN the inbox lists it under their reviews, the PDF opens inline, the wrong password is
    refused with a message and the review is then signed: 'Review completed'."""
    sop(team, until="submitted")
    page, base = browser_page, live_server.url
    sign_in(page, base, "reviewer01")
    assert page.inner_text("#nav-inbox .count") == "1"

    open_from_inbox(page, "Reviews assigned to you")
    screenshot("document")
    view_url = page.get_attribute("#versions a.view", "href")
    served = page.request.get(base + view_url)
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("inline")
    assert served.body() == PDF
    with page.context.expect_page() as opened:
        page.click("#versions a.view")
    pdf_tab = opened.value
    pdf_tab.wait_for_load_state("networkidle")
    pdf_tab.wait_for_timeout(1500)  # Chromium's PDF viewer draws after the load event
    pdf_tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}-pdf-tab.png"))
    pdf_tab.close()

    page.check("#step-review input[value=accept]")
    page.fill("#step-review textarea[name=comment]", "Clear and complete.")
    page.fill("#step-review input[name=password]", "not-my-password")
    page.click("#step-review button[type=submit]")
    page.wait_for_selector("#step-error")
    assert "wrong password for reviewer01" in page.inner_text("#step-error")
    screenshot("wrong-password")

    page.fill("#step-review input[name=password]", "pw-reviewer01")
    page.click("#step-review button[type=submit]")
    page.wait_for_selector("text=State now: Review completed")
    assert "Reviewed" in page.inner_text("#signatures")
    screenshot("reviewed")


def test_the_approver_approves_with_a_signature(
    live_server, browser_page, screenshot, team, storage_root
):
    """GIVEN SOP-0001 reviewed WHEN approver01 opens it from the inbox and signs the approval
    with an effective date three days ahead THEN it waits for that date, signed 'Approved'."""
    sop(team, until="reviewed")
    page, base = browser_page, live_server.url
    sign_in(page, base, "approver01")

    open_from_inbox(page, "Approvals waiting for you")
    assert "meaning: Approved" in page.inner_text("#step-approve")
    page.fill(
        "#step-approve input[name=effective_date]",
        (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
    )
    page.fill("#step-approve input[name=password]", "pw-approver01")
    screenshot("approve")
    page.click("#step-approve button[type=submit]")
    page.wait_for_selector("text=State now: Approved, pending effective date")
    assert "Chloe Rossi" in page.inner_text("#signatures")
    screenshot("approved")


def test_document_control_makes_it_effective(
    live_server, browser_page, screenshot, team, storage_root
):
    """GIVEN SOP-0001 approved to become effective in three days WHEN docctrl01 finds it in
    the inbox and signs making it effective today THEN it is Effective, signed 'Made effective'."""
    sop(team, until="approved")
    page, base = browser_page, live_server.url
    sign_in(page, base, "docctrl01")

    open_from_inbox(page, "Becoming effective within 7 days")
    page.fill("#step-make_effective input[name=on]", timezone.localdate().isoformat())
    page.fill("#step-make_effective input[name=password]", "pw-docctrl01")
    page.click("#step-make_effective button[type=submit]")
    page.wait_for_selector("text=State now: Effective")
    assert Document.objects.get().state.code == "EFFECTIVE"
    assert "Made effective" in page.inner_text("#signatures")
    screenshot("effective")


def test_a_reader_sees_the_signatures_and_cannot_reach_a_draft(
    live_server, browser_page, screenshot, team, storage_root
):
    """GIVEN SOP-0001 effective with four signatures and a draft WI-0001
    WHEN viewer01 opens the SOP from the documents list, then the draft's URL
    THEN the SOP's page shows each signature's printed name, date and time, and meaning, and
    its PDF opens; the list does not show the draft and its URL is 'Not found'."""
    sop(team, until="effective")
    draft = lifecycle.create_document(team["author01"], document_type="WI", title="Draft WI")
    lifecycle.upload_version(team["author01"], draft, io.BytesIO(b"draft"), "wi.txt")
    page, base = browser_page, live_server.url
    sign_in(page, base, "viewer01")

    listed = page.inner_text("#documents")
    assert "SOP-0001" in listed and "WI-0001" not in listed
    page.click("#documents >> text=SOP-0001")
    page.wait_for_selector("#signatures")
    manifestation = page.inner_text("#signatures")
    for name, meaning in [
        ("Anna Meyer", "Authored"),
        ("Ben Okafor", "Reviewed"),
        ("Chloe Rossi", "Approved"),
        ("David Schmidt", "Made effective"),
    ]:
        assert name in manifestation and meaning in manifestation
    signed_at = Signature.objects.get(meaning="REVIEWED").signed_at
    assert page.get_attribute("li[data-meaning=REVIEWED] time", "datetime").startswith(
        signed_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    )
    assert page.locator("form.step").count() == 0
    served = page.request.get(base + page.get_attribute("#versions a.view", "href"))
    assert served.ok and served.body() == PDF
    screenshot("reader")

    answer = page.goto(base + "/documents/WI-0001/")
    assert answer.status == 404
    assert "Not found" in page.inner_text("h1")
    screenshot("draft-not-found")
