from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from edms.backup.errors import BackupError
from edms.backup.package import crypto
from edms.backup.progress import terminal_progress
from edms.backup.verify import report_json, verify_package


class Command(BaseCommand):
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
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, path: Path, **options) -> None:
        try:
            passphrase = crypto.read_passphrase(options["passphrase_file"])
            identity = crypto.read_identity(options["identity_file"])
        except BackupError as exc:
            raise CommandError(str(exc), returncode=2) from None
        show_bar = not options["json"] and self.stderr.isatty()
        with terminal_progress(show_bar) as progress:
            report = verify_package(
                path, passphrase=passphrase, identity=identity, progress=progress
            )
        if options["json"]:
            self.stdout.write(report_json(report).decode())
        elif report.ok:
            records = sum(report.counts.values())
            files = len(report.manifest.get("members", [])) - len(report.counts)
            self.stdout.write(
                self.style.SUCCESS(f"OK: {path}")
                + f"\n  {report.manifest.get('backup_type')} backup, format "
                f"{report.manifest.get('format_version')}, {records} records, {files} files, "
                f"{report.sizes['package']} bytes read in {report.seconds} s"
            )
        if not report.ok:
            raise CommandError(
                f"{path} is not a sound backup:\n  " + "\n  ".join(report.problems),
                returncode=report.exit_code,
            )
