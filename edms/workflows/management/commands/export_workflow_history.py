from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandParser
from django.utils import timezone

from edms.core.command import EdmsCommand
from edms.workflows.history import ExportResult, export_history


class Command(EdmsCommand):
    help = (
        "Write every workflow run and state transition to a JSON Lines file with natural keys "
        "(a Django fixture: import_workflow_history or loaddata read it)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help="file to write (default: BACKUP_DIR/workflow_history_<time>.jsonl)",
        )

    def run(self, *, output: Path | None, **options) -> ExportResult:
        stamp = timezone.now().strftime("%Y%m%d_%H%M%S")
        return export_history(
            output or Path(settings.BACKUP_DIR) / f"workflow_history_{stamp}.jsonl"
        )

    def render(self, result: ExportResult) -> None:
        workflows, transitions = result.counts.values()
        self.stdout.write(
            self.style.SUCCESS(
                f"exported {workflows} workflows and {transitions} transitions to {result.path}"
            )
        )
        self.stdout.write(f"  sha256: {result.sha256}")
