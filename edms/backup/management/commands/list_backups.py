import orjson
from django.core.management.base import BaseCommand, CommandParser

from edms.backup.operations.catalog import list_backups


class Command(BaseCommand):
    help = "List backups: recorded backup jobs and the packages found in the backups directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options) -> None:
        rows = list_backups()
        if options["json"]:
            self.stdout.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
            return
        if not rows:
            self.stdout.write("No backups yet.")
            return
        header = ("created", "type", "status", "size", "verified", "name")
        table = [header] + [
            (
                (row["created_at"] or "")[:19],
                row["backup_type"] or "?",
                row["status"],
                str(row["size"] or ""),
                "yes" if row["verified"] else "no",
                row["name"],
            )
            for row in rows
        ]
        widths = [max(len(line[i]) for line in table) for i in range(len(header))]
        for line in table:
            cells = zip(line, widths, strict=True)
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in cells))
