import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import Progress

from edms.backup import configurations
from edms.backup.configurations import ConfigurationError
from edms.backup.errors import BackupError
from edms.backup.schedule import run_configuration


class Command(BaseCommand):
    help = (
        "Run one backup configuration now, whatever its schedule says: back up as it is "
        "configured, then apply its retention. The schedule itself is not moved."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the configuration (see manage_backup_configs list)")
        parser.add_argument("--json", action="store_true", help="print the job as JSON")

    def handle(self, *args, name: str, **options) -> None:
        try:
            configuration = configurations.get(name)
            with Progress(console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task("backup", total=None)
                job = run_configuration(
                    configuration,
                    progress=lambda phase, done, total: bar.update(
                        task, description=phase, completed=done, total=total or None
                    ),
                )
        except ConfigurationError as exc:
            raise CommandError(str(exc)) from None
        except BackupError as exc:
            raise CommandError(f"backup {name} failed: {exc}", returncode=exc.exit_code) from None
        result = {
            "configuration": configuration.name,
            "job": str(job.uuid),
            "backup_type": job.backup_type,
            "path": job.path,
            "size": job.size,
            "sha256": job.sha256,
            "verified": job.verified_at is not None,
            "pruned": job.result.get("pruned", []),
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
            return
        self.stdout.write(self.style.SUCCESS(f"backup {name} written to {job.path}"))
        self.stdout.write(f"  {job.size} bytes, sha256 {job.sha256}")
        for path in result["pruned"]:
            self.stdout.write(f"  retention removed {path}")
