"""What backups exist: the jobs this server recorded, plus packages found in the backups
directory without a job (copied in, or from before a reinit), described by their sidecar."""

from __future__ import annotations

from pathlib import Path

import orjson
from django.conf import settings

from edms.backup.models import BackupJob
from edms.backup.package.manifest import SIDECAR_SUFFIX

PACKAGE_SUFFIXES = (".tar.zst", ".tar.gz", ".tar.zst.age", ".tar.gz.age")


def list_backups(directory: Path | None = None) -> list[dict]:
    """Newest first; `exists` says whether a job's package is still on disk."""
    directory = Path(directory or settings.BACKUP_DIR)
    rows = [_job_row(job) for job in BackupJob.objects.order_by("-created_at")]
    known = {row["path"] for row in rows}
    if directory.is_dir():
        for path in sorted(directory.iterdir(), reverse=True):
            wanted = path.name.endswith(PACKAGE_SUFFIXES) and not path.name.startswith(".")
            if wanted and str(path) not in known:
                rows.append(_file_row(path))
    return rows


def _job_row(job: BackupJob) -> dict:
    return {
        "name": Path(job.path).name if job.path else f"(job {job.uuid})",
        "path": job.path,
        "backup_type": job.backup_type,
        "status": job.status,
        "size": job.size,
        "sha256": job.sha256,
        "encrypted": job.encrypted,
        "verified": job.verified_at is not None,
        "created_at": job.created_at.isoformat(),
        "job": str(job.uuid),
        "exists": bool(job.path) and Path(job.path).exists(),
        "error": job.error,
    }


def _file_row(path: Path) -> dict:
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    meta = orjson.loads(sidecar.read_bytes()) if sidecar.exists() else {}
    return {
        "name": path.name,
        "path": str(path),
        "backup_type": meta.get("backup_type"),
        "status": "file",
        "size": path.stat().st_size,
        "sha256": meta.get("sha256", ""),
        "encrypted": path.name.endswith(".age"),
        "verified": bool(meta.get("verified")),
        "created_at": meta.get("created_at"),
        "job": meta.get("job"),
        "exists": True,
        "error": "",
    }
