"""Generated instances round-trip exactly: unicode titles, JSON metadata, microsecond times."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edms.accounts.models import User
from edms.backup.operations.jobs import run_backup
from edms.backup.reinit import reinit
from edms.backup.restore.service import restore
from edms.documents import lifecycle
from edms.documents.models import Document
from tests.restore.helpers import assert_restored, business_dump

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

text = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
moments = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1), timezones=st.just(dt.UTC)
)
documents = st.lists(
    st.tuples(
        text,
        st.dictionaries(text, json_values, max_size=3),
        moments,
        st.sampled_from(["draft", "review", "effective"]),
        st.binary(min_size=1, max_size=64),
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(documents=documents, reinit_first=st.booleans())
def test_generated_instances_round_trip_exactly(
    documents, reinit_first, people, storage_root, tmp_path_factory
):
    """GIVEN documents with random unicode titles, metadata and microsecond timestamps, in
    random lifecycle states WHEN the instance is backed up, (maybe) reinitialised, and restored
    with --clean THEN dumpdata of the business models equals the dump at backup time."""
    Document.objects.all().delete()
    author, reviewer, approver = (
        User.objects.get(username=name) for name in ("author01", "reviewer01", "approver01")
    )
    for title, metadata, moment, state, content in documents:
        document = lifecycle.create_document(
            author, document_type="SOP", title=title, metadata=metadata
        )
        lifecycle.upload_version(author, document, io.BytesIO(content), "file.bin")
        if state != "draft":
            lifecycle.submit_for_review(author, document, reviewer)
        if state == "effective":
            lifecycle.review(reviewer, document, accept=True)
            lifecycle.approve(approver, document, effective_date=timezone.localdate())
        Document.objects.filter(pk=document.pk).update(created_at=moment)
    before = business_dump()
    path = tmp_path_factory.mktemp("generated") / "backup.tar.zst"
    run_backup("full", output=path)
    if reinit_first:
        reinit(reason="generated round trip", safety_backup=False)

    restore(path, clean=True)

    assert_restored(before, business_dump())
