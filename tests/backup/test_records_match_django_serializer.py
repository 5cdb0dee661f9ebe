import pytest
from django.core import serializers
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edms.backup.serialize import canonical_line, iter_records
from edms.core.registry import registry
from edms.documents import lifecycle


def _django_lines(entry) -> list[bytes]:
    """What Django's own serializer writes with natural keys (m2m lists sorted, as ours are)."""
    objects = entry.model._base_manager.order_by("pk")
    records = serializers.serialize(
        "python", objects, use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    for record in records:
        for name, value in record["fields"].items():
            if isinstance(value, list) and name in {f.name for f in entry.model._meta.many_to_many}:
                record["fields"][name] = sorted(value, key=canonical_line)
    return [canonical_line(record) for record in records]


@pytest.mark.django_db
def test_every_model_serializes_exactly_as_django_does(effective_document, people):
    """GIVEN users with groups, documents, versions, workflows and audit entries
    WHEN every backed-up model is serialized in bulk
    THEN each record is exactly the one Django's serializer writes with natural foreign and
    primary keys (compared with full microseconds on both sides)."""
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="auditors")
    group.permissions.add(*Permission.objects.filter(codename__startswith="view_")[:3])
    people["viewer"].groups.add(group)
    checked = 0
    for entry in registry.backed_up():
        ours = [canonical_line(record) for record in iter_records(entry)]
        assert ours == _django_lines(entry), entry.label
        checked += len(ours)
    assert checked > 50


@pytest.mark.django_db
def test_queries_do_not_grow_with_the_number_of_rows(people):
    """GIVEN 3 documents, then 30 WHEN documents and their audit entries are serialized
    THEN the number of queries is the same: natural keys are looked up in bulk per chunk."""

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            for label in ("documents.document", "audit.audittrail", "accounts.userrole"):
                list(iter_records(registry.entry(label)))
        return len(captured)

    for n in range(3):
        lifecycle.create_document(people["author"], document_type="SOP", title=f"doc {n}")
    few = queries()
    for n in range(27):
        lifecycle.create_document(people["author"], document_type="WI", title=f"doc {n}")
    assert queries() == few
