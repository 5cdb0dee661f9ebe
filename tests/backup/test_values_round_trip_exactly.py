import datetime as dt
import io
from decimal import Decimal

import orjson
import pytest
from django.core import serializers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edms.backup.serialize import canonical_line, iter_records
from edms.core.registry import registry
from edms.documents.models import Document

# What PostgreSQL and SQLite both store: no NUL characters or lone surrogates in text, integers
# within 64 bits (orjson's range), finite floats.
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)
    | text
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
timestamps = st.datetimes(
    min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=st.just(dt.UTC)
)


def _record_of(document: Document) -> dict:
    entry = registry.entry(Document)
    return next(
        r for r in iter_records(entry) if r["fields"]["document_number"] == document.document_number
    )


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=text.filter(lambda t: len(t) <= 300),
    metadata=st.dictionaries(text, json_values, max_size=5),  # a top-level None is SQL NULL
    approved_at=timestamps,
)
def test_titles_json_and_microseconds_survive_serialize_and_parse(
    effective_document, title, metadata, approved_at
):
    """GIVEN a document with any unicode title, any JSON metadata and a timestamp with
    microseconds WHEN its record is serialized and parsed back by Django's own deserializer
    THEN every value is equal to what was stored, and re-serializing the parsed record gives the
    very same line (the content digest depends on that)."""
    Document.objects.filter(pk=effective_document.pk).update(
        title=title, metadata=metadata, approved_at=approved_at
    )

    line = canonical_line(_record_of(effective_document))
    # a binary stream, as loaddata reads fixture files ("\u2028" is not a line break there)
    stream = io.BytesIO(line + b"\n")
    (parsed,) = serializers.deserialize("jsonl", stream, handle_forward_references=True)

    stored = Document.objects.get(pk=effective_document.pk)
    assert parsed.object.title == title
    assert parsed.object.metadata == stored.metadata == metadata
    assert parsed.object.approved_at == approved_at
    assert canonical_line(orjson.loads(line)) == line


def test_decimals_are_written_exactly_as_strings():
    """GIVEN decimal values WHEN rendered THEN they are exact strings, as Django writes them."""
    line = canonical_line(
        {"fields": {"a": Decimal("0.10"), "b": Decimal("12345678901234567890.5")}}
    )
    assert line == b'{"fields":{"a":"0.10","b":"12345678901234567890.5"}}'


def test_datetimes_keep_microseconds_and_use_z():
    """GIVEN an aware UTC datetime with microseconds WHEN rendered THEN all six digits and a Z
    remain (Django's own encoder would cut them to milliseconds)."""
    moment = dt.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=dt.UTC)
    assert canonical_line({"t": moment}) == b'{"t":"2026-01-02T03:04:05.123456Z"}'
