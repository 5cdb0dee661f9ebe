"""Scratch installations for drills: a temporary database (a SQLite file, or a new database on
the same PostgreSQL server) with its own data directory, migrated by the real ``edms migrate``
in a subprocess, and removed afterwards. The live database and storage are never touched."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connections
from django.db.utils import load_backend

from edms.backup.errors import BackupError
from edms.core import pg_databases


@dataclass(frozen=True)
class Scratch:
    data_dir: Path
    settings_dict: dict
    url: str

    @property
    def storage_root(self) -> Path:
        return self.data_dir / "storage"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EDMS_")}
        env.update(
            DJANGO_SETTINGS_MODULE="edms.settings",
            EDMS_DATA_DIR=str(self.data_dir),
            EDMS_DATABASE_URL=self.url,
            EDMS_SECRET_KEY=uuid.uuid4().hex,
        )
        return env

    def run(self, *args: str) -> subprocess.CompletedProcess:
        """Run ``edms ARGS`` against the scratch installation."""
        result = subprocess.run(
            [sys.executable, "-m", "edms", *args], env=self.env(), capture_output=True, text=True
        )
        if result.returncode != 0:
            raise BackupError(
                f"scratch installation: edms {args[0]} failed ({result.returncode}): "
                f"{(result.stderr or result.stdout).strip()[-2000:]}"
            )
        return result


@contextmanager
def scratch_installation() -> Iterator[Scratch]:
    """A migrated scratch installation beside the live one's database server."""
    live = connections["default"].settings_dict
    with tempfile.TemporaryDirectory(prefix="edms-scratch-") as work:
        data_dir = Path(work)
        config = copy.deepcopy(live)
        if live["ENGINE"].endswith("sqlite3"):
            config["NAME"] = str(data_dir / "scratch.sqlite3")
            scratch = Scratch(data_dir, config, f"sqlite:///{config['NAME']}")
            scratch.run("migrate", "--noinput", "-v0")
            yield scratch
            return
        if "postgresql" not in live["ENGINE"]:
            raise BackupError(f"drills support SQLite and PostgreSQL, not {live['ENGINE']}")
        config = pg_databases.create_database(config, "edms_scratch")
        try:
            scratch = Scratch(data_dir, config, pg_databases.database_url(config))
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
