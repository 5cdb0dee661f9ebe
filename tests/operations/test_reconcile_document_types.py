import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from edms.audit.models import AuditTrail
from edms.documents.models import Document, DocumentType

pytestmark = pytest.mark.django_db


def reconcile(*args: str) -> dict:
    out = StringIO()
    call_command("reconcile_document_types", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_a_new_install_is_consistent():
    """GIVEN a new install WHEN the types are reconciled THEN nothing is missing or mismatched."""
    report = reconcile()
    assert report["types"] == 6
    assert report["missing_default_types"] == []
    assert report["inactive_types_in_use"] == []
    assert report["number_mismatches"] == []


def test_a_deleted_default_type_is_reported_and_fix_recreates_it():
    """GIVEN the default type WI was deleted
    WHEN reconcile runs without --fix THEN it fails naming WI and creates nothing
    WHEN it runs with --fix THEN WI exists again as a new install has it, audited, and it passes."""
    DocumentType.objects.filter(code="WI").delete()
    out = StringIO()
    with pytest.raises(CommandError, match="need attention"):
        call_command("reconcile_document_types", stdout=out)
    assert "missing default type WI" in out.getvalue()
    assert not DocumentType.objects.filter(code="WI").exists()

    report = reconcile("--fix")

    assert report["recreated_types"] == ["WI"]
    assert report["missing_default_types"] == []
    recreated = DocumentType.objects.get(code="WI")
    assert (recreated.name, recreated.review_period_months, recreated.is_active) == (
        "Work Instruction",
        24,
        True,
    )
    assert AuditTrail.objects.filter(action="DOCUMENT_TYPE_RECREATED").count() == 1


def test_fix_leaves_existing_types_as_the_operator_changed_them():
    """GIVEN an operator renamed SOP and deactivated POL WHEN reconcile --fix runs
    THEN neither is touched and nothing is recreated."""
    DocumentType.objects.filter(code="SOP").update(name="Procedure")
    DocumentType.objects.filter(code="POL").update(is_active=False)

    report = reconcile("--fix")

    assert report["recreated_types"] == []
    assert DocumentType.objects.get(code="SOP").name == "Procedure"
    assert DocumentType.objects.get(code="POL").is_active is False


def test_documents_of_an_inactive_type_are_reported(effective_document):
    """GIVEN an effective SOP and the SOP type deactivated WHEN reconcile runs
    THEN the report names SOP with its one document (a warning: the command still succeeds)."""
    DocumentType.objects.filter(code="SOP").update(is_active=False)

    report = reconcile()

    assert report["inactive_types_in_use"] == [{"code": "SOP", "documents": 1}]


def test_a_document_whose_number_does_not_match_its_type_fails(effective_document):
    """GIVEN SOP-0001 whose type was changed to WI WHEN reconcile runs
    THEN it fails and names the document and its type."""
    Document.objects.filter(pk=effective_document.pk).update(
        document_type=DocumentType.objects.get(code="WI")
    )
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("reconcile_document_types", "--json", stdout=out)
    assert json.loads(out.getvalue())["number_mismatches"] == [
        {"document_number": effective_document.document_number, "document_type": "WI"}
    ]
