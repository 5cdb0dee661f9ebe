"""Restored records obey their model's own field rules: choices, lengths and validators.

The engine writes rows in bulk, past ``Model.full_clean``; a backup edited to hold an unknown
choice, an over-long value or a cron expression the scheduler cannot parse would otherwise be
stored and crash whatever reads it later. The rules are gathered once per model and checked on
every row the restore is about to write (references are not rechecked here: they were resolved
by natural key, and uniqueness is the database's to enforce).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models

from edms.backup.errors import ValidationFailed


@dataclass(frozen=True)
class FieldRule:
    attname: str
    field: models.Field
    choices: frozenset | None
    max_length: int | None
    validators: tuple  # other than the max_length one, which is checked inline (it is hot)

    def problem(self, value: object) -> str:
        if value is None:
            return "" if self.field.null else "may not be empty (null)"
        if self.choices is not None and value not in self.choices:
            return f"{value!r} is not one of its choices"
        if self.max_length is not None and isinstance(value, str) and len(value) > self.max_length:
            return f"{len(value)} characters, at most {self.max_length} allowed"
        if value in self.field.empty_values:
            return ""  # as Field.run_validators: validators judge only non-empty values
        for validator in self.validators:
            try:
                validator(value)
            except ValidationError as exc:
                return "; ".join(exc.messages)
        return ""


_rules: dict[type[models.Model], tuple[FieldRule, ...]] = {}


def rules_of(model: type[models.Model]) -> tuple[FieldRule, ...]:
    """The checks that apply to a model's own (non-relational) columns, built once."""
    if model not in _rules:
        _rules[model] = tuple(
            _rule(field)
            for field in model._meta.concrete_fields
            if not field.primary_key
            and not field.remote_field
            and (field.choices or field.validators or not field.null)
        )
    return _rules[model]


def _rule(field: models.Field) -> FieldRule:
    max_length = getattr(field, "max_length", None) if isinstance(field, models.CharField) else None
    validators = tuple(
        v
        for v in field.validators
        if not (max_length is not None and isinstance(v, MaxLengthValidator))
    )
    return FieldRule(field.attname, field, _choices(field), max_length, validators)


def _choices(field: models.Field) -> frozenset | None:
    if not field.choices:
        return None
    return frozenset(value for value, _ in field.flatchoices)


def check_rows(model: type[models.Model], rows: list[tuple[tuple, dict]]) -> None:
    """Raise ValidationFailed naming the first few records whose values break a rule."""
    problems = []
    for rule in rules_of(model):
        for key, values in rows:
            if rule.attname not in values:
                continue
            problem = rule.problem(values[rule.attname])
            if problem:
                problems.append(f"{list(key)} {rule.field.name}: {problem}")
                if len(problems) >= 5:
                    break
        if len(problems) >= 5:
            break
    if problems:
        label = model._meta.label_lower
        raise ValidationFailed(
            f"{label} records break the model's rules, nothing was restored: "
            + " | ".join(problems)
        )
