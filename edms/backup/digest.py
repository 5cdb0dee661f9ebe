"""The content digest: one SHA-256 over the business data, independent of row ids and order.

Each business record is rendered as its canonical JSON line (:func:`serialize.canonical_line`).
Per model, the digest keeps the record count and the sum, modulo 2**256, of the SHA-256 of
every line: a sum does not depend on the order rows come in (PostgreSQL and SQLite sort strings
differently) and needs constant memory. The final digest is the SHA-256 of one text line per
model with records, ``<label> <count> <sum as 64 hex digits>\\n``, in label order.
docs/backup-format.md defines it for readers outside EDMS.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from edms.backup.serialize import canonical_line, iter_records
from edms.core.registry import BackupRole, registry

_MODULUS = 2**256


class ContentDigest:
    """Accumulates records while they stream past; ``hexdigest()`` gives the content digest."""

    def __init__(self) -> None:
        self._models: dict[str, tuple[int, int]] = {}

    def add_line(self, label: str, line: bytes) -> None:
        self.add_lines(label, (line,))

    def add_lines(self, label: str, lines: Iterable[bytes]) -> None:
        """Add many lines of one model at once (the sum is reduced modulo 2**256 at the end)."""
        sha256 = hashlib.sha256
        values = [int.from_bytes(sha256(line).digest()) for line in lines]
        count, total = self._models.get(label, (0, 0))
        self._models[label] = (count + len(values), total + sum(values))

    def add(self, label: str, record: dict) -> None:
        self.add_line(label, canonical_line(record))

    def hexdigest(self) -> str:
        summary = "".join(
            f"{label} {count} {total % _MODULUS:064x}\n"
            for label, (count, total) in sorted(self._models.items())
        )
        return hashlib.sha256(summary.encode()).hexdigest()


def business_labels() -> set[str]:
    return {entry.label for entry in registry.of_role(BackupRole.BUSINESS)}


def content_digest(using: str = "default") -> str:
    """The content digest of the business data now in database `using`."""
    digest = ContentDigest()
    for entry in registry.of_role(BackupRole.BUSINESS):
        for record in iter_records(entry, using):
            digest.add(entry.label, record)
    return digest.hexdigest()


def digest_of_records(models: Iterable[tuple[str, Iterable[dict]]]) -> str:
    """The content digest of records as a package reader yields them (business models only)."""
    digest = ContentDigest()
    wanted = business_labels()
    for label, records in models:
        for record in records:
            if label in wanted:
                digest.add(label, record)
    return digest.hexdigest()
