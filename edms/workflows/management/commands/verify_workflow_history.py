import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from edms.backup.errors import BackupError
from edms.backup.restore.sources import open_source
from edms.workflows.history import HistoryReport, check_history, database_history


class Command(BaseCommand):
    help = (
        "Check workflow history — of this database, or of an exported FILE against this "
        "installation: states, workflow types and documents exist, each workflow's transitions "
        "follow on from each other and end in its current state. Exits 1 on any problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", nargs="?", type=Path, help="an exported history (default: the database)"
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, file: Path | None, **options) -> None:
        report = verify(file)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), indent=2))
        else:
            for problem in report.problems:
                self.stdout.write(f"  {problem}")
            workflows, transitions = report.counts.values()
            self.stdout.write(f"{workflows} workflows, {transitions} transitions checked")
        if not report.ok:
            raise CommandError(f"workflow history has {len(report.problems)} problem(s)")
        if not options["json"]:
            self.stdout.write(self.style.SUCCESS("workflow history is consistent"))


def verify(file: Path | None) -> HistoryReport:
    if file is None:
        return check_history(database_history())
    try:
        with open_source(file) as source:
            return check_history(source.iter_models())
    except BackupError as exc:
        raise CommandError(str(exc), returncode=exc.exit_code) from None
