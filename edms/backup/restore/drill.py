"""The restore drill: prove a backup restorable without touching the live system.

The backup is restored (clean) into a scratch installation — a temporary database migrated by
the real ``edms migrate`` and scratch storage — with the full validation, then the post-restore
health checks run there, and everything is removed. A RestoreJob in mode "drill" records it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from django.test.utils import override_settings

from edms.backup.errors import BackupError
from edms.backup.health_checks import post_restore_health
from edms.backup.models import RestoreJob
from edms.backup.progress import NO_PROGRESS, Progress
from edms.backup.restore.scratch import connection_alias, scratch_installation
from edms.backup.restore.service import restore


@dataclass
class DrillReport:
    source: str
    ok: bool = False
    error: str = ""
    error_type: str = ""
    restore: dict = field(default_factory=dict)
    health: dict = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict:
        return dict(self.__dict__)


def test_restore(
    source: Path,
    passphrase: str | None = None,
    identity: str | None = None,
    progress: Progress = NO_PROGRESS,
    user=None,
) -> DrillReport:
    """Restore `source` into a scratch installation, validate, report; never raises BackupError."""
    started = time.monotonic()
    report = DrillReport(str(source))
    job = RestoreJob(source_path=str(source), mode="drill", triggered_by=user)
    try:
        progress("scratch", 0, 1)
        with scratch_installation() as scratch, connection_alias(scratch) as alias:
            progress("scratch", 1, 1)
            with override_settings(STORAGE_ROOT=scratch.storage_root):
                restored = restore(
                    Path(source),
                    clean=True,
                    reason="restore drill",
                    passphrase=passphrase,
                    identity=identity,
                    progress=progress,
                    job=job,
                    using=alias,
                )
                health = post_restore_health(alias, require_admin=False)
        report.restore, report.health = restored.to_json(), health.as_json()
        report.ok = health.ok
    except BackupError as exc:
        report.error, report.error_type = str(exc), type(exc).__name__
    report.seconds = round(time.monotonic() - started, 3)
    return report


test_restore.__test__ = False  # a service function, not a pytest test
