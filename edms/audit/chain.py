"""The tamper-evident audit trail: append entries to a hash chain and verify it.

Each entry's hash covers a canonical JSON form of its content plus the previous entry's hash,
so altering any stored field or removing an entry breaks the chain from that point on. Only
natural values (usernames, model labels, natural keys) go into the hash, never database ids,
so a chain still verifies after a restore onto another server.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC

import orjson
from django.db import models, transaction

from edms.audit.models import AuditTrail
from edms.core.models import InstanceIdentity

GENESIS_HASH = "0" * 64


def canonical_content(entry: AuditTrail) -> bytes:
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


def entry_hash(entry: AuditTrail) -> str:
    return hashlib.sha256(canonical_content(entry)).hexdigest()


def record(
    action: str,
    user=None,
    obj: models.Model | None = None,
    details: dict | None = None,
) -> AuditTrail:
    """Append one entry to this instance's current chain."""
    with transaction.atomic():
        identity = InstanceIdentity.current(for_update=True)
        last = AuditTrail.objects.filter(chain=identity.audit_chain).order_by("-sequence").first()
        entry = AuditTrail(
            chain=identity.audit_chain,
            sequence=(last.sequence + 1) if last else 1,
            user=user if user is not None and user.pk else None,
            username=getattr(user, "username", "") or "",
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_key=_jsonable(obj.natural_key()) if obj is not None else [],
            object_repr=str(obj)[:300] if obj is not None else "",
            details=orjson.loads(orjson.dumps(details or {}, default=str)),
            previous_hash=last.entry_hash if last else GENESIS_HASH,
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


def verify(using: str = "default") -> list[ChainBreak]:
    """Check every chain; return the first break of each broken one (empty when intact)."""
    breaks: list[ChainBreak] = []
    current = None
    expected_sequence, expected_previous, broken = 1, GENESIS_HASH, False
    entries = AuditTrail.objects.using(using).order_by("chain", "sequence")
    for entry in entries.iterator(chunk_size=2000):
        if entry.chain != current:
            if current is not None:
                breaks += _head_check(current, expected_sequence - 1, using) if not broken else []
            current, expected_sequence, expected_previous, broken = (
                entry.chain,
                1,
                GENESIS_HASH,
                False,
            )
        if broken:
            continue
        reason = _entry_problem(entry, expected_sequence, expected_previous)
        if reason:
            breaks.append(ChainBreak(str(entry.chain), entry.sequence, str(entry.uuid), reason))
            broken = True
        expected_sequence, expected_previous = entry.sequence + 1, entry.entry_hash
    if current is not None and not broken:
        breaks += _head_check(current, expected_sequence - 1, using)
    return breaks


def _entry_problem(entry: AuditTrail, expected_sequence: int, expected_previous: str) -> str:
    if entry.sequence != expected_sequence:
        return f"entries {expected_sequence}..{entry.sequence - 1} are missing"
    if entry.previous_hash != expected_previous:
        return "previous_hash does not match the entry before it"
    if entry.entry_hash != entry_hash(entry):
        return "content was altered (hash mismatch)"
    return ""


def _head_check(chain, last_sequence: int, using: str) -> list[ChainBreak]:
    """The current chain must end where the instance last appended: catches removed tails."""
    identity = InstanceIdentity.objects.using(using).order_by("pk").first()
    if identity is None or identity.audit_chain != chain or identity.audit_head <= last_sequence:
        return []
    return [
        ChainBreak(
            str(chain),
            last_sequence + 1,
            "-",
            f"entries {last_sequence + 1}..{identity.audit_head} were removed from the end",
        )
    ]
