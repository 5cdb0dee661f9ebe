from edms.backup.operations.catalog import listing
from edms.core.command import EdmsCommand


class Command(EdmsCommand):
    help = (
        "List the backup catalog: every package in the backups directory (origin, verification, "
        "SHA-256, from its sidecar), then this server's backup jobs that left no package."
    )

    def run(self, **options) -> list[dict]:
        return listing()

    def render(self, rows: list[dict]) -> None:
        if not rows:
            self.stdout.write("No backups yet.")
            return
        header = ("created", "type", "origin", "status", "size", "verification", "name")
        table = [header] + [
            (
                (row.get("created_at") or row.get("modified_at") or "")[:19],
                row.get("backup_type") or "?",
                row.get("origin") or "",
                row["status"] if row["kind"] == "job" else "package",
                str(row.get("size") or ""),
                (row.get("verification") or {}).get("state", ""),
                row.get("name") or f"(job {row.get('uuid')})",
            )
            for row in rows
        ]
        widths = [max(len(line[i]) for line in table) for i in range(len(header))]
        for line in table:
            cells = zip(line, widths, strict=True)
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in cells).rstrip())
