"""An administrator manages scheduled backups in Chromium, and is told clearly what is wrong."""

from __future__ import annotations

import pytest

from edms.backup.models import BackupConfiguration
from tests.browser.test_schedules_and_health_in_the_browser import create_schedule

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_create_a_schedule_see_the_error_for_a_bad_cron_and_edit_it(
    live_server, browser_page, screenshot, make_user
):
    """GIVEN a staff administrator signed in WHEN they create a schedule with the cron
    expression 'every night' THEN the form says the schedule is not a cron expression and
    nothing is saved; WHEN they correct it to 01:30 THEN the schedule is listed with its next
    run at 01:30 UTC; WHEN they edit it to keep 14 backups THEN the list shows the new
    retention."""
    page, base = browser_page, live_server.url
    make_user("admin01", "Administrator", is_staff=True, is_superuser=True)
    page.goto(base + "/schedules/")
    page.fill("input[name=username]", "admin01")
    page.fill("input[name=password]", "pw-admin01")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(base + "/schedules/")

    create_schedule(page, "nightly", "full", "every night")
    error = page.locator("#schedule-create .error")
    error.wait_for(state="visible")
    assert "not a cron expression" in error.inner_text()
    screenshot("schedule-error")
    assert not BackupConfiguration.objects.exists()

    page.fill("#schedule-create input[name=schedule]", "30 1 * * *")
    page.click("#schedule-create button[type=submit]")
    page.wait_for_selector("#schedules a:has-text('nightly')")
    next_run = page.locator("#schedules tr[data-name=nightly] td.next-run time")
    assert next_run.get_attribute("datetime").endswith("01:30:00+00:00")

    page.click("#schedules a:has-text('nightly')")
    assert "never run" in page.inner_text("#schedule-state")
    screenshot("schedule-edit")
    page.fill("#schedule-edit input[name=keep_last]", "14")
    page.click("#schedule-edit button[type=submit]")
    page.wait_for_url(base + "/schedules/")
    assert "last 14" in page.inner_text("#schedules")
    screenshot("schedules")
    assert BackupConfiguration.objects.get().schedule == "30 1 * * *"
