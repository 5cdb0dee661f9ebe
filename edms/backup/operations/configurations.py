"""Creating, changing and removing backup configurations: validated (choices, cron expression,
retention counts) and written to the audit trail, whoever calls — command line, API or UI."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from edms.audit import chain
from edms.backup.errors import BackupError
from edms.backup.models import BackupConfiguration
from edms.backup.operations.schedule import InvalidSchedule, next_run, validate_schedule

EDITABLE = (
    "description",
    "backup_type",
    "schedule",
    "is_enabled",
    "compression",
    "encrypt",
    "verify",
    "keep_last",
    "keep_daily",
    "keep_weekly",
    "keep_monthly",
)


class ConfigurationError(BackupError):
    """A configuration that does not exist, already exists, or would be invalid; the message
    says which and names the configuration."""


def get(name: str) -> BackupConfiguration:
    try:
        return BackupConfiguration.objects.get(name=name)
    except BackupConfiguration.DoesNotExist:
        known = ", ".join(BackupConfiguration.objects.values_list("name", flat=True)) or "none"
        raise ConfigurationError(
            f"no backup configuration named '{name}' (configured: {known})"
        ) from None


@transaction.atomic
def create(name: str, *, user=None, **fields) -> BackupConfiguration:
    if BackupConfiguration.objects.filter(name=name).exists():
        raise ConfigurationError(f"a backup configuration named '{name}' already exists")
    configuration = BackupConfiguration(name=name)
    _assign(configuration, fields)
    configuration.save()
    chain.record("BACKUP_CONFIGURATION_CREATED", user, configuration, describe(configuration))
    return configuration


@transaction.atomic
def update(name: str, *, user=None, **fields) -> BackupConfiguration:
    configuration = get(name)
    before = describe(configuration)
    _assign(configuration, fields)
    configuration.save()
    after = describe(configuration)
    changes = {key: [before[key], after[key]] for key in EDITABLE if before[key] != after[key]}
    if changes:
        action = _action_for(changes)
        chain.record(action, user, configuration, {"changes": changes})
    return configuration


@transaction.atomic
def delete(name: str, *, user=None) -> None:
    """Remove the configuration; its jobs and packages stay (they are unlinked, not deleted)."""
    configuration = get(name)
    chain.record("BACKUP_CONFIGURATION_DELETED", user, configuration, describe(configuration))
    configuration.delete()


def describe(configuration: BackupConfiguration) -> dict:
    """The configuration as plain data, with when it runs next."""
    upcoming = next_run(configuration) if configuration.is_enabled else None
    return {
        "name": configuration.name,
        **{field: getattr(configuration, field) for field in EDITABLE},
        "last_run_at": _iso(configuration.last_run_at),
        "next_run_at": _iso(upcoming),
    }


def _assign(configuration: BackupConfiguration, fields: dict) -> None:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ConfigurationError(f"not a configuration field: {', '.join(sorted(unknown))}")
    for field, value in fields.items():
        setattr(configuration, field, value)
    try:
        configuration.schedule = validate_schedule(configuration.schedule)
        configuration.full_clean(exclude=["last_run_at"], validate_unique=False)
    except InvalidSchedule as exc:
        raise ConfigurationError(str(exc)) from None
    except ValidationError as exc:
        raise ConfigurationError(_message(exc)) from None


def _message(error: ValidationError) -> str:
    return "; ".join(
        f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
    )


def _action_for(changes: dict) -> str:
    if set(changes) == {"is_enabled"}:
        return "BACKUP_CONFIGURATION_" + ("ENABLED" if changes["is_enabled"][1] else "DISABLED")
    return "BACKUP_CONFIGURATION_UPDATED"


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None
