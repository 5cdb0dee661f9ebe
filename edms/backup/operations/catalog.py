"""The backup catalog: the packages in the backups directory, described by their sidecars and
manifests. Job rows are only this server's history (a reinit clears them); the packages and
their sidecars are what is kept, so every page, command and health check lists these.

A package is named by its file name; a name from a request is only ever looked up among the
catalog's own entries, never joined onto a path.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from edms.audit import chain
from edms.backup.errors import BackupError, CorruptPackage
from edms.backup.models import BackupJob, BackupOrigin, JobStatus, VerificationState
from edms.backup.operations import jobs
from edms.backup.package import sidecar
from edms.backup.package.reader import open_package
from edms.core.errors import Conflict, NotFound

PACKAGE_SUFFIXES = (".tar.zst", ".tar.gz", ".tar.zst.age", ".tar.gz.age")


@dataclass
class CatalogEntry:
    """One package on disk, as its sidecar describes it."""

    name: str
    path: str
    size: int
    modified_at: str
    sha256: str = ""
    backup_type: str = ""
    encrypted: bool = False
    created_at: str = ""
    instance_id: str = ""
    edms_version: str = ""
    format_version: int | None = None
    origin: str = BackupOrigin.FOUND
    created_by: str = ""
    configuration: str = ""
    job: str = ""
    record_counts: dict[str, int] = field(default_factory=dict)
    file_count: int = 0
    content_digest: str = ""
    verification: dict = field(default_factory=dict)
    keep: bool = False
    problem: str = ""  # the sidecar is missing or unreadable

    @property
    def verification_state(self) -> str:
        return self.verification.get("state", VerificationState.NOT_VERIFIED)

    @property
    def origin_label(self) -> str:
        return (
            BackupOrigin(self.origin).label if self.origin in BackupOrigin.values else self.origin
        )

    @property
    def records(self) -> int:
        return sum(self.record_counts.values())

    @property
    def moment(self) -> str:
        """When it was made: the manifest's time, else the file's."""
        return self.created_at or self.modified_at

    def as_json(self) -> dict:
        return {**asdict(self), "records": self.records}


def directory() -> Path:
    return Path(settings.BACKUP_DIR)


def entries(folder: Path | None = None) -> list[CatalogEntry]:
    """Every package in the backups directory, newest first."""
    folder = folder or directory()
    if not folder.is_dir():
        return []
    found = [
        _entry(path)
        for path in folder.iterdir()
        if path.name.endswith(PACKAGE_SUFFIXES) and not path.name.startswith(".") and path.is_file()
    ]
    return sorted(found, key=lambda entry: entry.moment, reverse=True)


def get(name: str) -> CatalogEntry:
    """The package called `name`; NotFound names the directory it was looked for in."""
    for entry in entries():
        if entry.name == name:
            return entry
    raise NotFound(f"no backup package {name!r} in {directory()} (edms list_backups lists them)")


def for_job(job_uuid: str) -> CatalogEntry:
    """The package a backup job wrote, found by its row or, after a reinit, by its sidecar."""
    job = BackupJob.objects.filter(uuid=job_uuid).first()
    for entry in entries():
        if entry.job == str(job_uuid) or (job is not None and entry.path == job.path):
            return entry
    raise NotFound(f"no package of backup job {job_uuid} in {directory()}")


def newest_verified() -> CatalogEntry | None:
    return next((e for e in entries() if e.verification_state == VerificationState.PASSED), None)


def _entry(path: Path) -> CatalogEntry:
    """The package as its sidecar describes it; a sidecar that cannot be trusted is shown as
    the entry's problem (the package is still listed), never raised."""
    stat = path.stat()
    entry = CatalogEntry(
        name=path.name,
        path=str(path),
        size=stat.st_size,
        modified_at=dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).isoformat(),
        encrypted=path.name.endswith(".age"),
    )
    try:
        data = sidecar.read(path)
    except CorruptPackage as exc:
        entry.problem = str(exc)
        return entry
    if not data:
        entry.problem = "no sidecar: copied in without its .metadata.json, or written by hand"
        return entry
    wrong = []
    for name, fits in _SIDECAR_FIELDS.items():
        value = data.get(name)
        if value is None:
            continue
        if fits(value):
            setattr(entry, name, value)
        else:
            wrong.append(name)
    verification = _verification(data)
    if _is_verification(verification):
        entry.verification = verification
    else:
        entry.verification = {"state": VerificationState.NOT_VERIFIED}
        wrong.append("verification")
    if wrong:
        entry.problem = (
            f"sidecar unreadable: {sidecar.path_of(path).name}: wrong type of "
            f"{', '.join(wrong)} (those fields are not shown)"
        )
    return entry


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _is_flag(value: object) -> bool:
    return isinstance(value, bool)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_time(value: object) -> bool:
    try:
        dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def _is_counts(value: object) -> bool:
    return isinstance(value, dict) and all(_is_count(count) for count in value.values())


def _is_verification(value: dict) -> bool:
    at = value.get("at")
    return (
        value.get("state") in VerificationState.values
        and (not at or _is_time(at))
        and all(_is_text(value.get(key, "")) for key in ("by", "error"))
    )


# What the catalog takes from a sidecar, each with the test its value must pass.
_SIDECAR_FIELDS = {
    "sha256": _is_text,
    "backup_type": _is_text,
    "encrypted": _is_flag,
    "created_at": _is_time,
    "instance_id": _is_text,
    "edms_version": _is_text,
    "format_version": _is_count,
    "origin": _is_text,
    "created_by": _is_text,
    "configuration": _is_text,
    "job": _is_text,
    "record_counts": _is_counts,
    "file_count": _is_count,
    "content_digest": _is_text,
    "keep": _is_flag,
}


def _verification(data: dict) -> dict:
    """The sidecar's verification; 0.1.0 sidecars only said `"verified": true`."""
    if isinstance(data.get("verification"), dict):
        return data["verification"]
    if data.get("verified") is True:
        return {"state": VerificationState.PASSED, "at": data.get("created_at")}
    return {"state": VerificationState.NOT_VERIFIED}


def listing() -> list[dict]:
    """The catalog's packages, newest first, then this server's backup jobs that left no
    package (failed, running, or whose package was removed): what `list_backups` shows."""
    packages = entries()
    on_disk = {entry.path for entry in packages}
    rows = [
        {"kind": "package", "status": JobStatus.COMPLETED, "exists": True, **entry.as_json()}
        for entry in packages
    ]
    for job in BackupJob.objects.select_related("configuration", "triggered_by"):
        if job.path not in on_disk:
            rows.append({"kind": "job", "name": Path(job.path).name, **jobs.job_json(job)})
    return rows


# --- what a package holds ------------------------------------------------------------------


def contents(entry: CatalogEntry, passphrase: str | None = None) -> dict:
    """What the manifest says the package holds: per-model counts, files, migrations and
    software version. Reads the manifest only; never touches the database."""
    with open_package(Path(entry.path), passphrase=passphrase) as package:
        manifest = package.manifest
    return {
        "backup_type": manifest.get("backup_type"),
        "created_at": manifest.get("created_at"),
        "instance_id": manifest.get("instance_id"),
        "edms_version": manifest.get("edms_version"),
        "format_version": manifest.get("format_version"),
        "record_counts": manifest.get("record_counts", {}),
        "file_count": manifest.get("file_count", 0),
        "file_bytes": sum(
            m["size"] for m in manifest.get("members", []) if m["name"].startswith("files/")
        ),
        "content_digest": manifest.get("content_digest"),
        "migrations": manifest.get("migrations", {}),
    }


# --- acting on packages --------------------------------------------------------------------


def job_for(entry: CatalogEntry) -> BackupJob:
    """This server's row for the package, made from its sidecar when there is none (a
    package from before a reinit, or copied in), so that it can be verified like any other."""
    job = BackupJob.objects.filter(path=entry.path).first()
    if job is not None:
        return job
    fields = {
        "backup_type": entry.backup_type or "full",
        "origin": entry.origin if entry.origin in BackupOrigin.values else BackupOrigin.FOUND,
        "status": JobStatus.COMPLETED,
        "path": entry.path,
        "size": entry.size,
        "sha256": entry.sha256,
        "encrypted": entry.encrypted,
        "record_counts": entry.record_counts,
        "file_count": entry.file_count,
        "content_digest": entry.content_digest,
        "verification_state": entry.verification_state,
        "verification_error": entry.verification.get("error", ""),
    }
    if entry.job and not BackupJob.objects.filter(uuid=entry.job).exists():
        fields["uuid"] = entry.job
    return BackupJob.objects.create(**fields)


def set_keep(name: str, keep: bool, *, user, reason: str) -> CatalogEntry:
    """Put a package on legal hold (never deleted, by hand or by retention) or release it."""
    entry = get(name)
    _require_reason(reason)
    sidecar.update(Path(entry.path), keep=keep)
    _audit("BACKUP_HOLD_SET" if keep else "BACKUP_HOLD_RELEASED", entry, user, reason)
    return get(name)


def delete(name: str, *, user, reason: str) -> None:
    """Delete a package and its sidecar, audited. Refused for a package on hold and for the
    newest verified package: the last proven backup is never removed by hand."""
    entry = get(name)
    _require_reason(reason)
    if entry.keep:
        raise Conflict(f"{name} is on hold (keep); release the hold before deleting it")
    newest = newest_verified()
    if newest is not None and newest.name == name:
        raise Conflict(f"{name} is the newest verified backup; it cannot be deleted")
    with transaction.atomic():
        _audit("BACKUP_DELETED", entry, user, reason)
        BackupJob.objects.filter(path=entry.path).delete()
        for path in (Path(entry.path), sidecar.path_of(Path(entry.path))):
            path.unlink(missing_ok=True)


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise BackupError("a reason is required: it is recorded in the audit trail")


def _audit(action: str, entry: CatalogEntry, user, reason: str) -> None:
    chain.record(
        action,
        user,
        None,
        {"package": entry.name, "sha256": entry.sha256, "reason": reason},
    )
