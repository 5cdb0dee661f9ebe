from edms.backup.errors import ValidationFailed
from edms.backup.restore.drill import RehearsalReport, reinit_restore_rehearsal
from edms.core.command import EdmsCommand


class Command(EdmsCommand):
    help = (
        "Rehearse backup -> system reinit -> restore on a scratch copy of this system and compare "
        "the business data before and after. The live system is untouched."
    )

    def run(self, **options) -> RehearsalReport:
        with self.progress() as progress:
            return reinit_restore_rehearsal(progress)

    def render(self, report: RehearsalReport) -> None:
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Backup, reinit and restore rehearsed on a scratch copy: all {report.records} "
                    f"business records came back identical ({report.seconds} s)"
                )
            )

    def failure(self, report: RehearsalReport) -> ValidationFailed | None:
        if report.ok:
            return None
        detail = report.error or (
            f"{len(report.missing)} record(s) lost, e.g. {report.missing[:3]}; "
            f"{len(report.unexpected)} unexpected, e.g. {report.unexpected[:3]}"
        )
        return ValidationFailed(f"rehearsal FAILED: {detail}")
