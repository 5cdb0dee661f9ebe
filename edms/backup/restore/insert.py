"""Fast inserts for the restore: primary keys reserved up front, rows written without Django's
per-batch SQL compilation: ``COPY`` on PostgreSQL, one prepared statement per batch
(``executemany``) on SQLite.

Keys come from the table's own sequence on PostgreSQL (``nextval`` over ``generate_series``,
safe beside concurrent writers) and from ``MAX(id)`` on SQLite, whose restore transaction holds
the write lock. Values go through each field's ``get_db_prep_save``, as ``bulk_create`` does;
model defaults fill fields a record does not carry. Other databases use ``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, models


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
    columns_of = [(f.attname, f.get_default, f.get_db_prep_save, _unchanged(f)) for f in fields]
    values = (_values(row, pk, columns_of, connection) for row, pk in zip(rows, pks, strict=True))
    write = _copy if connection.vendor == "postgresql" else _execute_many
    write(connection, model._meta.db_table, [f.column for f in [pk_field, *fields]], values)
    return pks


# Exact field classes whose preparation returns a value of this type as it is (Django's
# get_prep_value only re-checks the type): the call is skipped, ~1 µs per value. Subclasses
# are not listed; they may prepare values their own way.
_UNCHANGED_TYPES = {
    models.AutoField: int,
    models.BigAutoField: int,
    models.BigIntegerField: int,
    models.BooleanField: bool,
    models.CharField: str,
    models.IntegerField: int,
    models.PositiveBigIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.SmallIntegerField: int,
    models.TextField: str,
}


def _unchanged(field: models.Field) -> type | None:
    """The Python type that `field` writes unprepared, if any (a foreign key: its target's)."""
    if type(field) is models.ForeignKey:
        field = field.target_field
    return _UNCHANGED_TYPES.get(type(field))


def _values(row: dict, pk: int, columns_of: list[tuple], connection) -> list:
    """The row's parameters: pk, then each field's value (or default) prepared for the database."""
    values = [pk]
    for attname, default, prepare, unchanged in columns_of:
        value = row[attname] if attname in row else default()
        values.append(value if type(value) is unchanged else prepare(value, connection))
    return values


def _copy(connection, table: str, columns: list[str], values: Iterable[list]) -> None:
    """PostgreSQL's bulk load: one COPY stream per call, rows encoded by psycopg's dumpers."""
    quote = connection.ops.quote_name
    statement = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(statement) as copy,
    ):
        for row in values:
            copy.write_row(row)


def _execute_many(connection, table: str, columns: list[str], values: Iterable[list]) -> None:
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(columns))
    statement = (
        f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES ({placeholders})"  # noqa: S608
    )
    with connection.cursor() as cursor:
        # a list: Django's SQLite cursor tees a generator, which costs more than the list
        cursor.executemany(statement, list(values))


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
