from django.core.management.base import CommandParser

from edms.backup.errors import BackupError
from edms.backup.models import RestoreJob, RestoreMode
from edms.backup.operations import jobs
from edms.backup.package import crypto
from edms.core.command import EdmsCommand


class Command(EdmsCommand):
    help = (
        "Restore drill: restore a backup into a scratch database and storage, validate it, run "
        "the health checks there, report, and remove the scratch copy. The live system is "
        "untouched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="backup package or fixture")
        parser.add_argument("--passphrase-file", help="for an encrypted package (first line)")
        parser.add_argument("--identity-file", help="age identity file for an encrypted package")

    def run(self, *, path: str, **options) -> RestoreJob:
        job = jobs.restore_job(path, mode=RestoreMode.DRILL, reason="restore drill")
        secrets = {
            "passphrase": crypto.read_passphrase(options["passphrase_file"]),
            "identity": crypto.read_identity(options["identity_file"]),
        }
        self.drill_error: BackupError | None = None
        try:
            with self.progress() as progress:
                jobs.perform(jobs.DRILL, job, secrets, progress=progress)
        except BackupError as exc:  # the drill's report is on the job: show it, then fail
            self.drill_error = type(exc)(f"restore drill FAILED: {exc}")
        return job

    def as_json(self, job: RestoreJob) -> dict:
        return job.result

    def failure(self, job: RestoreJob) -> BackupError | None:
        return self.drill_error

    def render(self, job: RestoreJob) -> None:
        report = job.result
        if self.drill_error is not None:
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Restore drill passed: {report['restore']['records']} records restored into a "
                f"scratch copy and validated in {report['seconds']} s"
            )
        )
        for check in report["restore"]["validation"] + report["health"]["checks"]:
            self.stdout.write(f"  ok: {check['name']}: {check['detail']}")
