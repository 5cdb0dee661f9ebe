"""`edms verify_audit_chain`: prove the audit trail intact, or name where it was tampered with."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from edms.audit.chain import ChainReport, verify_report


class Command(BaseCommand):
    help = (
        "Recompute the audit trail's hash chains. Exits 0 when intact; otherwise exits 1 and "
        "names the first broken entry of each broken chain."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print the result as JSON"
        )
        parser.add_argument("--database", default="default", help="database alias to check")

    def handle(self, *args, as_json: bool, database: str, **options) -> None:
        report = verify_report(using=database)
        if as_json:
            self.stdout.write(_as_json(report))
        elif report.intact:
            self.stdout.write(
                f"Audit trail intact: {report.entries} entries in {report.chains} chain(s) checked."
            )
        else:
            for chain_break in report.breaks:
                self.stderr.write(f"BROKEN: {chain_break}")
        if not report.intact:
            raise CommandError(
                f"audit trail tampered with: {len(report.breaks)} broken chain(s) "
                f"in {report.entries} entries",
                returncode=1,
            )


def _as_json(report: ChainReport) -> str:
    return json.dumps(
        {
            "intact": report.intact,
            "entries": report.entries,
            "chains": report.chains,
            "breaks": [
                {"chain": b.chain, "sequence": b.sequence, "uuid": b.uuid, "reason": b.reason}
                for b in report.breaks
            ],
        },
        indent=2,
    )
