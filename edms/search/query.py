"""Which documents a search matches: every word of the query in the number, title or file text.

The query is the user's words, never search syntax: PostgreSQL gets them as a plain query
(plainto_tsquery), SQLite's FTS5 as quoted strings, so no input can make the search fail.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery
from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from edms.search.index import CONFIG
from edms.search.models import SearchEntry

FTS_TABLE = "search_searchentry_fts"
MAX_WORDS = 32


def matching_documents(text: str, using: str = "default") -> QuerySet:
    """The uuids of the documents whose entry holds every word of `text` (a subquery)."""
    words = [w for w in text.replace("\x00", "").split() if any(c.isalnum() for c in w)]
    entries = SearchEntry.objects.using(using)
    if not words:
        return entries.none().values("document_uuid")
    words = words[:MAX_WORDS]
    if connections[using].vendor == "postgresql":
        query = SearchQuery(" ".join(words), config=CONFIG, search_type="plain")
        return entries.filter(vector=query).values("document_uuid")
    match = " ".join('"' + word.replace('"', '""') + '"' for word in words)
    rows = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match])
    return entries.filter(pk__in=rows).values("document_uuid")
