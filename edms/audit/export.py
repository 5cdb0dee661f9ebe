"""The audit trail exported for inspectors (21 CFR 11.10(b)): any range, any filter, CSV or PDF.

Both formats stream: entries are read in chunks (`.iterator()`) and written out as they come,
so a million entries need no more memory than a hundred. The PDF is written object by object
(pages first, the page tree and cross-reference table last) because the PDF libraries (fpdf2,
reportlab) keep every page in memory until the end. Every export is itself an audit entry.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zlib
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from django.apps import apps
from django.conf import settings
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from edms.audit import chain
from edms.audit.api import filtered_entries
from edms.audit.models import AuditTrail

FORMATS = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}
CSV_COLUMNS = [
    "sequence",
    "timestamp",
    "username",
    "action",
    "object_type",
    "object",
    "object_key",
    "details",
    "chain",
    "uuid",
    "previous_hash",
    "entry_hash",
]
CHUNK_BYTES = 64 * 1024
READ_CHUNK = 2000


@dataclass(frozen=True)
class AuditExport:
    """One export: the filters as given, the entries they select up to `as_of`, oldest first."""

    filters: dict[str, str]
    entries: QuerySet[AuditTrail]
    count: int
    as_of: datetime
    generated_by: str
    kind: str

    @property
    def filename(self) -> str:
        return f"{settings.INSTANCE_NAME}-audit-trail-{self.as_of:%Y%m%dT%H%M%SZ}.{self.kind}"


def prepare(params: Mapping[str, str], user, kind: str) -> AuditExport:
    """Check the filters (a ValidationError names a bad one), fix the moment the export covers,
    count its entries and record who exported what in the audit trail."""
    filters = {name: value.strip() for name, value in params.items() if value.strip()}
    as_of = timezone.now()
    entries = filtered_entries(filters).filter(timestamp__lte=as_of)
    count = entries.count()
    chain.record(
        "AUDIT_TRAIL_EXPORTED",
        user,
        None,
        {"format": kind, "filters": filters, "entries": count, "as_of": as_of.isoformat()},
    )
    name = user.get_full_name()
    return AuditExport(
        filters=filters,
        entries=entries.order_by("timestamp", "sequence"),
        count=count,
        as_of=as_of,
        generated_by=f"{name} ({user.username})" if name else user.username,
        kind=kind,
    )


def download(export: AuditExport) -> StreamingHttpResponse:
    chunks = csv_chunks(export) if export.kind == "csv" else pdf_chunks(export)
    response = StreamingHttpResponse(chunks, content_type=FORMATS[export.kind])
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


def csv_chunks(export: AuditExport) -> Iterator[bytes]:
    """One row per entry with every hashed field, so the chain can be recomputed from the file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for e in export.entries.iterator(chunk_size=READ_CHUNK):
        writer.writerow(
            [
                e.sequence,
                e.timestamp.isoformat(timespec="microseconds"),
                e.username,
                e.action,
                e.object_type,
                e.object_repr,
                _json(e.object_key),
                _json(e.details),
                e.chain,
                e.uuid,
                e.previous_hash,
                e.entry_hash,
            ]
        )
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


@cache
def model_name(label: str) -> str:
    """A model label (documents.documentversion) as people say it (document version)."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


# The PDF: A4 landscape in Courier, so a line holds a fixed number of characters.
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 842, 595, 36
FONT_SIZE, LEADING = 7, 8.5
LINE_CHARS = int((PAGE_WIDTH - 2 * MARGIN) / (0.6 * FONT_SIZE))
LINES_PER_PAGE = int((PAGE_HEIGHT - 2 * MARGIN) / LEADING) - 3  # below the page's heading
INDENT = " " * 12


def pdf_chunks(export: AuditExport) -> Iterator[bytes]:
    """A cover page (instance, range, filters, count, chain verification, who), then the
    entries, a page at a time."""
    verification = chain.verify_report()
    pdf = _PdfFile(title=f"{settings.INSTANCE_NAME} audit trail export")
    out = bytearray(pdf.start())
    out += pdf.page(_cover(export, verification))
    heading = (
        f"{settings.INSTANCE_NAME} · audit trail as of {_utc(export.as_of)} · "
        f"{export.count} entries · page "
    )
    lines: list[str] = []
    for line in _entry_lines(export):
        lines.append(line)
        if len(lines) == LINES_PER_PAGE:
            out += pdf.page(_listing(f"{heading}{len(pdf.pages) + 1}", lines))
            lines.clear()
            if len(out) >= CHUNK_BYTES:
                yield bytes(out)
                out.clear()
    out += pdf.page(_listing(f"{heading}{len(pdf.pages) + 1}", lines))
    out += pdf.finish()
    yield bytes(out)


def _entry_lines(export: AuditExport) -> Iterator[str]:
    written = 0
    for e in export.entries.iterator(chunk_size=READ_CHUNK):
        written += 1
        what = f"{model_name(e.object_type)} {e.object_repr}" if e.object_type else e.object_repr
        head = (
            f"{_utc(e.timestamp, micro=True)}  #{e.sequence:<7} {str(e.chain)[:8]}  "
            f"{e.username or '—':<16} {e.action:<26} {what}"
        )
        yield from _wrap(head, "", INDENT)
        if e.details:
            yield from _wrap(_json(e.details), INDENT, INDENT)
    yield ""
    yield f"End of the export: {written} entries."


def _cover(export: AuditExport, verification: chain.ChainReport) -> bytes:
    shown = {"username": "user", "object_type": "object type"}
    filters = [
        f"{shown.get(k, k)} = {v}" for k, v in export.filters.items() if k not in ("since", "until")
    ]
    if verification.intact:
        result = [
            f"intact: {verification.entries} entries in {verification.chains} chain(s) "
            "recomputed and linked"
        ]
    else:
        result = ["BROKEN:"] + [f"  {b}" for b in verification.breaks]
    facts = [
        ("Instance", [settings.INSTANCE_NAME]),
        ("Entries from", [_given_time(export.filters.get("since")) or "the first entry"]),
        ("Entries before", [_given_time(export.filters.get("until")) or "the moment of export"]),
        ("Filters", filters or ["none"]),
        ("Entries exported", [str(export.count)]),
        ("Audit chain", result),
        ("Generated by", [export.generated_by]),
        ("Generated at", [_utc(export.as_of)]),
        ("Times", ["UTC; each entry: time, sequence, chain, user, action, object; details below"]),
    ]
    lines = []
    for name, values in facts:
        for n, value in enumerate(values):
            lines += _wrap(value, f"{name if n == 0 else '':<18}  ", " " * 20)
    return _text_block(
        [(2, 16, "Audit trail export")], lines, top=PAGE_HEIGHT - MARGIN - 40, size=10
    )


def _listing(heading: str, lines: list[str]) -> bytes:
    return _text_block([(2, FONT_SIZE, heading)], [""] + lines, top=PAGE_HEIGHT - MARGIN)


def _text_block(
    titles: list[tuple[int, float, str]], lines: list[str], top: float, size: float = FONT_SIZE
) -> bytes:
    """Page content: titles (font number, size, text), then `lines` in Courier at `size`."""
    ops = [f"BT {MARGIN} {top:.1f} Td"]
    for font, font_size, text in titles:
        ops.append(f"/F{font} {font_size} Tf {font_size * 1.4:.1f} TL ({_pdf_text(text)}) Tj T*")
    ops.append(f"/F1 {size} Tf {size * 1.25:.2f} TL")
    ops += [f"({_pdf_text(line)}) Tj T*" for line in lines]
    ops.append("ET")
    return "\n".join(ops).encode("latin-1")


class _PdfFile:
    """A PDF written as it goes: only object offsets and page numbers stay in memory."""

    CATALOG, PAGES, INFO = 1, 2, 3
    FONTS = {1: "Courier", 2: "Courier-Bold"}  # object numbers 4 and 5

    def __init__(self, title: str) -> None:
        self.title = title
        self.offsets = array("Q", [0] * 6)
        self.pages = array("Q")
        self.position = 0

    def start(self) -> bytes:
        out = self._raw(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        for n, name in self.FONTS.items():
            font = f"<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>"
            out += self._object(3 + n, font.encode())
        info = f"<< /Title ({_pdf_text(self.title)}) /Producer (EDMS) >>"
        return out + self._object(self.INFO, info.encode())

    def page(self, content: bytes) -> bytes:
        packed = zlib.compress(content)
        stream = self._new()
        out = self._object(
            stream,
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(packed), packed),
        )
        page = self._new()
        self.pages.append(page)
        body = (
            f"<< /Type /Page /Parent {self.PAGES} 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            f"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents {stream} 0 R >>"
        )
        return out + self._object(page, body.encode())

    def finish(self) -> bytes:
        kids = " ".join(f"{n} 0 R" for n in self.pages)
        tree = f"<< /Type /Pages /Kids [{kids}] /Count {len(self.pages)} >>"
        out = self._object(self.PAGES, tree.encode())
        out += self._object(self.CATALOG, f"<< /Type /Catalog /Pages {self.PAGES} 0 R >>".encode())
        xref_at = self.position
        rows = [b"xref\n0 %d\n0000000000 65535 f \n" % len(self.offsets)]
        rows += [b"%010d 00000 n \n" % offset for offset in self.offsets[1:]]
        trailer = "trailer\n<< /Size {} /Root {} 0 R /Info {} 0 R >>\nstartxref\n{}\n%%EOF\n"
        rows.append(trailer.format(len(self.offsets), self.CATALOG, self.INFO, xref_at).encode())
        return out + self._raw(b"".join(rows))

    def _new(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def _object(self, number: int, body: bytes) -> bytes:
        self.offsets[number] = self.position
        return self._raw(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def _raw(self, data: bytes) -> bytes:
        self.position += len(data)
        return data


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _pdf_text(text: str) -> str:
    """Text for a PDF string in WinAnsi: characters outside it kept visible as \\uXXXX escapes,
    control characters as \\xNN, and the string's own delimiters escaped."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    text = text.encode("cp1252", "backslashreplace").decode("latin-1")
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _wrap(text: str, first: str, rest: str) -> list[str]:
    """`text` cut into lines that fit the page (nothing dropped): the first after `first`, the
    others after `rest`."""
    lines, width = [], LINE_CHARS - len(first)
    while True:
        lines.append((rest if lines else first) + text[:width])
        text, width = text[width:], LINE_CHARS - len(rest)
        if not text:
            return lines


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _given_time(value: str | None) -> str:
    """A time filter as given (ISO 8601; without a zone it is UTC, as the API reads it)."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value)
    return _utc(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _utc(moment: datetime, micro: bool = False) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f UTC" if micro else "%Y-%m-%d %H:%M:%S UTC")
