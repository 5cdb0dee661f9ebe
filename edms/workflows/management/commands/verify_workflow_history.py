from pathlib import Path

from django.core.management.base import CommandParser

from edms.backup.restore.sources import open_source
from edms.core.command import EdmsCommand
from edms.core.errors import CheckFailed
from edms.workflows.history import HistoryReport, check_history, database_history


class Command(EdmsCommand):
    help = (
        "Check workflow history — of this database, or of an exported FILE against this "
        "installation: states, workflow types and documents exist, each workflow's transitions "
        "follow on from each other and end in its current state. Exits 1 on any problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", nargs="?", type=Path, help="an exported history (default: the database)"
        )

    def run(self, *, file: Path | None, **options) -> HistoryReport:
        return verify(file)

    def render(self, report: HistoryReport) -> None:
        for problem in report.problems:
            self.stdout.write(f"  {problem}")
        workflows, transitions = report.counts.values()
        self.stdout.write(f"{workflows} workflows, {transitions} transitions checked")
        if report.ok:
            self.stdout.write(self.style.SUCCESS("workflow history is consistent"))

    def failure(self, report: HistoryReport) -> CheckFailed | None:
        if report.ok:
            return None
        return CheckFailed(
            f"workflow history has {len(report.problems)} problem(s), first: {report.problems[0]}"
        )


def verify(file: Path | None) -> HistoryReport:
    """The database's history, or the file's checked against this installation."""
    if file is None:
        return check_history(database_history())
    with open_source(file) as source:
        return check_history(source.iter_models())
