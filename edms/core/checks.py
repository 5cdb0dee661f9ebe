"""System checks: run by `edms check` and before every management command, not only in tests.

The registry check is the promise that no table is left out of backups by accident (the idea of
Zulip's export check); the settings checks catch what the environment parsers cannot see: paths
that exist but cannot hold what EDMS puts there.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import CheckMessage, Error

from edms.core.registry import Registry, registry

DIRECTORIES = (
    ("DATA_DIR", "EDMS_DATA_DIR"),
    ("STORAGE_ROOT", "EDMS_STORAGE_ROOT"),
    ("BACKUP_DIR", "EDMS_BACKUP_DIR"),
)


def check_registry(app_configs=None, **kwargs) -> list[CheckMessage]:
    return registry_errors(registry)


def registry_errors(checked: Registry) -> list[CheckMessage]:
    """edms.E001 for every installed table the registry does not account for (auto-created
    many-to-many tables included), edms.E002 for every declaration that does not fit its model."""
    undeclared = [
        Error(
            f"{label} is installed but not declared in edms/core/registry.py",
            hint="Declare it with its backup role: configuration, business, or excluded with a "
            "reason. A many-to-many table without a through model is covered by its owner's "
            "declaration.",
            obj=label,
            id="edms.E001",
        )
        for label in checked.undeclared()
    ]
    mismatched = [
        Error(problem, obj=label, id="edms.E002")
        for label, problem in checked.declaration_problems()
    ]
    return undeclared + mismatched


def check_settings(app_configs=None, **kwargs) -> list[CheckMessage]:
    """Directory settings that name something other than a directory, and a host list that
    answers nobody."""
    errors = []
    for setting, variable in DIRECTORIES:
        path = Path(getattr(settings, setting))
        if path.exists() and not path.is_dir():
            errors.append(
                Error(
                    f"{setting} ({variable}) is {path}, which is not a directory",
                    hint=f"Point {variable} at a directory, or move the file away.",
                    id="edms.E010",
                )
            )
    if not settings.ALLOWED_HOSTS and not settings.DEBUG:
        errors.append(
            Error(
                "ALLOWED_HOSTS (EDMS_ALLOWED_HOSTS) is empty: the server would answer no request",
                hint="Set EDMS_ALLOWED_HOSTS to the host names users type, e.g. edms.example.org.",
                id="edms.E011",
            )
        )
    return errors
