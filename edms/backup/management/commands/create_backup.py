import signal
import threading

from django.core.management.base import CommandError, CommandParser

from edms.backup.models import BackupJob, BackupType
from edms.backup.operations import jobs
from edms.backup.package import crypto
from edms.core.command import EdmsCommand
from edms.core.errors import UsageError


class Command(EdmsCommand):
    help = (
        "Write a backup package (tar + zstd/gzip, records as Django JSON Lines with natural keys, "
        "stored files) to the backups directory, optionally verified and age-encrypted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--type", dest="backup_type", required=True, choices=BackupType.values)
        parser.add_argument("--output", help="package path (default: BACKUP_DIR/edms-<type>-…)")
        parser.add_argument("--verify", action="store_true", help="re-read the package first")
        parser.add_argument("--compression", choices=["zstd", "gzip"], default="zstd")
        parser.add_argument(
            "--encrypt",
            action="store_true",
            help=f"encrypt with age: a passphrase (--passphrase-file or {crypto.PASSPHRASE_ENV}) "
            "or recipients (--recipient)",
        )
        parser.add_argument("--passphrase-file", help="file whose first line is the passphrase")
        parser.add_argument(
            "--recipient", action="append", default=[], help="age public key age1… (repeatable)"
        )

    def run(self, **options) -> BackupJob:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _interrupt)  # stopped: clean up and fail the job
        encrypt = options["encrypt"] or options["recipient"] or options["passphrase_file"]
        passphrase = None
        if encrypt and not options["recipient"]:
            passphrase = crypto.read_passphrase(options["passphrase_file"])
            if not passphrase:
                raise UsageError(
                    "--encrypt needs a passphrase (--passphrase-file or "
                    f"{crypto.PASSPHRASE_ENV}) or --recipient age1…"
                )
        job = jobs.backup_job(options["backup_type"])
        work = {
            "output": options["output"],
            "verify": options["verify"],
            "compression": options["compression"],
            "passphrase": passphrase,
            "recipients": options["recipient"],
        }
        try:
            with self.progress() as progress:
                jobs.perform(jobs.BACKUP, job, work, progress=progress)
        except KeyboardInterrupt as exc:
            message = f"backup interrupted ({exc}); no package was kept"
            raise CommandError(message, returncode=130) from None
        return job

    def as_json(self, job: BackupJob) -> dict:
        data = jobs.job_json(job)
        return {
            "job": data["uuid"],
            **{key: data[key] for key in ("path", "backup_type", "size", "sha256", "encrypted")},
            "verified": job.verification_state == "passed",
            "records": sum(job.record_counts.values()),
            "record_counts": job.record_counts,
            "files": job.file_count,
            "content_digest": job.content_digest,
            "seconds": job.result.get("seconds"),
        }

    def render(self, job: BackupJob) -> None:
        result = self.as_json(job)
        self.stdout.write(self.style.SUCCESS(f"Backup written: {job.path}"))
        self.stdout.write(
            f"  {result['records']} records, {job.file_count} files, {job.size} bytes in "
            f"{result['seconds']} s; sha256 {job.sha256}"
            + ("; verified" if result["verified"] else "")
            + ("; encrypted" if job.encrypted else "")
        )


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"stopped by signal {signum}")
