from pathlib import Path

from django.core.management.base import CommandParser

from edms.backup.operations import recording
from edms.backup.package import crypto
from edms.backup.verify import VerifyReport, verify_package
from edms.core.command import EdmsCommand


class Command(EdmsCommand):
    help = (
        "Re-read a backup package without touching the database: format version, every "
        "member's size and SHA-256, every record line, record counts and the content digest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--passphrase-file",
            help=f"for encrypted packages (else {crypto.PASSPHRASE_ENV})",
        )
        parser.add_argument(
            "--identity-file", help=f"age identity file (else {crypto.IDENTITY_ENV})"
        )

    def run(self, *, path: Path, **options) -> VerifyReport:
        recording.clean_dead_runs()  # like every start: what killed runs left goes first
        passphrase = crypto.read_passphrase(options["passphrase_file"])
        identity = crypto.read_identity(options["identity_file"])
        with self.progress() as progress:
            return verify_package(path, passphrase=passphrase, identity=identity, progress=progress)

    def failure(self, report: VerifyReport):
        return report.error()

    def render(self, report: VerifyReport) -> None:
        if not report.ok:
            return
        records = sum(report.counts.values())
        files = len(report.manifest.get("members", [])) - len(report.counts)
        self.stdout.write(
            self.style.SUCCESS(f"OK: {report.path}")
            + f"\n  {report.manifest.get('backup_type')} backup, format "
            f"{report.manifest.get('format_version')}, {records} records, {files} files, "
            f"{report.sizes['package']} bytes read in {report.seconds} s"
        )
