"""Separate EDMS installations for tests that use the command line as an operator would.

Each instance has its own data directory and its own database: a SQLite file in the data
directory, or, when EDMS_TEST_DATABASE_URL is set, a new database on that PostgreSQL server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path


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
