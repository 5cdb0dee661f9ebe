"""An administrator backs up, downloads, re-initialises, uploads and restores, in Chromium."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from django.conf import settings

from edms.backup.models import BackupJob
from edms.documents.models import Document

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_ADMIN_PASSWORD = "a-new-admin-pass-2026"


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(base + "/backups/")


def test_backup_download_reinit_upload_plan_and_restore(
    live_server, browser_page, screenshot, make_user, effective_document, tmp_path
):
    """GIVEN an effective SOP and a staff administrator
    WHEN they sign in, create a full backup, download it, re-initialise the system (typing the
    instance name), sign in as the new admin, upload the downloaded file, read the plan,
    confirm and watch the restore finish
    THEN the downloaded file is the backup byte for byte, the plan announces the document, the
    progress reaches 'completed', and the documents page lists SOP-0001 again."""
    page, base = browser_page, live_server.url
    make_user("admin01", "Administrator", is_staff=True, is_superuser=True)

    page.goto(base + "/")
    screenshot("login")
    sign_in(page, base, "admin01", "pw-admin01")

    page.select_option("#create-backup select[name=backup_type]", "full")
    page.click("#create-backup button[type=submit]")
    page.wait_for_selector("#backups tr.verification-passed a.download")
    screenshot("backup-created")
    job = BackupJob.objects.get()
    assert page.inner_text("#backups tr.verification-passed td.verified").startswith("verified")

    with page.expect_download() as download:
        page.click("#backups tr.verification-passed a.download")
    package = tmp_path / download.value.suggested_filename
    download.value.save_as(package)
    assert hashlib.sha256(package.read_bytes()).hexdigest() == job.sha256

    page.click("nav >> text=Reinit")
    assert "documents.document" in page.inner_text("#reinit-plan")
    page.fill("#reinit input[name=confirm]", settings.INSTANCE_NAME)
    page.fill("#reinit input[name=reason]", "browser test: start afresh")
    page.fill("#reinit input[name=admin_password]", NEW_ADMIN_PASSWORD)
    screenshot("reinit-confirm")
    page.click("#reinit button[type=submit]")
    page.wait_for_url("**/reinit/done/**")
    assert "completed" in page.inner_text("#reinit-done")
    screenshot("reinit-done")
    assert not Document.objects.exists()

    page.click("#reinit-done a.button")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", NEW_ADMIN_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(base + "/backups/")
    page.click("nav >> text=Restore")
    page.set_input_files("#restore-upload input[name=backup_file]", str(package))
    page.fill("#restore-upload input[name=reason]", "browser test: bring the SOP back")
    page.click("#restore-upload button[type=submit]")
    page.wait_for_selector("#restore-plan", state="visible")
    plan_row = page.locator('#restore-plan tr[data-model="documents.document"]')
    assert plan_row.locator("td").nth(2).inner_text() == "1"  # to create
    screenshot("restore-plan")
    assert not Document.objects.exists()

    page.click("#restore-confirm")
    page.wait_for_selector("#restore-progress .done", state="visible")
    assert "completed" in page.inner_text("#restore-progress .progress-text")
    screenshot("restore-done")

    page.click("#restore-progress .done a")
    assert "SOP-0001" in page.inner_text("#documents")
    screenshot("documents-restored")


def test_privileged_changes_are_shown_and_applied_only_when_ticked(
    live_server, browser_page, screenshot, make_user, effective_document, tmp_path
):
    """GIVEN a package that would add a superuser (made elsewhere: no sidecar vouches for it)
    WHEN a superuser uploads it and confirms the plan without ticking the box THEN the plan
    names the account, the restore fails saying why and nothing changes; planned again with the
    box ticked, it completes and the account exists."""
    from edms.accounts.models import User
    from edms.backup.operations.jobs import run_backup
    from tests.restore.helpers import forge

    page, base = browser_page, live_server.url
    make_user("admin01", "Administrator", is_staff=True, is_superuser=True)
    made_here = tmp_path / "here.tar.zst"
    run_backup("full", output=made_here)

    def add_superuser(label, records):
        if label == "accounts.user":
            mallory = {**records[0], "fields": {**records[0]["fields"], "username": "mallory"}}
            mallory["fields"].update(is_superuser=True, is_staff=True, uuid=str(uuid.uuid4()))
            records.append(mallory)
        return records

    package = forge(made_here, tmp_path / "elsewhere.tar.zst", add_superuser)
    sign_in(page, base, "admin01", "pw-admin01")
    page.click("nav >> text=Restore")
    page.set_input_files("#restore-upload input[name=backup_file]", str(package))
    page.fill("#restore-upload input[name=reason]", "browser test: privileged changes")
    page.click("#restore-upload button[type=submit]")
    page.wait_for_selector("#restore-plan .privileged", state="visible")
    assert "mallory: new superuser" in page.inner_text("#restore-plan .privileged")
    screenshot("privileged-plan")

    page.click("#restore-confirm")
    page.wait_for_selector("#restore-progress .error", state="visible")
    assert "would change privileged accounts" in page.inner_text("#restore-progress .error")
    screenshot("privileged-refused")
    assert not User.objects.filter(username="mallory").exists()

    page.click("#restore-upload button[type=submit]")
    page.wait_for_selector("#restore-plan .privileged", state="visible")
    page.check("#restore-plan input[name=allow_privileged_changes]")
    page.click("#restore-confirm")
    page.wait_for_selector("#restore-progress .done", state="visible")
    screenshot("privileged-applied")
    assert User.objects.get(username="mallory").is_superuser
