"""Fixtures for restore tests: a small instance made through the lifecycle service, and its
backup package."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone


@pytest.fixture
def small_instance(people, effective_document, storage_root):
    """Five users with roles, one in a group; an effective SOP; a draft WI that depends on it
    and a second SOP that supersedes the first (a self-reference)."""
    from django.contrib.auth.models import Group

    from edms.documents import lifecycle
    from edms.documents.models import DocumentDependency

    author = people["author"]
    author.groups.add(Group.objects.create(name="QA Team Ω"))
    draft = lifecycle.create_document(
        author, document_type="WI", title="Weigh ünd measure", metadata={"line": 3, "tags": ["a"]}
    )
    lifecycle.upload_version(author, draft, io.BytesIO(b"weigh it"), "wi.txt")
    DocumentDependency.objects.create(
        document=draft, depends_on=effective_document, dependency_type="IMPLEMENTS"
    )
    newer = lifecycle.create_document(author, document_type="SOP", title="Cleaning v2")
    effective_document.superseded_by = newer
    effective_document.save()
    return {"people": people, "documents": [effective_document, draft, newer]}


@pytest.fixture
def backup_file(tmp_path):
    """Write a full backup of the current data and return its path."""
    from edms.backup.operations.jobs import run_backup

    def make(backup_type: str = "full", **kwargs):
        path = tmp_path / f"backup-{timezone.now():%H%M%S%f}.tar.zst"
        run_backup(backup_type, output=path, **kwargs)
        return path

    return make
