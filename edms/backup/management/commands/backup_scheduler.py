import json
import signal
import threading

from django.core.management.base import BaseCommand, CommandError, CommandParser

from edms.backup.operations.schedule import (
    DEFAULT_INTERVAL,
    ScheduledRun,
    run_due,
    run_scheduler,
)


class Command(BaseCommand):
    help = (
        "The built-in backup scheduler: every --interval seconds, run the enabled backup "
        "configurations whose cron schedule is due, each followed by its retention; each check "
        "leaves a heartbeat that health expects every --interval. scripts/start.sh runs it "
        "beside the web server. --once runs what is due now and exits (non-zero if a backup "
        "failed): from cron or a systemd timer, give --interval its period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run what is due, then exit")
        parser.add_argument(
            "--interval",
            type=float,
            default=DEFAULT_INTERVAL,
            help=f"seconds between checks (default {DEFAULT_INTERVAL:g})",
        )
        parser.add_argument("--json", action="store_true", help="print each run as JSON")

    def handle(self, *args, once: bool, interval: float, **options) -> None:
        if interval <= 0:
            raise CommandError("--interval must be a positive number of seconds")
        self.as_json = options["json"]
        if once:
            runs = run_due(interval=interval)
            self._report(runs)
            failed = [run for run in runs if not run.ok]
            if failed:
                raise CommandError(f"{len(failed)} scheduled backup(s) failed")
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        if not self.as_json:
            self.stdout.write(f"backup scheduler running, checking every {interval:g} s")
        run_scheduler(interval, stop, on_runs=self._report)

    def _report(self, runs: list[ScheduledRun]) -> None:
        for run in runs:
            if self.as_json:
                self.stdout.write(json.dumps({**run.__dict__, "ok": run.ok}))
            elif run.ok:
                self.stdout.write(self.style.SUCCESS(f"{run.configuration}: {run.path}"))
            else:
                self.stderr.write(f"{run.configuration} failed: {run.error}")
        self.stdout.flush()
