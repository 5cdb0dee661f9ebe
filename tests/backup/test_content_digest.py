import pytest
from django.utils import timezone

from edms.accounts.models import Role, UserRole
from edms.backup.digest import ContentDigest, content_digest
from edms.documents.models import Document, DocumentType


@pytest.mark.django_db
def test_the_digest_ignores_primary_keys_and_follows_business_content(effective_document, people):
    """GIVEN a database with an effective document
    WHEN a business row is deleted and created again with the same content (a new primary key)
    THEN the digest is unchanged; WHEN a business value changes THEN the digest changes, and
    it comes back when the value does; WHEN configuration changes THEN the digest stays."""
    before = content_digest()
    grant = UserRole.objects.get(user=people["viewer"])
    fields = {"user": grant.user, "role": grant.role, "assigned_at": grant.assigned_at}
    grant.delete()
    recreated = UserRole.objects.create(**fields)
    assert recreated.pk != grant.pk
    assert content_digest() == before

    title = effective_document.title
    Document.objects.filter(pk=effective_document.pk).update(title=title + "!")
    assert content_digest() != before
    Document.objects.filter(pk=effective_document.pk).update(title=title)
    assert content_digest() == before

    DocumentType.objects.filter(code="SOP").update(name="Renamed procedure")
    assert content_digest() == before


@pytest.mark.django_db
def test_the_digest_counts_every_business_row(people):
    """GIVEN a business row WHEN a second, identical-looking one is added THEN the digest moves
    (a sum of hashes, not a set: every row counts)."""
    before = content_digest()
    UserRole.objects.create(
        user=people["viewer"], role=Role.objects.get(name="Author"), assigned_at=timezone.now()
    )
    assert content_digest() != before


def test_the_digest_does_not_depend_on_record_order():
    """GIVEN the same lines WHEN added in another order THEN the digest is the same; a missing
    or extra line changes it."""
    lines = [b'{"a":1}', b'{"a":2}', b'{"a":3}']
    forward, backward, fewer = ContentDigest(), ContentDigest(), ContentDigest()
    for line in lines:
        forward.add_line("app.model", line)
    for line in reversed(lines):
        backward.add_line("app.model", line)
    for line in lines[:2]:
        fewer.add_line("app.model", line)
    assert forward.hexdigest() == backward.hexdigest() != fewer.hexdigest()
