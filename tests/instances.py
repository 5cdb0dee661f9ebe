"""Separate EDMS installations for tests that use the command line as an operator would.

Each instance has its own data directory and its own database: a SQLite file in the data
directory, or, when EDMS_TEST_DATABASE_URL is set, a new database on that PostgreSQL server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
import psycopg
from psycopg import sql


@dataclass
class Instance:
    data_dir: Path
    database_url: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EDMS_")}
        env.update(
            DJANGO_SETTINGS_MODULE="edms.settings",
            EDMS_DATA_DIR=str(self.data_dir),
            EDMS_SECRET_KEY="instance-test-key-" + self.data_dir.name,
            **self.extra_env,
        )
        if self.database_url:
            env["EDMS_DATABASE_URL"] = self.database_url
        return env

    def run(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 600
    ) -> subprocess.CompletedProcess:
        """Run `edms ARGS` in this instance and return what it printed."""
        result = subprocess.run(
            [sys.executable, "-m", "edms", *args],
            env=self.env(),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"edms {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result


def create_database(server_url: str) -> str:
    """Create an empty database on the server of `server_url` and return its URL."""
    config = dj_database_url.parse(server_url)
    name = f"edms_inst_{uuid.uuid4().hex[:12]}"
    with _admin_connection(config) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return _url_with_name(config, name)


def drop_database(url: str) -> None:
    config = dj_database_url.parse(url)
    with _admin_connection(config) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(config["NAME"])
            )
        )


def _admin_connection(config: dict) -> psycopg.Connection:
    return psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"] or "postgres",
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def _url_with_name(config: dict, name: str) -> str:
    auth = config["USER"] or "postgres"
    if config["PASSWORD"]:
        auth += f":{config['PASSWORD']}"
    return f"postgresql://{auth}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{name}"
