from django.core.management.base import CommandParser

from edms.backup.management.restore_command import RestoreCommand, add_restore_arguments
from edms.backup.operations import catalog


class Command(RestoreCommand):
    help = (
        "Restore a backup package or Django fixture, resolving every reference by natural key: "
        "onto this system as it is (merge), or --clean to replace the business data in one "
        "transaction. Validated before commit; all or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--from-file", help="package, .json, .json.gz, .jsonl")
        source.add_argument(
            "--from-catalog", metavar="NAME", help="a package in the backups directory by name"
        )
        source.add_argument(
            "--backup-job", metavar="UUID", help="the package a backup job of this server wrote"
        )
        add_restore_arguments(parser)

    def source(self, options: dict) -> str:
        if options["from_catalog"]:
            return catalog.get(options["from_catalog"]).path
        if options["backup_job"]:
            return catalog.for_job(options["backup_job"]).path
        return options["from_file"]
