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

from edms.audit import anchors
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
    """What a verification looked at and the first break of each broken chain; `anchors` says
    what the chains were compared with outside the database, `notes` what needs a look."""

    entries: int = 0
    chains: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)
    anchors: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify(using: str = "default") -> list[ChainBreak]:
    """Check every chain; return the first break of each broken one (empty when intact)."""
    return verify_report(using).breaks


def verify_report(
    using: str = "default", *, against: dict | None = None, adopt: bool = False
) -> ChainReport:
    """Walk every chain in sequence order, recomputing each entry's hash and link, then compare
    the chains with their anchors (edms.audit.anchors) when `using` is this installation's own
    database. `against`: heads kept off the server ({"audit_heads", "created_at"} of a backup
    manifest). `adopt`: with no anchor file yet, anchor an intact trail as it is."""
    anchor_file = anchors.read() if anchors.covers(using) else None
    report = _ChainWalk(anchor_file.positions() if anchor_file else set())
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
    if anchor_file is not None:
        report.check_anchors(anchor_file)
    elif anchors.covers(using):
        report.result.anchors = _unanchored(using, adopt and report.result.intact)
    if against is not None:
        report.check_against(against, using)
    return report.result


def _unanchored(using: str, adopt: bool) -> str:
    where = anchors.anchor_file()
    if adopt and (adopted := anchors.adopt(using)) is not None:
        return f"no anchor file existed: adopted {len(adopted)} chain head(s) as found into {where}"
    return (
        f"none yet ({where} does not exist): the next backup, reinit or restore writes the "
        "first; `verify_audit_chain --adopt` anchors the chains as they are now"
    )


class _ChainWalk:
    def __init__(self, anchored: set[anchors.Position]) -> None:
        self.result = ChainReport()
        self.anchored = anchored  # the positions whose entry hash the anchors need
        self.stored: dict[anchors.Position, str] = {}
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
        if (chain_id, entry.sequence) in self.anchored:
            self.stored[(chain_id, entry.sequence)] = entry.entry_hash
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

    def check_anchors(self, anchor_file: anchors.AnchorFile) -> None:
        """The anchors kept outside the database must still hold (a chain already broken is
        reported once, at its first break)."""
        for problem in anchors.problems(anchor_file, self.stored, self.last_sequence):
            if problem.chain not in self.broken:
                self._break(problem.chain, problem.sequence, "-", problem.reason)
        lines = anchor_file.lines
        latest = f", the latest of {lines[-1].at} ({lines[-1].kind})" if lines else ""
        self.result.anchors = f"{len(lines)} anchor line(s) in {anchors.anchor_file()}{latest}"

    def check_against(self, manifest: dict, using: str) -> None:
        """Heads kept off the server must still be in the trail, unchanged."""
        recorded, made_at = manifest.get("audit_heads") or {}, manifest.get("created_at", "")
        problems, notes = anchors.check_against(recorded, made_at, using)
        for problem in problems:
            self.result.breaks.append(
                ChainBreak(problem.chain, problem.sequence, "-", problem.reason)
            )
        self.result.notes += notes
        self.result.notes.append(f"compared with {len(recorded)} chain head(s) of {made_at}")

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
