"""What the restore commands share: their options, the restore recorded as a RestoreJob, and
the output (a plan table on a terminal, or one JSON object with --json)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from edms.backup.operations import jobs
from edms.backup.package import crypto
from edms.backup.restore.plan import CONFLICT_POLICIES, GROUPS
from edms.backup.restore.service import RestoreReport
from edms.core.command import EdmsCommand
from edms.core.progress import NO_PROGRESS, Progress


def add_restore_arguments(parser: CommandParser, *, only: bool = True) -> None:
    parser.add_argument("--clean", action="store_true", help="replace all business data")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    parser.add_argument(
        "--conflict",
        choices=CONFLICT_POLICIES,
        default="keep",
        help="a record that exists and differs: keep it (default), update it, or fail",
    )
    if only:
        parser.add_argument(
            "--only",
            help=f"comma-separated groups ({', '.join(GROUPS)}); their dependencies come too",
        )
    parser.add_argument("--reason", default="", help="why: recorded in the audit trail")
    parser.add_argument(
        "--allow-privileged-changes",
        action="store_true",
        help="apply what the plan lists under privileged changes (new or elevated superuser "
        "or staff accounts, replaced password hashes); recorded in the audit trail with each "
        "user named. Not needed for a package this server made",
    )
    parser.add_argument("--passphrase-file", help="for an encrypted package (first line)")
    parser.add_argument("--identity-file", help="age identity file for an encrypted package")


def perform_restore(
    source: str, options: dict, only: list[str] | None = None, progress: Progress = NO_PROGRESS
) -> RestoreReport:
    """Restore `source` now with the command's options, recorded as a RestoreJob; `only`
    defaults to the --only groups."""
    if only is None and options.get("only"):
        only = [group.strip() for group in options["only"].split(",") if group.strip()]
    return jobs.run_restore(
        source,
        clean=options["clean"],
        dry_run=options["dry_run"],
        conflict=options["conflict"],
        only=only or (),
        reason=options["reason"],
        progress=progress,
        passphrase=crypto.read_passphrase(options.get("passphrase_file")),
        identity=crypto.read_identity(options.get("identity_file")),
        allow_privileged_changes=options.get("allow_privileged_changes", False),
    )


class RestoreCommand(EdmsCommand):
    """A restore command is its source option, the shared options and, for some, fixed groups."""

    only_groups: tuple[str, ...] | None = None

    def source(self, options: dict) -> str:
        raise NotImplementedError

    def run(self, **options) -> RestoreReport:
        only = list(self.only_groups) if self.only_groups is not None else None
        with self.progress() as progress:
            return perform_restore(self.source(options), options, only, progress)

    def render(self, report: RestoreReport) -> None:
        render(self, report)


def render(command: BaseCommand, report: RestoreReport) -> None:
    out = command.stdout
    title = (
        "Restore plan (dry run: nothing was changed)"
        if report.mode == "dry-run"
        else (f"Restored {report.records} records ({report.mode}, conflicts: {report.conflict})")
    )
    out.write(command.style.SUCCESS(title) + f"\n  from {report.source} ({report.kind})")
    out.write(
        f"  {'model':<30}{'backup':>8}{'create':>8}{'matched':>9}{'update':>8}{'conflict':>10}"
    )
    for plan in report.plan:
        out.write(
            f"  {plan.label:<30}{plan.in_backup:>8}{plan.create:>8}{plan.matched:>9}"
            f"{plan.update:>8}{plan.conflict:>10}"
        )
        for key in plan.conflicts:
            out.write(f"      kept existing {plan.label} {key}")
    for label, count in report.skipped.items():
        out.write(f"  {label:<30}{count:>8}  skipped (not restored by this EDMS / not selected)")
    files = report.files
    out.write(
        f"  files: {files.get('in_backup', 0)} in backup, {files.get('placed', 0)} placed, "
        f"{files.get('already_present', 0)} already present"
    )
    for change in report.privileged_changes:
        out.write(f"  privileged change: {change['username']}: {change['change']}")
    if report.privileged_changes:
        allowed = report.privileged_changes_allowed_by
        out.write(
            f"  privileged changes allowed by {allowed}"
            if allowed
            else "  privileged changes need --allow-privileged-changes"
        )
    for check in report.validation:
        out.write(f"  {'ok' if check['ok'] else 'FAILED'}: {check['name']}: {check['detail']}")
    out.write(f"  {report.timings.get('total', 0)} s; job {report.job}")
