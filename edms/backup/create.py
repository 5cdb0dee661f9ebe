"""Create a backup package: snapshot, write, verify, encrypt, rename into place, record the job."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import orjson
from django.conf import settings
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from edms.backup.errors import BackupError, CorruptPackage
from edms.backup.models import BackupJob, BackupType, JobStatus
from edms.backup.package import crypto
from edms.backup.package.manifest import FORMAT_NAME, FORMAT_VERSION, SIDECAR_SUFFIX
from edms.backup.package.writer import PackageWriter
from edms.backup.progress import NO_PROGRESS, Progress
from edms.backup.snapshot import Snapshot, take_snapshot
from edms.core.models import InstanceIdentity
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


def create_backup(
    backup_type: str,
    *,
    output: Path | None = None,
    verify: bool = False,
    compression: str = "zstd",
    passphrase: str | None = None,
    recipients: list[str] | tuple[str, ...] = (),
    user=None,
    configuration=None,
    progress: Progress = NO_PROGRESS,
    job: BackupJob | None = None,
    using: str = "default",
) -> BackupJob:
    """Write one backup package and return its completed BackupJob; raise a BackupError (with the
    job marked failed and no package left behind) if anything goes wrong."""
    encrypted = bool(passphrase or recipients)
    job = job or BackupJob(backup_type=backup_type, triggered_by=user, configuration=configuration)
    job.backup_type, job.encrypted = backup_type, encrypted
    _update(job, status=JobStatus.RUNNING, started_at=timezone.now(), phase="snapshot", error="")
    started = time.monotonic()
    partials: list[Path] = []
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
        with tempfile.TemporaryDirectory(prefix=".edms-backup-", dir=target.parent) as work:
            tracked = _tracking(job, progress)
            identity = InstanceIdentity.current()
            snapshot = take_snapshot(
                Path(work),
                records=backup_type in WITH_RECORDS,
                files=backup_type in WITH_FILES,
                using=using,
                progress=progress,  # inside the read transaction: no job updates
            )
            manifest = build_manifest(backup_type, snapshot, identity, using)
            plain = target.parent / f".{target.name}{'.plain' if encrypted else ''}.partial"
            partials.append(plain)
            _write(plain, compression, manifest, snapshot, tracked)
            if verify:
                _verify(plain, tracked)
            final_partial = plain
            if encrypted:
                final_partial = target.parent / f".{target.name}.partial"
                partials.append(final_partial)
                tracked("encrypt", 0, 1)
                crypto.encrypt_file(
                    plain, final_partial, passphrase=passphrase, recipients=list(recipients)
                )
                tracked("encrypt", 1, 1)
            sha256 = storage.file_sha256(final_partial)
            os.link(final_partial, target)  # fails instead of replacing a file that appeared
            partials.append(target)  # until the job says completed, it is still removed on error
        for partial in partials[:-1]:
            partial.unlink(missing_ok=True)
        _finish(job, target, sha256, manifest, snapshot, verify, time.monotonic() - started)
        write_sidecar(target, job, manifest, compression)
        return job
    except BaseException as exc:
        for partial in partials:
            partial.unlink(missing_ok=True)
        _update(job, status=JobStatus.FAILED, finished_at=timezone.now(), error=_describe(exc))
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


def write_sidecar(target: Path, job: BackupJob, manifest: dict, compression: str) -> Path:
    """``<package>.metadata.json`` beside the package: what it is, without opening it."""
    sidecar = target.with_name(target.name + SIDECAR_SUFFIX)
    data = {
        "package": target.name,
        "sha256": job.sha256,
        "size": job.size,
        "backup_type": job.backup_type,
        "compression": compression,
        "encrypted": job.encrypted,
        "format_version": manifest["format_version"],
        "edms_version": manifest["edms_version"],
        "instance_id": manifest["instance_id"],
        "created_at": manifest["created_at"],
        "record_counts": manifest["record_counts"],
        "file_count": manifest["file_count"],
        "content_digest": manifest["content_digest"],
        "verified": job.verified_at is not None,
        "job": str(job.uuid),
    }
    partial = sidecar.with_name(f".{sidecar.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    partial.replace(sidecar)
    return sidecar


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


def _finish(job, target, sha256, manifest, snapshot, verified, seconds) -> None:
    _update(
        job,
        status=JobStatus.COMPLETED,
        phase="done",
        path=str(target),
        size=target.stat().st_size,
        sha256=sha256,
        record_counts=snapshot.record_counts,
        file_count=len(snapshot.files),
        content_digest=snapshot.content_digest or "",
        verified_at=timezone.now() if verified else None,
        finished_at=timezone.now(),
        result={
            "path": str(target),
            "seconds": round(seconds, 3),
            "records": sum(snapshot.record_counts.values()),
            "files": len(snapshot.files),
            "format_version": manifest["format_version"],
        },
    )


def _update(job: BackupJob, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.save()


def _tracking(job: BackupJob, progress: Progress, interval: float = 1.0) -> Progress:
    """The caller's progress plus the job's phase and counts, saved at most once per interval."""
    last = 0.0

    def track(phase: str, done: int, total: int) -> None:
        nonlocal last
        progress(phase, done, total)
        now = time.monotonic()
        if now - last >= interval or done == total:
            last = now
            BackupJob.objects.filter(pk=job.pk).update(
                phase=phase, progress_done=done, progress_total=total
            )

    return track


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
