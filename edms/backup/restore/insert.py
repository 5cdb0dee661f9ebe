"""Fast inserts for the restore: primary keys reserved up front, rows written with one prepared
statement per batch (``executemany``) instead of Django's per-batch SQL compilation.

Keys come from the table's own sequence on PostgreSQL (``nextval`` over ``generate_series``,
safe beside concurrent writers) and from ``MAX(id)`` on SQLite, whose restore transaction holds
the write lock. Values go through each field's ``get_db_prep_save``, as ``bulk_create`` does;
model defaults fill fields a record does not carry. Other databases use ``bulk_create``.
"""

from __future__ import annotations

from django.db import connections, models

BATCH = 2000


def insert(model: type[models.Model], objects: list[models.Model], using: str) -> list:
    """Insert unsaved `objects` and return their new primary keys, in order."""
    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql") or not _has_auto_pk(model):
        model._base_manager.using(using).bulk_create(objects, batch_size=500)
        return [obj.pk for obj in objects]
    pks = _reserve(model, len(objects), connection)
    fields = [f for f in model._meta.concrete_fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(model._meta.db_table)
    statement = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(objects), BATCH):
            rows = []
            for obj, pk in zip(
                objects[start : start + BATCH], pks[start : start + BATCH], strict=True
            ):
                obj.pk = pk
                rows.append([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
            cursor.executemany(statement, rows)
    for obj in objects:
        obj._state.adding, obj._state.db = False, using
    return pks


def _has_auto_pk(model: type[models.Model]) -> bool:
    return isinstance(
        model._meta.pk, models.AutoField | models.BigAutoField | models.SmallAutoField
    )


def _reserve(model: type[models.Model], count: int, connection) -> list[int]:
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quoted = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX({quoted(column)}), 0) FROM {quoted(table)}")  # noqa: S608
        highest = cursor.fetchone()[0]
    return list(range(highest + 1, highest + 1 + count))
