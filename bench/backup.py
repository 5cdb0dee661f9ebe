"""Benchmark: `create_backup --type database` against `dumpdata` (and `pg_dump -Fc`).

Generates instances with `load_demo_data` at two sizes (N/10 and N documents), then times
each tool on the same data in the same run: wall time, records/s, peak RSS of the process,
output size, and ratios against create_backup; and `verify_backup` throughput.

    .venv/bin/python bench/backup.py --documents 7000
    .venv/bin/python bench/backup.py --documents 7000 --database-url postgresql://postgres@127.0.0.1/x
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Instance, measure, result_row, run_at_two_sizes  # noqa: E402

LABELS = (
    "import django; django.setup();"
    "from edms.core.registry import registry;"
    "print(' '.join(e.label for e in registry.backed_up()))"
)


def bench_size(documents: int, server_url: str | None) -> list[list]:
    instance = Instance.create(server_url)
    try:
        load = instance.populate(documents)
        print(f"# {documents} documents loaded in {load.seconds:.1f} s", file=sys.stderr)
        out = instance.data_dir / "out"
        out.mkdir()
        package = out / "backup.tar.zst"
        backup = instance.measured(
            "create_backup", "--type", "database", "--output", str(package), "--json"
        )
        result = json.loads(backup.stdout)
        records = sum(result["record_counts"].values())
        verify = instance.measured("verify_backup", str(package), "--json")
        verify_seconds = json.loads(verify.stdout)["seconds"]
        labels = measure([sys.executable, "-c", LABELS], instance.env()).stdout.split()
        dump = out / "dumpdata.jsonl"
        dumpdata = instance.measured(
            "dumpdata", *labels, "--natural-foreign", "--natural-primary",
            "--format", "jsonl", "-o", str(dump),
        )  # fmt: skip
        rows = [
            result_row(documents, records, "create_backup", backup, backup, package.stat().st_size),
            result_row(
                documents, records, "dumpdata --natural-*", dumpdata, backup, dump.stat().st_size
            ),
        ]
        if instance.database_url and shutil.which("pg_dump"):
            pg_file = out / "pg.dump"
            pg = measure(["pg_dump", "-Fc", "-f", str(pg_file), instance.database_url])
            rows.append(
                result_row(documents, records, "pg_dump -Fc", pg, backup, pg_file.stat().st_size)
            )
        size_mb = package.stat().st_size / 1e6
        unpacked_mb = json.loads(verify.stdout)["sizes"]["unpacked"] / 1e6
        rows.append(
            [documents, records, "verify_backup", verify.seconds, records / verify.seconds,
             verify.peak_rss_mb, package.stat().st_size,
             f"{size_mb / verify_seconds:.0f} MB/s of package, {unpacked_mb / verify_seconds:.0f}"
             f" MB/s unpacked ({verify_seconds:.2f} s in-process)"]
        )  # fmt: skip
        if shutil.which("zstd"):
            # The floor under any verify: decompression alone, by the reference C tool.
            floor = measure(["zstd", "-dqf", "-o", os.devnull, str(package)])
            rows.append(
                [documents, records, "zstd -d (decompress only)", floor.seconds,
                 records / floor.seconds, floor.peak_rss_mb, package.stat().st_size,
                 f"{size_mb / floor.seconds:.0f} MB/s of package"]
            )  # fmt: skip
        rows[0][-1] = f"1.0x ({result['seconds']:.2f} s in-process)"
        return rows
    finally:
        instance.destroy()
        shutil.rmtree(instance.data_dir, ignore_errors=True)


if __name__ == "__main__":
    run_at_two_sizes(
        __doc__.splitlines()[0],
        bench_size,
        ["docs", "records", "tool", "wall s", "records/s", "peak RSS MB", "bytes", "vs backup"],
    )
