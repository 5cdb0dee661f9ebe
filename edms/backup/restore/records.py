"""Turning a backup record into column values, with every reference resolved by natural key.

``ModelShape`` says, once per model, which fields a record carries and where each foreign key and
many-to-many field points. ``Resolver`` holds the ``{natural_key: pk}`` maps of every model the
restore touches: loaded lazily from the target database, extended with each row the restore
creates. A reference that cannot be resolved yet is reported, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models

from edms.backup.errors import CorruptPackage
from edms.backup.restore.keys import NaturalKeys, load_key_map


@dataclass(frozen=True)
class Column:
    field: models.Field
    target: type[models.Model] | None = None  # set for foreign keys

    @property
    def attname(self) -> str:
        return self.field.attname


@dataclass(frozen=True)
class ManyToMany:
    name: str
    through: type[models.Model]
    source: str  # attname of the through column pointing at the record
    target: str  # attname of the through column pointing at the related row
    related: type[models.Model]


@dataclass(frozen=True)
class ModelShape:
    model: type[models.Model]
    columns: tuple[Column, ...]
    many_to_many: tuple[ManyToMany, ...]

    @classmethod
    def of(cls, model: type[models.Model]) -> ModelShape:
        columns = tuple(
            Column(f, f.related_model if f.remote_field else None)
            for f in model._meta.concrete_model._meta.local_fields
            if f.serialize and not f.primary_key
        )
        many = tuple(
            ManyToMany(
                f.name,
                f.remote_field.through,
                f.remote_field.through._meta.get_field(f.m2m_field_name()).attname,
                f.remote_field.through._meta.get_field(f.m2m_reverse_field_name()).attname,
                f.related_model,
            )
            for f in model._meta.concrete_model._meta.local_many_to_many
            if f.serialize and f.remote_field.through._meta.auto_created
        )
        return cls(model, columns, many)


@dataclass
class Row:
    """One record ready to write: natural key, column values, related pks, late references."""

    key: tuple
    values: dict[str, object]
    many_to_many: dict[str, list] = field(default_factory=dict)
    late: list[tuple[Column, tuple]] = field(default_factory=list)  # nullable, not yet resolvable


@dataclass(frozen=True)
class Unresolved:
    label: str
    key: tuple
    field: str
    target: str
    target_key: tuple

    def __str__(self) -> str:
        return (
            f"{self.label} {list(self.key)}: {self.field} refers to {self.target} "
            f"{list(self.target_key)}, which is neither in the backup nor on this system"
        )


NORMALISED_KEPT = 50_000


def _plain(raw_key) -> bool:
    """Strings and ints only: equal hashes then mean equal values (unlike 1, 1.0 and True)."""
    return isinstance(raw_key, list | tuple) and all(
        type(value) is str or type(value) is int for value in raw_key
    )


class Resolver:
    """Natural key -> pk for every model, from the target plus what this restore created."""

    def __init__(self, using: str, empty: set[str] = frozenset()) -> None:
        self.using = using
        self._empty = set(empty)  # models a clean restore treats as cleared
        self._maps: dict[str, dict[tuple, object]] = {}
        self._keys: dict[str, NaturalKeys] = {}
        self._normalised: dict[tuple, tuple] = {}  # (label, raw key) -> key: references repeat

    def keys(self, model: type[models.Model]) -> NaturalKeys:
        label = model._meta.label_lower
        if label not in self._keys:
            self._keys[label] = NaturalKeys(model)
        return self._keys[label]

    def key_map(self, model: type[models.Model]) -> dict[tuple, object]:
        label = model._meta.label_lower
        if label not in self._maps:
            self._maps[label] = {} if label in self._empty else load_key_map(model, self.using)
        return self._maps[label]

    def forget(self, model: type[models.Model]) -> None:
        """Drop a map nothing later will refer to, so memory stays flat on big tables."""
        self._maps.pop(model._meta.label_lower, None)

    def pk(self, model: type[models.Model], raw_key) -> tuple[tuple, object | None]:
        label = model._meta.label_lower
        cached = (label, *raw_key) if _plain(raw_key) else None
        key = self._normalised.get(cached) if cached else None
        if key is None:
            key = self.keys(model).normalise(raw_key)
            if cached:
                if len(self._normalised) >= NORMALISED_KEPT:
                    self._normalised.clear()  # bounded: memory stays flat
                self._normalised[cached] = key
        return key, self.key_map(model).get(key)

    def row(self, shape: ModelShape, fields: dict) -> tuple[Row | None, Unresolved | None]:
        """The record as a Row, or the first non-nullable reference that cannot be resolved."""
        try:
            return self._row(shape, fields)
        except (ValidationError, ValueError, TypeError, KeyError, IndexError) as exc:
            label = shape.model._meta.label_lower
            raise CorruptPackage(
                f"a {label} record cannot be read ({exc}): {str(fields)[:300]}"
            ) from exc

    def _row(self, shape: ModelShape, fields: dict) -> tuple[Row | None, Unresolved | None]:
        label = shape.model._meta.label_lower
        key = self.keys(shape.model).of_record(fields)
        row = Row(key, {})
        for column in shape.columns:
            if column.field.name not in fields:
                continue
            raw = fields[column.field.name]
            if column.target is None or raw is None:
                row.values[column.attname] = None if raw is None else column.field.to_python(raw)
                continue
            target_key, pk = self.pk(column.target, raw)
            if pk is not None:
                row.values[column.attname] = pk
            elif column.field.null:
                row.values[column.attname] = None
                row.late.append((column, target_key))
            else:
                target = column.target._meta.label_lower
                return None, Unresolved(label, key, column.field.name, target, target_key)
        for m2m in shape.many_to_many:
            related = []
            for raw in fields.get(m2m.name, []):
                target_key, pk = self.pk(m2m.related, raw)
                if pk is None:
                    target = m2m.related._meta.label_lower
                    return None, Unresolved(label, key, m2m.name, target, target_key)
                related.append(pk)
            row.many_to_many[m2m.name] = sorted(related)
        return row, None
