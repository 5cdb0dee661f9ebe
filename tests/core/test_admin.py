"""The Django admin: every model listed readably; service-owned records are read-only there."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from edms.accounts.models import Role, User, UserRole
from edms.accounts.roles import assign_role
from edms.audit.models import AuditTrail
from edms.backup.models import BackupConfiguration
from edms.backup.operations import configurations
from edms.core.models import SystemSetting
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


def _last_audit_entry() -> tuple[str, str, list]:
    last = AuditTrail.objects.order_by("-sequence").first()
    return last.action, last.username, last.object_key


def _posted_back(response) -> dict:
    """What a browser posts when the change form is saved as shown: every field's value, the
    inlines' rows and management forms included."""
    data: dict = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({field.html_name: field.value() for field in management})
        forms += inline.formset.forms
    for form in forms:
        for field in form:
            value = field.value()
            if isinstance(value, datetime):
                shown = timezone.localtime(value)
                data[f"{field.html_name}_0"] = shown.strftime("%Y-%m-%d")
                data[f"{field.html_name}_1"] = shown.strftime("%H:%M:%S")
            elif value is not None and value is not False:
                data[field.html_name] = value
    return data


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


def test_a_role_revoked_in_the_admin_is_audited(demo_admin):
    """GIVEN the author's Author grant WHEN the admin deletes it on the role-assignment page
    THEN the grant is gone and the audit trail says who revoked which role from whom."""
    grant = UserRole.objects.get(user__username="author01", role__name="Author")

    response = demo_admin.post(_url(UserRole, "delete", grant.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not UserRole.objects.filter(pk=grant.pk).exists()
    assert _last_audit_entry() == ("ROLE_REVOKED", "admin", ["author01", "Author"])


def test_role_grants_cannot_be_edited_in_the_admin(demo_admin):
    """GIVEN the author's Author grant WHEN the admin tries to change it into another role
    THEN the change is refused: a grant is given or revoked, each with its audit entry."""
    grant = UserRole.objects.get(user__username="author01", role__name="Author")
    approver = Role.objects.get(name="Approver")

    response = demo_admin.post(_url(UserRole, "change", grant.pk), {"role": approver.pk})

    assert response.status_code == 403
    assert UserRole.objects.get(pk=grant.pk).role.name == "Author"


def test_roles_granted_and_revoked_on_the_user_page_are_audited(demo_admin):
    """GIVEN the reviewer, also granted Viewer, WHEN the admin saves their user page with the
    Viewer row ticked for deletion, the Reviewer row switched to Author and a new Approver row
    THEN the reviewer holds Approver and Reviewer (a grant is not edited), and the audit trail
    shows the grant and the revoke."""
    reviewer = User.objects.get(username="reviewer01")
    assign_role(None, reviewer, "Viewer")
    page = demo_admin.get(_url(User, "change", reviewer.pk))
    data = _posted_back(page)
    formset = page.context["inline_admin_formsets"][0].formset
    rows = {form.instance.role.name: form.prefix for form in formset.forms}
    data[f"{rows['Viewer']}-DELETE"] = "on"
    data[f"{rows['Reviewer']}-role"] = Role.objects.get(name="Author").pk
    data[f"{formset.prefix}-{len(rows)}-role"] = Role.objects.get(name="Approver").pk
    data[f"{formset.prefix}-TOTAL_FORMS"] = len(rows) + 1
    before = AuditTrail.objects.count()

    response = demo_admin.post(_url(User, "change", reviewer.pk), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert sorted(reviewer.roles.values_list("name", flat=True)) == ["Approver", "Reviewer"]
    entries = AuditTrail.objects.order_by("sequence")[before:]
    assert [(e.action, e.username, e.object_key) for e in entries] == [
        ("ROLE_ASSIGNED", "admin", ["reviewer01", "Approver"]),
        ("ROLE_REVOKED", "admin", ["reviewer01", "Viewer"]),
    ]


def test_backup_configurations_and_settings_are_read_only_in_the_admin(demo_admin):
    """GIVEN a backup configuration and a system setting WHEN the admin tries to add, change or
    delete them THEN each is refused (changes go through the audited services) and both are
    as before."""
    configuration = configurations.create("nightly", backup_type="full", schedule="0 2 * * *")
    setting = SystemSetting.objects.first()
    for model, obj in ((BackupConfiguration, configuration), (SystemSetting, setting)):
        assert demo_admin.get(_url(model, "change", obj.pk)).status_code == 200  # view only
        assert demo_admin.get(_url(model, "add")).status_code == 403
        assert demo_admin.post(_url(model, "change", obj.pk), {"name": "x"}).status_code == 403
        assert demo_admin.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert BackupConfiguration.objects.get(pk=configuration.pk).schedule == "0 2 * * *"
    assert SystemSetting.objects.get(pk=setting.pk).value == setting.value
