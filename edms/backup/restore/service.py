"""Restore: the one service function behind restore_backup, restore_from_package,
restore_critical_business_data, the API and the drill.

The same algorithm serves every target state (empty install, after a reinit, another server):
open the source, check it can be read by this code, then in one transaction optionally clear the
business data, load every record by natural key, place verified files, reset sequences,
validate, and append the restore to the audit trail. Anything short of success rolls back
database and storage. The caller records it as a RestoreJob (edms.backup.operations.jobs).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management.color import no_style
from django.db import connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.models import Max

from edms.audit import anchors, chain
from edms.audit.models import AuditTrail
from edms.backup.errors import BackupError, UnsupportedFormat
from edms.backup.lock import exclusive_operation
from edms.backup.restore import validate
from edms.backup.restore.apply import Loader
from edms.backup.restore.audit_guard import LABEL as AUDIT_LABEL
from edms.backup.restore.audit_guard import AuditTrailGuard
from edms.backup.restore.clear import clear_models, lock_for_clean_restore
from edms.backup.restore.files import FilePlacer, recover_interrupted, referenced_files
from edms.backup.restore.plan import RestoreOptions, select_entries
from edms.backup.restore.privileges import AccountWatch, made_here
from edms.backup.restore.sources import Source, open_source
from edms.backup.target import LIVE, Target
from edms.core.models import InstanceIdentity
from edms.core.progress import NO_PROGRESS, Progress
from edms.core.registry import BackupRole, ModelEntry
from edms.core.requester import requester
from edms.documents import storage
from edms.search.index import rebuild as rebuild_search_index


@dataclass
class SourceInfo:
    """What a source is, read before anything changes (the upload endpoint's fast answer)."""

    path: str
    kind: str
    manifest: dict | None
    counts: dict[str, int]

    def to_json(self) -> dict:
        manifest = {k: v for k, v in (self.manifest or {}).items() if k != "members"}
        return {"path": self.path, "kind": self.kind, "manifest": manifest, "counts": self.counts}


@dataclass
class RestoreReport:
    source: str
    source_sha256: str
    kind: str
    mode: str
    conflict: str
    only: list[str]
    status: str = "planned"
    plan: list = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    validation: list[dict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    privileged_changes: list[dict] = field(default_factory=list)
    privileged_changes_allowed_by: str = ""
    job: str = ""

    @property
    def records(self) -> int:
        return sum(plan.in_backup for plan in self.plan)

    def to_json(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k != "plan"}
        data["plan"] = [plan.as_json() for plan in self.plan]
        data["records"] = self.records
        return data


def inspect(source: Path, passphrase: str | None = None, identity: str | None = None) -> SourceInfo:
    """Open and check a source without touching the database; raise a BackupError if unusable."""
    with open_source(Path(source), passphrase, identity) as opened:
        check_compatible(opened.manifest)
        return SourceInfo(str(source), opened.kind, opened.manifest, opened.counts())


def check_compatible(manifest: dict | None) -> None:
    """Refuse a backup made by code with migrations this code does not have (a newer schema)."""
    if not manifest:
        return
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [
        f"{app}.{name}"
        for app, names in (manifest.get("migrations") or {}).items()
        for name in ([names] if isinstance(names, str) else names)
        if (app, name) not in known
    ]
    if unknown:
        raise UnsupportedFormat(
            f"the backup was made by a newer EDMS (schema migrations unknown here: "
            f"{', '.join(unknown[:5])}); upgrade EDMS to "
            f"{manifest.get('edms_version', 'that version')} or later, migrate, then restore"
        )


def restore(
    source: Path,
    *,
    clean: bool = False,
    dry_run: bool = False,
    conflict: str = "keep",
    only: list[str] | None = None,
    reason: str = "",
    user=None,
    passphrase: str | None = None,
    identity: str | None = None,
    progress: Progress = NO_PROGRESS,
    target: Target = LIVE,
    allow_privileged_changes: bool = False,
) -> RestoreReport:
    """Restore `source` into `target` (the live system unless told otherwise); on failure raise
    a BackupError, nothing changed. Changes to privileged accounts need
    `allow_privileged_changes` (edms.backup.restore.privileges)."""
    options = RestoreOptions(clean, dry_run, conflict, tuple(only or ()), target.using)
    lock = nullcontext() if dry_run or not target.live else exclusive_operation("restore")
    request = Request(reason, user, (passphrase, identity), allow_privileged_changes)
    try:
        with lock:
            report = _run(Path(source), options, target, request, progress)
    except BackupError:
        raise
    except Exception as exc:
        raise BackupError(f"restore failed, nothing was changed: {exc!r}") from exc
    if not dry_run and target.live:
        rebuild_search_index(target.using)  # derived data: a bulk restore sends no signals
    return report


@dataclass(frozen=True)
class Request:
    """Who asks for the restore, why, with which keys, and what they allowed."""

    reason: str
    user: object
    secrets: tuple[str | None, str | None]
    allow_privileged_changes: bool


@dataclass
class _Run:
    """One restore's parts, from opening the source to the commit."""

    opened: Source
    options: RestoreOptions
    target: Target
    request: Request
    report: RestoreReport
    entries: list[ModelEntry]
    business: set[str]
    loader: Loader
    accounts: AccountWatch
    audit_trail: AuditTrailGuard
    placer: FilePlacer | None = None


def _run(source, options, target, request: Request, progress) -> RestoreReport:
    started = time.monotonic()
    report = RestoreReport(
        str(source),
        storage.file_sha256(source),
        "",
        options.mode,
        options.conflict,
        list(options.only),
    )
    with open_source(source, *request.secrets) as opened:
        report.kind = opened.kind
        check_compatible(opened.manifest)
        opened.prove_records()
        entries = select_entries(options.only)
        business = {e.label for e in entries if e.role is BackupRole.BUSINESS}
        restored = {entry.label for entry in entries}
        total = sum(opened.counts().values())
        run = _Run(
            opened,
            options,
            target,
            request,
            report,
            entries,
            business,
            Loader(options, entries, business if options.clean else set(), progress, total),
            AccountWatch(options, restored),
            AuditTrailGuard(options, restored, target.live),
        )
        run.audit_trail.require_proven(source.name, opened.manifest is not None, opened.counts())
        report.privileged_changes_allowed_by = _allowed_by(request, source, report, target)
        report.timings["open"] = round(time.monotonic() - started, 3)
        if not options.dry_run and target.live:
            recover_interrupted(target)
        with (
            FilePlacer(target.root, progress) as run.placer,
            _undo_on_failure(run.placer),
            transaction.atomic(using=options.using),
        ):
            _apply(run)
            if not options.dry_run:
                _validate_and_record(run)
            else:
                transaction.set_rollback(True, using=options.using)
    if not options.dry_run and target.live:
        anchors.record("restore", anchors.heads(target.using), _anchor_detail(report))
    report.plan = list(run.loader.plans.values())
    report.skipped = run.loader.skipped
    report.files = {
        "in_backup": int((opened.manifest or {}).get("file_count", 0)),
        "placed": len(run.placer.placed),
        "already_present": run.placer.present,
        "removed": len(run.placer.retired),
    }
    report.status = "planned" if options.dry_run else "completed"
    report.timings["total"] = round(time.monotonic() - started, 3)
    return report


@contextmanager
def _undo_on_failure(placer: FilePlacer) -> Iterator[None]:
    try:
        yield
    except BaseException:
        placer.undo()
        raise


def _allowed_by(request: Request, source: Path, report: RestoreReport, target: Target) -> str:
    """Why privileged account changes may be applied ('' when they may not)."""
    if not target.live:
        return "scratch target"
    if request.allow_privileged_changes:
        return "--allow-privileged-changes"
    return "package made by this server" if made_here(source, report.source_sha256) else ""


def _apply(run: _Run) -> None:
    options, report, placer = run.options, run.report, run.placer
    mark = time.monotonic()
    stored_before: set[str] = set()
    if options.clean and not options.dry_run:
        lock_for_clean_restore(run.entries, options.using)
        run.accounts.remember_before()
        run.audit_trail.remember_live_chain()
        stored_before = referenced_files(run.target)
        clear_models([e for e in run.entries if e.label in run.business], options.using)
    run.loader.load(run.audit_trail.watch(run.accounts.watch(run.opened.iter_models())))
    run.audit_trail.check()
    report.timings["records"] = round(time.monotonic() - mark, 3)
    report.privileged_changes = run.accounts.as_json()
    if options.dry_run:
        return
    run.accounts.require_allowed(bool(report.privileged_changes_allowed_by))
    mark = time.monotonic()
    if any(entry.files for entry in run.entries):
        manifest = run.opened.manifest or {}
        placer.place_all(run.opened.iter_files(), int(manifest.get("file_count", 0)))
    if stored_before:
        # the files of the versions a clean restore removed go once it has committed
        placer.retire(stored_before - referenced_files(run.target))
    reset_sequences(run.entries, options.using)
    report.timings["files"] = round(time.monotonic() - mark, 3)


def _validate_and_record(run: _Run) -> None:
    options, report, loader, target = run.options, run.report, run.loader, run.target
    mark = time.monotonic()
    using = target.using
    checks = validate.Validation()
    proven: set[str] = set()
    if options.clean:
        digest = (run.opened.manifest or {}).get("content_digest")
        validate.digest_matches(checks, digest, using)
        if digest and checks.ok:
            proven = loader.cleared  # every business record is there: no lookup needed
    validate.records_present(checks, loader, using, proven)
    validate.counts_match(checks, loader, run.opened.counts(), options.clean, using)
    validate.files_present(checks, run.entries, run.placer.verified, target)
    checks.raise_if_failed()
    if target.live:
        _record_in_audit_trail(run)
        # anchored before the commit, holding only if it happens (edms.audit.anchors)
        write = anchors.rewind if AUDIT_LABEL in loader.cleared else anchors.expect
        write("restore", anchors.heads(using), _anchor_detail(report))
    validate.audit_chain_verifies(checks, using)
    report.validation = checks.as_json()
    checks.raise_if_failed()
    report.timings["validate"] = round(time.monotonic() - mark, 3)


def _record_in_audit_trail(run: _Run) -> None:
    """Continue this instance's current chain after the restored entries, then log the restore."""
    options, report, request, loader = run.options, run.report, run.request, run.loader
    identity = InstanceIdentity.current(for_update=True)
    top = AuditTrail.objects.filter(chain=identity.audit_chain).aggregate(Max("sequence"))
    top = top["sequence__max"] or 0
    identity.audit_head = top if options.clean else max(identity.audit_head, top)
    identity.save(update_fields=["audit_head"])
    user = request.user
    actor = None
    if user is not None:
        actor = type(user)._base_manager.filter(username=user.username).first()
    privileged = {}
    if report.privileged_changes:
        privileged = {
            "privileged_changes": report.privileged_changes,
            "privileged_changes_allowed_by": report.privileged_changes_allowed_by,
        }
    chain.record(
        "BACKUP_RESTORED",
        actor,
        None,
        {
            "reason": request.reason,
            "requested_by": requester(user),
            "source": Path(report.source).name,
            "source_sha256": report.source_sha256,
            "mode": options.mode,
            "conflict": options.conflict,
            "only": list(options.only),
            "records": {label: plan.in_backup for label, plan in loader.plans.items()},
            **privileged,
        },
    )
    run.accounts.audit_grants(actor, Path(report.source).name)


def _anchor_detail(report: RestoreReport) -> dict:
    return {"source": Path(report.source).name, "sha256": report.source_sha256}


def reset_sequences(entries: list[ModelEntry], using: str) -> None:
    """After rows were written with explicit keys or in bulk, point sequences past the max id."""
    connection = connections[using]
    models = [entry.model for entry in entries]
    models += [f.remote_field.through for m in list(models) for f in m._meta.local_many_to_many]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
