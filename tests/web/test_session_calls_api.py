"""The UI's script calls the API with the session cookie; the CSRF token is required then."""

from __future__ import annotations

from django.test import Client


def test_session_calls_need_the_csrf_token(make_user, effective_document):
    """GIVEN staff signed in to the UI WHEN the page's script posts to the API without the CSRF
    token THEN it is refused with 403; WHEN it sends the token from the page THEN the request
    goes through (here: a schedule is created)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("admin01", "Administrator", is_staff=True))
    page = client.get("/schedules/")
    token = str(page.context["csrf_token"])
    schedule = {"name": "nightly", "backup_type": "FULL", "schedule": "0 2 * * *"}

    without = client.post("/api/v1/backup/configurations/", schedule)
    with_token = client.post("/api/v1/backup/configurations/", schedule, HTTP_X_CSRFTOKEN=token)

    assert without.status_code == 403
    assert "CSRF" in without.json()["detail"]
    assert with_token.status_code == 201, with_token.content
    assert with_token.json()["backup_type"] == "full"
