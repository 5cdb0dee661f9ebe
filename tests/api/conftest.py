"""API test fixtures: users logged in through the real JWT login endpoint, jobs followed the
way a client follows them (polling the job's detail until it finishes)."""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def no_job_left_running():
    """A test ends only when the job threads it started have finished."""
    yield
    from edms.backup.operations import runner

    runner.wait_for_jobs(timeout=120)


@pytest.fixture
def staff(make_user):
    """The system administrator: staff and superuser (restore, reinit and package downloads
    need both; tests/hardening tries them as staff alone)."""
    return make_user("admin01", "Administrator", is_staff=True, is_superuser=True)


@pytest.fixture
def login():
    """An API client carrying the access token that POST /api/v1/auth/login/ gave the user."""

    def as_user(user) -> APIClient:
        client = APIClient()
        answer = client.post(
            "/api/v1/auth/login/",
            {"username": user.username, "password": "pw-" + user.username},
            format="json",
        )
        assert answer.status_code == 200, answer.content
        client.credentials(HTTP_AUTHORIZATION="Bearer " + answer.json()["access"])
        return client

    return as_user


def follow(client: APIClient, url: str, timeout: float = 120) -> dict:
    """Poll a job's detail until it is completed or failed; return the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get(url)
        assert answer.status_code == 200, answer.content
        job = answer.json()
        if job["status"] in ("completed", "failed"):
            return job
        assert time.monotonic() < deadline, f"job still {job['status']} after {timeout} s"
        time.sleep(0.1)
