"""JWTs end when they should: logout spends the refresh token, a refresh spends the one it was
given (and presenting that one again revokes the user's others), a password change voids every
earlier token, and a deactivated user's tokens stop working for good."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from edms.accounts.models import User
from edms.audit.models import AuditTrail


@pytest.fixture
def staff(make_user) -> User:
    return make_user("admin01", "Administrator", is_staff=True)


def log_in(password: str = "pw-admin01") -> dict:
    answer = APIClient().post(
        "/api/v1/auth/login/", {"username": "admin01", "password": password}, format="json"
    )
    assert answer.status_code == 200, answer.content
    return answer.json()


def refresh(token: str):
    return APIClient().post("/api/v1/auth/refresh/", {"refresh": token}, format="json")


def call_api(access: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + access)
    return client.get("/api/v1/backup/jobs/").status_code


def test_logout_spends_the_refresh_token(staff):
    """GIVEN a logged-in script WHEN it logs out with its refresh token THEN that token gives
    no new access token, and the logout is audited."""
    tokens = log_in()

    logout = APIClient().post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, format="json")

    assert logout.status_code == 200
    assert refresh(tokens["refresh"]).status_code == 401
    assert AuditTrail.objects.filter(action="LOGOUT", username="admin01").exists()


def test_a_refresh_rotates_and_a_reused_token_revokes_the_users_tokens(staff):
    """GIVEN a refresh token that was used once WHEN it is presented again (someone else holds
    a copy) THEN it is refused, the refresh token the first use gave is revoked too, and the
    reuse is audited."""
    first = log_in()["refresh"]
    rotated = refresh(first)
    second = rotated.json()["refresh"]

    reused = refresh(first)

    assert rotated.status_code == 200 and second != first
    assert reused.status_code == 401
    assert "already used" in reused.json()["detail"]
    assert refresh(second).status_code == 401
    assert AuditTrail.objects.filter(action="REFRESH_TOKEN_REUSED", username="admin01").exists()


def test_a_password_change_voids_earlier_access_and_refresh_tokens(staff):
    """GIVEN a logged-in script WHEN the user's password is changed THEN its access token no
    longer opens the API and its refresh token gives nothing; the new password's tokens work."""
    tokens = log_in()
    assert call_api(tokens["access"]) == 200

    staff.set_password("a-new-Password-2026")
    staff.save()

    assert call_api(tokens["access"]) == 401
    assert refresh(tokens["refresh"]).status_code == 401
    assert call_api(log_in("a-new-Password-2026")["access"]) == 200


def test_a_deactivated_users_tokens_stay_dead_after_reactivation(staff):
    """GIVEN a logged-in script WHEN its user is deactivated THEN its tokens are refused; and
    after the user is reactivated the old refresh token still gives nothing."""
    tokens = log_in()

    staff.is_active = False
    staff.save()
    refused_access, refused_refresh = call_api(tokens["access"]), refresh(tokens["refresh"])
    staff.is_active = True
    staff.save()

    assert refused_access == 401
    assert refused_refresh.status_code == 401
    assert refresh(tokens["refresh"]).status_code == 401
