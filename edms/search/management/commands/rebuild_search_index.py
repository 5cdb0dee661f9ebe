"""`edms rebuild_search_index`: rebuild document search from the documents and stored files."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from edms.search.index import rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the document search index from every document and its current version's "
        "file (after a restore or a loaddata). On SQLite it holds the write lock while it runs."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default="default", help="database alias to index")

    def handle(self, *args, database: str, **options) -> None:
        started = time.monotonic()
        count = rebuild(using=database)
        self.stdout.write(
            f"Search index rebuilt: {count} documents in {time.monotonic() - started:.1f} s."
        )
