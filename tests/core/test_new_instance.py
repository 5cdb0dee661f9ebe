import pytest


@pytest.mark.slow
def test_migrate_in_an_empty_data_dir_gives_the_default_configuration(new_instance):
    """GIVEN an empty data directory WHEN `edms migrate` runs (twice: it must be idempotent)
    THEN the default configuration has exactly the documented counts."""
    instance = new_instance()
    instance.run("migrate", "--noinput", "-v0")
    counts = instance.run(
        "shell",
        "--no-imports",
        "-c",
        "from edms.accounts.models import Role;"
        "from edms.documents.models import DocumentType, DocumentSource, Placeholder;"
        "from edms.workflows.models import DocumentState, WorkflowType;"
        "print(DocumentType.objects.count(), DocumentSource.objects.count(),"
        " WorkflowType.objects.count(), DocumentState.objects.count(),"
        " Role.objects.count(), Placeholder.objects.count())",
    ).stdout.split()
    assert counts == ["6", "4", "5", "19", "7", "32"]
