from django.core.management.base import BaseCommand, CommandParser

from edms.backup.restore.cli import add_restore_arguments, run_restore


class Command(BaseCommand):
    help = (
        "Restore a migration package (an `export` backup from another server) with the same "
        "engine as restore_backup."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--package", required=True, help="the package file")
        add_restore_arguments(parser)

    def handle(self, *args, **options) -> None:
        run_restore(self, options["package"], options)
