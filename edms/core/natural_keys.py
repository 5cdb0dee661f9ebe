"""Natural keys declared as field paths, so one mechanism serves every model.

A model lists its natural key as Django lookup paths (``("document__document_number",
"version_number")``). From that one declaration come ``natural_key()``, the manager's
``get_by_natural_key()`` and the bulk ``values_list`` queries that backup and restore use
instead of one query per row. (Django's ``dumpdata`` orders models by their foreign keys, which
every path through a relation already is.)
"""

from __future__ import annotations

from django.db import models


def follow_path(instance: models.Model, path: str):
    """The value at a lookup path such as ``document__document_number``, following relations."""
    value = instance
    for part in path.split("__"):
        if value is None:
            return None
        value = getattr(value, part)
    return value


class NaturalKeyQuerySet(models.QuerySet):
    def get_by_natural_key(self, *values):
        return self.get(**dict(zip(self.model.NATURAL_KEY, values, strict=True)))


NaturalKeyManager = models.Manager.from_queryset(NaturalKeyQuerySet)


class NaturalKeyModel(models.Model):
    """Base for EDMS models: ``NATURAL_KEY`` names the lookup paths that identify a record."""

    NATURAL_KEY: tuple[str, ...] = ()

    objects = NaturalKeyManager()

    class Meta:
        abstract = True

    def natural_key(self) -> tuple:
        return tuple(follow_path(self, path) for path in self.NATURAL_KEY)
