"""`edms rebuild_search_index`: rebuild document search from the documents and stored files."""

from __future__ import annotations

import time
from dataclasses import dataclass

from edms.core.command import EdmsCommand
from edms.search.index import rebuild


@dataclass
class Rebuilt:
    documents: int
    seconds: float


class Command(EdmsCommand):
    help = (
        "Rebuild the document search index from every document and its current version's "
        "file (after a restore or a loaddata). On SQLite it holds the write lock while it runs."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default="default", help="database alias to index")

    def run(self, *, database: str, **options) -> Rebuilt:
        started = time.monotonic()
        documents = rebuild(using=database)
        return Rebuilt(documents, round(time.monotonic() - started, 3))

    def render(self, result: Rebuilt) -> None:
        self.stdout.write(
            f"Search index rebuilt: {result.documents} documents in {result.seconds:.1f} s."
        )
