"""Helpers for benchmarks: throw-away EDMS instances, measured subprocesses, result tables.

Run benchmarks with the project's venv, e.g. ``.venv/bin/python bench/backup.py``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from edms.core import pg_databases
from edms.core.installation import Installation


@dataclass
class Measurement:
    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def measure(command: list[str], env: dict[str, str] | None = None) -> Measurement:
    """Run `command` and report its wall time and its own peak RSS (from wait4's rusage)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        # wait4, not wait(): it returns the child's own resource usage (peak RSS).
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    return Measurement(seconds, usage.ru_maxrss / 1024, process.returncode, stdout, stderr)


class Instance(Installation):
    """A benchmark's installation in a temporary data dir, on SQLite or a new PostgreSQL
    database; its commands are measured."""

    @classmethod
    def create(cls, server_url: str | None = None) -> Instance:
        data_dir = Path(tempfile.mkdtemp(prefix="edms-bench-"))
        return cls(
            data_dir,
            pg_databases.create_database_at(server_url, "edms_bench") if server_url else None,
        )

    def measured(self, *args: str) -> Measurement:
        result = measure(self.command(*args), self.env())
        if result.returncode != 0:
            raise SystemExit(f"edms {' '.join(args)} failed:\n{result.stderr}")
        return result

    def populate(self, documents: int) -> Measurement:
        """Migrate and load demo data through the lifecycle service (`load_demo_data`)."""
        self.measured("migrate", "--noinput", "-v0")
        return self.measured(
            "load_demo_data", "--documents", str(documents), "--password", secrets.token_hex(12)
        )

    def destroy(self) -> None:
        if self.database_url:
            pg_databases.drop_database_at(self.database_url)


def print_table(headers: list[str], rows: list[list]) -> None:
    cells = [headers] + [[_cell(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        print("  ".join(value.rjust(width) for value, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def run_at_two_sizes(
    description: str, bench_size, headers: list[str], unit: str = "documents", default: int = 7000
) -> None:
    """Command-line entry of a benchmark: `bench_size(size, server_url)` at the size asked for
    (`--documents`, or another `unit`) and at a tenth of it (to show memory stays flat), then
    one table of every row."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(f"--{unit}", type=int, default=default, help="the larger size")
    parser.add_argument("--database-url", help="PostgreSQL server to run on (default SQLite)")
    args = parser.parse_args()
    larger, rows = getattr(args, unit), []
    for size in (max(1, larger // 10), larger):
        rows += bench_size(size, args.database_url)
    print("database:", "PostgreSQL" if args.database_url else "SQLite")
    print_table(headers, rows)


def result_row(documents, records, tool, run: Measurement, baseline: Measurement, *extra) -> list:
    """One table row: size, tool, time, rate, peak RSS, any `extra` cells, time vs baseline."""
    return [
        documents,
        records,
        tool,
        run.seconds,
        records / run.seconds,
        run.peak_rss_mb,
        *extra,
        f"{run.seconds / baseline.seconds:.1f}x time",
    ]
