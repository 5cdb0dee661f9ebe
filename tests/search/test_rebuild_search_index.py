"""`edms rebuild_search_index`, and the index an upgraded instance gets from `edms migrate`."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from edms.search.models import SearchEntry
from tests.search.conftest import found
from tests.search.pdfs import pdf_with_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_documents(draft_with_file):
    draft_with_file("Gowning", pdf_with_text("Put on the sterile gown first."), "gown.pdf")
    draft_with_file("Waste", b"Autoclave biohazard waste.", "waste.txt")


def test_the_command_rebuilds_a_lost_index_from_documents_and_files(two_documents):
    """GIVEN two documents whose index rows were lost WHEN an operator runs
    `edms rebuild_search_index` THEN it reports two documents and search finds both again."""
    SearchEntry.objects.all().delete()
    assert found("sterile") == []
    out = io.StringIO()

    call_command("rebuild_search_index", stdout=out)

    assert out.getvalue().startswith("Search index rebuilt: 2 documents in ")
    assert found("sterile") == ["SOP-0001"]
    assert found("autoclave") == ["SOP-0002"]


def test_the_command_reports_in_json_for_scripts(two_documents):
    """GIVEN two documents WHEN a script runs `edms rebuild_search_index --json`
    THEN stdout is one JSON object saying it succeeded and how many documents it indexed."""
    out = io.StringIO()

    call_command("rebuild_search_index", "--json", stdout=out)

    result = json.loads(out.getvalue())
    assert result["ok"] is True and result["documents"] == 2


def test_migrate_fills_the_empty_index_of_an_instance_with_documents(two_documents):
    """GIVEN an instance upgraded to a release with search (documents, no index rows)
    WHEN `edms migrate` runs THEN the index is filled and search finds the documents."""
    SearchEntry.objects.all().delete()

    call_command("migrate", verbosity=0)

    assert found("sterile gown") == ["SOP-0001"]
    assert SearchEntry.objects.count() == 2
