"""Benchmark: the audit trail export (CSV and PDF) stays in bounded memory as the trail grows.

Makes an instance with N/10 and N hash-chained audit entries, then exports all of them the way
the download does (consuming the streamed chunks into a file), each in its own process: wall
time, entries/s, peak RSS, output size. For comparison, the same entries laid out one line each
by fpdf2, which builds the whole document in memory before writing it.

    .venv/bin/python bench/audit_export.py --entries 100000
    .venv/bin/python bench/audit_export.py --entries 100000 --database-url postgresql://postgres@127.0.0.1/x
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Instance, measure, run_at_two_sizes  # noqa: E402

SETUP = "import django; django.setup()\n"

# Chained entries written in bulk: the same hashes chain.record would give, far faster.
POPULATE = (
    SETUP
    + """
import datetime as dt, sys
from django.utils import timezone
from edms.accounts.models import User
from edms.audit import chain
from edms.audit.models import AuditTrail
from edms.core.models import InstanceIdentity

count = int(sys.argv[1])
User.objects.create_user("inspector", password="bench-inspector-pw")
identity = InstanceIdentity.current()
last = AuditTrail.objects.filter(chain=identity.audit_chain).order_by("-sequence").first()
previous = last.entry_hash if last else chain.GENESIS_HASH
sequence = last.sequence if last else 0
start = timezone.now() - dt.timedelta(seconds=count)
actions = ["DOCUMENT_CREATED", "VERSION_UPLOADED", "SUBMITTED_FOR_REVIEW", "REVIEW_ACCEPTED"]
batch = []
for n in range(count):
    sequence += 1
    number = f"SOP-{n // 4:05d}"
    entry = AuditTrail(
        chain=identity.audit_chain, sequence=sequence, timestamp=start + dt.timedelta(seconds=n),
        username=f"author{n % 50:02d}", action=actions[n % 4], object_type="documents.document",
        object_key=[number], object_repr=number, previous_hash=previous,
        details={"from": "DRAFT", "to": "UNDER_REVIEW", "comment": f"bench entry {n}"},
    )
    entry.entry_hash = previous = chain.entry_hash(entry)
    batch.append(entry)
    if len(batch) == 5000:
        AuditTrail.objects.bulk_create(batch)
        batch.clear()
AuditTrail.objects.bulk_create(batch)
identity.audit_head = sequence
identity.save(update_fields=["audit_head"])
"""
)

EXPORT = (
    SETUP
    + """
import sys
from edms.accounts.models import User
from edms.audit import export

kind, path = sys.argv[1], sys.argv[2]
prepared = export.prepare({}, User.objects.get(username="inspector"), kind)
chunks = export.csv_chunks(prepared) if kind == "csv" else export.pdf_chunks(prepared)
with open(path, "wb") as out:
    for chunk in chunks:
        out.write(chunk)
print(prepared.count)
"""
)

FPDF2 = (
    SETUP
    + """
import sys
from fpdf import FPDF
from edms.audit.models import AuditTrail

pdf = FPDF(orientation="L", format="A4")
pdf.set_font("Courier", size=7)
pdf.add_page()
count = 0
for e in AuditTrail.objects.order_by("timestamp", "sequence").iterator(chunk_size=2000):
    count += 1
    if pdf.get_y() > 190:
        pdf.add_page()
    line = f"{e.timestamp:%Y-%m-%d %H:%M:%S.%f}  #{e.sequence:<7} {e.username:<16} {e.action:<26}"
    pdf.cell(0, 3, f"{line} {e.object_repr}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 3, "            " + str(e.details), new_x="LMARGIN", new_y="NEXT")
pdf.output(sys.argv[1])
print(count)
"""
)


def bench_size(entries: int, server_url: str | None) -> list[list]:
    instance = Instance.create(server_url)
    try:
        instance.run("migrate", "--noinput", "-v0")
        made = measure([sys.executable, "-c", POPULATE, str(entries)], instance.env())
        if made.returncode:
            raise SystemExit(made.stderr)
        print(f"# {entries} audit entries made in {made.seconds:.1f} s", file=sys.stderr)
        rows = []
        for tool, script, args in [
            ("export csv", EXPORT, ["csv"]),
            ("export pdf", EXPORT, ["pdf"]),
            ("fpdf2 pdf (in memory)", FPDF2, []),
        ]:
            out = instance.data_dir / f"out-{len(rows)}"
            run = measure([sys.executable, "-c", script, *args, str(out)], instance.env())
            if run.returncode:
                raise SystemExit(f"{tool} failed:\n{run.stderr}")
            exported = int(run.stdout.split()[-1])
            rows.append(
                [
                    exported,
                    tool,
                    run.seconds,
                    exported / run.seconds,
                    run.peak_rss_mb,
                    out.stat().st_size / 1024**2,
                ]
            )
        return rows
    finally:
        instance.destroy()


def main() -> None:
    run_at_two_sizes(
        __doc__.splitlines()[0],
        bench_size,
        ["entries", "tool", "seconds", "entries/s", "peak RSS MB", "output MB"],
        unit="entries",
        default=100_000,
    )


if __name__ == "__main__":
    main()
