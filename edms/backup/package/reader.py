"""Read a package as a stream, trusting nothing until it is checked.

Every read is one pass over the (decrypted, decompressed) tar stream: ``manifest.json`` first,
then the members in manifest order. Names, types and sizes are checked against the manifest
before a byte is used; each member's SHA-256 and size are checked when it has been read.
``iter_models`` and ``iter_files`` each make their own pass, so they can be used in any order.
"""

from __future__ import annotations

import contextlib
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path

import orjson

from edms.backup.errors import CorruptPackage, UnsafePackage
from edms.backup.package import crypto
from edms.backup.package.manifest import (
    MANIFEST_MAX_BYTES,
    MANIFEST_NAME,
    Member,
    validate,
)
from edms.backup.package.streams import (
    STREAM_ERRORS,
    BoundedReader,
    CheckedMember,
    damaged,
    open_decompressed,
)
from edms.backup.spool import Spool

DEFAULT_MAX_EXPANSION = 200  # bytes unpacked per byte of package, beyond EXPANSION_FLOOR
EXPANSION_FLOOR = 64 * 1024 * 1024
_TAR_OVERHEAD = 1024  # header and padding per member


class PackageReader:
    """An open package. Use through :func:`open_package`."""

    def __init__(
        self,
        path: Path,
        *,
        passphrase: str | None = None,
        identity: str | None = None,
        max_expansion: int = DEFAULT_MAX_EXPANSION,
    ) -> None:
        self.path = Path(path)
        self.encrypted = crypto.is_encrypted(self.path)
        # Only an encrypted package needs a spool: its decrypted copy, kept out of /tmp.
        self._work = Spool().__enter__() if self.encrypted else None
        self.plain_path = self.path
        self._manifest_bytes = b""
        self.manifest: dict = {}
        self.members: list[Member] = []
        try:
            if self.encrypted:
                self.plain_path = self._work.path / "package.tar"
                crypto.decrypt_file(
                    self.path, self.plain_path, passphrase=passphrase, identity=identity
                )
            size = self.plain_path.stat().st_size
            self.expansion_limit = max(EXPANSION_FLOOR, size * max_expansion)
            for _ in self._pass(stop_after_manifest=True):
                pass
        except BaseException:
            self.close()  # a decrypted copy never outlives a refused package
            raise

    # -- public reading API ------------------------------------------------------------

    def iter_members(self) -> Iterator[tuple[Member, CheckedMember]]:
        """Every member with a checked stream; the check runs when the caller moves on."""
        yield from self._pass()

    def iter_record_members(self) -> Iterator[tuple[Member, CheckedMember]]:
        """The records members only, as stored: the stored files after them are not read."""
        yield from self._pass(records_only=True)

    def iter_models(self) -> Iterator[tuple[str, Iterator[dict]]]:
        """``(label, records)`` per records member, in the order written (dependency order)."""
        for member, stream in self._pass(records_only=True):
            yield member.label, _records(member, stream)

    def iter_files(self) -> Iterator[tuple[str, int, CheckedMember]]:
        """``(sha256, size, stream)`` per stored file; the checksum is checked after each one."""
        for member, stream in self._pass():
            if member.label is None:
                yield member.sha256, member.size, stream

    def extract_files(self, dest_dir: Path) -> dict[str, Path]:
        """Copy every stored file to ``dest_dir/<sha256>`` (0600). All or nothing: if any
        member is damaged or hostile, the files extracted so far are removed again."""
        dest_dir = Path(dest_dir)
        dest_dir.mkdir(parents=True, exist_ok=True)
        extracted: dict[str, Path] = {}
        partial = dest_dir / ".extracting.partial"
        try:
            for sha256, _size, stream in self.iter_files():
                fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as out:
                    while chunk := stream.read(1024 * 1024):
                        out.write(chunk)
                stream.finish()
                extracted[sha256] = partial.replace(dest_dir / sha256)
        except BaseException:
            for path in [partial, *extracted.values()]:
                path.unlink(missing_ok=True)
            raise
        return extracted

    def close(self) -> None:
        if self._work is not None:
            self._work.close()

    def __enter__(self) -> PackageReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- one pass over the tar stream ----------------------------------------------------

    def _pass(
        self, stop_after_manifest: bool = False, records_only: bool = False
    ) -> Iterator[tuple[Member, CheckedMember]]:
        raw = BoundedReader(open_decompressed(self.plain_path), self.expansion_limit)
        where = MANIFEST_NAME
        try:
            with contextlib.closing(raw):
                tar = tarfile.open(fileobj=raw, mode="r|")  # noqa: SIM115 - raw is closed
                self._read_manifest(tar)
                if stop_after_manifest:
                    return
                expected = {member.name: member for member in self.members}
                for info in _members(tar):
                    where = info.name
                    member = _expected_member(info, expected)
                    if records_only and member.label is None:
                        _check_no_records_missing(expected)
                        return
                    stream = CheckedMember(member, tar.extractfile(info))
                    yield member, stream
                    stream.finish()
                    where = f"after {info.name}"
                if expected:
                    missing = next(iter(expected))
                    raise CorruptPackage(f"member {missing} is missing from the package")
                _check_archive_end(tar, raw)
        except STREAM_ERRORS as exc:
            raise damaged(where, exc) from exc

    def _read_manifest(self, tar: tarfile.TarFile) -> None:
        info = tar.next()
        if info is None or info.name != MANIFEST_NAME:
            raise CorruptPackage(f"the package does not start with {MANIFEST_NAME}")
        _check_safe(info)
        if info.size > MANIFEST_MAX_BYTES:
            raise UnsafePackage(f"{MANIFEST_NAME} is {info.size} bytes, over {MANIFEST_MAX_BYTES}")
        data = tar.extractfile(info).read()
        if self._manifest_bytes:
            if data != self._manifest_bytes:
                raise CorruptPackage(f"{MANIFEST_NAME} changed between two reads of the package")
            return
        try:
            manifest = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise CorruptPackage(f"{MANIFEST_NAME} is not valid JSON: {exc}") from exc
        members = validate(manifest)
        declared = sum(member.size + _TAR_OVERHEAD for member in members)
        if declared > self.expansion_limit:
            raise UnsafePackage(
                f"the manifest declares {declared} bytes of members, more than the expansion "
                f"bound of {self.expansion_limit} bytes for a package of this size"
            )
        self._manifest_bytes, self.manifest, self.members = data, manifest, members


def open_package(
    path: Path,
    *,
    passphrase: str | None = None,
    identity: str | None = None,
    max_expansion: int = DEFAULT_MAX_EXPANSION,
) -> PackageReader:
    """Open a package file for reading (a context manager); the manifest is checked at once."""
    return PackageReader(
        path, passphrase=passphrase, identity=identity, max_expansion=max_expansion
    )


def _members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    while (info := tar.next()) is not None:
        yield info


def _check_safe(info: tarfile.TarInfo) -> None:
    name = info.name
    if name.startswith("/") or ".." in Path(name).parts or "\\" in name:
        raise UnsafePackage(f"member {name!r} points outside the package")
    if not info.isfile():
        raise UnsafePackage(f"member {name!r} is a link, device or directory, not a regular file")


def _expected_member(info: tarfile.TarInfo, expected: dict[str, Member]) -> Member:
    _check_safe(info)
    member = expected.pop(info.name, None)
    if member is None:
        raise UnsafePackage(f"member {info.name!r} is not listed in the manifest (or repeated)")
    if info.size > member.size:
        raise UnsafePackage(
            f"{info.name}: the archive declares {info.size} bytes, the manifest {member.size}"
        )
    if info.size < member.size:
        raise CorruptPackage(f"{info.name}: {info.size} bytes, the manifest says {member.size}")
    return member


def _check_archive_end(tar: tarfile.TarFile, raw: BoundedReader) -> None:
    """After the last member: the end-of-archive blocks, then only zeros to the end of the
    stream (read to its end, so the compression's own checksum is checked too)."""
    zeros = 0
    for chunk in raw.rest_from(tar.offset):
        if chunk.count(0) != len(chunk):
            raise CorruptPackage(
                f"data after the end of the tar archive (from byte {tar.offset + zeros} of the "
                "unpacked stream): not a package as EDMS writes it"
            )
        zeros += len(chunk)
    if zeros < 2 * tarfile.BLOCKSIZE:
        raise CorruptPackage("the tar archive has no end-of-archive marker: it is truncated")


def _check_no_records_missing(expected: dict[str, Member]) -> None:
    for member in expected.values():
        if member.label is not None:
            raise CorruptPackage(f"member {member.name} is missing from the package")


def _records(member: Member, stream: CheckedMember) -> Iterator[dict]:
    """Parse a records member line by line, checking each line and the count."""
    count = 0
    for count, line in enumerate(stream.iter_lines(), start=1):  # noqa: B007
        record = parse_record(member, count, line)
        yield record
    if member.records is not None and count != member.records:
        raise CorruptPackage(f"{member.name}: {count} records, the manifest says {member.records}")


def parse_record(member: Member, line_number: int, line: bytes) -> dict:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise CorruptPackage(f"{member.name} line {line_number}: invalid JSON ({exc})") from exc
    check_record(member, line_number, record)
    return record


def check_record(member: Member, line_number: int, record: object) -> None:
    if (
        not isinstance(record, dict)
        or record.get("model") != member.label
        or not isinstance(record.get("fields"), dict)
    ):
        raise CorruptPackage(
            f"{member.name} line {line_number}: not a {member.label} record "
            '({"model": ..., "fields": {...}})'
        )


def check_lines(member: Member, first_line_number: int, lines: list[bytes]) -> None:
    """Check a batch of record lines: each one JSON object of the member's model."""
    label, loads = member.label, orjson.loads
    for number, line in enumerate(lines, start=first_line_number):
        try:
            record = loads(line)
        except orjson.JSONDecodeError as exc:
            raise CorruptPackage(f"{member.name} line {number}: invalid JSON ({exc})") from exc
        well_formed = type(record) is dict and record.get("model") == label
        if not well_formed or type(record.get("fields")) is not dict:
            check_record(member, number, record)
