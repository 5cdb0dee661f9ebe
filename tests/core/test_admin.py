"""The Django admin: every model listed readably; service-owned records are read-only there."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from edms.accounts.models import Role, User, UserRole
from edms.audit.models import AuditTrail
from edms.documents.demo import load_demo_data
from edms.documents.models import Document

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_admin(client, storage_root):
    load_demo_data(documents=9, password="demo-Pass-admin")
    client.force_login(User.objects.get(username="admin"))
    return client


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_registered_model_lists_its_records(demo_admin):
    """GIVEN demo data WHEN the admin opens each model's list THEN every page answers 200."""
    for model in admin.site._registry:
        response = demo_admin.get(_url(model, "changelist"))
        assert response.status_code == 200, model._meta.label
    documents = demo_admin.get(_url(Document, "changelist")).content.decode()
    assert "SOP-0001" in documents and "SUPERSEDED" in documents


def test_audit_entries_and_documents_cannot_be_added_changed_or_deleted(demo_admin):
    """GIVEN an audit entry and a document WHEN the admin tries to add, change or delete them
    THEN each is refused and the records are as before."""
    entry, document = AuditTrail.objects.order_by("sequence").first(), Document.objects.first()
    for model, obj in ((AuditTrail, entry), (Document, document)):
        assert demo_admin.get(_url(model, "change", obj.pk)).status_code == 200  # view only
        assert demo_admin.get(_url(model, "add")).status_code == 403
        assert demo_admin.post(_url(model, "change", obj.pk), {"title": "x"}).status_code == 403
        assert demo_admin.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert AuditTrail.objects.get(pk=entry.pk).entry_hash == entry.entry_hash
    assert Document.objects.get(pk=document.pk).title == document.title


def test_a_role_granted_in_the_admin_is_audited(demo_admin):
    """GIVEN the viewer WHEN the admin grants them the Author role on the role-assignment page
    THEN the grant is stamped with who gave it and appears in the audit trail."""
    viewer, author = User.objects.get(username="viewer01"), Role.objects.get(name="Author")

    response = demo_admin.post(_url(UserRole, "add"), {"user": viewer.pk, "role": author.pk})
    assert response.status_code == 302
    grant = UserRole.objects.get(user=viewer, role=author)
    assert grant.assigned_by.username == "admin"
    last = AuditTrail.objects.order_by("-sequence").first()
    assert (last.action, last.username, last.object_key) == (
        "ROLE_ASSIGNED",
        "admin",
        ["viewer01", "Author"],
    )
