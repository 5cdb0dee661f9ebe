"""The command line's gate: no command but set-up ones where no installation exists yet.

Run in an empty directory, a command used to create ./var and an empty database, then die on a
missing table. Now it names the data directory, says how to set one up and leaves the directory
as it found it; only commands that set an installation up or read nothing from it pass.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import get_commands
from django.db import DatabaseError, connections
from django.db.migrations.recorder import MigrationRecorder

from edms.core import credentials

# Commands that run where no installation exists: they set one up, or read none.
SETUP_COMMANDS = frozenset({"migrate", "check", "collectstatic", "verify_backup", "help"})
HELP_OPTIONS = frozenset({"-h", "--help", "--version"})


def refusal(command: str, args: list[str]) -> str | None:
    """Why `command` may not run here, or None; an admitted command finds its data directory
    and secret key in place (`edms migrate` is what first makes them)."""
    if command in HELP_OPTIONS or HELP_OPTIONS.intersection(args):
        return None
    if command not in get_commands():
        return None  # Django says it is unknown and suggests the nearest names
    if command in SETUP_COMMANDS:
        if command == "migrate":
            _prepare_data_dir()
        return None
    try:
        initialised = is_initialised()
    except DatabaseError:
        return None  # no answer is not "no installation": the command meets the outage itself
    if not initialised:
        return _not_initialised()
    _prepare_data_dir()
    return None


def is_initialised(using: str = "default") -> bool:
    """Whether the database exists and has migrations applied. A missing SQLite file is not
    opened, since opening it would create it."""
    connection = connections[using]
    if connection.vendor == "sqlite" and not Path(connection.settings_dict["NAME"]).exists():
        return False
    recorder = MigrationRecorder(connection)
    return recorder.has_table() and bool(recorder.applied_migrations())


def _prepare_data_dir() -> None:
    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True, mode=0o700)
    credentials.ensure_secret_key(Path(settings.DATA_DIR))


def _not_initialised() -> str:
    data_dir = settings.DATA_DIR
    if connections["default"].vendor == "sqlite":
        where = f"no EDMS installation in {data_dir} (EDMS_DATA_DIR): it has no database yet."
    else:
        where = (
            f"the database {_describe_database()} has no EDMS tables yet "
            f"(EDMS_DATA_DIR is {data_dir})."
        )
    return (
        f"edms: {where}\n"
        "Run `edms migrate` to set up an installation there (scripts/start.sh does that and "
        "loads demo data), or point EDMS_DATA_DIR at an existing one. Nothing was created."
    )


def _describe_database() -> str:
    """The database as an operator knows it, without its password."""
    db = connections["default"].settings_dict
    if connections["default"].vendor == "sqlite":
        return str(db["NAME"])
    return f"{db['NAME']} on {db['HOST'] or 'localhost'}:{db['PORT'] or 5432} (EDMS_DATABASE_URL)"
