import sys

from django.conf import settings
from django.core.management.base import CommandParser

from edms.backup.models import RestoreMode
from edms.backup.operations import jobs
from edms.backup.reinit import ReinitPlan, ReinitResult, plan_reinit
from edms.core.command import EdmsCommand
from edms.core.errors import UsageError


class Command(EdmsCommand):
    help = (
        "Clear business data and stored files, keep configuration, create a fresh admin. "
        "Writes a verified full safety backup first. --dry-run shows what would happen."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
        parser.add_argument("--confirm", action="store_true", help="run without the typed prompt")
        parser.add_argument("--reason", default="", help="why (required): recorded in the audit")
        parser.add_argument("--admin-username", default="admin")
        parser.add_argument(
            "--admin-password", help="else EDMS_ADMIN_PASSWORD, else generated and printed once"
        )
        parser.add_argument("--no-safety-backup", action="store_true", help="skip the backup")

    def run(self, **options) -> ReinitPlan | ReinitResult:
        plan = plan_reinit()
        if options["dry_run"]:
            return plan
        if not options["reason"].strip():
            raise UsageError("--reason is required: it is recorded in the audit trail")
        if not options["confirm"]:
            self._ask_for_instance_name(plan)
        job = jobs.restore_job("", mode=RestoreMode.REINIT, reason=options["reason"])
        work = {
            "admin_username": options["admin_username"],
            "admin_password": options["admin_password"],
            "safety_backup": not options["no_safety_backup"],
        }
        with self.progress() as progress:
            return jobs.perform(jobs.REINIT, job, work, progress=progress)

    def as_json(self, result: ReinitPlan | ReinitResult) -> dict:
        if isinstance(result, ReinitPlan):
            return {"dry_run": True, **result.as_json()}
        return result.as_json()

    def render(self, result: ReinitPlan | ReinitResult) -> None:
        if isinstance(result, ReinitPlan):
            self.stdout.write("System reinit plan (dry run: nothing changed)")
            self.stdout.write("\n".join(_plan_table(result)))
            return
        self.stdout.write(
            self.style.SUCCESS(f"System reinitialised: {result.plan.to_delete} rows deleted")
        )
        if result.safety_backup_path:
            self.stdout.write(
                f"  safety backup {result.safety_backup_path} sha256 {result.safety_backup_sha256}"
            )
        self.stdout.write(f"  {result.files_removed} stored files removed")
        self.stdout.write(f"  admin user: {result.admin_username}")
        if result.admin_password:
            self.stdout.write(f"  admin password (shown once): {result.admin_password}")

    def _ask_for_instance_name(self, plan: ReinitPlan) -> None:
        """The plan and the question go to stderr: stdout carries only the result."""
        self.stderr.write("System reinit plan")
        self.stderr.write("\n".join(_plan_table(plan)))
        self.stderr.write(f"Type the instance name ({settings.INSTANCE_NAME}) to reinitialise: ")
        if sys.stdin.readline().strip() != settings.INSTANCE_NAME:
            raise UsageError("not confirmed: the instance name did not match")


def _plan_table(plan: ReinitPlan) -> list[str]:
    rows = [f"  {'model':<30}{'role':<15}{'delete':>8}{'keep':>8}"]
    rows += [f"  {m.label:<30}{m.role:<15}{m.delete:>8}{m.keep:>8}" for m in plan.models]
    return [*rows, f"  stored files to remove: {plan.files}"]
