"""The search index: one row per document, derived from the document and its current file.

Never backed up (the registry excludes it: rebuilt from documents). The full-text index over
these rows is the database's own: a tsvector column with a GIN index on PostgreSQL, an FTS5
table kept in step by triggers on SQLite (migration 0002).
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SearchEntry(models.Model):
    """What search sees of one document: its number, title and the text of its current file."""

    # The document's uuid, not a foreign key: a clean restore or a reinit deletes documents in
    # bulk, and an entry left behind must never point at another document that reused its id.
    document_uuid = models.UUIDField(unique=True)
    document_number = models.CharField(max_length=40)
    title = models.CharField(max_length=300)
    version_number = models.PositiveIntegerField(
        null=True, help_text="the version whose file text is in body; none before an upload"
    )
    body = models.TextField(blank=True)
    # PostgreSQL only (filled by edms.search.index); SQLite leaves it empty and uses FTS5.
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = "search entry"
        verbose_name_plural = "search entries"

    def __str__(self) -> str:
        return self.document_number
