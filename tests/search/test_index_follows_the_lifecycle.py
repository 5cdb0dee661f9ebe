"""The index follows documents as they change: new versions, state moves, new documents."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from edms.documents import lifecycle
from edms.search.models import SearchEntry
from tests.search.conftest import found
from tests.search.pdfs import pdf_with_text

pytestmark = pytest.mark.django_db


def test_a_new_version_replaces_the_words_of_the_old_one(people, draft_with_file):
    """GIVEN a draft whose first file mentions 'gloves' WHEN the author uploads a second
    version about 'goggles' THEN search finds it by 'goggles' and no longer by 'gloves'."""
    document = draft_with_file("Protection", b"Wear gloves.", "v1.txt")

    lifecycle.upload_version(people["author"], document, io.BytesIO(b"Wear goggles."), "v2.txt")

    assert found("goggles") == ["SOP-0001"]
    assert found("gloves") == []
    assert SearchEntry.objects.get().version_number == 2


def test_a_document_is_findable_from_creation_through_effective(people, storage_root):
    """GIVEN a new document without a file WHEN it is created THEN its title finds it; WHEN it
    gets a PDF and is taken to EFFECTIVE THEN the PDF's words still find it."""
    author = people["author"]
    document = lifecycle.create_document(author, document_type="POL", title="Data integrity")
    assert found("integrity") == ["POL-0001"]

    pdf = pdf_with_text("ALCOA principles apply to every record.")
    lifecycle.upload_version(author, document, io.BytesIO(pdf), "policy.pdf")
    lifecycle.submit_for_review(author, document, people["reviewer"])
    lifecycle.review(people["reviewer"], document, accept=True)
    lifecycle.approve(people["approver"], document, effective_date=timezone.localdate())

    assert found("alcoa principles") == ["POL-0001"]
    assert SearchEntry.objects.count() == 1
