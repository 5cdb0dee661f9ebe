"""Reading a version's file back: the stored bytes are checked against the SHA-256 recorded at
upload before anyone is given them. A damaged or missing file is audited and refused, never
served."""

from __future__ import annotations

import hashlib
from typing import BinaryIO

from edms.audit import chain
from edms.core.errors import EdmsError
from edms.documents import storage
from edms.documents.models import DocumentVersion

CHUNK = 1024 * 1024


class DamagedFile(EdmsError):
    """A stored version file that no longer matches its SHA-256, or is gone."""

    http_status = 500


def open_verified(version: DocumentVersion, user) -> BinaryIO:
    """The version's stored file, open at its start, once its content hashed to the recorded
    SHA-256. The same open file is checked and served, so what was checked is what is read."""
    try:
        stream = open(storage.absolute(version.file), "rb")  # noqa: SIM115 - the caller closes it
    except OSError:
        raise _damaged(version, user, "missing") from None
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    if digest.hexdigest() != version.sha256:
        stream.close()
        raise _damaged(version, user, digest.hexdigest())
    stream.seek(0)
    return stream


def _damaged(version: DocumentVersion, user, found: str) -> DamagedFile:
    chain.record(
        "VERSION_FILE_DAMAGED", user, version, {"expected": version.sha256, "found": found}
    )
    what = "is missing from storage" if found == "missing" else "no longer matches its SHA-256"
    return DamagedFile(
        f"The stored file of {version} is damaged: it {what} "
        f"(recorded {version.sha256}). Nothing was served. Restore the file from a backup "
        "(edms restore_backup) and tell your administrator."
    )
