import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from edms.workflows.history import export_history


class Command(BaseCommand):
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
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, output: Path | None, **options) -> None:
        stamp = timezone.now().strftime("%Y%m%d_%H%M%S")
        output = output or Path(settings.BACKUP_DIR) / f"workflow_history_{stamp}.jsonl"
        result = export_history(output)
        if options["json"]:
            self.stdout.write(json.dumps(result.__dict__, indent=2))
            return
        workflows, transitions = result.counts.values()
        self.stdout.write(
            self.style.SUCCESS(
                f"exported {workflows} workflows and {transitions} transitions to {result.path}"
            )
        )
        self.stdout.write(f"  sha256: {result.sha256}")
