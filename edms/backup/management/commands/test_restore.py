import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from edms.backup.package import crypto
from edms.backup.progress import terminal_progress
from edms.backup.restore.cli import to_json
from edms.backup.restore.drill import test_restore


class Command(BaseCommand):
    help = (
        "Restore drill: restore a backup into a scratch database and storage, validate it, run "
        "the health checks there, report, and remove the scratch copy. The live system is "
        "untouched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="backup package or fixture")
        parser.add_argument("--passphrase-file", help="for an encrypted package (first line)")
        parser.add_argument("--identity-file", help="age identity file for an encrypted package")
        parser.add_argument("--json", action="store_true", help="print one JSON result object")

    def handle(self, *args, **options) -> None:
        with terminal_progress(not options["json"] and sys.stderr.isatty()) as progress:
            report = test_restore(
                options["path"],
                passphrase=crypto.read_passphrase(options["passphrase_file"]),
                identity=crypto.read_identity(options["identity_file"]),
                progress=progress,
            )
        if options["json"]:
            self.stdout.write(to_json(report.to_json()))
        elif report.ok:
            restored = report.restore
            self.stdout.write(
                self.style.SUCCESS(
                    f"Restore drill passed: {restored['records']} records restored into a "
                    f"scratch copy and validated in {report.seconds} s"
                )
            )
            for check in restored["validation"] + report.health["checks"]:
                self.stdout.write(f"  ok: {check['name']}: {check['detail']}")
        if not report.ok:
            failed = report.error or "; ".join(
                f"{c['name']}: {c['detail']}" for c in report.health["checks"] if not c["ok"]
            )
            raise CommandError(f"restore drill FAILED: {failed}", returncode=_exit_code(report))


def _exit_code(report) -> int:
    from edms.backup import errors

    error_type = getattr(errors, report.error_type, None)
    return getattr(error_type, "exit_code", 1)
