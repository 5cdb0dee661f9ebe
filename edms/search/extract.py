"""The searchable text of a stored file: a PDF's text through pypdf, a text file as it is."""

from __future__ import annotations

import codecs
import logging
from pathlib import Path
from typing import BinaryIO

from pypdf import PdfReader

logger = logging.getLogger(__name__)

# PostgreSQL refuses a tsvector over 1 MB; 300,000 characters (a hundred pages or so) stay well
# under it whatever the words, and bound the time one upload spends reading its file.
MAX_CHARS = 300_000


def file_text(path: Path) -> str:
    """The file's text, at most MAX_CHARS; empty for a binary file, a missing or unreadable one
    (search then finds the document by its number and title only)."""
    try:
        with open(path, "rb") as f:
            text = _pdf_text(f) if f.read(5) == b"%PDF-" else _plain_text(f)
    except OSError as exc:
        logger.warning("search: cannot read %s: %s", path, exc)
        return ""
    # PostgreSQL text cannot hold NUL characters.
    return text[:MAX_CHARS].replace("\x00", "")


def _pdf_text(f: BinaryIO) -> str:
    f.seek(0)
    parts, size = [], 0
    try:
        reader = PdfReader(f)
        if reader.is_encrypted:
            reader.decrypt("")
        for page in reader.pages:
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text)
            if size >= MAX_CHARS:
                break
    # pypdf raises many kinds of error on damaged or hostile PDFs; none may stop an upload.
    except Exception as exc:  # noqa: BLE001
        logger.warning("search: no text from a PDF (%s: %s)", type(exc).__name__, exc)
    return "\n".join(parts)


def _plain_text(f: BinaryIO) -> str:
    f.seek(0)
    data = f.read(MAX_CHARS * 4)
    if b"\x00" in data:
        return ""  # a binary format: nothing we can read as words
    try:
        # Incremental, so a character cut at the end of the read does not make it fail.
        return codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
