"""Template placeholders render from a document: every default token, and typos stay visible."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from edms.documents.demo import load_demo_data
from edms.documents.lifecycle import _add_months
from edms.documents.models import Document, Placeholder
from edms.documents.placeholders import render

pytestmark = pytest.mark.django_db


@pytest.fixture
def superseded_sop(storage_root) -> Document:
    """SOP-0001 of the demo instance: reviewed, approved, effective, then superseded; 2 versions."""
    load_demo_data(password="demo-Pass-ph")
    return Document.objects.get(document_number="SOP-0001")


def test_every_default_token_renders_the_documents_value(superseded_sop):
    """GIVEN the demo's superseded SOP-0001 WHEN each of the 32 default tokens is rendered
    THEN each gives the value a reader expects."""
    doc, today = superseded_sop, timezone.localdate()
    version = doc.versions.get(version_number=2)
    expected = {
        "DOCUMENT_NUMBER": "SOP-0001",
        "DOCUMENT_TITLE": doc.title,
        "DOCUMENT_DESCRIPTION": doc.description,
        "DOCUMENT_TYPE": "Standard Operating Procedure",
        "DOCUMENT_TYPE_CODE": "SOP",
        "DOCUMENT_SOURCE": doc.source.name,
        "DOCUMENT_STATE": "Superseded",
        "DOCUMENT_STATE_CODE": "SUPERSEDED",
        "DOCUMENT_UUID": str(doc.uuid),
        "AUTHOR_USERNAME": "author01",
        "AUTHOR_NAME": f"{doc.author.first_name} {doc.author.last_name}",
        "AUTHOR_EMAIL": "author01@example.com",
        "REVIEWER_NAME": f"{doc.reviewer.first_name} {doc.reviewer.last_name}",
        "APPROVER_NAME": f"{doc.approver.first_name} {doc.approver.last_name}",
        "CREATED_DATE": today.isoformat(),
        "UPDATED_DATE": today.isoformat(),
        "APPROVAL_DATE": today.isoformat(),
        "EFFECTIVE_DATE": today.isoformat(),
        "REVIEW_DATE": _add_months(today, 24).isoformat(),
        "OBSOLETE_DATE": "",
        "SUPERSEDED_BY": "SOP-0002",
        "VERSION_NUMBER": "2",
        "VERSION_FILENAME": "SOP-0001_v2.pdf",
        "VERSION_SHA256": version.sha256,
        "VERSION_CREATED_BY": "author01",
        "VERSION_CREATED_DATE": today.isoformat(),
        "CHANGE_SUMMARY": "Revision 2",
        "CURRENT_DATE": today.isoformat(),
        "CURRENT_YEAR": str(today.year),
        "INSTANCE_NAME": settings.INSTANCE_NAME,
        "COMPANY_NAME": "Example Pharma Ltd",
    }
    tokens = set(Placeholder.objects.values_list("token", flat=True))
    assert tokens == {*expected, "CURRENT_DATETIME"} and len(tokens) == 32
    for token, value in expected.items():
        assert render("{{" + token + "}}", doc) == value, token
    rendered_now = dt.datetime.fromisoformat(render("{{CURRENT_DATETIME}}", doc))
    assert abs(rendered_now - timezone.now()) < dt.timedelta(minutes=1)


def test_a_template_renders_known_tokens_and_keeps_unknown_ones(superseded_sop):
    """GIVEN a template with known tokens (spaced or not), an unknown one and an explicit
    version WHEN it is rendered THEN known tokens are replaced and the unknown stays as written."""
    first = superseded_sop.versions.get(version_number=1)
    template = "{{ DOCUMENT_NUMBER }} v{{VERSION_NUMBER}} by {{AUTHOR_USERNAME}} {{NO_SUCH_TOKEN}}"
    assert render(template, superseded_sop, first) == "SOP-0001 v1 by author01 {{NO_SUCH_TOKEN}}"
