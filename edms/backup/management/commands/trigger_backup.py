from django.core.management.base import CommandParser

from edms.backup.models import BackupJob
from edms.backup.operations import configurations, jobs
from edms.backup.operations.schedule import run_configuration
from edms.core.command import EdmsCommand


class Command(EdmsCommand):
    help = (
        "Run one backup configuration now, whatever its schedule says: back up as it is "
        "configured, then apply its retention. The schedule itself is not moved."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the configuration (see manage_backup_configs list)")

    def run(self, *, name: str, **options) -> BackupJob:
        configuration = configurations.get(name)
        with self.progress() as progress:
            return run_configuration(configuration, progress=progress)

    def as_json(self, job: BackupJob) -> dict:
        data = jobs.job_json(job)
        return {
            "configuration": data["configuration"],
            "job": data["uuid"],
            **{key: data[key] for key in ("backup_type", "path", "size", "sha256")},
            "verified": job.verification_state == "passed",
            "pruned": job.result.get("pruned", []),
        }

    def render(self, job: BackupJob) -> None:
        self.stdout.write(self.style.SUCCESS(f"backup {job.configuration} written to {job.path}"))
        self.stdout.write(f"  {job.size} bytes, sha256 {job.sha256}")
        for path in job.result.get("pruned", []):
            self.stdout.write(f"  retention removed {path}")
