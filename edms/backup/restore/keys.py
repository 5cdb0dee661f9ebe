"""Natural keys on both sides of a restore: computed from a backup record, and read in bulk from
the target database as ``{natural_key: pk}`` maps over the registry's lookup paths.

A record's natural key follows the registry path: ``document__document_number`` is the
``document_number`` component of the natural key the record holds in its ``document`` field.
Values are normalised with the final field's ``to_python`` so a JSON string and the UUID or
date the database returns compare equal.
"""

from __future__ import annotations

from django.db import models

from edms.backup.errors import UnsupportedFormat
from edms.core.registry import registry

CHUNK = 5000


def paths_of(model: type[models.Model]) -> tuple[str, ...]:
    return registry.entry(model).natural_key


def final_field(model: type[models.Model], path: str) -> models.Field:
    *relations, last = path.split("__")
    for part in relations:
        model = model._meta.get_field(part).related_model
    return model._meta.get_field(last)


class NaturalKeys:
    """Per model: how to read a natural key out of a record and normalise one from JSON."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.paths = paths_of(model)
        self._fields = [final_field(model, path) for path in self.paths]
        self._to_python = [field.to_python for field in self._fields]
        self._steps = [self._step(path) for path in self.paths]

    def _step(self, path: str) -> tuple[str, int | None]:
        head, _, rest = path.partition("__")
        if not rest:
            return head, None
        target = self.model._meta.get_field(head).related_model
        return head, paths_of(target).index(rest)

    def normalise(self, values) -> tuple:
        if type(values) not in (list, tuple) or len(values) != len(self._fields):
            raise UnsupportedFormat(
                f"{self.model._meta.label_lower}: {values!r} is not a natural key "
                f"({', '.join(self.paths)}); restore needs dumpdata --natural-foreign "
                "--natural-primary records"
            )
        return tuple(
            [
                None if value is None else to_python(value)
                for to_python, value in zip(self._to_python, values)  # noqa: B905 - same length
            ]
        )

    def of_record(self, fields: dict) -> tuple:
        values = []
        for head, index in self._steps:
            value = fields.get(head)
            values.append(value if index is None or value is None else value[index])
        return self.normalise(values)


def load_key_map(model: type[models.Model], using: str) -> dict[tuple, object]:
    """``{natural_key: pk}`` for every row of `model` in database `using`, read in chunks."""
    rows = model._base_manager.using(using).values_list("pk", *paths_of(model))
    return {tuple(row[1:]): row[0] for row in rows.iterator(chunk_size=CHUNK)}
