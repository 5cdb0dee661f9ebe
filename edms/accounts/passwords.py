"""Every password EDMS sets goes through Django's validators (settings.AUTH_PASSWORD_VALIDATORS),
whichever way it came: the command line, EDMS_ADMIN_PASSWORD, the API or demo data."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from edms.accounts.models import User
from edms.core.errors import UsageError


class WeakPassword(UsageError):
    """A password the validators refuse; the message lists their reasons (exit 2, HTTP 400)."""


def require_strong(password: str, source: str, user: User | None = None) -> str:
    """`password` if the validators accept it, else WeakPassword naming where it came from."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        reasons = " ".join(error.messages)
        raise WeakPassword(f"the password given by {source} is too weak: {reasons}") from error
    return password
