"""The inbox ("Waiting for me") lists what waits for the signed-in user; the navigation
counts it."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.utils import timezone

from edms.documents import lifecycle


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def nav_count(page: str) -> int:
    return int(re.search(r'<span class="count"[^>]*>(\d+)</span>', page).group(1))


@pytest.fixture
def desk(people, storage_root):
    """A draft, a document under review by reviewer01, one waiting for approval, one effective
    in three days and one effective in thirty."""
    author, reviewer, approver = people["author"], people["reviewer"], people["approver"]

    def document(title: str, stage: str, effective_in: int | None = None):
        doc = lifecycle.create_document(author, document_type="SOP", title=title)
        lifecycle.upload_version(author, doc, io.BytesIO(title.encode()), "sop.txt")
        if stage == "draft":
            return doc
        lifecycle.submit_for_review(author, doc, reviewer)
        if stage == "review":
            return doc
        lifecycle.review(reviewer, doc, accept=True)
        if stage == "approval":
            return doc
        day = timezone.localdate() + dt.timedelta(days=effective_in)
        return lifecycle.approve(approver, doc, effective_date=day)

    document("Still drafting", "draft")
    document("To review", "review")
    document("To approve", "approval")
    document("Effective soon", "approved", effective_in=3)
    document("Effective later", "approved", effective_in=30)
    return people


def _sections(page: str) -> dict[str, list[str]]:
    """Section title -> document numbers listed under it."""
    sections = {}
    for block in page.split('<section class="card inbox-section">')[1:]:
        title = re.search(r"<h2>(.*?) <small>", block).group(1)
        sections[title] = re.findall(r'<a href="/documents/([^/]+)/">', block)
    return sections


@pytest.mark.parametrize(
    ("who", "expected", "count"),
    [
        (
            "author",
            {"Your drafts": ["SOP-0001"], "Becoming effective within 7 days": ["SOP-0004"]},
            2,
        ),
        (
            "reviewer",
            {
                "Reviews assigned to you": ["SOP-0002"],
                "Becoming effective within 7 days": ["SOP-0004"],
            },
            2,
        ),
        (
            "approver",
            {
                "Approvals waiting for you": ["SOP-0003"],
                "Becoming effective within 7 days": ["SOP-0004"],
            },
            2,
        ),
        ("controller", {"Becoming effective within 7 days": ["SOP-0004"]}, 1),
        ("viewer", {}, 0),
    ],
)
def test_each_user_sees_what_waits_for_them(desk, who, expected, count):
    """GIVEN a draft, a review, an approval and two approved documents (effective in 3 and 30
    days) WHEN each user opens /inbox/ THEN they see their own part of it (the soon effective
    one if they can see it), the 30-day one in no one's, and the navigation shows the count."""
    page = browser(desk[who]).get("/inbox/").content.decode()

    listed = {title: numbers for title, numbers in _sections(page).items() if numbers}
    assert listed == expected
    assert nav_count(page) == count


def test_the_count_shows_on_every_page(desk):
    """GIVEN a review waiting for reviewer01 and a document they reviewed becoming effective
    WHEN they open the document list THEN the navigation says 2 and links to the inbox."""
    page = browser(desk["reviewer"]).get("/documents/").content.decode()

    assert nav_count(page) == 2 and 'href="/inbox/"' in page


def test_the_author_of_a_review_is_not_asked_to_approve_it(desk, make_user):
    """GIVEN an approver who is also the reviewer of a document waiting for approval
    WHEN they open the inbox THEN that approval is not offered to them."""
    both = make_user("revapp01", "Reviewer", "Approver")
    doc = lifecycle.create_document(desk["author"], document_type="WI", title="Four eyes")
    lifecycle.upload_version(desk["author"], doc, io.BytesIO(b"x"), "wi.txt")
    lifecycle.submit_for_review(desk["author"], doc, both)
    lifecycle.review(both, doc, accept=True)

    listed = _sections(browser(both).get("/inbox/").content.decode())

    assert listed["Approvals waiting for you"] == ["SOP-0003"]
