"""The consistent snapshot: every backed-up record and the list of stored files, read in one
transaction and spooled to disk as the package's record members."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connections, transaction

from edms.backup.digest import ContentDigest, business_labels
from edms.backup.package.manifest import Member, file_member, records_member
from edms.backup.serialize import canonical_line, iter_records
from edms.core.progress import NO_PROGRESS, Progress
from edms.core.registry import ModelEntry, registry


@contextlib.contextmanager
def read_snapshot(using: str = "default") -> Iterator[None]:
    """One read transaction: REPEATABLE READ on PostgreSQL, a deferred (WAL) read on SQLite.

    Inside a transaction the caller already holds, that transaction is the snapshot.
    """
    connection = connections[using]
    if not connection.get_autocommit():
        yield
        return
    if connection.vendor == "sqlite":
        # Django opens SQLite transactions IMMEDIATE (settings), which would block every writer
        # for the whole backup; a deferred read transaction sees one WAL snapshot and blocks none.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


@dataclass
class Snapshot:
    """What the snapshot read: record members spooled in `spool_dir`, and the stored files."""

    spool_dir: Path
    record_members: list[Member] = field(default_factory=list)
    files: dict[str, tuple[int, str]] = field(default_factory=dict)  # sha256 -> (size, path)
    content_digest: str | None = None

    @property
    def record_counts(self) -> dict[str, int]:
        return {member.label: member.records for member in self.record_members}

    def file_members(self) -> list[Member]:
        return [file_member_of(sha, size) for sha, (size, _path) in sorted(self.files.items())]

    def spooled(self, member: Member) -> Path:
        return self.spool_dir / member.name


def file_member_of(sha256: str, size: int) -> Member:
    return Member(file_member(sha256), size, sha256)


def take_snapshot(
    spool_dir: Path,
    *,
    records: bool,
    files: bool,
    using: str = "default",
    progress: Progress = NO_PROGRESS,
) -> Snapshot:
    """Read records (in registry dependency order) and/or the stored-file list in one snapshot."""
    snapshot = Snapshot(spool_dir)
    entries = registry.backed_up()
    (spool_dir / "records").mkdir(parents=True, exist_ok=True)
    with read_snapshot(using):
        totals = {e.label: e.model._base_manager.using(using).count() for e in entries}
        if records:
            digest, business = ContentDigest(), business_labels()
            done, total = 0, sum(totals.values())
            for position, entry in enumerate(entries, start=1):
                member = _spool_model(
                    records_member(position, entry.label),
                    entry,
                    snapshot.spool_dir,
                    digest if entry.label in business else None,
                    using,
                    lambda count, base=done: progress("records", base + count, total),
                )
                snapshot.record_members.append(member)
                done += member.records
            snapshot.content_digest = digest.hexdigest()
        if files:
            snapshot.files = _stored_files(entries, using)
    return snapshot


def _spool_model(
    name: str,
    entry: ModelEntry,
    spool_dir: Path,
    digest: ContentDigest | None,
    using: str,
    report: Callable[[int], None],
) -> Member:
    """Write one model's records as JSON lines; the digest sees business records only."""
    path = spool_dir / name
    count = 0
    with open(path, "wb") as out:
        for record in iter_records(entry, using):
            line = canonical_line(record)
            out.write(line + b"\n")
            if digest is not None:
                digest.add_line(entry.label, line)
            count += 1
            if count % 1000 == 0:
                report(count)
    report(count)
    with open(path, "rb") as f:
        sha256 = hashlib.file_digest(f, "sha256").hexdigest()
    return Member(name, path.stat().st_size, sha256, count)


def _stored_files(entries: list[ModelEntry], using: str) -> dict[str, tuple[int, str]]:
    """Every stored file the records point to, once per content (files are content-addressed)."""
    files: dict[str, tuple[int, str]] = {}
    for entry in entries:
        for stored in entry.files:
            rows = entry.model._base_manager.using(using).exclude(**{stored.path_field: ""})
            for sha, size, path in rows.values_list(
                stored.sha256_field, stored.size_field, stored.path_field
            ).iterator(chunk_size=5000):
                files[sha] = (size, path)
    return files
