"""Shared fixtures: users with roles and documents made through the lifecycle service."""

from __future__ import annotations

import io
import os

import pytest
from django.db import connection
from django.utils import timezone as dj_timezone


@pytest.fixture(autouse=True)
def audit_anchor_file(settings, tmp_path):
    """An anchor file per test: a test's backups and restores anchor the chains they see, and
    every test database starts the same chain, so anchors must not outlive their test. (An
    installation a test starts keeps its own, in its data directory.)"""
    settings.AUDIT_ANCHOR_FILE = tmp_path / "audit-anchors.jsonl"
    return settings.AUDIT_ANCHOR_FILE


@pytest.fixture
def storage_root(settings, tmp_path):
    """A fresh storage root per test, so stored files never leak between tests."""
    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.STORAGE_ROOT


@pytest.fixture
def make_user(db):
    from django.utils import timezone

    from edms.accounts.models import Role, User, UserRole

    def make(username: str, *roles: str, **fields) -> User:
        user = User.objects.create_user(username=username, password="pw-" + username, **fields)
        for name in roles:
            UserRole.objects.create(
                user=user, role=Role.objects.get(name=name), assigned_at=timezone.now()
            )
        return user

    return make


@pytest.fixture
def people(make_user):
    """The seeds' cast: one user per working role."""
    return {
        "author": make_user("author01", "Author"),
        "reviewer": make_user("reviewer01", "Reviewer"),
        "approver": make_user("approver01", "Approver"),
        "controller": make_user("docctrl01", "Document Controller"),
        "viewer": make_user("viewer01", "Viewer"),
    }


@pytest.fixture
def effective_document(people, storage_root):
    """An SOP taken through the whole lifecycle to EFFECTIVE, with one version file."""
    from django.utils import timezone

    from edms.documents import lifecycle

    doc = lifecycle.create_document(people["author"], document_type="SOP", title="Cleaning")
    lifecycle.upload_version(people["author"], doc, io.BytesIO(b"clean the bench"), "sop.txt")
    lifecycle.submit_for_review(people["author"], doc, people["reviewer"])
    lifecycle.review(people["reviewer"], doc, accept=True)
    return lifecycle.approve(people["approver"], doc, effective_date=timezone.localdate())


@pytest.fixture
def db_vendor(db) -> str:
    return connection.vendor


@pytest.fixture
def new_instance(tmp_path_factory):
    """Make fresh EDMS installations (own data dir and database), migrated and ready."""
    from edms.core.installation import Installation
    from edms.core.pg_databases import create_database_at, drop_database_at

    created = []

    def make(name: str = "instance", migrate: bool = True) -> Installation:
        server = os.environ.get("EDMS_TEST_DATABASE_URL")
        instance = Installation(
            data_dir=tmp_path_factory.mktemp(name),
            database_url=create_database_at(server, "edms_inst") if server else None,
        )
        created.append(instance)
        if migrate:
            instance.run("migrate", "--noinput", "-v0")
        return instance

    yield make
    for instance in created:
        if instance.database_url:
            drop_database_at(instance.database_url)


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
        path = tmp_path / f"backup-{dj_timezone.now():%H%M%S%f}.tar.zst"
        run_backup(backup_type, output=path, **kwargs)
        return path

    return make
