"""Fixtures for document tests: people with printed names who sign with their password, and an
SOP taken to EFFECTIVE with every step signed."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from edms.documents import lifecycle, signatures
from edms.documents.demo import one_page_pdf

NAMES = {
    "author": ("Anna", "Meyer"),
    "reviewer": ("Ben", "Okafor"),
    "approver": ("Chloe", "Rossi"),
    "controller": ("David", "Schmidt"),
    "viewer": ("Elena", "Tanaka"),
}


PDF = one_page_pdf(["Line clearance before every batch"])


def password_of(user) -> str:
    """The password tests/conftest.py's make_user gives every user."""
    return "pw-" + user.username


@pytest.fixture
def named_people(people):
    """The seeds' cast with first and last names, as a signature prints them."""
    for key, (first, last) in NAMES.items():
        people[key].first_name, people[key].last_name = first, last
        people[key].save()
    return people


@pytest.fixture
def signer():
    """`signer(user)`: the user's credential, their password typed as at the moment of signing."""

    def check(user) -> signatures.Signer:
        return signatures.authenticate(user, password_of(user))

    return check


@pytest.fixture
def signed_document(named_people, signer, storage_root):
    """SOP-0001 with one PDF version: submitted, reviewed, approved and made effective by
    Document Control, each step signed by its actor."""
    people = named_people
    author, reviewer = people["author"], people["reviewer"]
    approver, controller = people["approver"], people["controller"]
    doc = lifecycle.create_document(author, document_type="SOP", title="Line clearance")
    lifecycle.upload_version(
        author, doc, io.BytesIO(PDF), "line-clearance.pdf", content_type="application/pdf"
    )
    lifecycle.submit_for_review(author, doc, reviewer, signer=signer(author))
    lifecycle.review(reviewer, doc, accept=True, signer=signer(reviewer))
    lifecycle.approve(approver, doc, signer=signer(approver))
    return lifecycle.make_effective(
        controller, doc, on=timezone.localdate(), signer=signer(controller)
    )
