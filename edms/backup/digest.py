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

from edms.backup.errors import CorruptPackage
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


def check_package_records(package) -> None:
    """Read a package's records members as stored (no parsing, the stored files untouched) and
    raise CorruptPackage unless their counts and content digest are the manifest's."""
    manifest = package.manifest
    digest, business, counts = ContentDigest(), business_labels(), {}
    for member, stream in package.iter_record_members():
        count = 0
        for lines in stream.iter_line_batches():
            if member.label in business:
                digest.add_lines(member.label, lines)
            count += len(lines)
        counts[member.label] = count
    expected = manifest.get("record_counts") or {}
    if counts != {label: n for label, n in expected.items() if n or label in counts}:
        raise CorruptPackage(
            f"{package.path.name}: the records ({counts}) differ from the manifest's counts "
            f"({expected}); nothing was restored"
        )
    if any(counts.values()) and not manifest.get("content_digest"):
        raise CorruptPackage(
            f"{package.path.name}: the manifest has no content digest for its records, so they "
            "cannot be proven unchanged; nothing was restored"
        )
    if manifest.get("content_digest") and digest.hexdigest() != manifest["content_digest"]:
        raise CorruptPackage(
            f"{package.path.name}: the records' content digest is {digest.hexdigest()}, the "
            f"manifest says {manifest['content_digest']}: the records were changed after the "
            "backup was made; nothing was restored"
        )
