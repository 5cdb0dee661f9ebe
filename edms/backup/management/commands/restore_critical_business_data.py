from django.core.management.base import CommandParser

from edms.backup.management.restore_command import RestoreCommand, add_restore_arguments
from edms.backup.restore.plan import CRITICAL_BUSINESS_GROUPS


class Command(RestoreCommand):
    help = (
        "Restore only users (with roles and groups), documents and workflows from a backup, with "
        "the configuration they depend on matched by natural key."
    )
    only_groups = tuple(CRITICAL_BUSINESS_GROUPS)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from-file", required=True, help="package or Django fixture")
        add_restore_arguments(parser, only=False)

    def source(self, options: dict) -> str:
        return options["from_file"]
