"""A restore never rewrites or extends this server's own audit chain.

The audit entries in a backup of this server are a prefix of its current chain: the same
entries, up to the head the chain had when the backup was made. A package edited to append an
entry after that head, or to rewrite one before it and rehash the rest, is no such prefix. Since
each entry's hash covers the one before, comparing the package's last entry of the current
chain with the live entry at the same sequence proves the whole prefix. A clean restore may
also bring back a state the live chain has since left (it was rewound by an earlier clean
restore): then the package's head must be one the anchor file recorded (edms.audit.anchors).
Chains of other servers or of before a reinit are not this server's to judge; the restore
anchors them as brought by it. Audit entries are only taken from a source whose content digest
was checked: a package, never a fixture.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from edms.audit import anchors
from edms.audit.models import AuditTrail
from edms.backup.errors import RestoreConflict, UnsupportedFormat
from edms.backup.restore.plan import RestoreOptions
from edms.core.models import InstanceIdentity

LABEL = AuditTrail._meta.label_lower


class AuditTrailGuard:
    def __init__(self, options: RestoreOptions, restored: set[str], live: bool) -> None:
        self.options = options
        self.active = live and LABEL in restored
        self.top: tuple[int, str] | None = None  # the package's last entry of the live chain
        self._chain = ""
        self._live: dict[int, str] = {}

    def require_proven(self, source: str, digest_checked: bool, counts: dict[str, int]) -> None:
        """Refuse, before anything is written, audit entries no content digest vouches for."""
        if self.active and not digest_checked and counts.get(LABEL):
            raise UnsupportedFormat(
                f"{source} holds {counts[LABEL]} audit entries but no content digest, so they "
                "cannot be proven unchanged; restore it without the audit trail (--only "
                "accounts,documents,workflows) or restore from an EDMS package"
            )

    def remember_live_chain(self) -> None:
        """Read the current chain's entry hashes (a clean restore calls this before clearing)."""
        if not self.active or self._chain:
            return
        identity = InstanceIdentity.current()
        self._chain = str(identity.audit_chain)
        entries = AuditTrail.objects.using(self.options.using).filter(chain=identity.audit_chain)
        self._live = dict(entries.values_list("sequence", "entry_hash"))

    def watch(
        self, models: Iterable[tuple[str, Iterator[dict]]]
    ) -> Iterator[tuple[str, Iterator[dict]]]:
        """Pass `models` through unchanged, noting the package's entries of the live chain."""
        for label, records in models:
            if label == LABEL and self.active:
                self.remember_live_chain()
                records = self._entries(records)
            yield label, records

    def _entries(self, records: Iterator[dict]) -> Iterator[dict]:
        for record in records:
            fields = record.get("fields", {})
            if str(fields.get("chain")) == self._chain:
                sequence = fields.get("sequence")
                if isinstance(sequence, int) and (self.top is None or sequence > self.top[0]):
                    self.top = (sequence, str(fields.get("entry_hash")))
            yield record

    def check(self) -> None:
        """Raise RestoreConflict unless the package's part of the live chain is a prefix of it."""
        if self.top is None:
            return
        sequence, entry_hash = self.top
        if self._live.get(sequence) == entry_hash:
            return
        if self.options.clean and _anchored(self._chain, sequence, entry_hash):
            return
        live_head = max(self._live, default=0)
        if sequence > live_head:
            problem = (
                f"it holds entries up to #{sequence} of this server's current audit chain, which "
                f"this server never wrote (its chain ends at #{live_head})"
            )
        else:
            problem = (
                f"its entry #{sequence} of this server's current audit chain differs from the one "
                "recorded here, so the entries up to it were altered"
            )
        raise RestoreConflict(
            f"the backup's audit trail contradicts this server's: {problem}; nothing was "
            "restored. Audit entries are never replaced or extended by a restore"
        )


def _anchored(chain: str, sequence: int, entry_hash: str) -> bool:
    found = anchors.read()
    head = {"sequence": sequence, "entry_hash": entry_hash}
    return found is not None and any(line.heads.get(chain) == head for line in found.lines)
