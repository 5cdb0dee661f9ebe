"""Records in Django's serialized form with natural keys, read in bulk chunks.

Each record is the dict ``dumpdata --natural-foreign --natural-primary`` would write, but the
natural keys of referenced rows come from one ``values_list`` query per relation and chunk
(over the registry's natural-key paths) instead of one query per row. Values stay Python
objects (datetime, UUID, Decimal); :func:`canonical_line` renders them as one JSON line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import orjson
from django.db import models

from edms.core.registry import ModelEntry, registry

JSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z


def _default(value):
    if isinstance(value, Decimal):
        return str(value)  # as Django's encoder: exact, never a float
    if isinstance(value, bytes | memoryview):
        raise TypeError("binary fields are not supported in backups")
    raise TypeError(f"cannot serialize {type(value).__name__}")


def canonical_line(record: dict) -> bytes:
    """One record as a JSON line: sorted keys, UTC as ``Z``, microseconds kept, no newline."""
    return orjson.dumps(record, default=_default, option=JSON_OPTIONS)


def has_natural_key(model: type[models.Model]) -> bool:
    """Django's own test: such a model is written without pk and referenced by natural key."""
    return hasattr(model, "natural_key") and hasattr(model._default_manager, "get_by_natural_key")


def natural_key_paths(model: type[models.Model]) -> tuple[str, ...]:
    return registry.entry(model).natural_key


def natural_keys(
    model: type[models.Model], values: Iterable, using: str, field: str = "pk"
) -> dict:
    """Map each value of `field` (usually the pk) to its row's natural key list, in one query."""
    wanted = {v for v in values if v is not None}
    if not wanted:
        return {}
    paths = natural_key_paths(model)
    rows = model._base_manager.using(using).filter(**{f"{field}__in": wanted})
    return {row[0]: list(row[1:]) for row in rows.values_list(field, *paths)}


@dataclass(frozen=True)
class _Column:
    name: str
    attname: str
    target: type[models.Model] | None = None  # for foreign keys to a model with natural keys
    target_field: str = "pk"


@dataclass(frozen=True)
class _ManyToMany:
    name: str
    through: type[models.Model]
    source: str  # attname of the through row's column pointing at the record
    target: str  # attname of the column pointing at the related row
    related: type[models.Model]


@dataclass(frozen=True)
class _Plan:
    label: str
    columns: tuple[_Column, ...]
    many_to_many: tuple[_ManyToMany, ...]
    with_pk: bool


def _plan(model: type[models.Model]) -> _Plan:
    """Which columns and relations Django's serializer writes for this model."""
    columns = []
    for field in model._meta.concrete_model._meta.local_fields:
        if not field.serialize:
            continue
        if field.remote_field is None or not has_natural_key(field.related_model):
            columns.append(_Column(field.name, field.attname))
        else:
            target_field = field.target_field
            lookup = "pk" if target_field.primary_key else target_field.name
            columns.append(_Column(field.name, field.attname, field.related_model, lookup))
    many = []
    for field in model._meta.concrete_model._meta.local_many_to_many:
        through = field.remote_field.through
        if not field.serialize or not through._meta.auto_created:
            continue  # an explicit through model is its own registry entry, as in Django
        many.append(
            _ManyToMany(
                field.name,
                through,
                through._meta.get_field(field.m2m_field_name()).attname,
                through._meta.get_field(field.m2m_reverse_field_name()).attname,
                field.related_model,
            )
        )
    return _Plan(model._meta.label_lower, tuple(columns), tuple(many), not has_natural_key(model))


def iter_records(
    entry: ModelEntry, using: str = "default", chunk_size: int = 2000
) -> Iterator[dict]:
    """Every row of the entry's model as ``{"model", "fields"}`` (plus ``pk`` only for models
    without natural keys), in primary-key order, reading `chunk_size` rows at a time."""
    model = entry.model
    plan = _plan(model)
    rows_query = model._base_manager.using(using).order_by("pk")
    attnames = [column.attname for column in plan.columns]
    last_pk = None
    while True:
        page = rows_query if last_pk is None else rows_query.filter(pk__gt=last_pk)
        rows = list(page.values_list("pk", *attnames)[:chunk_size])
        if not rows:
            return
        last_pk = rows[-1][0]
        yield from _records(plan, rows, using)
        if len(rows) < chunk_size:
            return


def _records(plan: _Plan, rows: list[tuple], using: str) -> Iterator[dict]:
    keys_by_column = {
        index: natural_keys(
            column.target, (row[index + 1] for row in rows), using, column.target_field
        )
        for index, column in enumerate(plan.columns)
        if column.target is not None
    }
    related_by_field = [_related(m2m, [row[0] for row in rows], using) for m2m in plan.many_to_many]
    for row in rows:
        fields = {}
        for index, column in enumerate(plan.columns):
            value = row[index + 1]
            if index in keys_by_column and value is not None:
                value = keys_by_column[index][value]
            fields[column.name] = value
        for m2m, related in zip(plan.many_to_many, related_by_field, strict=True):
            fields[m2m.name] = related.get(row[0], [])
        record = {"model": plan.label, "fields": fields}
        if plan.with_pk:
            record["pk"] = row[0]
        yield record


def _related(m2m: _ManyToMany, pks: list, using: str) -> dict[object, list]:
    """For each record pk, the sorted natural keys (or pks) of its many-to-many targets."""
    pairs = list(
        m2m.through._base_manager.using(using)
        .filter(**{f"{m2m.source}__in": pks})
        .values_list(m2m.source, m2m.target)
    )
    if has_natural_key(m2m.related):
        keys = natural_keys(m2m.related, (target for _, target in pairs), using)
        pairs = [(source, keys[target]) for source, target in pairs]
    related: dict[object, list] = {}
    for source, target in pairs:
        related.setdefault(source, []).append(target)
    return {source: sorted(values, key=canonical_line) for source, values in related.items()}
