"""Scratch installations for drills: a temporary database (a SQLite file, or a new database on
the same PostgreSQL server) with its own data directory, migrated by the real ``edms migrate``
in a subprocess, and removed afterwards. The live database and storage are never touched."""

from __future__ import annotations

import copy
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connections
from django.db.utils import load_backend

from edms.backup.errors import BackupError
from edms.core import pg_databases
from edms.core.installation import CommandFailed, Installation


@dataclass
class Scratch(Installation):
    """A scratch installation, and the connection settings this process reaches it with."""

    settings_dict: dict = field(default_factory=dict)

    def run(self, *args: str, **options) -> subprocess.CompletedProcess:
        try:
            return super().run(*args, **options)
        except CommandFailed as exc:
            raise BackupError(f"scratch installation: {exc}") from None


@contextmanager
def scratch_installation() -> Iterator[Scratch]:
    """A migrated scratch installation beside the live one's database server."""
    live = connections["default"].settings_dict
    with tempfile.TemporaryDirectory(prefix="edms-scratch-") as work:
        data_dir = Path(work)
        config = copy.deepcopy(live)
        if live["ENGINE"].endswith("sqlite3"):
            config["NAME"] = str(data_dir / "scratch.sqlite3")
            scratch = Scratch(data_dir, f"sqlite:///{config['NAME']}", settings_dict=config)
            scratch.run("migrate", "--noinput", "-v0")
            yield scratch
            return
        if "postgresql" not in live["ENGINE"]:
            raise BackupError(f"drills support SQLite and PostgreSQL, not {live['ENGINE']}")
        config = pg_databases.create_database(config, "edms_scratch")
        try:
            scratch = Scratch(data_dir, pg_databases.database_url(config), settings_dict=config)
            scratch.run("migrate", "--noinput", "-v0")
            yield scratch
        finally:
            pg_databases.drop_database(config)


@contextmanager
def connection_alias(scratch: Scratch) -> Iterator[str]:
    """A connection to the scratch database under a fresh alias of this process, for the engine.

    The connection is made directly, not added to settings: it exists only for the drill."""
    alias = f"scratch_{uuid.uuid4().hex[:8]}"
    configured = connections.configure_settings(
        {
            "default": copy.deepcopy(connections["default"].settings_dict),
            alias: scratch.settings_dict,
        }
    )[alias]
    connections[alias] = load_backend(configured["ENGINE"]).DatabaseWrapper(configured, alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
