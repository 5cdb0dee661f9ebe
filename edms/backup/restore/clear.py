"""Clearing models in bulk, registry-driven: used by reinit and by a clean restore.

Models are emptied in reverse dependency order with one DELETE each (no per-row collector, no
signals). Rows of models that are kept but point at a cleared model with SET_NULL are unlinked
first; auto-created many-to-many tables go with their owner.
"""

from __future__ import annotations

from django.db import connections, models

from edms.core.models import InstanceIdentity
from edms.core.registry import ModelEntry


def clear_models(entries: list[ModelEntry], using: str = "default") -> dict[str, int]:
    """Delete every row of the given entries' models; return rows deleted per label."""
    cleared = {entry.model for entry in entries}
    deleted: dict[str, int] = {}
    for entry in reversed(entries):
        model = entry.model
        _unlink_kept_rows(model, cleared, using)
        for through in _through_models(model):
            through._base_manager.using(using).all()._raw_delete(using)
        deleted[entry.label] = model._base_manager.using(using).all()._raw_delete(using)
    return deleted


def _reverse_relations(model: type[models.Model]) -> list:
    """Every relation pointing at `model`, hidden ones (related_name="+") included: a kept
    job row naming a cleared user must be unlinked like any other."""
    return [
        f
        for f in model._meta.get_fields(include_hidden=True)
        if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one or f.many_to_many)
    ]


def _unlink_kept_rows(model: type[models.Model], cleared: set, using: str) -> None:
    for relation in _reverse_relations(model):
        related = relation.related_model
        if related in cleared or relation.many_to_many or related._meta.auto_created:
            continue
        if relation.on_delete is models.SET_NULL:
            column = relation.field.name
            related._base_manager.using(using).filter(**{f"{column}__isnull": False}).update(
                **{column: None}
            )


def _through_models(model: type[models.Model]) -> list[type[models.Model]]:
    """Auto-created many-to-many tables that have a column pointing at `model`."""
    throughs = [f.remote_field.through for f in model._meta.local_many_to_many]
    throughs += [r.through for r in _reverse_relations(model) if r.many_to_many and r.through]
    return [t for t in throughs if t._meta.auto_created]


def lock_for_clean_restore(entries: list[ModelEntry], using: str = "default") -> None:
    """Keep other writers out of the tables a clean restore replaces until it commits: they
    wait instead of writing between the clear and the load. The audit head's row is locked
    first, in the order every audited write takes them, so a writer cannot hold one while
    waiting for the other. (SQLite's restore transaction holds the database's write lock.)"""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    list(InstanceIdentity.objects.using(using).select_for_update().order_by("pk")[:1])
    tables = {entry.model._meta.db_table for entry in entries}
    tables |= {t._meta.db_table for entry in entries for t in _through_models(entry.model)}
    quoted = ", ".join(connection.ops.quote_name(table) for table in sorted(tables))
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {quoted} IN SHARE ROW EXCLUSIVE MODE")
