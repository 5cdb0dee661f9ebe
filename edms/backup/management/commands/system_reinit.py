import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from edms.backup.errors import BackupError
from edms.backup.progress import terminal_progress
from edms.backup.reinit import ReinitPlan, plan_reinit, reinit
from edms.backup.restore.cli import fail, to_json


class Command(BaseCommand):
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
        parser.add_argument("--json", action="store_true", help="print one JSON result object")

    def handle(self, *args, **options) -> None:
        plan = plan_reinit()
        if options["dry_run"]:
            self._show_plan(plan, options)
            return
        if not options["reason"].strip():
            raise CommandError(
                "--reason is required: it is recorded in the audit trail", returncode=2
            )
        if not options["confirm"]:
            self._show_plan(plan, options)
            self._ask_for_instance_name()
        try:
            with terminal_progress(not options["json"] and sys.stderr.isatty()) as progress:
                result = reinit(
                    reason=options["reason"],
                    admin_username=options["admin_username"],
                    admin_password=options["admin_password"],
                    safety_backup=not options["no_safety_backup"],
                    progress=progress,
                )
        except BackupError as exc:
            fail(self, options, exc)
        if options["json"]:
            self.stdout.write(to_json({"ok": True, **result.as_json()}))
            return
        self.stdout.write(
            self.style.SUCCESS(f"System reinitialised: {plan.to_delete} rows deleted")
        )
        if result.safety_backup_path:
            self.stdout.write(
                f"  safety backup {result.safety_backup_path} sha256 {result.safety_backup_sha256}"
            )
        self.stdout.write(f"  {result.files_removed} stored files removed")
        self.stdout.write(f"  admin user: {result.admin_username}")
        if result.admin_password:
            self.stdout.write(f"  admin password (shown once): {result.admin_password}")

    def _show_plan(self, plan: ReinitPlan, options: dict) -> None:
        if options["json"]:
            self.stdout.write(to_json({"ok": True, "dry_run": True, **plan.as_json()}))
            return
        self.stdout.write(
            "System reinit plan" + (" (dry run: nothing changed)" if options["dry_run"] else "")
        )
        self.stdout.write(f"  {'model':<30}{'role':<15}{'delete':>8}{'keep':>8}")
        for model in plan.models:
            self.stdout.write(
                f"  {model.label:<30}{model.role:<15}{model.delete:>8}{model.keep:>8}"
            )
        self.stdout.write(f"  stored files to remove: {plan.files}")

    def _ask_for_instance_name(self) -> None:
        self.stdout.write(f"Type the instance name ({settings.INSTANCE_NAME}) to reinitialise: ")
        typed = sys.stdin.readline()
        if typed.strip() != settings.INSTANCE_NAME:
            raise CommandError("not confirmed: the instance name did not match", returncode=2)
