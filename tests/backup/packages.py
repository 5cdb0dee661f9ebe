"""Build and take apart package files at the tar level, as an attacker or a bad disk would."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import zstandard


def tar_bytes(package: Path) -> bytes:
    """The decompressed tar stream of a zstd package."""
    with open(package, "rb") as f:
        return zstandard.ZstdDecompressor().stream_reader(f).read()


def write_zstd(path: Path, data: bytes) -> Path:
    path.write_bytes(zstandard.ZstdCompressor(write_checksum=True).compress(data))
    return path


def member_offsets(tar: bytes) -> dict[str, tuple[int, int]]:
    """Member name -> (offset of its data in the tar stream, size)."""
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        return {info.name: (info.offset_data, info.size) for info in archive.getmembers()}


def manifest_for(members: dict[str, bytes], **overrides) -> dict:
    """A manifest listing `members` with their true sizes and checksums."""
    manifest = {
        "format": "edms-backup",
        "format_version": 1,
        "backup_type": "full",
        "record_counts": {},
        "content_digest": None,
        "members": [
            {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in members.items()
        ],
    }
    manifest.update(overrides)
    return manifest


def build_package(path: Path, manifest: dict, entries: list[tarfile.TarInfo | tuple]) -> Path:
    """A zstd tar with manifest.json first, then `entries`: (name, bytes) pairs or TarInfos
    (links, devices) written as given."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        _add(archive, "manifest.json", json.dumps(manifest).encode())
        for entry in entries:
            if isinstance(entry, tarfile.TarInfo):
                archive.addfile(entry)
            else:
                _add(archive, *entry)
    return write_zstd(path, buffer.getvalue())


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))
