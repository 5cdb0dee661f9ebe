import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from edms.backup.restore.cli import run_restore
from edms.backup.restore.plan import CONFLICT_POLICIES
from edms.workflows.management.commands.verify_workflow_history import verify


class Command(BaseCommand):
    help = (
        "Load workflow runs and transitions exported by export_workflow_history. The file is "
        "checked first (states, types and documents must exist here; transitions must chain); "
        "then the restore engine loads it by natural key in one transaction and validates it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
        parser.add_argument(
            "--conflict",
            choices=CONFLICT_POLICIES,
            default="keep",
            help="a workflow that exists and differs: keep it (default), update it, or fail",
        )
        parser.add_argument("--reason", default="", help="why: recorded in the audit trail")
        parser.add_argument("--json", action="store_true", help="print one JSON result object")

    def handle(self, *args, file: Path, **options) -> None:
        report = verify(file)
        if not report.ok:
            if options["json"]:
                self.stdout.write(json.dumps({"ok": False, **report.as_json()}, indent=2))
            raise CommandError(
                f"{file} cannot be imported here; nothing was changed:\n  "
                + "\n  ".join(report.problems)
            )
        options.update(clean=False, passphrase_file=None, identity_file=None)
        run_restore(self, str(file), options, only=["workflows"])
