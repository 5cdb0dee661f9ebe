"""Create a backup package: snapshot, write, verify, encrypt, rename into place, describe it in
its sidecar. Recording a job is the caller's (edms.backup.operations.jobs)."""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from edms.audit import anchors
from edms.backup.errors import BackupError, CorruptPackage
from edms.backup.models import BackupOrigin, BackupType, VerificationState
from edms.backup.package import crypto, sidecar
from edms.backup.package.manifest import FORMAT_NAME, FORMAT_VERSION
from edms.backup.package.writer import PackageWriter
from edms.backup.snapshot import Snapshot, take_snapshot
from edms.backup.spool import Spool
from edms.core.models import InstanceIdentity
from edms.core.progress import NO_PROGRESS, Progress
from edms.core.registry import registry
from edms.documents import storage

WITH_RECORDS = {BackupType.DATABASE, BackupType.FULL, BackupType.EXPORT}
WITH_FILES = {BackupType.FILES, BackupType.FULL, BackupType.EXPORT}
EXTENSIONS = {"zstd": ".tar.zst", "gzip": ".tar.gz"}


def edms_version() -> str:
    try:
        return version("edms")
    except PackageNotFoundError:
        return "unknown"


def default_path(backup_type: str, compression: str, encrypted: bool) -> Path:
    """``edms-<type>-<UTC timestamp>.tar.zst`` (``.age`` appended when encrypted) in BACKUP_DIR."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = EXTENSIONS[compression] + (".age" if encrypted else "")
    directory = Path(settings.BACKUP_DIR)
    path, n = directory / f"edms-{backup_type}-{stamp}{suffix}", 1
    while path.exists():
        n += 1
        path = directory / f"edms-{backup_type}-{stamp}-{n}{suffix}"
    return path


@dataclass(frozen=True)
class Provenance:
    """Who made a package and why, written into its sidecar."""

    origin: str = BackupOrigin.MANUAL
    created_by: str = ""
    configuration: str = ""
    job: str = ""


@dataclass
class BackupReport:
    """What a backup wrote: enough for a job row, a sidecar and the command's output."""

    path: str
    backup_type: str
    encrypted: bool
    size: int
    sha256: str
    record_counts: dict[str, int]
    file_count: int
    content_digest: str
    format_version: int
    verified: bool
    seconds: float

    @property
    def records(self) -> int:
        return sum(self.record_counts.values())

    def as_json(self) -> dict:
        return {**asdict(self), "records": self.records}


def create_backup(
    backup_type: str,
    *,
    output: Path | None = None,
    verify: bool = False,
    compression: str = "zstd",
    passphrase: str | None = None,
    recipients: list[str] | tuple[str, ...] = (),
    provenance: Provenance = Provenance(),
    progress: Progress = NO_PROGRESS,
    using: str = "default",
) -> BackupReport:
    """Write one backup package and its sidecar; raise a BackupError, with no package left
    behind, if anything goes wrong."""
    encrypted = bool(passphrase or recipients)
    started = time.monotonic()
    try:
        if backup_type not in BackupType.values:
            choices = ", ".join(BackupType.values)
            raise BackupError(f"unknown backup type {backup_type!r}: use one of {choices}")
        if compression not in EXTENSIONS:
            raise BackupError(f"unknown compression {compression!r}: use zstd or gzip")
        target = Path(output) if output else default_path(backup_type, compression, encrypted)
        if target.exists():
            raise BackupError(f"{target} already exists; choose another --output")
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with Spool() as spool:
            identity = InstanceIdentity.current()
            audit_heads = anchors.heads(using)  # before the snapshot: every entry named is in it
            snapshot = take_snapshot(
                spool.path,
                records=backup_type in WITH_RECORDS,
                files=backup_type in WITH_FILES,
                using=using,
                progress=progress,
            )
            manifest = build_manifest(backup_type, snapshot, identity, using)
            manifest["audit_heads"] = audit_heads
            plain = spool.outside(target, ".plain" if encrypted else "")
            _write(plain, compression, manifest, snapshot, progress)
            if verify:
                _verify(plain, progress)
            final_partial = plain
            if encrypted:
                final_partial = spool.outside(target)
                progress("encrypt", 0, 1)
                crypto.encrypt_file(
                    plain, final_partial, passphrase=passphrase, recipients=list(recipients)
                )
                progress("encrypt", 1, 1)
            sha256 = storage.file_sha256(final_partial)
            os.link(final_partial, target)  # fails instead of replacing a file that appeared
            report = BackupReport(
                path=str(target),
                backup_type=backup_type,
                encrypted=encrypted,
                size=target.stat().st_size,
                sha256=sha256,
                record_counts=snapshot.record_counts,
                file_count=len(snapshot.files),
                content_digest=snapshot.content_digest or "",
                format_version=manifest["format_version"],
                verified=verify,
                seconds=round(time.monotonic() - started, 3),
            )
            spool.note(sidecar.partial_of(target))  # beside the package, maybe far from here
            write_sidecar(report, manifest, compression, provenance)
        if anchors.covers(using):
            anchors.record("backup", audit_heads, {"package": target.name, "sha256": sha256})
        return report
    except BaseException as exc:
        if isinstance(exc, BackupError) or not isinstance(exc, Exception):
            raise
        raise BackupError(f"backup failed: {_describe(exc)}") from exc


def build_manifest(backup_type: str, snapshot: Snapshot, identity, using: str) -> dict:
    members = snapshot.record_members + snapshot.file_members()
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "edms_version": edms_version(),
        "backup_type": backup_type,
        "created_at": timezone.now().isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "instance_id": str(identity.instance_id),
        "migrations": migration_state(using),
        "record_counts": snapshot.record_counts,
        "file_count": len(snapshot.files),
        "content_digest": snapshot.content_digest,
        "members": [member.as_json() for member in members],
    }
    if backup_type == BackupType.EXPORT:
        manifest["export"] = export_requirements(snapshot)
    return manifest


def migration_state(using: str) -> dict[str, list[str]]:
    """Every applied migration, per app, as the target server must have them too."""
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def export_requirements(snapshot: Snapshot) -> dict:
    """What a new server checks before accepting an export: the model declarations it was made
    with, so a restore can refuse a package whose models it does not know the same way."""
    return {
        "registry": [
            {
                "label": entry.label,
                "group": entry.group,
                "role": str(entry.role),
                "natural_key": list(entry.natural_key),
                "files": [[f.path_field, f.sha256_field, f.size_field] for f in entry.files],
            }
            for entry in registry.backed_up()
        ],
        "file_bytes": sum(size for size, _ in snapshot.files.values()),
    }


def write_sidecar(
    report: BackupReport, manifest: dict, compression: str, provenance: Provenance
) -> Path:
    """``<package>.metadata.json`` beside the package: what it is, without opening it."""
    verification = {"state": VerificationState.NOT_VERIFIED}
    if report.verified:
        verification = {"state": VerificationState.PASSED, "at": manifest["created_at"]}
        verification["by"] = provenance.created_by
    data = {
        "package": Path(report.path).name,
        "sha256": report.sha256,
        "size": report.size,
        "backup_type": report.backup_type,
        "compression": compression,
        "encrypted": report.encrypted,
        "format_version": manifest["format_version"],
        "edms_version": manifest["edms_version"],
        "instance_id": manifest["instance_id"],
        "created_at": manifest["created_at"],
        "record_counts": manifest["record_counts"],
        "file_count": manifest["file_count"],
        "content_digest": manifest["content_digest"],
        "audit_heads": manifest["audit_heads"],  # a copy kept elsewhere is an off-site anchor
        "origin": provenance.origin,
        "created_by": provenance.created_by,
        "configuration": provenance.configuration,
        "job": provenance.job,
        "verification": verification,
        "keep": False,
    }
    return sidecar.write(Path(report.path), data)


def _write(path: Path, compression: str, manifest: dict, snapshot: Snapshot, progress) -> None:
    writer = PackageWriter(path, compression, mtime=time.time())
    try:
        writer.add_manifest(manifest)
        members = snapshot.record_members + snapshot.file_members()
        total = sum(member.size for member in members)
        done = 0
        for member in members:
            if member.label is not None:
                source = snapshot.spooled(member)
            else:
                source = storage.absolute(snapshot.files[member.sha256][1])
            with open(source, "rb") as stream:
                writer.add(member, stream)
            done += member.size
            progress("write", done, total)
        writer.close()
    except BaseException:
        writer.abort()
        raise


def _verify(path: Path, progress) -> None:
    from edms.backup.verify import verify_package

    report = verify_package(path, progress=progress)
    if not report.ok:
        raise CorruptPackage("the new package failed verification: " + "; ".join(report.problems))


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
