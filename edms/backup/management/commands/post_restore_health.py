from django.core.management.base import BaseCommand, CommandError, CommandParser

from edms.backup.health_checks import post_restore_health
from edms.backup.restore.cli import to_json


class Command(BaseCommand):
    help = (
        "Check the system after a restore: record counts, stored files against their SHA-256, "
        "the audit chains, database sequences, and that an administrator can log in."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON result object")

    def handle(self, *args, **options) -> None:
        health = post_restore_health()
        if options["json"]:
            self.stdout.write(to_json(health.as_json()))
        else:
            for check in health.checks:
                mark = self.style.SUCCESS("ok") if check.ok else self.style.ERROR("FAILED")
                self.stdout.write(f"{mark}: {check.name}: {check.detail}")
            for label, count in health.counts.items():
                self.stdout.write(f"  {label:<30}{count:>8}")
        if not health.ok:
            raise CommandError("post-restore health check failed", returncode=8)
