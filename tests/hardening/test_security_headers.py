"""Every answer carries a Content-Security-Policy that allows our own scripts and styles only,
the CSRF cookie is out of scripts' reach, and the API schema is for signed-in users."""

from __future__ import annotations

import re

import pytest
from django.test import Client


@pytest.fixture
def signed_in(make_user) -> Client:
    make_user("admin01", "Administrator", is_staff=True)
    client = Client()
    client.post("/accounts/login/", {"username": "admin01", "password": "pw-admin01"})
    return client


def test_pages_api_and_errors_carry_the_policy(signed_in):
    """GIVEN a signed-in administrator WHEN they open pages, call the API and hit a missing
    page THEN every answer has a CSP that allows scripts only from this server."""
    answers = [
        Client().get("/accounts/login/"),
        signed_in.get("/"),
        signed_in.get("/documents/"),
        signed_in.get("/api/v1/documents/"),
        signed_in.get("/no-such-page/"),
        signed_in.get("/api/docs/"),
    ]

    policies = {answer["Content-Security-Policy"] for answer in answers}
    assert len(policies) == 1
    policy = policies.pop()
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_no_page_has_an_inline_script(signed_in):
    """GIVEN a signed-in administrator WHEN they open the sign-in page, the documents list and
    the API docs THEN every script is loaded from a file (the policy would block inline ones)."""
    pages = [Client().get("/accounts/login/"), signed_in.get("/documents/")]
    pages.append(signed_in.get("/api/docs/"))

    for page in pages:
        assert page.status_code == 200
        scripts = re.findall(r"<script([^>]*)>", page.content.decode())
        assert scripts and all("src=" in attributes for attributes in scripts)


def test_the_csrf_cookie_is_http_only(db):
    """GIVEN anyone WHEN they open the sign-in page THEN the CSRF cookie they get is HttpOnly
    (the UI's script reads the token from the page's meta tag instead)."""
    page = Client().get("/accounts/login/")

    assert page.cookies["csrftoken"]["httponly"] is True


def test_the_schema_and_docs_are_for_signed_in_users(signed_in):
    """GIVEN the default settings (EDMS_PUBLIC_SCHEMA unset) WHEN someone not signed in asks
    for the schema or the docs THEN both are refused; a signed-in user gets them."""
    anonymous = Client()

    assert anonymous.get("/api/schema/").status_code in (401, 403)
    assert anonymous.get("/api/docs/").status_code in (401, 403)
    assert signed_in.get("/api/schema/", {"format": "json"}).status_code == 200
