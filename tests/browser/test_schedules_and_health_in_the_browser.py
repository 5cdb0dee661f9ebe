"""Schedules and health in Chromium: a schedule created in the UI shows when it runs next, Run
now shows its result, and Health turns to warning when the scheduler stops checking."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from edms.backup.operations import schedule
from tests.browser.test_backup_and_restore_in_the_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def create_schedule(
    page, name: str, backup_type: str = "database", cron: str = "0 2 * * *", encrypt: bool = False
) -> None:
    """Fill in and submit the New schedule form of the Schedules page."""
    page.fill("#schedule-create input[name=name]", name)
    page.select_option("#schedule-create select[name=backup_type]", backup_type)
    page.fill("#schedule-create input[name=schedule]", cron)
    page.set_checked("#schedule-create input[name=encrypt]", encrypt)
    page.click("#schedule-create button[type=submit]")


PAGES = ("/backups/", "/restore/", "/schedules/", "/health/", "/reinit/", "/documents/", "/audit/")


def test_a_schedule_shows_its_next_run_runs_now_and_health_notices_a_stopped_scheduler(
    live_server, browser_page, screenshot, make_user, storage_root, monkeypatch
):
    """GIVEN a staff administrator signed in and a scheduler checking every minute
    WHEN they create a nightly schedule THEN its row shows the next run at 02:00 UTC;
    WHEN they press Run now THEN the row shows the completed, verified backup, and Health is ok;
    WHEN an encrypted schedule with no key is run THEN its row says why it failed, and Health
    warns that its last backup failed;
    WHEN the scheduler's last check is five minutes old THEN Health says warning: the scheduler
    is not running; and every page still loads."""
    page, base = browser_page, live_server.url
    monkeypatch.delenv("EDMS_BACKUP_RECIPIENTS", raising=False)
    monkeypatch.delenv("EDMS_BACKUP_PASSPHRASE", raising=False)
    cache.clear()
    schedule.record_heartbeat(60)
    make_user("admin01", "Administrator", is_staff=True, is_superuser=True)
    sign_in(page, base, "admin01", "pw-admin01")

    page.goto(base + "/schedules/")
    create_schedule(page, "nightly")
    row = page.locator("#schedules tr[data-name=nightly]")
    row.wait_for()
    next_run = row.locator("td.next-run time").get_attribute("datetime")
    assert dt.datetime.fromisoformat(next_run).strftime("%H:%M") == "02:00"
    assert "never run" in row.locator("td.last-result").inner_text()

    row.locator("button:has-text('Run now')").click()
    page.locator("#schedules tr[data-name=nightly] td.last-result .badge-completed").wait_for()
    result = page.locator("#schedules tr[data-name=nightly] td.last-result").inner_text()
    assert "completed" in result and "verified" in result and "edms-database-" in result
    screenshot("schedule-run-now")
    page.goto(base + "/health/")
    assert page.inner_text("#health-status .badge") == "ok"

    page.goto(base + "/schedules/")
    create_schedule(page, "sealed", encrypt=True)
    sealed = page.locator("#schedules tr[data-name=sealed]")
    sealed.wait_for()
    sealed.locator("button:has-text('Run now')").click()
    refusal = sealed.locator("span.error")
    refusal.wait_for(state="visible")
    assert "EDMS_BACKUP_RECIPIENTS" in refusal.inner_text()
    page.reload()
    failed = page.locator("#schedules tr[data-name=sealed] td.last-result")
    assert "failed" in failed.inner_text() and "EDMS_BACKUP_PASSPHRASE" in failed.inner_text()
    screenshot("schedule-run-now-failed")

    page.goto(base + "/health/")
    assert page.inner_text("#health-status .badge") == "warning"
    assert "schedule sealed: its last backup failed" in page.inner_text("#health-problems")
    page.goto(base + "/schedules/")
    page.click("#schedules a:has-text('sealed')")
    page.locator("#schedule-edit").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Delete schedule')")
    page.wait_for_url(base + "/schedules/")

    schedule.record_heartbeat(60, now=timezone.now() - dt.timedelta(minutes=5))
    page.goto(base + "/health/")
    assert page.inner_text("#health-status .badge") == "warning"
    problems = page.inner_text("#health-problems")
    assert "the backup scheduler (edms backup_scheduler) is not running" in problems
    assert "its last check was 5 min ago" in problems
    assert "not running" in page.inner_text("#scheduler")
    assert "nightly" in page.inner_text("#last-backup")
    screenshot("health-scheduler-stopped")

    for path in PAGES:
        answer = page.goto(base + path)
        assert answer.status == 200, path
