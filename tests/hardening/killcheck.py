"""What a user finds after a run was killed (test-only): a long-running EDMS process, like
the web server, that answers each request line {"package", "reset", "old"} on stdin with one
JSON line.

    python -m tests.hardening.killcheck

First the data as the kill left it (counts and a digest of the business records), then the
next start: a dry run of PACKAGE uploaded through the API, which must be admitted (202), and
the job lists read through the API. Then what is left: jobs still pending or running, stored
files no record refers to, whether the audit chain verifies. RESET ("reinit" or "restore")
brings the data back to the state the next kill starts from if its digest is not DIGEST.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys

import django


def business_state() -> tuple[dict[str, int], str]:
    """Rows per backed-up model and a digest of them by natural key; the audit trail is left
    out (every operation appends to it; the chain check covers it)."""
    from django.core import serializers

    from edms.core.registry import registry

    counts, digest = {}, hashlib.sha256()
    for entry in registry.backed_up():
        if entry.label == "audit.audittrail":
            continue
        rows = entry.model._base_manager.all()
        counts[entry.label] = rows.count()
        data = serializers.serialize(
            "json", rows, use_natural_foreign_keys=True, use_natural_primary_keys=True
        )
        for record in sorted(json.dumps(r, sort_keys=True) for r in json.loads(data)):
            digest.update(record.encode())
    return counts, digest.hexdigest()


def next_start(package: str) -> dict:
    """Upload PACKAGE for a dry run through the API, then list the jobs as the API shows them."""
    from rest_framework.test import APIClient

    from edms.accounts.models import User

    client = APIClient()
    client.force_authenticate(User.objects.filter(is_staff=True, is_active=True).first())
    with open(package, "rb") as upload:
        started = client.post(
            "/api/v1/backup/restores/restore_from_file/",
            {"backup_file": upload, "dry_run": "true"},
            format="multipart",
        )
    jobs = [
        {key: job[key] for key in ("uuid", "kind", "status", "error", "created_at")}
        for listing in ("jobs", "restores")
        for job in client.get(f"/api/v1/backup/{listing}/?page_size=1000").json()["results"]
    ]
    body = started.json()
    return {
        "status": started.status_code,
        "detail": body.get("detail"),
        "job": body.get("uuid"),
        "jobs": jobs,
    }


def stray_files() -> list[str]:
    """Files in storage that no record refers to."""
    from edms.core.registry import registry
    from edms.documents import storage

    referenced = {
        str(storage.absolute(path))
        for entry in registry.backed_up()
        for stored in entry.files
        for path in entry.model._base_manager.values_list(stored.path_field, flat=True)
    }
    documents = storage.root().resolve() / "documents"
    return sorted(
        str(path)
        for path in (documents.rglob("*") if documents.exists() else [])
        if path.is_file() and str(path) not in referenced
    )


def reset_data(how: str, package: str) -> None:
    from django.core.management import call_command

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    if how == "reinit":
        call_command("system_reinit", confirm=True, no_safety_backup=True, reason="reset", **quiet)
    else:
        call_command("restore_backup", from_file=package, clean=True, reason="reset", **quiet)


def job_uuids() -> list[str]:
    from edms.backup.models import BackupJob, RestoreJob

    return [
        str(u)
        for model in (BackupJob, RestoreJob)
        for u in model.objects.values_list("uuid", flat=True)
    ]


def main() -> None:
    django.setup()
    from django.db import connections

    for line in sys.stdin:
        print(json.dumps(check(**json.loads(line))), flush=True)
        connections.close_all()


def check(package: str, reset: str = "", old: str = "") -> dict:
    from edms.audit import chain
    from edms.backup.models import BackupJob, RestoreJob

    counts, digest = business_state()
    report = {"counts": counts, "digest": digest, "next_start": next_start(package)}
    report["active_jobs"] = sum(
        model.objects.filter(status__in=("pending", "running")).count()
        for model in (BackupJob, RestoreJob)
    )
    report["stray_files"] = stray_files()
    report["audit_chain_ok"] = not chain.verify()
    report["reset"] = bool(reset) and digest != old
    if report["reset"]:
        reset_data(reset, package)
    report["digest_after"] = business_state()[1]
    report["known_jobs"] = job_uuids()
    return report


if __name__ == "__main__":
    main()
