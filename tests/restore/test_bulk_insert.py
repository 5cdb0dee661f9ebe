"""The restore's bulk insert (COPY on PostgreSQL, executemany on SQLite) writes exactly the
values Django would, and a failed insert raises Django's error and writes nothing."""

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, models, transaction

from edms.audit.models import AuditTrail
from edms.backup.restore.insert import _unchanged, insert

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _entry(sequence: int, user_id: int | None, **fields) -> dict:
    return {
        "uuid": uuid.uuid4(),
        "chain": uuid.UUID(int=7),
        "sequence": sequence,
        "timestamp": dt.datetime(2026, 11, 29, 13, 5, 7, 123456 + sequence, tzinfo=UTC),
        "user_id": user_id,
        "username": "ünïcode-ß",
        "action": "TEST",
        "object_key": ["SOP-0001", 2],
        "details": {"nested": {"list": [1, 2.5, None, True]}, "text": 'tab\there, quote " ok'},
        "previous_hash": "0" * 64,
        "entry_hash": f"{sequence:064x}",
        **fields,
    }


def test_rows_read_back_equal_to_what_was_inserted(make_user):
    """GIVEN audit rows with UUIDs, microsecond timestamps, unicode, JSON with quotes and tabs,
    a foreign key and a null one, and fields left out (they take their defaults)
    WHEN inserted in bulk THEN the ORM reads back exactly those values, under the new keys."""
    user = make_user("insert-tester")
    rows = [_entry(1, user.pk), _entry(2, None, object_repr="with\nnewline \\ backslash")]

    pks = insert(AuditTrail, rows, "default")

    assert len(pks) == 2 and len(set(pks)) == 2
    stored = {entry.pk: entry for entry in AuditTrail.objects.filter(pk__in=pks)}
    for pk, row in zip(pks, rows, strict=True):
        entry = stored[pk]
        for attname, value in row.items():
            assert getattr(entry, attname) == value, attname
    assert stored[pks[0]].object_type == ""  # the model default
    assert stored[pks[0]].user == user


def test_a_failed_insert_raises_djangos_error_and_writes_nothing(make_user):
    """GIVEN a batch whose second row repeats the first row's unique uuid
    WHEN inserted THEN Django's IntegrityError is raised and no row of the batch is stored."""
    first = _entry(1, None)
    duplicate = _entry(2, None, uuid=first["uuid"])
    before = AuditTrail.objects.count()

    with pytest.raises(IntegrityError), transaction.atomic():
        insert(AuditTrail, [first, duplicate], "default")

    assert AuditTrail.objects.count() == before


class _ShoutingCharField(models.CharField):
    """A subclass may prepare values its own way, so it is never passed through unprepared."""

    def get_prep_value(self, value):
        return super().get_prep_value(value).upper()


def test_only_exact_django_field_classes_skip_preparation():
    assert _unchanged(models.CharField(max_length=5)) is str
    assert _unchanged(models.PositiveBigIntegerField()) is int
    assert _unchanged(AuditTrail._meta.get_field("user")) is int  # a foreign key to an auto key
    assert _unchanged(_ShoutingCharField(max_length=5)) is None
    assert _unchanged(models.EmailField()) is None  # a CharField subclass
    assert _unchanged(models.DateTimeField()) is None
    assert _unchanged(models.JSONField()) is None
    assert _unchanged(models.UUIDField()) is None
