"""Chromium driven by Playwright against the live test server.

Playwright cannot download its own browser here; the project's setup installs Debian's
Chromium, which these tests launch. Screenshots of key pages go to test-artifacts/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connections

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in the test's thread; the test's own ORM calls are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run scripts/setup.sh --test (installs Debian's chromium)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1280, "height": 900}
        )
        page = context.new_page()
        page.set_default_timeout(60_000)
        yield page
        # While Playwright's event loop runs, Django hands the test a separate database
        # connection; close it here, or PostgreSQL cannot drop the test database at the end.
        connections.close_all()
        context.close()
        browser.close()


@pytest.fixture
def screenshot(browser_page, request):
    """Save the page as test-artifacts/<test>-<n>-<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    count = iter(range(1, 100))

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{next(count):02d}-{name}.png"
        browser_page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(autouse=True)
def no_job_left_running():
    yield
    from edms.backup.operations import runner

    runner.wait_for_jobs(timeout=120)
