"""What can go wrong with a backup or restore, as types: commands map them to exit codes and
the API to 4xx answers, each with a message telling the operator what is wrong and what to do."""


class BackupError(Exception):
    """Base of every backup, verify, reinit and restore failure."""

    exit_code = 1


class CorruptPackage(BackupError):
    """The package is damaged: truncated, a checksum or count mismatch, invalid JSON."""

    exit_code = 3


class UnsupportedFormat(BackupError):
    """Not a package we can read: unknown format version, newer schema, unknown file type."""

    exit_code = 4


class UnsafePackage(BackupError):
    """A hostile package: members escaping the target, links, unbounded expansion."""

    exit_code = 5


class DecryptionFailed(BackupError):
    """Encrypted, and the passphrase or identity is missing or wrong."""

    exit_code = 6


class RestoreConflict(BackupError):
    """A record already exists and differs, and the conflict policy says fail."""

    exit_code = 7


class ValidationFailed(BackupError):
    """After restoring, something in the backup is not present as it should be."""

    exit_code = 8


class OperationInProgress(BackupError):
    """Another restore or reinit holds the lock."""

    exit_code = 9
