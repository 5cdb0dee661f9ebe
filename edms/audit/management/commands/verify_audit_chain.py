"""`edms verify_audit_chain`: prove the audit trail intact, or name where it was tampered with."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import orjson

from edms.audit.chain import ChainReport, verify_report
from edms.core.command import EdmsCommand
from edms.core.errors import CheckFailed, NotFound, UsageError


class Command(EdmsCommand):
    help = (
        "Recompute the audit trail's hash chains and compare them with their anchors. Exits 0 "
        "when intact; otherwise exits 1 and names the first broken entry of each broken chain."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default="default", help="database alias to check")
        parser.add_argument(
            "--against",
            metavar="PACKAGE_OR_MANIFEST",
            help="also compare with the chain heads of a backup kept off this server: its "
            "package, or its manifest as JSON",
        )
        parser.add_argument("--passphrase-file", help="the package's passphrase (first line)")
        parser.add_argument("--identity-file", help="the package's age identity")
        parser.add_argument(
            "--adopt",
            action="store_true",
            help="with no anchor file yet, anchor the chains as they are (trust on first use)",
        )

    def run(self, *, database: str, against: str | None, adopt: bool, **options) -> ChainReport:
        manifest = None
        if against:
            manifest = offsite_heads(
                Path(against), options["passphrase_file"], options["identity_file"]
            )
        return verify_report(using=database, against=manifest, adopt=adopt)

    def as_json(self, report: ChainReport) -> dict:
        return {"intact": report.intact, **dataclasses.asdict(report)}

    def render(self, report: ChainReport) -> None:
        if report.intact:
            self.stdout.write(
                f"Audit trail intact: {report.entries} entries in {report.chains} chain(s) checked."
            )
        if report.anchors:
            self.stdout.write(f"Anchors: {report.anchors}")
        for note in report.notes:
            self.stdout.write(f"Note: {note}")
        for chain_break in report.breaks:
            self.stderr.write(f"BROKEN: {chain_break}")

    def failure(self, report: ChainReport) -> CheckFailed | None:
        if report.intact:
            return None
        return CheckFailed(
            f"audit trail tampered with: {len(report.breaks)} broken chain(s) in "
            f"{report.entries} entries; first: {report.breaks[0]}"
        )


def offsite_heads(path: Path, passphrase_file: str | None, identity_file: str | None) -> dict:
    """{"audit_heads", "created_at"} of a manifest as JSON or of a package; a package made
    before manifests carried heads gives the last audit entry of each chain it holds."""
    if not path.is_file():
        raise NotFound(f"{path} does not exist: name a backup package or its manifest (JSON)")
    with open(path, "rb") as stream:
        is_json = stream.read(1) == b"{"
    if is_json:
        manifest = orjson.loads(path.read_bytes())
    else:
        manifest = _package_heads(path, passphrase_file, identity_file)
    if not manifest.get("audit_heads") or not manifest.get("created_at"):
        raise UsageError(f"{path} records no audit chain heads to compare with")
    return manifest


def _package_heads(path: Path, passphrase_file: str | None, identity_file: str | None) -> dict:
    # The backup app builds on the audit app: read its packages through a late import.
    from edms.backup.package import crypto
    from edms.backup.package.reader import open_package

    secrets = {
        "passphrase": crypto.read_passphrase(passphrase_file),
        "identity": crypto.read_identity(identity_file),
    }
    with open_package(path, **secrets) as package:
        manifest = dict(package.manifest)
        if "audit_heads" not in manifest:
            entries = (
                r["fields"]
                for label, rs in package.iter_models()
                for r in rs
                if label == "audit.audittrail"
            )
            manifest["audit_heads"] = _last_of_each_chain(entries)
    return manifest


def _last_of_each_chain(entries) -> dict[str, dict]:
    heads: dict[str, dict] = {}
    for entry in entries:
        if entry["sequence"] > heads.get(entry["chain"], {}).get("sequence", 0):
            heads[entry["chain"]] = {
                "sequence": entry["sequence"],
                "entry_hash": entry["entry_hash"],
            }
    return heads
