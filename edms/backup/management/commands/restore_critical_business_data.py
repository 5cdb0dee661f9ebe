from django.core.management.base import BaseCommand, CommandParser

from edms.backup.restore.cli import add_restore_arguments, run_restore
from edms.backup.restore.plan import CRITICAL_BUSINESS_GROUPS


class Command(BaseCommand):
    help = (
        "Restore only users (with roles and groups), documents and workflows from a backup, with "
        "the configuration they depend on matched by natural key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from-file", required=True, help="package or Django fixture")
        add_restore_arguments(parser, only=False)

    def handle(self, *args, **options) -> None:
        run_restore(self, options["from_file"], options, list(CRITICAL_BUSINESS_GROUPS))
