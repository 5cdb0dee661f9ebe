import json
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from edms.backup.errors import BackupError
from edms.backup.operations import configurations
from edms.backup.operations.configurations import ConfigurationError
from edms.backup.operations.schedule import run_configuration
from edms.backup.progress import terminal_progress


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
            show_bar = not options["json"] and sys.stderr.isatty()
            with terminal_progress(show_bar) as progress:
                job = run_configuration(configuration, progress=progress)
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
