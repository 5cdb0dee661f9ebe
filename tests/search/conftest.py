"""Documents with real version files, made through the lifecycle service, and a search helper
that answers as the users' search does: the numbers of the matching documents."""

from __future__ import annotations

import io

import pytest

from edms.documents import lifecycle
from edms.documents.models import Document
from edms.search.query import matching_documents


@pytest.fixture
def draft_with_file(people, storage_root):
    """An author's draft of the given type and title with one uploaded version file."""

    def make(title: str, content: bytes, filename: str, type_code: str = "SOP") -> Document:
        author = people["author"]
        document = lifecycle.create_document(author, document_type=type_code, title=title)
        lifecycle.upload_version(author, document, io.BytesIO(content), filename)
        return document

    return make


def found(text: str, using: str = "default") -> list[str]:
    """Document numbers matching `text`, in number order."""
    return sorted(
        Document.objects.using(using)
        .filter(uuid__in=matching_documents(text, using))
        .values_list("document_number", flat=True)
    )
