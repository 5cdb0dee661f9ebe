"""`edms verify_audit_chain`: prove the audit trail intact, or name where it was tampered with."""

from __future__ import annotations

import dataclasses

from edms.audit.chain import ChainReport, verify_report
from edms.core.command import EdmsCommand
from edms.core.errors import CheckFailed


class Command(EdmsCommand):
    help = (
        "Recompute the audit trail's hash chains. Exits 0 when intact; otherwise exits 1 and "
        "names the first broken entry of each broken chain."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default="default", help="database alias to check")

    def run(self, *, database: str, **options) -> ChainReport:
        return verify_report(using=database)

    def as_json(self, report: ChainReport) -> dict:
        return {"intact": report.intact, **dataclasses.asdict(report)}

    def render(self, report: ChainReport) -> None:
        if report.intact:
            self.stdout.write(
                f"Audit trail intact: {report.entries} entries in {report.chains} chain(s) checked."
            )
        for chain_break in report.breaks:
            self.stderr.write(f"BROKEN: {chain_break}")

    def failure(self, report: ChainReport) -> CheckFailed | None:
        if report.intact:
            return None
        return CheckFailed(
            f"audit trail tampered with: {len(report.breaks)} broken chain(s) in "
            f"{report.entries} entries; first: {report.breaks[0]}"
        )
