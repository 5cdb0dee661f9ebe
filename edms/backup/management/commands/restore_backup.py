from django.core.management.base import BaseCommand, CommandParser

from edms.backup.restore.cli import add_restore_arguments, run_restore


class Command(BaseCommand):
    help = (
        "Restore a backup package or Django fixture, resolving every reference by natural key: "
        "onto this system as it is (merge), or --clean to replace the business data in one "
        "transaction. Validated before commit; all or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from-file", required=True, help="package, .json, .json.gz, .jsonl")
        add_restore_arguments(parser)

    def handle(self, *args, **options) -> None:
        run_restore(self, options["from_file"], options)
