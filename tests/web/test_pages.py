"""The administrators' pages: who may open which, and what they show."""

from __future__ import annotations

import pytest
from django.test import Client

STAFF_PAGES = ["/backups/", "/restore/", "/schedules/", "/reinit/", "/health/"]


@pytest.fixture
def staff_browser(make_user, storage_root) -> Client:
    client = Client()
    client.force_login(make_user("admin01", "Administrator", is_staff=True, is_superuser=True))
    return client


def test_anonymous_visitors_are_sent_to_the_login_page(db):
    """GIVEN nobody logged in WHEN they open the home page or a backup page THEN they are
    redirected to the login page, which shows a sign-in form."""
    client = Client()

    for page in ["/", *STAFF_PAGES, "/documents/"]:
        answer = client.get(page)
        assert answer.status_code == 302, page
        assert answer["Location"].startswith("/accounts/login/")
    assert b'name="password"' in client.get("/accounts/login/").content


def test_staff_signs_in_and_lands_on_the_backups(make_user):
    """GIVEN a staff user WHEN they sign in on the login page THEN they land on the backups
    page; a wrong password shows a message instead."""
    make_user("admin01", "Administrator", is_staff=True)
    client = Client()

    wrong = client.post("/accounts/login/", {"username": "admin01", "password": "nope"})
    signed_in = client.post(
        "/accounts/login/", {"username": "admin01", "password": "pw-admin01"}, follow=True
    )

    assert b"didn't match" in wrong.content
    assert signed_in.redirect_chain[-1][0] == "/backups/"
    assert b"Create a backup" in signed_in.content


def test_every_staff_page_renders_for_staff(staff_browser, effective_document):
    """GIVEN staff signed in and an effective document WHEN they open each page THEN each
    answers 200 with its heading, and the reinit page shows the instance name to type."""
    headings = {
        "/backups/": b"Backups",
        "/restore/": b"Restore from a backup file",
        "/schedules/": b"Scheduled backups",
        "/reinit/": b"Re-initialise this installation",
        "/health/": b"Status:",
        "/documents/": b"SOP-0001",
        "/audit/": b"MADE_EFFECTIVE",
    }
    for page, heading in headings.items():
        answer = staff_browser.get(page)
        assert answer.status_code == 200, page
        assert heading in answer.content, page
    assert b"<code>edms</code>" in staff_browser.get("/reinit/").content


def test_staff_who_are_not_superusers_see_backups_but_cannot_restore_or_reinit(make_user):
    """GIVEN a staff user who is not a superuser WHEN they open the pages THEN backups, schedules
    and health work, restore and reinit answer 403 with the reason, and the menu leaves them out."""
    client = Client()
    client.force_login(make_user("ops01", "Administrator", is_staff=True))

    for page in ["/restore/", "/reinit/"]:
        answer = client.get(page)
        assert answer.status_code == 403, page
        assert b"need a superuser" in answer.content
    backups = client.get("/backups/")
    assert backups.status_code == 200
    assert b'href="/restore/"' not in backups.content and b'href="/reinit/"' not in backups.content


def test_non_staff_users_get_a_clear_refusal_without_a_traceback(people):
    """GIVEN an author signed in WHEN they open a backup page or the audit trail THEN the answer
    is 403 with a sentence saying why, and no traceback; their documents page works."""
    client = Client()
    client.force_login(people["author"])

    for page in [*STAFF_PAGES, "/audit/"]:
        answer = client.get(page)
        assert answer.status_code == 403, page
        assert b"Not allowed" in answer.content
        assert b"Traceback" not in answer.content
    assert client.get("/documents/").status_code == 200


def test_audit_page_filters_like_the_api(make_user, effective_document):
    """GIVEN an SOP taken to EFFECTIVE and a QA user signed in WHEN they filter the audit page
    by the action MADE_EFFECTIVE THEN only that entry is listed."""
    client = Client()
    client.force_login(make_user("qa01", "Quality Assurance"))

    page = client.get("/audit/", {"action": "MADE_EFFECTIVE", "username": ""})

    rows = page.context["entries"].object_list
    assert [entry.action for entry in rows] == ["MADE_EFFECTIVE"]
    assert b"SOP-0001" in page.content
