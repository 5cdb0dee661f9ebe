"""Anchors: each audit chain's head, written where the rows it covers cannot rewrite it.

The hash chain proves every entry follows the one before, but all it checks lives in rows that
someone with SQL access rewrites together (an entry, then every hash after it). An anchor is a
chain's head (sequence, entry hash) kept outside the database: one JSON line per event appended to
the anchor file (AUDIT_ANCHOR_FILE, by default DATA_DIR/audit-anchors.jsonl) and the same heads
in every backup manifest, whose off-site copies a server's administrator cannot reach. An anchor
covers the whole chain up to it, since each entry's hash covers the one before.

Lines written after a transaction commits hold unconditionally. Lines written before it commits
(a restore, a reinit) hold only once every entry they name exists, so a rolled-back transaction
leaves a line without effect; a rewind line (the trail replaced) also voids every line before it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Max, Q

from edms.audit.models import AuditTrail

Heads = dict[str, dict]  # chain uuid -> {"sequence": n, "entry_hash": h}
Position = tuple[str, int]  # (chain uuid, sequence)
UNANCHORED = "not anchored: not made on this server nor brought by a recorded restore"


def anchor_file() -> Path:
    """Where this installation's anchors are appended (AUDIT_ANCHOR_FILE may put them on a
    volume the database server cannot write)."""
    configured = getattr(settings, "AUDIT_ANCHOR_FILE", None)
    return Path(configured or Path(settings.DATA_DIR) / "audit-anchors.jsonl")


def covers(using: str) -> bool:
    """The anchor file describes this installation's own database, not a scratch copy."""
    return using == DEFAULT_DB_ALIAS


def heads(using: str = DEFAULT_DB_ALIAS) -> Heads:
    """The last entry of every chain in the database, for a manifest or an anchor line."""
    entries = AuditTrail.objects.using(using)
    tops = entries.values_list("chain").annotate(top=Max("sequence")).order_by()
    wanted = Q(pk__in=[])
    for chain, top in tops:
        wanted |= Q(chain=chain, sequence=top)
    rows = entries.filter(wanted).values_list("chain", "sequence", "entry_hash")
    return {str(c): {"sequence": s, "entry_hash": h} for c, s, h in rows.order_by("chain")}


def record(kind: str, chain_heads: Heads, detail: dict | None = None) -> None:
    """Anchor these heads: call after the transaction that made them has committed."""
    _append(_line(kind, chain_heads, detail))


def rewind(kind: str, chain_heads: Heads, detail: dict | None = None) -> None:
    """Inside the transaction that replaces the whole trail (a clean restore, a reinit), just
    before it commits: from here on the trail is these chains at these heads. The heads must
    include an entry made by that transaction, so a rollback leaves the line without effect."""
    _append(_line(kind, chain_heads, detail, pending=True, rewind=True))


def expect(kind: str, chain_heads: Heads, detail: dict | None = None) -> None:
    """Inside a transaction that adds chains (a restore that merges), just before it commits:
    these heads hold once it has. Follow it with `record` after the commit."""
    _append(_line(kind, chain_heads, detail, pending=True))


def adopt(using: str = DEFAULT_DB_ALIAS) -> Heads | None:
    """Trust on first use: with no anchor file yet (an installation older than anchors), anchor
    the chains present. Returns the heads adopted, or None when anchors already exist."""
    if anchor_file().exists():
        return None
    found = heads(using)
    record("adopted", found, {"note": "trust on first use: no anchor file existed"})
    return found


@dataclass(frozen=True)
class Anchor:
    chain: str
    sequence: int
    entry_hash: str
    at: str
    kind: str

    def __str__(self) -> str:
        return f"anchor of {self.at} ({self.kind})"


@dataclass(frozen=True)
class Line:
    number: int
    at: str
    kind: str
    heads: Heads
    pending: bool
    rewind: bool

    def anchors(self) -> list[Anchor]:
        return [
            Anchor(chain, head["sequence"], head["entry_hash"], self.at, self.kind)
            for chain, head in self.heads.items()
        ]


@dataclass(frozen=True)
class Problem:
    chain: str
    sequence: int
    reason: str


@dataclass
class AnchorFile:
    lines: list[Line]
    damaged: list[Problem]

    def positions(self) -> set[Position]:
        """Every (chain, sequence) the lines name: the entry hashes a check needs."""
        return {(c, h["sequence"]) for line in self.lines for c, h in line.heads.items()}

    def in_force(self, stored: Mapping[Position, str]) -> dict[str, list[Anchor]]:
        """The anchors that hold now, per chain: pending lines whose entries exist count, and a
        rewind that counts voids what came before it."""
        held: dict[str, list[Anchor]] = {}
        for line in self.lines:
            if line.pending and not all(
                stored.get((a.chain, a.sequence)) == a.entry_hash for a in line.anchors()
            ):
                continue  # its transaction rolled back (or an entry it names was removed)
            if line.rewind:
                held.clear()
            for anchor in line.anchors():
                held.setdefault(anchor.chain, []).append(anchor)
        return held

    def rewinds_after(self, moment: str, stored: Mapping[Position, str]) -> list[Line]:
        """Rewinds in force that were written after `moment` (an ISO time)."""
        return [
            line
            for line in self.lines
            if line.rewind
            and _instant(line.at) > _instant(moment)
            and all(stored.get((a.chain, a.sequence)) == a.entry_hash for a in line.anchors())
        ]


def read() -> AnchorFile | None:
    """The anchor file's lines, or None when there is none yet."""
    try:
        raw = anchor_file().read_bytes()
    except FileNotFoundError:
        return None
    found = AnchorFile([], [])
    for number, text in enumerate(raw.splitlines(), start=1):
        try:
            data = orjson.loads(text)
            found.lines.append(
                Line(
                    number,
                    str(data["at"]),
                    str(data["kind"]),
                    {str(c): _head(h) for c, h in data["heads"].items()},
                    bool(data.get("pending")),
                    bool(data.get("rewind")),
                )
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
            reason = f"anchor file line {number} is not an anchor: the file was damaged or edited"
            found.damaged.append(Problem("-", 0, reason))
    return found


def problems(
    anchors: AnchorFile, stored: Mapping[Position, str], last: Mapping[str, int]
) -> list[Problem]:
    """What the database contradicts: per chain, the first anchored entry rewritten, else a
    tail cut below its anchored head; and every chain no anchor covers."""
    held = anchors.in_force(stored)
    found = list(anchors.damaged)
    for chain, chain_anchors in sorted(held.items()):
        if problem := _contradiction(chain, chain_anchors, stored, last.get(chain, 0)):
            found.append(problem)
    found += [Problem(chain, 1, UNANCHORED) for chain in sorted(last) if chain not in held]
    return found


def check_against(
    recorded: Heads, made_at: str, using: str = DEFAULT_DB_ALIAS
) -> tuple[list[Problem], list[str]]:
    """Compare heads kept off the server (a backup manifest's) with the live trail. Returns the
    problems and, as notes, what a later rewind in the local anchor file explains instead."""
    offsite = [
        Anchor(chain, head["sequence"], head["entry_hash"], made_at, "backup manifest")
        for chain, head in ((c, _head(h)) for c, h in recorded.items())
    ]
    local = read() or AnchorFile([], [])
    positions = {(a.chain, a.sequence) for a in offsite} | local.positions()
    stored, last = stored_hashes(positions, using), last_sequences(using)
    contradictions = [
        problem
        for anchor in sorted(offsite, key=lambda a: a.chain)
        if (problem := _contradiction(anchor.chain, [anchor], stored, last.get(anchor.chain, 0)))
    ]
    rewinds = local.rewinds_after(made_at, stored)
    if not contradictions or not rewinds:
        return contradictions, []
    latest = rewinds[-1]
    notes = [
        f"chain {p.chain}: {p.reason}; explained by the {latest.kind} of {latest.at} that "
        f"replaced the trail (anchor file line {latest.number}): make sure it took place"
        for p in contradictions
    ]
    return [], notes


def last_sequences(using: str) -> dict[str, int]:
    """The last sequence of every chain in the database."""
    tops = AuditTrail.objects.using(using).values_list("chain").annotate(top=Max("sequence"))
    return {str(chain): top for chain, top in tops.order_by()}


def stored_hashes(positions: set[Position], using: str) -> dict[Position, str]:
    """The entry hash at each (chain, sequence) that exists."""
    by_chain: dict[str, list[int]] = {}
    for chain, sequence in positions:
        by_chain.setdefault(chain, []).append(sequence)
    found: dict[Position, str] = {}
    for chain, sequences in by_chain.items():
        for start in range(0, len(sequences), 500):
            rows = AuditTrail.objects.using(using).filter(
                chain=chain, sequence__in=sequences[start : start + 500]
            )
            for sequence, entry_hash in rows.values_list("sequence", "entry_hash"):
                found[(chain, sequence)] = entry_hash
    return found


def _contradiction(
    chain: str, chain_anchors: list[Anchor], stored: Mapping[Position, str], last: int
) -> Problem | None:
    for anchor in sorted(chain_anchors, key=lambda a: a.sequence):
        found = stored.get((chain, anchor.sequence))
        if found is not None and found != anchor.entry_hash:
            reason = f"entry #{anchor.sequence} does not match its {anchor}: rewritten"
            return Problem(chain, anchor.sequence, reason)
    top = max(chain_anchors, key=lambda a: a.sequence)
    if last < top.sequence:
        what = f"entries after #{last}" if last else "every entry"
        reason = f"{what} removed: anchored head was #{top.sequence} ({top})"
        return Problem(chain, last + 1, reason)
    missing = next((a for a in chain_anchors if (chain, a.sequence) not in stored), None)
    if missing is not None:
        reason = f"entry #{missing.sequence} removed: it has an {missing}"
        return Problem(chain, missing.sequence, reason)
    return None


def _line(kind: str, chain_heads: Heads, detail: dict | None, **flags: bool) -> dict:
    at = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    heads_json = {str(c): _head(h) for c, h in chain_heads.items()}
    return {"at": at, "kind": kind, "heads": heads_json, "detail": detail or {}, **flags}


def _append(line: dict) -> None:
    """One write on a file opened for appending, under a lock and flushed to disk: lines are
    never interleaved, and one that was reported written survives a crash."""
    path = anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, orjson.dumps(line, default=str) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)


def _head(head: Mapping) -> dict:
    return {"sequence": int(head["sequence"]), "entry_hash": str(head["entry_hash"])}


def _instant(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))
