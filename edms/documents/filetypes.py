"""What a document version file may be: PDF, plain text or an Office document, recognised by
its content, and named with an extension that agrees. The web UI and the API check uploads
here before they reach the lifecycle service."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import PurePath
from typing import BinaryIO

from edms.core.errors import EdmsError

PDF = "application/pdf"
TEXT = "text/plain"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"

MSWORD, MSEXCEL, MSPOWERPOINT = (
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
)
OLE2_BY_EXTENSION = {".doc": MSWORD, ".xls": MSEXCEL, ".ppt": MSPOWERPOINT}
EXTENSIONS = {
    PDF: {".pdf"},
    TEXT: {".txt", ".text", ".md", ".csv", ".log"},
    DOCX: {".docx"},
    XLSX: {".xlsx"},
    PPTX: {".pptx"},
    ODT: {".odt"},
    ODS: {".ods"},
    ODP: {".odp"},
    **{kind: {extension} for extension, kind in OLE2_BY_EXTENSION.items()},
}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .doc, .xls and .ppt
OOXML_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
HEAD = 8192


class UnsupportedFileType(EdmsError):
    """Not a PDF, text or Office file, or named as another kind than its content is."""

    http_status = 415


def content_type(stream: BinaryIO, filename: str) -> str:
    """The MIME type of a seekable upload, by its content; refuses anything else, or a name
    whose extension says another type. The stream is rewound for the caller."""
    extension = PurePath(filename).suffix.lower()
    kind = detect(stream, extension)
    if kind is None:
        raise UnsupportedFileType(
            f"{filename} is not a PDF, plain text (UTF-8) or Office document; "
            "only those can be stored as a document version"
        )
    if extension not in EXTENSIONS[kind]:
        expected = " or ".join(sorted(EXTENSIONS[kind]))
        raise UnsupportedFileType(
            f"{filename} holds {_label(kind)} content, so its name must end in {expected}"
        )
    return kind


def detect(stream: BinaryIO, extension: str = "") -> str | None:
    """The MIME type the content shows (None: none of ours); rewinds the stream."""
    stream.seek(0)
    head = stream.read(HEAD)
    if head.startswith(b"%PDF-"):
        kind = PDF
    elif head.startswith(OLE2):
        # The OLE2 container does not say which program wrote it; the extension decides.
        kind = OLE2_BY_EXTENSION.get(extension)
    elif head.startswith(b"PK\x03\x04"):
        kind = _office_zip(stream)
    else:
        kind = TEXT if _is_text(head) else None
    stream.seek(0)
    return kind


def _office_zip(stream: BinaryIO) -> str | None:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                kind = archive.read("mimetype").decode("ascii", "replace").strip()
                return kind if kind in (ODT, ODS, ODP) else None
    except zipfile.BadZipFile:
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for part, kind in OOXML_PARTS.items() if part in names), None)


def _is_text(head: bytes) -> bool:
    """UTF-8 without NUL bytes (a character cut at the end of the sample is fine)."""
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _label(kind: str) -> str:
    return {PDF: "PDF", TEXT: "plain text"}.get(kind, "Office")
