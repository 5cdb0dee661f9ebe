import json
import stat
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from edms.documents import lifecycle
from edms.documents.models import Document
from edms.documents.storage import file_sha256
from edms.workflows.models import DocumentState, DocumentTransition, DocumentWorkflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(effective_document, people):
    """Two workflow runs, five transitions: review and approval to EFFECTIVE, then OBSOLETE."""
    lifecycle.obsolete(people["controller"], effective_document, reason="replaced by a form")
    return effective_document


def run(command: str, *args: str) -> dict:
    out = StringIO()
    call_command(command, *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def transitions_as_seen() -> list[tuple]:
    return list(
        DocumentTransition.objects.order_by("transitioned_at").values_list(
            "uuid", "workflow__uuid", "from_state__code", "to_state__code", "actor__username",
            "transitioned_at", "comment",
        )
    )  # fmt: skip


def test_export_writes_every_run_and_transition_with_natural_keys(history, tmp_path):
    """GIVEN a document's two workflow runs WHEN the history is exported
    THEN the file holds one JSON line per run and per transition, refers to documents, states
    and people by their natural keys, is readable by its owner only, and has the reported hash."""
    output = tmp_path / "history.jsonl"

    result = run("export_workflow_history", "--output", str(output))

    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert result["counts"] == {
        "workflows.documentworkflow": 2,
        "workflows.documenttransition": 5,
    }
    assert [line["model"] for line in lines] == ["workflows.documentworkflow"] * 2 + [
        "workflows.documenttransition"
    ] * 5
    workflow = lines[0]["fields"]
    assert workflow["document"] == [history.document_number]
    assert workflow["workflow_type"] == ["Review and Approval"]
    assert "pk" not in lines[0]
    last = lines[-1]["fields"]
    assert (last["from_state"], last["to_state"], last["actor"]) == (
        ["EFFECTIVE"],
        ["OBSOLETE"],
        ["docctrl01"],
    )
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert result["sha256"] == file_sha256(output)


def test_the_database_history_verifies(history):
    """GIVEN workflows made by the lifecycle WHEN their history is verified
    THEN it is consistent."""
    report = run("verify_workflow_history")

    assert report == {
        "ok": True,
        "counts": {"workflows.documentworkflow": 2, "workflows.documenttransition": 5},
        "problems": [],
    }


def test_a_broken_chain_of_states_is_reported(history):
    """GIVEN one transition edited so it no longer starts where the one before ended
    WHEN the history is verified THEN the command fails naming the workflow, the transition
    and both states."""
    approval = DocumentWorkflow.objects.get(workflow_type__name="Review and Approval")
    third = approval.transitions.order_by("transitioned_at")[2]
    DocumentTransition.objects.filter(pk=third.pk).update(
        from_state=DocumentState.objects.get(code="DRAFT")
    )
    out = StringIO()

    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_workflow_history", stdout=out)

    assert (
        f"workflow {approval.uuid}: transition {third.uuid} starts at DRAFT "
        "but the one before ended at REVIEW_COMPLETED"
    ) in out.getvalue()


def test_export_then_import_restores_the_history_exactly(history, tmp_path):
    """GIVEN an exported history, then every workflow deleted
    WHEN the file is imported THEN every run and transition is back with its states, actor,
    comment and time to the microsecond, and the history verifies."""
    output = tmp_path / "history.jsonl"
    run("export_workflow_history", "--output", str(output))
    before = transitions_as_seen()
    DocumentWorkflow.objects.all().delete()

    result = run("import_workflow_history", str(output), "--reason", "history drill")

    assert result["ok"] is True
    assert transitions_as_seen() == before
    assert DocumentWorkflow.objects.count() == 2
    assert run("verify_workflow_history")["ok"] is True


def test_a_dry_run_import_changes_nothing(history, tmp_path):
    """GIVEN an exported history and the workflows deleted WHEN the import is a dry run
    THEN the plan says 2 runs and 5 transitions would be created and nothing is written."""
    output = tmp_path / "history.jsonl"
    run("export_workflow_history", "--output", str(output))
    DocumentWorkflow.objects.all().delete()

    result = run("import_workflow_history", str(output), "--dry-run")

    created = {plan["label"]: plan["create"] for plan in result["plan"]}
    assert created["workflows.documentworkflow"] == 2
    assert created["workflows.documenttransition"] == 5
    assert not DocumentWorkflow.objects.exists()


def test_a_history_naming_documents_that_do_not_exist_is_refused(history, tmp_path):
    """GIVEN a history exported here, and the file edited to name a document this installation
    does not have WHEN it is verified or imported THEN both fail naming the missing document,
    and no workflow is added."""
    output = tmp_path / "history.jsonl"
    run("export_workflow_history", "--output", str(output))
    output.write_text(output.read_text().replace(history.document_number, "SOP-0404"))
    DocumentWorkflow.objects.all().delete()

    for command in ("verify_workflow_history", "import_workflow_history"):
        out = StringIO()
        with pytest.raises(CommandError):
            call_command(command, str(output), "--json", stdout=out)
        problems = json.loads(out.getvalue())["problems"]
        assert problems[0].endswith("document SOP-0404 does not exist here")

    assert not DocumentWorkflow.objects.exists()
    assert Document.objects.filter(document_number=history.document_number).exists()


def test_a_file_that_is_not_a_history_is_a_clear_error(db, tmp_path):
    """GIVEN a file that is not JSON WHEN it is verified THEN the command fails saying so."""
    junk = tmp_path / "history.jsonl"
    junk.write_text("{not json\n")

    with pytest.raises(CommandError, match="history.jsonl"):
        call_command("verify_workflow_history", str(junk))


def test_export_defaults_to_the_backup_directory(history, settings):
    """GIVEN no --output WHEN the history is exported THEN the file lands in BACKUP_DIR."""
    result = run("export_workflow_history")

    path = Path(result["path"])
    assert path.parent == Path(settings.BACKUP_DIR) and path.name.startswith("workflow_history_")
    assert path.is_file()
