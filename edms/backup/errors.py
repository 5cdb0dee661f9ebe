"""What can go wrong with a backup or restore, as types in the EDMS hierarchy: each has its own
exit code (3 to 9, listed in the README) and HTTP status, and a message telling the operator
what is wrong and what to do."""

from edms.core.errors import EdmsError


class BackupError(EdmsError):
    """Base of every backup, verify, reinit and restore failure."""


class CorruptPackage(BackupError):
    """The package is damaged: truncated, a checksum or count mismatch, invalid JSON. A bad
    upload, so 400 like any malformed request."""

    exit_code = 3


class UnsupportedFormat(BackupError):
    """Not a package we can read: unknown format version, newer schema, unknown file type."""

    exit_code = 4
    http_status = 415


class UnsafePackage(BackupError):
    """A hostile package: members escaping the target, links, unbounded expansion."""

    exit_code = 5


class DecryptionFailed(BackupError):
    """Encrypted, and the passphrase or identity is missing or wrong. 400, not 403: the key is
    part of the request, and 401/403 mean the caller's session or rights."""

    exit_code = 6


class RestoreConflict(BackupError):
    """A record already exists and differs, and the conflict policy says fail."""

    exit_code = 7
    http_status = 409


class ValidationFailed(BackupError):
    """After restoring, something in the backup is not present as it should be."""

    exit_code = 8
    http_status = 422


class OperationInProgress(BackupError):
    """Another restore or reinit holds the lock."""

    exit_code = 9
    http_status = 409


class RecordTooLarge(UnsafePackage):
    """One record line longer than EDMS_MAX_RECORD_BYTES: refused before it is read whole, so
    a crafted line cannot exhaust memory. The message names the model and the limit."""


class PrivilegedChangesRefused(BackupError):
    """The restore would create or elevate a superuser or staff account, or replace a password
    hash, and the operator did not pass --allow-privileged-changes. Refused for lack of an
    explicit decision, hence 403 and the exit code of every refusal for who asks."""

    exit_code = 11
    http_status = 403
