"""JWT login and refresh: the only way a script authenticates."""

from __future__ import annotations

from rest_framework.test import APIClient


def test_login_gives_tokens_that_open_the_api_and_refresh(staff):
    """GIVEN a staff user WHEN they POST their username and password to auth/login/ THEN they
    get an access and a refresh token; the access token opens the API and the refresh token
    gives a new access token."""
    client = APIClient()

    tokens = client.post(
        "/api/v1/auth/login/", {"username": "admin01", "password": "pw-admin01"}, format="json"
    ).json()
    refreshed = client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    client.credentials(HTTP_AUTHORIZATION="Bearer " + refreshed.json()["access"])

    assert refreshed.status_code == 200
    assert client.get("/api/v1/backup/jobs/").status_code == 200


def test_wrong_password_or_forged_token_is_401(staff):
    """GIVEN a staff user WHEN someone logs in with a wrong password, or calls with a made-up
    token THEN both answers are 401."""
    client = APIClient()

    wrong = client.post(
        "/api/v1/auth/login/", {"username": "admin01", "password": "guess"}, format="json"
    )
    client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")

    assert wrong.status_code == 401
    assert client.get("/api/v1/backup/jobs/").status_code == 401
