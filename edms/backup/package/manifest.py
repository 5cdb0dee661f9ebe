"""The package manifest: what a package claims to hold, checked before anything is trusted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from edms.backup.errors import CorruptPackage, UnsafePackage, UnsupportedFormat

FORMAT_NAME = "edms-backup"
FORMAT_VERSION = 1
SUPPORTED_VERSIONS = frozenset({1})
MANIFEST_NAME = "manifest.json"
MANIFEST_MAX_BYTES = 256 * 1024 * 1024
SIDECAR_SUFFIX = ".metadata.json"  # the metadata file written beside a package

RECORDS_MEMBER = re.compile(r"records/[0-9]{3}-([a-z0-9_]+\.[a-z0-9_]+)\.jsonl")
FILE_MEMBER = re.compile(r"files/([0-9a-f]{64})")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def records_member(position: int, label: str) -> str:
    """``records/007-documents.document.jsonl``: the number makes a shell glob list the members
    in dependency order, which is the order Django's ``loaddata`` needs them in."""
    return f"records/{position:03d}-{label}.jsonl"


def file_member(sha256: str) -> str:
    return f"files/{sha256}"


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    sha256: str
    records: int | None = None  # for records members: how many lines

    @cached_property
    def label(self) -> str | None:
        match = RECORDS_MEMBER.fullmatch(self.name)
        return match.group(1) if match else None

    def as_json(self) -> dict:
        data = {"name": self.name, "size": self.size, "sha256": self.sha256}
        if self.records is not None:
            data["records"] = self.records
        return data


def validate(manifest: object) -> list[Member]:
    """Check the manifest's shape and return its members in package order.

    Raises UnsupportedFormat for another format or version, UnsafePackage for member names
    that could escape an extraction directory, CorruptPackage for anything else malformed.
    """
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise UnsupportedFormat(f"{MANIFEST_NAME} does not describe an EDMS backup package")
    version = manifest.get("format_version")
    if type(version) is not int or version not in SUPPORTED_VERSIONS:
        raise UnsupportedFormat(
            f"package format version {version!r} is not supported by this EDMS "
            f"(supported: {sorted(SUPPORTED_VERSIONS)}); upgrade EDMS to read it"
        )
    for key, fits in _FIELDS.items():
        if key in manifest and not fits(manifest[key]):
            raise CorruptPackage(f"{MANIFEST_NAME}: {key!r} is not {fits.__doc__}")
    entries = manifest.get("members")
    if not isinstance(entries, list):
        raise CorruptPackage(f"{MANIFEST_NAME}: 'members' is missing or not a list")
    members, seen = [], set()
    for entry in entries:
        member = _member(entry)
        if member.name in seen:
            raise CorruptPackage(f"{MANIFEST_NAME}: member {member.name} is listed twice")
        seen.add(member.name)
        members.append(member)
    return members


def _member(entry: object) -> Member:
    if not isinstance(entry, dict):
        raise CorruptPackage(f"{MANIFEST_NAME}: a member entry is not an object: {entry!r}")
    name, size, sha256 = entry.get("name"), entry.get("size"), entry.get("sha256")
    records = entry.get("records")
    if not isinstance(name, str):
        raise CorruptPackage(f"{MANIFEST_NAME}: a member has no name: {entry!r}")
    file_match = FILE_MEMBER.fullmatch(name)
    if not (RECORDS_MEMBER.fullmatch(name) or file_match):
        raise UnsafePackage(f"{MANIFEST_NAME} lists a member name EDMS never writes: {name!r}")
    if not _count(size):
        raise CorruptPackage(f"{MANIFEST_NAME}: member {name} has an invalid size {size!r}")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise CorruptPackage(f"{MANIFEST_NAME}: member {name} has an invalid sha256 {sha256!r}")
    if file_match and file_match.group(1) != sha256:
        raise CorruptPackage(f"{MANIFEST_NAME}: file member {name} lists sha256 {sha256}")
    if records is not None and not _count(records):
        raise CorruptPackage(f"{MANIFEST_NAME}: member {name} has an invalid record count")
    return Member(name, size, sha256, records)


def _count(value: object) -> bool:
    """a whole number of at least 0"""
    return type(value) is int and value >= 0


def _text(value: object) -> bool:
    """text"""
    return isinstance(value, str)


def _digest(value: object) -> bool:
    """a hex digest or null"""
    return value is None or (isinstance(value, str) and bool(_SHA256.fullmatch(value)))


def _counts(value: object) -> bool:
    """an object of record counts per model"""
    return isinstance(value, dict) and all(_count(count) for count in value.values())


def _migrations(value: object) -> bool:
    """an object of migration names per app"""
    return isinstance(value, dict) and all(
        isinstance(names, str) or (isinstance(names, list) and all(map(_text, names)))
        for names in value.values()
    )


def _object(value: object) -> bool:
    """an object"""
    return isinstance(value, dict)


# The fields other stages read from a manifest, each with the test its value must pass.
_FIELDS = {
    "backup_type": _text,
    "created_at": _text,
    "edms_version": _text,
    "instance_id": _text,
    "content_digest": _digest,
    "file_count": _count,
    "record_counts": _counts,
    "migrations": _migrations,
    "audit_heads": _object,
    "export": _object,
}
