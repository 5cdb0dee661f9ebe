"""Reading EDMS_* environment variables: one parser per kind of value.

A typo in the environment must stop EDMS with a sentence naming the variable and what it
accepts, not with a traceback from int() or, worse, a silent fall back to the default.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")
SUPPORTED_ENGINES = ("django.db.backends.postgresql", "django.db.backends.sqlite3")


class BadVariable(ImproperlyConfigured):
    """An environment variable whose value EDMS cannot use; the message names it."""

    def __init__(self, name: str, value: str | None, expected: str) -> None:
        shown = f"{name}={value!r}" if value is not None else name
        super().__init__(f"{shown} is not valid: {expected}")
        self.name = name


def _raw(name: str) -> str | None:
    """The variable's value, or None when it is unset or blank (blank means "use the default")."""
    value = os.environ.get(name, "").strip()
    return value or None


def env_str(name: str, default: str) -> str:
    return _raw(name) or default


def env_path(name: str, default: Path) -> Path:
    value = _raw(name)
    return Path(value) if value else default


def env_list(name: str, default: Sequence[str] = ()) -> list[str]:
    """Comma-separated values, blanks dropped."""
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    accepted = f"use {_either(TRUE)} to turn it on, {_either(FALSE)} to turn it off"
    raise BadVariable(name, value, accepted)


def env_int(name: str, default: int, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadVariable(
            name, value, f"expected a whole number{_range(minimum, maximum)}"
        ) from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise BadVariable(name, value, f"expected a whole number{_range(minimum, maximum)}")
    return number


def env_float(name: str, default: float, minimum: float | None = None) -> float:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is None or number != number or (minimum is not None and number < minimum):
        raise BadVariable(name, value, f"expected a number{_range(minimum, None)}")
    return number


def env_choice(name: str, default: str, choices: Sequence[str]) -> str:
    """One of `choices`, compared without regard to case; returned as spelled in `choices`."""
    value = _raw(name)
    if value is None:
        return default
    by_folded = {choice.casefold(): choice for choice in choices}
    if value.casefold() not in by_folded:
        raise BadVariable(name, value, f"use {_either(choices)}")
    return by_folded[value.casefold()]


def env_database(name: str, default_url: str) -> dict:
    """Django's DATABASES entry for the URL in `name`: PostgreSQL, or SQLite. The value is never
    echoed in an error, since it may hold a password."""
    url = _raw(name) or default_url
    expected = "expected postgresql://user@host:5432/edms, or leave it unset for SQLite"
    try:
        database = dj_database_url.parse(url)
    except ValueError:
        raise BadVariable(name, None, expected) from None
    if database["ENGINE"] not in SUPPORTED_ENGINES:
        raise BadVariable(name, None, f"{expected} (EDMS does not run on {database['ENGINE']})")
    return database


def _range(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" of at least {minimum}"
    return ""


def _either(words: Sequence[str]) -> str:
    return f"{', '.join(words[:-1])} or {words[-1]}"
