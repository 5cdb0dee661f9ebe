"""The secrets EDMS reads from its environment, read here and nowhere else.

Django's secret key comes from EDMS_SECRET_KEY, else from a file written once into the data
directory. Settings only read it: the file is written when an installation is set up (`edms
migrate`) or found, never by a command refused on a directory that holds no installation.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ADMIN_PASSWORD_ENV = "EDMS_ADMIN_PASSWORD"
BACKUP_PASSPHRASE_ENV = "EDMS_BACKUP_PASSPHRASE"
BACKUP_IDENTITY_ENV = "EDMS_BACKUP_IDENTITY"
SECRET_KEY_ENV = "EDMS_SECRET_KEY"
SECRET_KEY_FILE = "secret_key"


def secret_key(data_dir: Path) -> str:
    """The configured or stored key; without either, a key for this process alone (it has no
    installation whose sessions or tokens the key would have to keep valid)."""
    if key := _read(SECRET_KEY_ENV):
        return key
    try:
        return (data_dir / SECRET_KEY_FILE).read_text().strip()
    except FileNotFoundError:
        return secrets.token_urlsafe(50)


def ensure_secret_key(data_dir: Path) -> None:
    """Write the key file (owner-only) unless EDMS_SECRET_KEY is set or the file exists."""
    if _read(SECRET_KEY_ENV):
        return
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(data_dir / SECRET_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # written before us, perhaps by a process started at the same time
    with os.fdopen(fd, "w") as key_file:
        key_file.write(secrets.token_urlsafe(50))


def admin_password() -> str | None:
    """The password for the admin that demo data or a reinit creates, if the operator set one."""
    return _read(ADMIN_PASSWORD_ENV)


def backup_passphrase() -> str | None:
    """The age passphrase for encrypted backups, if set."""
    return _read(BACKUP_PASSPHRASE_ENV)


def backup_identity() -> str | None:
    """The age identity (``AGE-SECRET-KEY-1…``) that decrypts backups made for a recipient."""
    return _read(BACKUP_IDENTITY_ENV)


def _read(name: str) -> str | None:
    return os.environ.get(name) or None
