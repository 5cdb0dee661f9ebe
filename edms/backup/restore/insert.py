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


def insert(model: type[models.Model], rows: list[dict], using: str) -> list:
    """Insert `rows` (``{attname: value}``; missing fields take their defaults) and return the
    new primary keys, in order."""
    if not rows:
        return []
    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql") or not _has_auto_pk(model):
        objects = [model(**row) for row in rows]
        model._base_manager.using(using).bulk_create(objects, batch_size=500)
        return [obj.pk for obj in objects]
    pks = _reserve(model, len(rows), connection)
    pk_field = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk_field]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in [pk_field, *fields])
    placeholders = ", ".join(["%s"] * (len(fields) + 1))
    table = connection.ops.quote_name(model._meta.db_table)
    statement = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
    columns_of = [(f.attname, f.get_default, f.get_db_prep_save) for f in fields]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = zip(rows[start : start + BATCH], pks[start : start + BATCH], strict=True)
            cursor.executemany(
                statement, [_values(row, pk, columns_of, connection) for row, pk in batch]
            )
    return pks


def _values(row: dict, pk: int, columns_of: list[tuple], connection) -> list:
    """The row's parameters: pk, then each field's value (or default) prepared for the database."""
    values = [pk]
    for attname, default, prepare in columns_of:
        values.append(prepare(row[attname] if attname in row else default(), connection))
    return values


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
