"""Benchmark: `restore_backup --clean` into an empty install against `loaddata` of the
equivalent fixture (and `pg_restore` of a `pg_dump -Fc` on PostgreSQL).

Generates instances with `load_demo_data` at two sizes (N/10 and N documents), as
bench/backup.py does. Each tool restores into its own freshly migrated installation (for
pg_restore: an empty database), in the same run: wall time, records/s, peak RSS of the
process, and the ratio against restore_backup.

    .venv/bin/python bench/restore.py --documents 7000
    .venv/bin/python bench/restore.py --documents 7000 --database-url postgresql://postgres@127.0.0.1/x
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.backup import LABELS  # noqa: E402
from bench.common import Instance, measure, result_row, run_at_two_sizes  # noqa: E402
from edms.core import pg_databases  # noqa: E402


def bench_size(documents: int, server_url: str | None) -> list[list]:
    source = Instance.create(server_url)
    targets: list[Instance] = []
    try:
        load = source.populate(documents)
        print(f"# {documents} documents loaded in {load.seconds:.1f} s", file=sys.stderr)
        out = source.data_dir / "out"
        out.mkdir()
        package = out / "backup.tar.zst"
        source.measured("create_backup", "--type", "full", "--output", str(package))
        labels = measure([sys.executable, "-c", LABELS], source.env()).stdout.split()
        fixture = out / "fixture.jsonl"
        source.measured(
            "dumpdata", *labels, "--natural-foreign", "--natural-primary",
            "--format", "jsonl", "-o", str(fixture),
        )  # fmt: skip

        ours = _fresh(server_url, targets)
        restore = ours.measured("restore_backup", "--from-file", str(package), "--clean", "--json")
        report = json.loads(restore.stdout)
        records = report["records"]
        loaddata = _fresh(server_url, targets).measured("loaddata", str(fixture))
        rows = [
            result_row(documents, records, "restore_backup --clean", restore, restore),
            result_row(documents, records, "loaddata (natural keys)", loaddata, restore),
        ]
        if source.database_url and shutil.which("pg_restore"):
            dump = out / "pg.dump"
            measure(["pg_dump", "-Fc", "-f", str(dump), source.database_url])
            empty = pg_databases.create_database_at(server_url, "edms_bench")
            try:
                pg = measure(["pg_restore", "--no-owner", "-d", empty, str(dump)])
            finally:
                pg_databases.drop_database_at(empty)
            rows.append(result_row(documents, records, "pg_restore (pg_dump -Fc)", pg, restore))
        timings = report["timings"]
        rows[0][-1] = (
            f"1.0x (records {timings['records']:.1f} s, files {timings['files']:.1f} s, "
            f"validate {timings['validate']:.1f} s)"
        )
        return rows
    finally:
        for instance in [source, *targets]:
            instance.destroy()
            shutil.rmtree(instance.data_dir, ignore_errors=True)


def _fresh(server_url: str | None, created: list[Instance]) -> Instance:
    instance = Instance.create(server_url)
    created.append(instance)
    instance.measured("migrate", "--noinput", "-v0")
    return instance


if __name__ == "__main__":
    run_at_two_sizes(
        __doc__.splitlines()[0],
        bench_size,
        ["docs", "records", "tool", "wall s", "records/s", "peak RSS MB", "vs restore_backup"],
    )
