"""The tamper-evident audit trail: append entries to a hash chain and verify it.

Each entry's hash covers a canonical JSON form of its content plus the previous entry's hash,
so altering any stored field or removing an entry breaks the chain from that point on. Only
natural values (usernames, model labels, natural keys) go into the hash, never database ids,
so a chain still verifies after a restore onto another server. Electronic signatures lean on the
chain: a signing step's entry carries the signature's fields, and verification compares every
signature row with its entry (edms.documents.signatures).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC

import orjson
from django.db import models, transaction

from edms.audit.models import AuditTrail
from edms.core.models import InstanceIdentity

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "uuid",
    "chain",
    "sequence",
    "timestamp",
    "username",
    "action",
    "object_type",
    "object_key",
    "object_repr",
    "details",
    "previous_hash",
)


def canonical_content(entry) -> bytes:
    """The hashed form of an entry (an AuditTrail or a row with the HASHED_FIELDS)."""
    content = {
        "uuid": str(entry.uuid),
        "chain": str(entry.chain),
        "sequence": entry.sequence,
        "timestamp": entry.timestamp.astimezone(UTC).isoformat(timespec="microseconds"),
        "username": entry.username,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_key": entry.object_key,
        "object_repr": entry.object_repr,
        "details": entry.details,
        "previous_hash": entry.previous_hash,
    }
    return orjson.dumps(content, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def entry_hash(entry) -> str:
    return hashlib.sha256(canonical_content(entry)).hexdigest()


def record(
    action: str,
    user=None,
    obj: models.Model | None = None,
    details: dict | None = None,
) -> AuditTrail:
    """Append one entry to this instance's current chain.

    The sequence continues from the instance's recorded head, not from the last row found, so
    entries removed from the end stay a visible gap instead of being silently reused."""
    # No savepoint of its own: a failure here fails the caller's step, whose atomic block
    # rolls back the whole step (two fewer round trips per entry on PostgreSQL).
    with transaction.atomic(savepoint=False):
        identity = InstanceIdentity.current(for_update=True)
        # A separate statement after the lock, so on PostgreSQL it sees the entry committed
        # by whoever held the lock before us (a subquery in the locking SELECT would not).
        head = (
            AuditTrail.objects.filter(chain=identity.audit_chain, sequence__lte=identity.audit_head)
            .order_by("-sequence")
            .values_list("entry_hash", flat=True)
            .first()
        )
        entry = AuditTrail(
            chain=identity.audit_chain,
            sequence=identity.audit_head + 1,
            user=user if user is not None and user.pk else None,
            username=getattr(user, "username", "") or "",
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_key=_jsonable(obj.natural_key()) if obj is not None else [],
            object_repr=str(obj)[:300] if obj is not None else "",
            details=orjson.loads(orjson.dumps(details or {}, default=str)),
            previous_hash=head or GENESIS_HASH,
        )
        entry.entry_hash = entry_hash(entry)
        entry.save(force_insert=True)
        identity.audit_head = entry.sequence
        identity.save(update_fields=["audit_head"])
    return entry


def _jsonable(key: tuple) -> list:
    return orjson.loads(orjson.dumps(list(key), default=str))


@dataclass(frozen=True)
class ChainBreak:
    chain: str
    sequence: int
    uuid: str
    reason: str

    def __str__(self) -> str:
        return f"chain {self.chain} entry #{self.sequence} ({self.uuid}): {self.reason}"


@dataclass
class ChainReport:
    """What a verification looked at and the first break of each broken chain."""

    entries: int = 0
    chains: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify(using: str = "default") -> list[ChainBreak]:
    """Check every chain; return the first break of each broken one (empty when intact)."""
    return verify_report(using).breaks


def verify_report(using: str = "default") -> ChainReport:
    """Walk every chain in sequence order, recomputing each entry's hash and link."""
    report = _ChainWalk()
    # Plain rows, not model instances: the walk reads every field once, and building ~100k
    # instances costs more than hashing them.
    rows = (
        AuditTrail.objects.using(using)
        .order_by("chain", "sequence")
        .values_list(*HASHED_FIELDS, "entry_hash", "user__username", named=True)
    )
    for entry in rows.iterator(chunk_size=5000):
        report.visit(entry)
    identity = InstanceIdentity.objects.using(using).order_by("pk").first()
    if identity is not None and identity.audit_head:
        report.check_head(str(identity.audit_chain), identity.audit_head)
    report.check_signatures(using)
    return report.result


class _ChainWalk:
    def __init__(self) -> None:
        self.result = ChainReport()
        self.last_sequence: dict[str, int] = {}
        self.broken: set[str] = set()
        self.chain: str | None = None
        self.previous_hash = GENESIS_HASH
        self.signing_entries: dict[str, object] = {}  # signature uuid -> the entry that signed

    def visit(self, entry) -> None:
        chain_id = str(entry.chain)
        self.result.entries += 1
        if chain_id != self.chain:
            self.chain, self.previous_hash = chain_id, GENESIS_HASH
            self.result.chains += 1
        expected = self.last_sequence.get(chain_id, 0) + 1
        self.last_sequence[chain_id] = entry.sequence
        if chain_id not in self.broken:
            reason = _entry_problem(entry, expected, self.previous_hash)
            if reason:
                self._break(chain_id, entry.sequence, str(entry.uuid), reason)
        self.previous_hash = entry.entry_hash
        signed = entry.details.get("signature") if isinstance(entry.details, dict) else None
        if isinstance(signed, dict):
            self.signing_entries[str(signed.get("uuid"))] = entry

    def check_head(self, chain_id: str, head: int) -> None:
        """The current chain must end where the instance last appended: catches removed tails."""
        last = self.last_sequence.get(chain_id, 0)
        if chain_id not in self.broken and last < head:
            self._break(
                chain_id, last + 1, "-", f"entries {last + 1}..{head} were removed from the end"
            )

    def check_signatures(self, using: str) -> None:
        """Every electronic signature row must equal what its (hashed) signing entry says."""
        from edms.documents.signatures import mismatches  # documents builds on the audit app

        claims = {uuid: e.details["signature"] for uuid, e in self.signing_entries.items()}
        for uuid, reason in mismatches(claims, using):
            entry = self.signing_entries.get(uuid)
            where = (str(entry.chain), entry.sequence, str(entry.uuid)) if entry else ("-", 0, "-")
            self.result.breaks.append(ChainBreak(*where, reason))

    def _break(self, chain_id: str, sequence: int, uuid: str, reason: str) -> None:
        self.broken.add(chain_id)
        self.result.breaks.append(ChainBreak(chain_id, sequence, uuid, reason))


def _entry_problem(entry, expected_sequence: int, expected_previous: str) -> str:
    if entry.sequence != expected_sequence:
        return f"entries {expected_sequence}..{entry.sequence - 1} are missing"
    if entry.previous_hash != expected_previous:
        return "previous_hash does not match the entry before it"
    if entry.entry_hash != entry_hash(entry):
        return "content was altered (hash mismatch)"
    linked = entry.user__username
    if linked is not None and linked != entry.username:
        # The user link is not hashed (ids differ between servers), so check it against the
        # hashed username instead; a deleted user legitimately leaves it empty.
        return f"user link points to {linked}, not {entry.username}"
    return ""
