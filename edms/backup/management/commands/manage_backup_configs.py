import argparse

from django.core.management.base import CommandParser

from edms.backup.models import BackupConfiguration, BackupType
from edms.backup.operations import configurations
from edms.core.command import EdmsCommand, add_json_option
from edms.core.errors import UsageError


class Command(EdmsCommand):
    help = (
        "List, show, create, update, enable, disable or delete scheduled backup configurations "
        "(cron schedule, backup type, retention)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        listing = actions.add_parser("list", help="all configurations")
        add_json_option(listing, default=argparse.SUPPRESS)
        for action, text in (
            ("show", "one configuration"),
            ("enable", "turn a schedule on"),
            ("disable", "turn a schedule off (nothing is deleted)"),
            ("delete", "remove a configuration (its backups stay)"),
        ):
            sub = actions.add_parser(action, help=text)
            sub.add_argument("name")
            add_json_option(sub, default=argparse.SUPPRESS)
        create = actions.add_parser("create", help="a new configuration")
        create.add_argument("name")
        create.add_argument("--type", dest="backup_type", required=True, choices=BackupType.values)
        create.add_argument("--schedule", required=True, help="cron, e.g. '0 2 * * *'")
        create.add_argument(
            "--disabled",
            dest="is_enabled",
            action="store_false",
            default=None,
            help="create it switched off (turn it on with: enable NAME)",
        )
        self._field_options(create)
        update = actions.add_parser("update", help="change a configuration")
        update.add_argument("name")
        update.add_argument("--type", dest="backup_type", choices=BackupType.values)
        update.add_argument("--schedule", help="cron, e.g. '0 2 * * *'")
        self._field_options(update)

    def _field_options(self, parser: CommandParser) -> None:
        parser.add_argument("--description")
        parser.add_argument("--compression", choices=["zstd", "gzip"])
        for field, text in (
            ("encrypt", "encrypt packages with age (keys: see README)"),
            ("verify", "verify each package after writing it (the default)"),
        ):
            parser.add_argument(f"--{field}", action="store_true", default=None, help=text)
            parser.add_argument(f"--no-{field}", dest=field, action="store_false")
        for period, text in (
            ("last", "keep the newest N backups (default 7; the newest is always kept)"),
            ("daily", "also keep the newest backup of each of the last N days"),
            ("weekly", "also keep the newest backup of each of the last N ISO weeks"),
            ("monthly", "also keep the newest backup of each of the last N months"),
        ):
            parser.add_argument(
                f"--keep-{period}", dest=f"keep_{period}", type=int, metavar="N", help=text
            )
        add_json_option(parser, default=argparse.SUPPRESS)

    def run(self, *, action: str, **options) -> list[dict] | dict:
        return getattr(self, f"_{action}")(options)

    def render(self, result: list[dict] | dict) -> None:
        if isinstance(result, list):
            self._print_table(result)
            return
        if message := result.get("message"):
            self.stdout.write(self.style.SUCCESS(message))
        for key, value in result.items():
            if key != "message":
                self.stdout.write(f"  {key}: {value}")

    def _list(self, options: dict) -> list[dict]:
        return [configurations.describe(c) for c in BackupConfiguration.objects.order_by("name")]

    def _show(self, options: dict) -> dict:
        return configurations.describe(configurations.get(options["name"]))

    def _create(self, options: dict) -> dict:
        configuration = configurations.create(options["name"], **_given(options))
        return {"message": f"created {configuration.name}"} | configurations.describe(configuration)

    def _update(self, options: dict) -> dict:
        fields = _given(options)
        if not fields:
            raise UsageError("nothing to change: give at least one option (see --help)")
        configuration = configurations.update(options["name"], **fields)
        return {"message": f"updated {configuration.name}"} | configurations.describe(configuration)

    def _enable(self, options: dict) -> dict:
        configuration = configurations.update(options["name"], is_enabled=True)
        return {"message": f"enabled {configuration.name}"} | configurations.describe(configuration)

    def _disable(self, options: dict) -> dict:
        configuration = configurations.update(options["name"], is_enabled=False)
        return {"message": f"disabled {configuration.name}"} | configurations.describe(
            configuration
        )

    def _delete(self, options: dict) -> dict:
        configurations.delete(options["name"])
        return {"message": f"deleted {options['name']}", "name": options["name"]}

    def _print_table(self, rows: list[dict]) -> None:
        if not rows:
            self.stdout.write(
                "No backup configurations. Create one with: "
                "edms manage_backup_configs create NAME --type full "
                "--schedule '0 2 * * *'"
            )
            return
        for row in rows:
            state = "enabled " if row["is_enabled"] else "disabled"
            self.stdout.write(
                f"{row['name']:<24} {state} {row['backup_type']:<8} {row['schedule']:<16} "
                f"keep last {row['keep_last']}/daily {row['keep_daily']}/weekly "
                f"{row['keep_weekly']}/monthly {row['keep_monthly']}  "
                f"next {row['next_run_at'] or '-'}"
            )


def _given(options: dict) -> dict:
    """The configuration fields the operator gave on the command line."""
    return {
        field: options[field] for field in configurations.EDITABLE if options.get(field) is not None
    }
