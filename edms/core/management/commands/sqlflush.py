"""`edms sqlflush` is refused, as flush is: its output is the same unaudited wipe, to be run by
hand."""

from django.core.management.commands import sqlflush

from edms.core.management.commands.flush import REFUSAL


class Command(sqlflush.Command):
    help = "Refused on EDMS: use system_reinit, which backs up first and is audited."

    def run_from_argv(self, argv: list[str]) -> None:
        raise SystemExit(f"edms: {REFUSAL.format(command='sqlflush')}")
