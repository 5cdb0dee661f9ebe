from edms.backup.errors import ValidationFailed
from edms.backup.health_checks import RestoreHealth, post_restore_health
from edms.core.command import EdmsCommand


class Command(EdmsCommand):
    help = (
        "Check the system after a restore: record counts, stored files against their SHA-256, "
        "the audit chains, database sequences, and that an administrator can log in."
    )

    def run(self, **options) -> RestoreHealth:
        return post_restore_health()

    def render(self, health: RestoreHealth) -> None:
        for check in health.checks:
            mark = self.style.SUCCESS("ok") if check.ok else self.style.ERROR("FAILED")
            self.stdout.write(f"{mark}: {check.name}: {check.detail}")
        for label, count in health.counts.items():
            self.stdout.write(f"  {label:<30}{count:>8}")

    def failure(self, health: RestoreHealth) -> ValidationFailed | None:
        failed = [f"{check.name}: {check.detail}" for check in health.checks if not check.ok]
        if not failed:
            return None
        return ValidationFailed("post-restore health check failed: " + "; ".join(failed))
