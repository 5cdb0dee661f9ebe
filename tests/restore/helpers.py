"""What the restore tests compare: Django's own dumpdata of the business models, and storage."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
from django.core.management import call_command

from edms.core.registry import BackupRole, registry


def business_dump(using: str = "default") -> list[str]:
    """`dumpdata --natural-foreign --natural-primary` of every business model, one sorted line
    per record (primary keys are not part of it: natural keys are the identity)."""
    out = io.StringIO()
    labels = [entry.label for entry in registry.of_role(BackupRole.BUSINESS)]
    call_command(
        "dumpdata", *labels, natural_foreign=True, natural_primary=True, database=using, stdout=out
    )
    return sorted(
        orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode()
        for record in orjson.loads(out.getvalue())
    )


def whole_dump(using: str = "default") -> list[str]:
    """Every backed-up and operational model: for 'nothing changed' after a refused restore."""
    out = io.StringIO()
    call_command(
        "dumpdata",
        natural_foreign=True,
        natural_primary=True,
        database=using,
        stdout=out,
        exclude=["sessions", "contenttypes", "auth.permission"],
    )
    return sorted(
        orjson.dumps(r, option=orjson.OPT_SORT_KEYS).decode() for r in orjson.loads(out.getvalue())
    )


def stored_files(root: Path) -> list[str]:
    root = Path(root)
    return (
        sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        if root.exists()
        else []
    )


def without_restore_entries(lines: list[str]) -> list[str]:
    """The dump without the audit entries a restore or reinit appends about itself."""
    own = ('"action":"BACKUP_RESTORED"', '"action":"SYSTEM_REINIT"')
    return [line for line in lines if not any(marker in line for marker in own)]
