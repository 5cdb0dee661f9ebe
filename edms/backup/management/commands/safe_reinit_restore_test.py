import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from edms.backup.progress import terminal_progress
from edms.backup.restore.cli import to_json
from edms.backup.restore.drill import reinit_restore_rehearsal


class Command(BaseCommand):
    help = (
        "Rehearse backup -> system reinit -> restore on a scratch copy of this system and compare "
        "the business data before and after. The live system is untouched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON result object")

    def handle(self, *args, **options) -> None:
        with terminal_progress(not options["json"] and sys.stderr.isatty()) as progress:
            report = reinit_restore_rehearsal(progress)
        if options["json"]:
            self.stdout.write(to_json(report.to_json()))
        elif report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Backup, reinit and restore rehearsed on a scratch copy: all {report.records} "
                    f"business records came back identical ({report.seconds} s)"
                )
            )
        if not report.ok:
            detail = report.error or (
                f"{len(report.missing)} record(s) lost, e.g. {report.missing[:3]}; "
                f"{len(report.unexpected)} unexpected, e.g. {report.unexpected[:3]}"
            )
            raise CommandError(f"rehearsal FAILED: {detail}", returncode=8)
