"""Verify a package without touching the database: every member's size and SHA-256, every
record line, the counts and the content digest against the manifest."""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import orjson

from edms.backup.digest import ContentDigest, business_labels
from edms.backup.errors import (
    BackupError,
    CorruptPackage,
    DecryptionFailed,
    RecordTooLarge,
    UnsafePackage,
    UnsupportedFormat,
)
from edms.backup.package import sidecar
from edms.backup.package.reader import check_lines, open_package
from edms.core.errors import EdmsError, UsageError
from edms.core.progress import NO_PROGRESS, Progress

REPORTED_ERRORS = (
    CorruptPackage,
    UnsupportedFormat,
    UnsafePackage,
    RecordTooLarge,
    DecryptionFailed,
)


@dataclass
class VerifyReport:
    path: str
    ok: bool = False
    problems: list[str] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)  # package, unpacked, files
    seconds: float = 0.0
    error_type: str = ""
    exit_code: int = 0

    def error(self) -> EdmsError | None:
        """The failure as its error type (so the command's exit code), or None when sound."""
        if self.ok:
            return None
        kinds = {kind.__name__: kind for kind in REPORTED_ERRORS}
        kind = kinds.get(self.error_type, UsageError if self.exit_code == 2 else CorruptPackage)
        return kind(f"{self.path} is not a sound backup:\n  " + "\n  ".join(self.problems))

    def as_json(self) -> dict:
        data = asdict(self)
        data["manifest"] = {k: v for k, v in self.manifest.items() if k != "members"}
        return data


def verify_package(
    path: Path,
    *,
    passphrase: str | None = None,
    identity: str | None = None,
    progress: Progress = NO_PROGRESS,
) -> VerifyReport:
    """Read the whole package and report exactly what, if anything, is wrong."""
    path = Path(path)
    report = VerifyReport(str(path))
    started = time.monotonic()
    try:
        report.sizes["package"] = path.stat().st_size
        _check_sidecar(path, report)
        with open_package(path, passphrase=passphrase, identity=identity) as package:
            report.manifest = package.manifest
            _check_members(package, report, progress)
    except BackupError as exc:
        report.problems.append(str(exc))
        report.error_type, report.exit_code = type(exc).__name__, exc.exit_code
    except OSError as exc:
        report.problems.append(f"cannot read {path}: {exc}")
        report.error_type, report.exit_code = type(exc).__name__, 2
    if report.problems and not report.exit_code:
        report.error_type, report.exit_code = "CorruptPackage", 3
    report.ok = not report.problems
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _check_members(package, report: VerifyReport, progress: Progress) -> None:
    manifest = package.manifest
    total = sum(member.size for member in package.members)
    digest, business = ContentDigest(), business_labels()
    unpacked = file_bytes = 0
    for member, stream in package.iter_members():
        label = member.label
        if label is not None:
            count = 0
            for lines in stream.iter_line_batches():
                check_lines(member, count + 1, lines)
                if label in business:
                    digest.add_lines(label, lines)
                count += len(lines)
            report.counts[label] = count
            if count != member.records:
                report.problems.append(
                    f"{member.name}: {count} records, the manifest says {member.records}"
                )
        else:
            file_bytes += member.size
        stream.finish()
        unpacked += member.size
        progress("verify", unpacked, total)
    report.sizes.update(unpacked=unpacked, files=file_bytes)
    expected_counts = manifest.get("record_counts", {})
    if expected_counts != report.counts:
        report.problems.append(
            f"manifest record_counts {expected_counts} differ from the records {report.counts}"
        )
    if manifest.get("content_digest") and digest.hexdigest() != manifest["content_digest"]:
        report.problems.append(
            f"content digest of the records is {digest.hexdigest()}, "
            f"the manifest says {manifest['content_digest']}"
        )


def _check_sidecar(path: Path, report: VerifyReport) -> None:
    """If the metadata file beside the package names a checksum, the whole file must match."""
    try:
        expected = sidecar.read(path).get("sha256")
    except CorruptPackage as exc:
        report.problems.append(str(exc))
        return
    if not expected:
        return
    with open(path, "rb") as f:
        actual = hashlib.file_digest(f, "sha256").hexdigest()
    if actual != expected:
        report.problems.append(
            f"{path.name}: sha256 {actual} differs from {expected} in its sidecar "
            f"{sidecar.path_of(path).name}"
        )


def report_json(report: VerifyReport) -> bytes:
    return orjson.dumps(report.as_json(), option=orjson.OPT_INDENT_2)
