"""The restore drill: prove a backup restorable without touching the live system.

The backup is restored (clean) into a scratch installation — a temporary database migrated by
the real ``edms migrate`` and scratch storage — with the full validation, then the post-restore
health checks run there, and everything is removed. The caller records it as a RestoreJob
in mode "drill".
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from edms.backup.create import Provenance, create_backup
from edms.backup.errors import BackupError, ValidationFailed
from edms.backup.health_checks import post_restore_health
from edms.backup.restore.scratch import connection_alias, scratch_installation
from edms.backup.restore.service import restore
from edms.backup.target import scratch as scratch_target
from edms.core.progress import NO_PROGRESS, Progress
from edms.core.registry import BackupRole, registry


@dataclass
class DrillReport:
    source: str
    ok: bool = False
    error: str = ""
    error_type: str = ""
    restore: dict = field(default_factory=dict)
    health: dict = field(default_factory=dict)
    seconds: float = 0.0
    exception: BackupError | None = field(default=None, repr=False)

    def failure(self) -> BackupError | None:
        """Why the drill failed, as its error type (so its exit code); None when it passed."""
        if self.ok:
            return None
        if self.exception is not None:
            return self.exception
        failed = [
            f"{c['name']}: {c['detail']}" for c in self.health.get("checks", []) if not c["ok"]
        ]
        return ValidationFailed("the restored copy failed its health checks: " + "; ".join(failed))

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "exception"}


def test_restore(
    source: Path,
    passphrase: str | None = None,
    identity: str | None = None,
    progress: Progress = NO_PROGRESS,
) -> DrillReport:
    """Restore `source` into a scratch installation, validate, report; never raises BackupError."""
    started = time.monotonic()
    report = DrillReport(str(source))
    try:
        progress("scratch", 0, 1)
        with scratch_installation() as scratch, connection_alias(scratch) as alias:
            progress("scratch", 1, 1)
            target = scratch_target(alias, scratch.storage_root)
            restored = restore(
                Path(source),
                clean=True,
                reason="restore drill",
                passphrase=passphrase,
                identity=identity,
                progress=progress,
                target=target,
            )
            health = post_restore_health(target, require_admin=False)
        report.restore, report.health = restored.to_json(), health.as_json()
        report.ok = health.ok
    except BackupError as exc:
        report.error, report.error_type, report.exception = str(exc), type(exc).__name__, exc
    report.seconds = round(time.monotonic() - started, 3)
    return report


test_restore.__test__ = False  # a service function, not a pytest test


@dataclass
class RehearsalReport:
    ok: bool = False
    records: int = 0
    missing: list[str] = field(default_factory=list)  # business records lost by the cycle
    unexpected: list[str] = field(default_factory=list)  # records the cycle added or changed
    error: str = ""
    seconds: float = 0.0

    def to_json(self) -> dict:
        return dict(self.__dict__)


def reinit_restore_rehearsal(progress: Progress = NO_PROGRESS, user=None) -> RehearsalReport:
    """backup -> reinit -> restore -> compare, on a scratch copy of this system: the business
    data (Django's dumpdata with natural keys) must come back exactly, plus the restore's own
    audit entry. Uses the real commands in the scratch installation."""
    started = time.monotonic()
    report = RehearsalReport()
    steps = ["copy", "backup", "reinit", "restore", "compare"]
    try:
        with tempfile.TemporaryDirectory(prefix="edms-rehearsal-") as work:
            live = create_backup(
                "full",
                output=Path(work) / "live.tar.zst",
                verify=True,
                provenance=Provenance(created_by=getattr(user, "username", "")),
            )
            with scratch_installation() as scratch:
                copy = Path(work) / "copy.tar.zst"
                progress("rehearsal", 0, len(steps))
                # another installation: its accounts are the live ones, superusers included
                scratch.run(
                    "restore_backup",
                    "--from-file",
                    live.path,
                    "--clean",
                    "--allow-privileged-changes",
                    "--json",
                )
                before = _business_dump(scratch)
                progress("rehearsal", 1, len(steps))
                scratch.run("create_backup", "--type", "full", "--verify", "--output", str(copy))
                progress("rehearsal", 2, len(steps))
                scratch.run(
                    "system_reinit", "--confirm", "--no-safety-backup", "--reason", "rehearsal"
                )
                progress("rehearsal", 3, len(steps))
                scratch.run("restore_backup", "--from-file", str(copy), "--clean", "--json")
                after = _business_dump(scratch)
                progress("rehearsal", 4, len(steps))
        report.records = len(before)
        report.missing = sorted(before - after)[:20]
        added = {r for r in after - before if '"by":"restore"' not in r}  # grants it made
        report.unexpected = sorted(r for r in added if '"action":"BACKUP_RESTORED"' not in r)[:20]
        report.ok = not report.missing and not report.unexpected and len(added) == 1
        progress("rehearsal", 5, len(steps))
    except BackupError as exc:
        report.error = str(exc)
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _business_dump(scratch) -> set[str]:
    labels = [entry.label for entry in registry.of_role(BackupRole.BUSINESS)]
    output = scratch.run("dumpdata", *labels, "--natural-foreign", "--natural-primary").stdout
    return {orjson.dumps(r, option=orjson.OPT_SORT_KEYS).decode() for r in orjson.loads(output)}
