"""`edms load_demo_data`: the seeds' example instance by default, made through the lifecycle."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest
from django.contrib.auth import authenticate as authenticate_request
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import RequestFactory

from edms.accounts.admin_account import create_admin
from edms.accounts.models import User
from edms.audit import chain
from edms.audit.models import AuditTrail
from edms.documents import storage
from edms.documents.demo import DemoDataError, load_demo_data
from edms.documents.models import Document, DocumentDependency, DocumentVersion
from edms.workflows.models import DocumentWorkflow

pytestmark = pytest.mark.django_db


def _load(*args: str) -> str:
    """Run `edms load_demo_data ARGS` in-process and return what it printed."""
    out = io.StringIO()
    call_command("load_demo_data", *args, stdout=out)
    return out.getvalue()


def authenticate(**credentials) -> User | None:
    """Who the login form would let in (the lockout backend needs the request it came with)."""
    return authenticate_request(RequestFactory().post("/accounts/login/"), **credentials)


def _counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Document.objects.count(),
        DocumentVersion.objects.count(),
        AuditTrail.objects.count(),
    )


def test_defaults_give_the_seeds_example_instance(storage_root):
    """GIVEN an empty instance WHEN load_demo_data runs with its defaults
    THEN there are 7 users (admin included) and 4 documents whose files are in storage with
    matching hashes, workflows finished and in progress, and an intact audit trail."""
    output = _load()
    password = re.search(r"Admin login: admin / (\S+)", output).group(1)
    assert User.objects.count() == 7
    assert sorted(User.objects.values_list("username", flat=True)) == [
        "admin",
        "approver01",
        "author01",
        "docctrl01",
        "qa01",
        "reviewer01",
        "viewer01",
    ]
    states = dict(Document.objects.values_list("document_number", "state__code"))
    assert states == {
        "POL-0001": "EFFECTIVE",
        "SOP-0001": "SUPERSEDED",
        "SOP-0002": "EFFECTIVE",
        "WI-0001": "UNDER_REVIEW",
    }
    for version in DocumentVersion.objects.all():
        path = storage.absolute(version.file)
        assert path.stat().st_size == version.size
        assert storage.file_sha256(path) == version.sha256
    assert DocumentVersion.objects.filter(document__document_number="SOP-0001").count() == 2
    assert Document.objects.get(document_number="SOP-0001").superseded_by.document_number == (
        "SOP-0002"
    )
    assert DocumentWorkflow.objects.filter(is_active=True).count() == 1
    assert DocumentWorkflow.objects.filter(is_active=False).count() >= 3
    assert DocumentDependency.objects.filter(document__document_number="WI-0001").exists()
    assert chain.verify() == [] and AuditTrail.objects.count() > 20
    assert authenticate(username="admin", password=password).is_superuser
    assert authenticate(username="qa01", password=password) is not None


def test_roles_are_assigned_and_cycle_for_more_users(storage_root):
    """GIVEN 14 users asked for WHEN demo data loads THEN roles cycle author, reviewer,
    approver, document controller, QA, viewer, and every grant is audited."""
    load_demo_data(users=14, documents=0, password="demo-Pass-14")
    roles = {u.username: sorted(u.roles.values_list("name", flat=True)) for u in User.objects.all()}
    assert roles["author01"] == ["Author"]
    assert roles["reviewer02"] == ["Reviewer"]
    assert roles["docctrl01"] == ["Document Controller"]
    assert roles["qa02"] == ["Quality Assurance"]
    assert roles["viewer02"] == ["Viewer"]
    assert roles["author03"] == ["Author"]
    assert roles["admin"] == ["Administrator"]
    assert len(roles) == 14
    assert AuditTrail.objects.filter(action="ROLE_ASSIGNED").count() == 13
    assert authenticate(username="author03", password="demo-Pass-14") is not None


def test_a_full_pattern_reaches_every_lifecycle_state(storage_root):
    """GIVEN 9 documents asked for WHEN demo data loads
    THEN the documents cover draft, under review, review completed, approved pending effective,
    effective, superseded and obsolete, with a rejected review among them."""
    load_demo_data(documents=9, password="demo-Pass-9")
    states = set(Document.objects.values_list("state__code", flat=True))
    assert states == {
        "DRAFT",
        "UNDER_REVIEW",
        "REVIEW_COMPLETED",
        "APPROVED_PENDING_EFFECTIVE",
        "EFFECTIVE",
        "SUPERSEDED",
        "OBSOLETE",
    }
    assert AuditTrail.objects.filter(action="REVIEW_REJECTED").count() == 1
    assert set(Document.objects.values_list("document_type__code", flat=True)) >= {
        "POL",
        "SOP",
        "WI",
        "FRM",
        "MAN",
        "REC",
    }


def test_an_instance_with_documents_is_refused_and_left_alone(storage_root):
    """GIVEN an instance that already has documents WHEN load_demo_data runs again
    THEN it exits with an error telling about --append, and nothing was added."""
    _load("--password", "demo-Pass-1")
    before = _counts()
    with pytest.raises(CommandError, match="already has 4 documents.*--append"):
        _load("--password", "demo-Pass-2")
    assert _counts() == before
    assert authenticate(username="author01", password="demo-Pass-1") is not None


def test_append_adds_documents_and_keeps_users_and_passwords(storage_root):
    """GIVEN a loaded instance WHEN load_demo_data --append --documents 4 runs
    THEN 4 more documents are numbered after the existing ones, no user is added, and the
    existing passwords still work."""
    _load("--password", "demo-Pass-1")
    output = _load("--append", "--password", "other-Pass-2")
    assert "admin account already existed" in output
    assert User.objects.count() == 7
    assert sorted(Document.objects.values_list("document_number", flat=True)) == [
        "POL-0001",
        "POL-0002",
        "SOP-0001",
        "SOP-0002",
        "SOP-0003",
        "SOP-0004",
        "WI-0001",
        "WI-0002",
    ]
    assert authenticate(username="admin", password="demo-Pass-1") is not None
    assert chain.verify() == []


def test_after_a_reinit_the_admin_is_kept_and_the_new_users_password_is_shown(storage_root):
    """GIVEN an instance with only its admin (as a reinit leaves it) WHEN load_demo_data runs
    without --password THEN the admin's password is unchanged and the generated password of
    the new demo users is printed and works."""

    create_admin("admin", "reinit-Pass-1")
    output = _load()
    assert "admin account already existed" in output
    password = re.search(r"New demo users .* have the password (\S+)", output).group(1)
    assert authenticate(username="admin", password="reinit-Pass-1") is not None
    assert authenticate(username="author01", password=password) is not None
    assert User.objects.count() == 7 and Document.objects.count() == 4


def test_too_few_users_is_refused_before_anything_is_made(storage_root):
    """GIVEN --users 3 WHEN load_demo_data runs THEN it refuses (one user per role is needed)
    and the instance stays empty."""
    with pytest.raises(CommandError, match="at least 7"):
        _load("--users", "3")
    assert _counts() == (0, 0, 0, 0)


def _structure() -> list[tuple]:
    users = list(User.objects.order_by("username").values_list("username", "first_name"))
    documents = [
        (d.document_number, d.title, d.source.name, d.state.code, d.versions.count())
        for d in Document.objects.select_related("source", "state")
    ]
    return [*users, *documents]


def _load_and_roll_back(seed: int) -> list[tuple]:
    with transaction.atomic():
        load_demo_data(documents=18, seed=seed, password="demo-Pass-seed")
        structure = _structure()
        transaction.set_rollback(True)
    return structure


def test_the_same_seed_gives_the_same_data(storage_root):
    """GIVEN the same seed twice (each load rolled back) WHEN demo data loads
    THEN users, titles, sources, states and versions are the same; another seed differs."""
    first, again, other = _load_and_roll_back(3), _load_and_roll_back(3), _load_and_roll_back(4)
    assert first == again
    assert len(first) == 7 + 18
    assert first != other
    with pytest.raises(DemoDataError):
        load_demo_data(documents=-1)


@pytest.mark.slow
def test_two_loads_appending_at_once_both_finish_with_an_intact_chain(new_instance):
    """GIVEN a demo instance WHEN two `load_demo_data --append` processes run at the same time
    THEN both finish (no deadlock), every document number is unique and the chain is intact."""
    instance = new_instance("concurrent")
    instance.run("load_demo_data", "--password", "demo-Pass-cc")
    command = [sys.executable, "-m", "edms", "load_demo_data", "--append", "--documents", "27"]
    loads = [
        subprocess.Popen(
            command, env=instance.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    for load in loads:
        _, stderr = load.communicate(timeout=600)
        assert load.returncode == 0, stderr
    count = (
        "from edms.documents.models import Document;"
        "numbers = list(Document.objects.values_list('document_number', flat=True));"
        "print(len(numbers), len(set(numbers)))"
    )
    assert instance.run("shell", "--no-imports", "-c", count).stdout.split() == ["58", "58"]
    assert "intact" in instance.run("verify_audit_chain").stdout
