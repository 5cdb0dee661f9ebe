"""age encryption of whole packages (pyrage), so the standard ``age`` tool decrypts them too.

Recipients (``age1…`` public keys) and identities (``AGE-SECRET-KEY-1…``) stream through
pyrage's ``encrypt_io``/``decrypt_io`` in bounded memory. pyrage's passphrase (scrypt) mode
exists only for bytes in memory, so passphrase packages are limited to PASSPHRASE_MAX_BYTES.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyrage

from edms.backup.errors import BackupError, DecryptionFailed

AGE_MAGIC = b"age-encryption.org/v1\n"
AGE_ARMOR = b"-----BEGIN AGE ENCRYPTED FILE-----"
PASSPHRASE_MAX_BYTES = 2 * 1024**3


def is_encrypted(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(len(AGE_ARMOR))
    return head.startswith(AGE_MAGIC) or head.startswith(AGE_ARMOR)


def encrypt_file(
    source: Path, target: Path, *, passphrase: str | None = None, recipients: list[str] = ()
) -> None:
    """Encrypt `source` into `target` (created 0600 by the caller or here)."""
    if bool(passphrase) == bool(recipients):
        raise BackupError("encrypt with either a passphrase or age recipients, not both or neither")
    if passphrase:
        size = source.stat().st_size
        if size > PASSPHRASE_MAX_BYTES:
            raise BackupError(
                f"the package is {size} bytes; passphrase encryption holds it in memory and is "
                f"limited to {PASSPHRASE_MAX_BYTES} bytes: use an age recipient (--recipient)"
            )
        _write_private(target, pyrage.passphrase.encrypt(source.read_bytes(), passphrase))
        return
    try:
        keys = [pyrage.x25519.Recipient.from_str(r.strip()) for r in recipients]
    except pyrage.RecipientError as exc:
        raise BackupError(f"not an age recipient (age1…): {exc}") from exc
    with open(source, "rb") as src, _open_private(target) as out:
        pyrage.encrypt_io(src, out, keys)


def decrypt_file(
    source: Path, target: Path, *, passphrase: str | None = None, identity: str | None = None
) -> None:
    """Decrypt an age file into `target` (0600); DecryptionFailed says what was missing or wrong."""
    if not passphrase and not identity:
        raise DecryptionFailed(
            f"{source.name} is encrypted: give its passphrase (--passphrase-file or "
            "EDMS_BACKUP_PASSPHRASE) or an age identity"
        )
    try:
        if passphrase:
            _write_private(target, pyrage.passphrase.decrypt(source.read_bytes(), passphrase))
        else:
            key = pyrage.x25519.Identity.from_str(identity.strip())
            with open(source, "rb") as src, _open_private(target) as out:
                pyrage.decrypt_io(src, out, [key])
    except pyrage.IdentityError as exc:
        raise DecryptionFailed(f"not a valid age identity: {exc}") from exc
    except pyrage.DecryptError as exc:
        raise DecryptionFailed(
            f"cannot decrypt {source.name}: wrong passphrase or identity, or a damaged file ({exc})"
        ) from exc


def _open_private(path: Path):
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")


def _write_private(path: Path, data: bytes) -> None:
    with _open_private(path) as out:
        out.write(data)


PASSPHRASE_ENV = "EDMS_BACKUP_PASSPHRASE"
IDENTITY_ENV = "EDMS_BACKUP_IDENTITY"


def read_passphrase(path: str | None) -> str | None:
    """The passphrase from a file (its first line) or else EDMS_BACKUP_PASSPHRASE."""
    if path:
        lines = _read(path).splitlines()
        return lines[0].strip() if lines and lines[0].strip() else None
    return os.environ.get(PASSPHRASE_ENV) or None


def read_identity(path: str | None) -> str | None:
    """The ``AGE-SECRET-KEY-1…`` line of an age identity file, or else EDMS_BACKUP_IDENTITY."""
    if path:
        keys = [line.strip() for line in _read(path).splitlines()]
        return next((key for key in keys if key.startswith("AGE-SECRET-KEY-")), None)
    return os.environ.get(IDENTITY_ENV) or None


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror}") from exc
