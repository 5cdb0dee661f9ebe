"""A separate EDMS installation, driven by `edms` subprocesses: its own data directory and its
own database (a SQLite file in the data directory, or a database on a PostgreSQL server). The
restore drill's scratch copies, the tests' command-line instances and the benchmarks all use
this one kind."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from edms.core.errors import EdmsError


class CommandFailed(EdmsError):
    """An `edms` command in another installation exited non-zero; the message has its output."""


@dataclass
class Installation:
    data_dir: Path
    database_url: str | None = None  # None: SQLite in the data directory
    extra_env: dict[str, str] = field(default_factory=dict)
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(40))

    @property
    def storage_root(self) -> Path:
        return self.data_dir / "storage"

    def env(self) -> dict[str, str]:
        """This process's environment without its EDMS_ settings, pointed at the installation."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("EDMS_")}
        env.update(
            DJANGO_SETTINGS_MODULE="edms.settings",
            EDMS_DATA_DIR=str(self.data_dir),
            EDMS_SECRET_KEY=self.secret_key,
            **self.extra_env,
        )
        if self.database_url:
            env["EDMS_DATABASE_URL"] = self.database_url
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "edms", *args]

    def run(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 600
    ) -> subprocess.CompletedProcess:
        """Run `edms ARGS` here; CommandFailed (with what it printed) on a non-zero exit."""
        result = subprocess.run(
            self.command(*args),
            env=self.env(),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise CommandFailed(
                f"edms {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
            )
        return result
