"""The backup catalog in Chromium: a damaged package shows as damaged without breaking a page,
and the safety backup a reinit writes is listed and restored in two clicks."""

from __future__ import annotations

import pytest
from django.conf import settings

from edms.backup.operations.jobs import run_backup
from edms.documents.models import Document
from tests.browser.test_backup_and_restore_in_the_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PAGES = ("/backups/", "/restore/", "/schedules/", "/health/", "/reinit/", "/documents/", "/audit/")


def flip_a_byte(path, offset: int = 2000) -> None:
    with open(path, "r+b") as package:
        package.seek(offset)
        byte = package.read(1)
        package.seek(offset)
        package.write(bytes([byte[0] ^ 0xFF]))


def test_a_damaged_backup_verifies_as_damaged_and_every_page_still_loads(
    live_server, browser_page, screenshot, make_user, effective_document
):
    """GIVEN a full backup whose package was damaged on disk after it was written
    WHEN the administrator clicks Verify on the Backups page
    THEN the row shows a red 'verification failed' badge with the reason, the package page says
    the same, and every administrator page still loads (no error page)."""
    page, base = browser_page, live_server.url
    make_user("admin01", "Administrator", is_staff=True, is_superuser=True)
    job = run_backup("full")
    flip_a_byte(job.path)
    sign_in(page, base, "admin01", "pw-admin01")

    row = page.locator("#backups tbody tr").first
    row.locator("button:has-text('Verify')").click()
    page.wait_for_selector("#backups tr.verification-failed")
    screenshot("verify-failed")
    failed = page.inner_text("#backups tr.verification-failed td.verified")
    assert "verification failed" in failed and "sha256" in failed.lower()

    for path in PAGES:
        answer = page.goto(base + path)
        assert answer.status == 200, path
    page.goto(base + "/backups/")
    page.click("#backups tr.verification-failed td a")
    assert "verification failed" in page.inner_text("#package-summary")
    screenshot("package-page-damaged")


def test_after_a_reinit_the_safety_backup_is_listed_and_restores_in_two_clicks(
    live_server, browser_page, screenshot, make_user, effective_document
):
    """GIVEN an effective SOP and no backup at all
    WHEN the administrator re-initialises (with the safety backup) and signs in as the new admin
    THEN the Backups page lists the safety backup as verified, and two clicks, 'Restore this
    backup' (which shows the plan) and 'Restore now', bring SOP-0001 back, with no download or
    upload."""
    page, base = browser_page, live_server.url
    make_user("admin01", "Administrator", is_staff=True, is_superuser=True)
    sign_in(page, base, "admin01", "pw-admin01")
    page.goto(base + "/reinit/")
    page.fill("#reinit input[name=confirm]", settings.INSTANCE_NAME)
    page.fill("#reinit input[name=reason]", "browser test: reinit, then undo it")
    page.fill("#reinit input[name=admin_password]", "a-new-admin-pass-2026")
    page.click("#reinit button[type=submit]")
    page.wait_for_url("**/reinit/done/**")
    screenshot("reinit-done")
    page.click("#reinit-done a.button")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "a-new-admin-pass-2026")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(base + "/backups/")
    assert not Document.objects.exists()

    safety = page.locator("#backups tbody tr").first
    assert "reinit safety backup" in safety.inner_text()
    assert safety.get_attribute("class") == "verification-passed"
    screenshot("safety-backup-listed")

    safety.locator("a:has-text('Restore this backup')").click()  # click 1: the plan shows
    page.wait_for_selector("#restore-plan", state="visible")
    screenshot("safety-restore-plan")
    page.click("#restore-confirm")  # click 2
    page.wait_for_selector("#restore-progress .done", state="visible")
    screenshot("safety-restored")
    assert Document.objects.filter(document_number="SOP-0001").exists()
