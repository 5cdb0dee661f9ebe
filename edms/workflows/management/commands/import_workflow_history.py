from pathlib import Path

from django.core.management.base import CommandParser

from edms.backup.management.restore_command import perform_restore
from edms.backup.management.restore_command import render as render_restore
from edms.backup.restore.plan import CONFLICT_POLICIES
from edms.backup.restore.service import RestoreReport
from edms.core.command import EdmsCommand
from edms.core.errors import CheckFailed
from edms.workflows.history import HistoryReport
from edms.workflows.management.commands.verify_workflow_history import verify


class Command(EdmsCommand):
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

    def run(self, *, file: Path, **options) -> HistoryReport | RestoreReport:
        """The refusing check's report, or the restore's."""
        checked = verify(file)
        if not checked.ok:
            return checked
        with self.progress() as progress:
            return perform_restore(str(file), {**options, "clean": False}, ["workflows"], progress)

    def render(self, result: HistoryReport | RestoreReport) -> None:
        if isinstance(result, RestoreReport):
            render_restore(self, result)

    def failure(self, result: HistoryReport | RestoreReport) -> CheckFailed | None:
        if isinstance(result, RestoreReport):
            return None
        return CheckFailed(
            "the history cannot be imported here; nothing was changed:\n  "
            + "\n  ".join(result.problems)
        )
