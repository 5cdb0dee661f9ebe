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
    # copied from the field once: the restore reads them for every value of every record
    name: str = ""
    attname: str = ""

    @classmethod
    def of(cls, field: models.Field) -> Column:
        target = field.related_model if field.remote_field else None
        return cls(field, target, field.name, field.attname)


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
            Column.of(f)
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


class Resolver:
    """Natural key -> pk for every model, from the target plus what this restore created."""

    def __init__(self, using: str, empty: set[str] = frozenset()) -> None:
        self.using = using
        self._empty = set(empty)  # labels of models a clean restore treats as cleared
        self._maps: dict[type[models.Model], dict[tuple, object]] = {}
        self._keys: dict[type[models.Model], NaturalKeys] = {}

    def keys(self, model: type[models.Model]) -> NaturalKeys:
        keys = self._keys.get(model)
        if keys is None:
            keys = self._keys[model] = NaturalKeys(model)
        return keys

    def key_map(self, model: type[models.Model]) -> dict[tuple, object]:
        key_map = self._maps.get(model)
        if key_map is None:
            empty = model._meta.label_lower in self._empty
            key_map = self._maps[model] = {} if empty else load_key_map(model, self.using)
        return key_map

    def forget(self, model: type[models.Model]) -> None:
        """Drop a map nothing later will refer to, so memory stays flat on big tables."""
        self._maps.pop(model, None)

    def pk(self, model: type[models.Model], raw_key) -> tuple[tuple, object | None]:
        key = self.keys(model).normalise(raw_key)
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
        row = Row(self.keys(shape.model).of_record(fields), {})
        values = row.values
        for column in shape.columns:
            raw = fields.get(column.name, _ABSENT)
            if raw is _ABSENT:
                continue
            if raw is None:
                values[column.attname] = None
            elif column.target is None:
                values[column.attname] = column.field.to_python(raw)
            else:
                target_key, pk = self.pk(column.target, raw)
                if pk is not None:
                    values[column.attname] = pk
                elif column.field.null:
                    values[column.attname] = None
                    row.late.append((column, target_key))
                else:
                    return None, self._unresolved(
                        shape, row, column.name, column.target, target_key
                    )
        for m2m in shape.many_to_many:
            related = []
            for raw in fields.get(m2m.name, []):
                target_key, pk = self.pk(m2m.related, raw)
                if pk is None:
                    return None, self._unresolved(shape, row, m2m.name, m2m.related, target_key)
                related.append(pk)
            row.many_to_many[m2m.name] = sorted(related)
        return row, None

    @staticmethod
    def _unresolved(shape: ModelShape, row: Row, name: str, target, target_key) -> Unresolved:
        return Unresolved(
            shape.model._meta.label_lower, row.key, name, target._meta.label_lower, target_key
        )


_ABSENT = object()
