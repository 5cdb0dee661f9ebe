"""Too many wrong passwords for one username from one address: that pair is locked out (429)
on the API and on the sign-in page, and every failure is in the audit trail."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from edms.audit.models import AuditTrail

LIMIT = settings.AXES_FAILURE_LIMIT


@pytest.fixture
def staff(make_user):
    return make_user("admin01", "Administrator", is_staff=True)


def api_login(password: str, address: str = "10.0.0.1"):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/v1/auth/login/", {"username": "admin01", "password": password}, format="json"
    )


def web_login(password: str, address: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"username": "admin01", "password": password}
    )


def failures() -> list[dict]:
    return list(AuditTrail.objects.filter(action="LOGIN_FAILED").values_list("details", flat=True))


def test_the_api_locks_out_after_repeated_failures_and_audits_each(staff):
    """GIVEN a staff user WHEN someone tries wrong passwords over the API THEN the first ones
    get 401, the one that reaches the limit and every later one 429 (the right password
    included) with Retry-After, each failure has its audit entry, and the user can still log
    in from another address."""
    wrong = [api_login(f"guess-{n}") for n in range(LIMIT)]
    right_but_locked = api_login("pw-admin01")
    elsewhere = api_login("pw-admin01", address="10.0.0.2")

    assert [a.status_code for a in wrong] == [401] * (LIMIT - 1) + [429]
    assert right_but_locked.status_code == 429
    assert "too many failed logins" in right_but_locked.json()["detail"]
    assert int(right_but_locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert elsewhere.status_code == 200
    audited = failures()
    assert len(audited) == LIMIT + 1
    assert {(d["username"], d["address"]) for d in audited} == {("admin01", "10.0.0.1")}
    assert [d["locked_out"] for d in audited] == [False] * (LIMIT - 1) + [True, True]


def test_the_sign_in_page_locks_out_too(staff):
    """GIVEN a staff user WHEN someone types wrong passwords on the sign-in page THEN the page
    says the password did not match until the limit, then answers 429 with a page that says
    sign-in is paused; every failure is audited."""
    wrong = [web_login(f"guess-{n}") for n in range(LIMIT - 1)]
    locked = web_login("one-more-guess")
    right_but_locked = web_login("pw-admin01")

    assert all(a.status_code == 200 and b"didn't match" in a.content for a in wrong)
    assert locked.status_code == right_but_locked.status_code == 429
    assert b"Sign-in paused" in right_but_locked.content
    assert len(failures()) == LIMIT + 1


def test_a_success_before_the_limit_starts_the_count_again(staff):
    """GIVEN a user who mistyped a few times WHEN they then log in THEN the mistakes no longer
    count: as many new ones are needed for a lockout."""
    for n in range(LIMIT - 1):
        api_login(f"typo-{n}")
    assert api_login("pw-admin01").status_code == 200

    again = [api_login(f"typo-again-{n}").status_code for n in range(LIMIT - 1)]

    assert again == [401] * (LIMIT - 1)
