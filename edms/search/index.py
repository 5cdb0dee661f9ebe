"""Keeping the search index current, and rebuilding it from the documents and stored files.

The index is derived data: backups leave it out and a restore writes documents in bulk, without
the signals that keep it current, so whatever restores documents calls `rebuild` afterwards.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVector
from django.db import connections, transaction
from django.db.models import OuterRef, QuerySet, Subquery

from edms.documents import storage
from edms.documents.models import Document, DocumentVersion
from edms.search.extract import file_text
from edms.search.models import SearchEntry

# PostgreSQL's text search configuration: English stemming (cleaning finds clean).
CONFIG = "english"
VECTOR = (
    SearchVector("document_number", weight="A", config=CONFIG)
    + SearchVector("title", weight="B", config=CONFIG)
    + SearchVector("body", weight="C", config=CONFIG)
)
BATCH_ROWS = 200
BATCH_CHARS = 4_000_000  # bodies held before a batch is written: bounds a rebuild's memory


def index_document(document: Document, using: str = "default") -> None:
    """Write the document's entry with the text of its current (latest) version's file."""
    version = (
        DocumentVersion.objects.using(using)
        .filter(document_id=document.pk)
        .order_by("-version_number")
        .values("version_number", "file")
        .first()
    )
    entry, _ = SearchEntry.objects.using(using).update_or_create(
        document_uuid=document.uuid,
        defaults={
            "document_number": document.document_number,
            "title": document.title,
            "version_number": version["version_number"] if version else None,
            "body": file_text(storage.absolute(version["file"])) if version else "",
        },
    )
    _refresh_vectors(SearchEntry.objects.using(using).filter(pk=entry.pk))


def describe_document(document: Document, using: str = "default") -> None:
    """Bring the entry's number and title up to date without reading the file again (a state
    move changes neither, and writes nothing); a document without an entry is indexed whole."""
    entries = SearchEntry.objects.using(using).filter(document_uuid=document.uuid)
    if not entries.exists():
        index_document(document, using)
        return
    changed = entries.exclude(document_number=document.document_number, title=document.title)
    if changed.update(document_number=document.document_number, title=document.title):
        _refresh_vectors(entries)


def rebuild(using: str = "default") -> int:
    """Replace the whole index with one entry per document of database `using`, reading each
    current version's file from storage; return the number of documents indexed.

    One transaction: searches see the old index until the new one is complete. On SQLite it
    holds the write lock throughout, so run it when nobody is working (after a restore)."""
    latest = DocumentVersion.objects.filter(document=OuterRef("pk")).order_by("-version_number")
    documents = (
        Document.objects.using(using)
        .annotate(
            version_number=Subquery(latest.values("version_number")[:1]),
            file=Subquery(latest.values("file")[:1]),
        )
        .values_list("uuid", "document_number", "title", "version_number", "file")
        .order_by("pk")
    )
    count = 0
    with transaction.atomic(using=using):
        SearchEntry.objects.using(using).all().delete()
        batch: list[SearchEntry] = []
        held = 0  # characters of file text in the batch
        for uuid, number, title, version_number, path in documents.iterator(chunk_size=1000):
            body = file_text(storage.absolute(path)) if path else ""
            batch.append(
                SearchEntry(
                    document_uuid=uuid,
                    document_number=number,
                    title=title,
                    version_number=version_number,
                    body=body,
                )
            )
            held += len(body)
            if len(batch) >= BATCH_ROWS or held >= BATCH_CHARS:
                count += _write(batch, using)
                held = 0
        count += _write(batch, using)
        _refresh_vectors(SearchEntry.objects.using(using).all())
    return count


def _write(batch: list[SearchEntry], using: str) -> int:
    SearchEntry.objects.using(using).bulk_create(batch)
    written = len(batch)
    batch.clear()
    return written


def _refresh_vectors(entries: QuerySet[SearchEntry]) -> None:
    """PostgreSQL keeps the tsvector in the row; on SQLite triggers feed the FTS5 table."""
    if connections[entries.db].vendor == "postgresql":
        entries.update(vector=VECTOR)
