"""System reinit: clear business data and stored files, keep configuration, start afresh.

Registry-driven: what is cleared is ``registry.cleared_by_reinit()``, what is kept is every other
model. A full, verified safety backup is written first (unless declined); the clearing, the new
admin and the new audit chain then happen in one transaction, and the reinit is the first entry
of that chain (who, when, why, and the safety backup's SHA-256). Stored files are removed once
the transaction has committed: they are listed first in the restore's file journal, so if the
process is killed in between, the next start removes them (`recover_interrupted`). The jobs
running meanwhile, this reinit's among them, are kept, so a killed reinit's job is still there
to be marked interrupted.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import transaction

from edms.accounts.admin_account import admin_password as choose_admin_password
from edms.accounts.admin_account import create_admin
from edms.accounts.models import User
from edms.audit import anchors, chain
from edms.backup.create import Provenance, create_backup
from edms.backup.errors import BackupError
from edms.backup.lock import exclusive_operation
from edms.backup.models import BackupJob, BackupOrigin, JobStatus, RestoreJob
from edms.backup.restore.clear import clear_models
from edms.backup.restore.files import journal_path, recover_interrupted
from edms.backup.target import LIVE
from edms.core.models import InstanceIdentity
from edms.core.progress import NO_PROGRESS, Progress
from edms.core.registry import ModelEntry, registry
from edms.core.requester import requester
from edms.documents import storage


@dataclass
class ModelCount:
    label: str
    role: str
    delete: int = 0
    keep: int = 0


@dataclass
class ReinitPlan:
    models: list[ModelCount] = field(default_factory=list)
    files: int = 0

    @property
    def to_delete(self) -> int:
        return sum(m.delete for m in self.models)

    def as_json(self) -> dict:
        return {"models": [asdict(m) for m in self.models], "files": self.files}


@dataclass
class ReinitResult:
    plan: ReinitPlan
    admin_username: str
    admin_password: str | None  # only when generated: shown once, never stored
    safety_backup_path: str = ""
    safety_backup_sha256: str = ""
    audit_chain: str = ""
    files_removed: int = 0

    def as_json(self) -> dict:
        data = asdict(self)
        data["plan"] = self.plan.as_json()
        return data


def plan_reinit() -> ReinitPlan:
    """What a reinit would delete and keep, per model, and how many stored files it removes."""
    cleared = {entry.label for entry in registry.cleared_by_reinit()}
    plan = ReinitPlan()
    for entry in registry.in_dependency_order():
        count = entry.model._base_manager.count()
        gone = entry.label in cleared
        plan.models.append(
            ModelCount(entry.label, entry.role.value, count if gone else 0, 0 if gone else count)
        )
    plan.files = len(_stored_paths(registry.cleared_by_reinit()))
    return plan


def reinit(
    *,
    reason: str,
    user=None,
    admin_username: str = "admin",
    admin_password: str | None = None,
    safety_backup: bool = True,
    progress: Progress = NO_PROGRESS,
) -> ReinitResult:
    """Reinitialise this system; raise a BackupError (nothing changed) if any step fails."""
    if not reason.strip():
        raise BackupError("a reinit needs a reason (--reason): it is recorded in the audit trail")
    requested_by = requester(user)
    # a weak password is refused before anything happens, the safety backup included
    password, generated = choose_admin_password(admin_password)
    with exclusive_operation("reinit"):
        safety_path, safety_sha = "", ""
        if safety_backup:
            safety = create_backup(
                "full",
                verify=True,
                provenance=Provenance(origin=BackupOrigin.SAFETY, created_by=requested_by),
                progress=progress,
            )
            safety_path, safety_sha = safety.path, safety.sha256
        plan = plan_reinit()
        entries = registry.cleared_by_reinit()
        paths = _stored_paths(entries)
        progress("reinit", 0, 1)
        _journal(paths)
        with transaction.atomic():
            running = _active_jobs()
            clear_models(entries)
            _keep(running)
            identity = InstanceIdentity.current(for_update=True)
            identity.audit_chain, identity.audit_head = uuid.uuid4(), 0
            identity.save(update_fields=["audit_chain", "audit_head"])
            chain.record(
                "SYSTEM_REINIT",
                User(username=requested_by[:150]),  # the operator's row is gone: name only
                None,
                {
                    "reason": reason,
                    "requested_by": requested_by,
                    "safety_backup": Path(safety_path).name if safety_path else None,
                    "safety_backup_sha256": safety_sha or None,
                    "deleted": {m.label: m.delete for m in plan.models if m.delete},
                    "files": len(paths),
                },
            )
            admin, _, _ = create_admin(admin_username, password)
            chain.record("ADMIN_CREATED", None, admin, {"by": "system reinit"})
            new_heads = anchors.heads()
            # the trail starts again: anchored before the commit, holding only if it happens
            anchors.rewind("reinit", new_heads, {"reason": reason, "requested_by": requested_by})
        anchors.record("reinit", new_heads, {"reason": reason})
        removed = recover_interrupted(LIVE)
        progress("reinit", 1, 1)
    return ReinitResult(
        plan,
        admin.username,
        password if generated else None,
        safety_path,
        safety_sha,
        str(identity.audit_chain),
        removed,
    )


def _stored_paths(entries: list[ModelEntry]) -> set[str]:
    paths: set[str] = set()
    for entry in entries:
        for stored in entry.files:
            paths.update(entry.model._base_manager.values_list(stored.path_field, flat=True))
    return paths


def _journal(paths: set[str]) -> None:
    """List the files to remove where the next start looks for a killed run's files: it removes
    those no record refers to (all of them once the clearing has committed, none before)."""
    journal = journal_path(LIVE.root)
    journal.parent.mkdir(parents=True, exist_ok=True)
    with open(journal, "a") as out:
        out.writelines(f"{storage.absolute(path)}\n" for path in paths)


def _active_jobs() -> list[BackupJob | RestoreJob]:
    return [
        job
        for model in (BackupJob, RestoreJob)
        for job in model._base_manager.filter(status__in=(JobStatus.PENDING, JobStatus.RUNNING))
    ]


def _keep(jobs: list[BackupJob | RestoreJob]) -> None:
    """Write back the jobs the clearing removed that were running, without the users it
    removed."""
    for job in jobs:
        job.triggered_by = None
        if isinstance(job, BackupJob):
            job.verified_by = None
        job.save(force_insert=True)
