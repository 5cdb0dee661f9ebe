import signal
import sys
import threading

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser

from edms.backup.create import create_backup
from edms.backup.errors import BackupError
from edms.backup.models import BackupType
from edms.backup.package import crypto
from edms.backup.progress import terminal_progress


class Command(BaseCommand):
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
        parser.add_argument("--json", action="store_true", help="print one JSON result object")

    def handle(self, *args, **options) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _interrupt)  # stopped: clean up and fail the job
        encrypt = options["encrypt"] or options["recipient"] or options["passphrase_file"]
        passphrase = None
        if encrypt and not options["recipient"]:
            passphrase = crypto.read_passphrase(options["passphrase_file"])
            if not passphrase:
                raise CommandError(
                    "--encrypt needs a passphrase (--passphrase-file or "
                    f"{crypto.PASSPHRASE_ENV}) or --recipient age1…",
                    returncode=2,
                )
        show_bar = not options["json"] and sys.stderr.isatty()
        try:
            with terminal_progress(show_bar) as progress:
                job = create_backup(
                    options["backup_type"],
                    output=options["output"],
                    verify=options["verify"],
                    compression=options["compression"],
                    passphrase=passphrase,
                    recipients=options["recipient"],
                    progress=progress,
                )
        except KeyboardInterrupt as exc:
            message = f"backup interrupted ({exc}); no package was kept"
            raise CommandError(message, returncode=130) from None
        except BackupError as exc:
            if options["json"]:
                self.stdout.write(_json({"ok": False, "error": str(exc), "type": _kind(exc)}))
            raise CommandError(str(exc), returncode=exc.exit_code) from None
        result = {
            "ok": True,
            "job": str(job.uuid),
            "path": job.path,
            "backup_type": job.backup_type,
            "size": job.size,
            "sha256": job.sha256,
            "encrypted": job.encrypted,
            "verified": job.verified_at is not None,
            "records": sum(job.record_counts.values()),
            "record_counts": job.record_counts,
            "files": job.file_count,
            "content_digest": job.content_digest,
            "seconds": job.result.get("seconds"),
        }
        if options["json"]:
            self.stdout.write(_json(result))
            return
        self.stdout.write(self.style.SUCCESS(f"Backup written: {job.path}"))
        self.stdout.write(
            f"  {result['records']} records, {job.file_count} files, {job.size} bytes in "
            f"{result['seconds']} s; sha256 {job.sha256}"
            + ("; verified" if result["verified"] else "")
            + ("; encrypted" if job.encrypted else "")
        )


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def _kind(exc: BaseException) -> str:
    return type(exc).__name__


def _json(data: dict) -> str:
    return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
