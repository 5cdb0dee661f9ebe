"""`edms flush` is refused: it would empty every table, the audit trail too, with no backup and no
record of who did it. `edms system_reinit` is the audited way to start over."""

from django.core.management.commands import flush

REFUSAL = (
    "{command} is refused on EDMS: it would delete every record, the audit trail included, "
    "without a backup or an audit entry. Use `edms system_reinit` (it writes a verified safety "
    "backup first, keeps the configuration and records who reset the system and why)."
)


class Command(flush.Command):
    help = "Refused on EDMS: use system_reinit, which backs up first and is audited."

    def run_from_argv(self, argv: list[str]) -> None:
        # Only the command line is refused: Django's test machinery calls flush in-process.
        raise SystemExit(f"edms: {REFUSAL.format(command='flush')}")
