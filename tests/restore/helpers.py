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


def whole_dump(using: str = "default", exclude_jobs: bool = False) -> list[str]:
    """Every model (the jobs a restore records aside): for 'nothing changed' after a refusal."""
    out = io.StringIO()
    exclude = ["sessions", "contenttypes", "auth.permission"]
    exclude += ["backup.restorejob", "backup.backupjob"] if exclude_jobs else []
    call_command(
        "dumpdata",
        natural_foreign=True,
        natural_primary=True,
        database=using,
        stdout=out,
        exclude=exclude,
    )
    records = orjson.loads(out.getvalue())
    return sorted(orjson.dumps(r, option=orjson.OPT_SORT_KEYS).decode() for r in records)


def stored_files(root: Path) -> list[str]:
    root = Path(root)
    return (
        sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        if root.exists()
        else []
    )


def without_restore_entries(lines: list[str]) -> list[str]:
    """The dump without the audit entries a restore or reinit appends about itself (the
    restore's own entry and those of the role grants it made)."""
    own = ('"action":"BACKUP_RESTORED"', '"action":"SYSTEM_REINIT"', '"by":"restore"')
    return [line for line in lines if not any(marker in line for marker in own)]


def repack(source: Path, target: Path, *, manifest=None, member=None) -> Path:
    """Rewrite a (small, zstd) package: ``manifest(dict) -> dict`` and ``member(name, data) ->
    data`` change what they return, so tests can forge damaged or future packages."""
    import tarfile

    import zstandard

    with open(source, "rb") as f:
        raw = zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True).read()
    entries = []
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
        for info in tar.getmembers():
            data = tar.extractfile(info).read()
            if info.name == "manifest.json" and manifest:
                data = orjson.dumps(manifest(orjson.loads(data)))
            elif member:
                data = member(info.name, data)
            entries.append((info.name, data))
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:") as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    target.write_bytes(zstandard.ZstdCompressor().compress(out.getvalue()))
    return target


def forge(source: Path, target: Path, edit, *, recompute_digest: bool = True) -> Path:
    """Rewrite a (small, zstd) package as a careful forger would: ``edit(label, records)``
    returns each model's new records; then every member's size and SHA-256, the record counts
    and (unless told not to) the content digest are recomputed to match."""
    import hashlib
    import tarfile

    import zstandard

    from edms.backup.digest import ContentDigest, business_labels
    from edms.backup.package.manifest import RECORDS_MEMBER
    from edms.backup.serialize import canonical_line

    with open(source, "rb") as f:
        raw = zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True).read()
    entries, manifest = [], None
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
        for info in tar.getmembers():
            data = tar.extractfile(info).read()
            if info.name == "manifest.json":
                manifest = orjson.loads(data)
                continue
            match = RECORDS_MEMBER.fullmatch(info.name)
            if match:
                records = [orjson.loads(line) for line in data.splitlines() if line.strip()]
                data = b"".join(canonical_line(r) + b"\n" for r in edit(match.group(1), records))
            entries.append((info.name, data))
    digest, business = ContentDigest(), business_labels()
    by_name = {name: data for name, data in entries}
    for member in manifest["members"]:
        data = by_name[member["name"]]
        member.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
        match = RECORDS_MEMBER.fullmatch(member["name"])
        if match:
            lines = data.splitlines()
            member["records"] = len(lines)
            manifest["record_counts"][match.group(1)] = len(lines)
            if lines and match.group(1) in business:
                digest.add_lines(match.group(1), lines)
    if recompute_digest:
        manifest["content_digest"] = digest.hexdigest()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:") as tar:
        for name, data in [("manifest.json", orjson.dumps(manifest)), *entries]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    target.write_bytes(zstandard.ZstdCompressor().compress(out.getvalue()))
    return target


def assert_restored(before: list[str], after: list[str]) -> None:
    """After == before plus the restore's own audit entry (and those of the role grants it
    made)."""
    missing = sorted(set(before) - set(after))
    added = [line for line in sorted(set(after) - set(before)) if '"by":"restore"' not in line]
    assert missing == [], f"records lost or changed by the restore: {missing[:3]}"
    assert len(added) == 1 and '"action":"BACKUP_RESTORED"' in added[0], added[:3]
