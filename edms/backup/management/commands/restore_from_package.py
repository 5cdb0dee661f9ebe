from django.core.management.base import CommandParser

from edms.backup.management.restore_command import RestoreCommand, add_restore_arguments


class Command(RestoreCommand):
    help = (
        "Restore a migration package (an `export` backup from another server) with the same "
        "engine as restore_backup."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--package", required=True, help="the package file")
        add_restore_arguments(parser)

    def source(self, options: dict) -> str:
        return options["package"]
