"""Every route in the published schema, called as anonymous, as a non-staff author and as
staff: anonymous gets 401 (login, refresh, logout and health excepted), the author 403 on everything
backup and on the audit trail, staff is never refused, and nobody gets a server error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import resolve
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from edms.backup.models import BackupConfiguration, BackupJob, RestoreJob

pytestmark = pytest.mark.slow

OPEN_TO_ANONYMOUS = {
    "/api/v1/auth/login/",
    "/api/v1/auth/refresh/",
    "/api/v1/auth/logout/",
    "/api/v1/backup/health/",
}


@pytest.fixture
def objects(effective_document, staff):
    """One real object behind every path parameter: a backup, a dry run, a schedule."""
    from edms.audit.models import AuditTrail
    from edms.backup.operations.jobs import run_backup, run_restore

    backup = run_backup("full", verify=True)
    run_restore(backup.path, dry_run=True, user=staff)
    return {
        "jobs": BackupJob.objects.get().uuid,
        "restores": RestoreJob.objects.get().uuid,
        "audit": AuditTrail.objects.first().uuid,
        "configurations": BackupConfiguration.objects.create(
            name="nightly", backup_type="full", schedule="0 2 * * *"
        ).pk,
        "documents": effective_document.document_number,
        "catalog": Path(backup.path).name,
    }


VALUES = {"kind": "csv"}  # parameters that name a choice, not an object


def concrete(path: str, objects: dict) -> str:
    """The schema path with each {parameter} replaced by its value, or by a real object of its
    collection."""
    path = re.sub(r"\{(\w+)\}", lambda m: VALUES.get(m.group(1), m.group(0)), path)
    collection = next(name for name in objects if f"/{name}/" in path) if "{" in path else None
    return re.sub(r"\{[^}]+\}", str(objects.get(collection, "")), path)


def operations(client: APIClient, objects: dict) -> list[tuple[str, str]]:
    schema = client.get("/api/schema/", {"format": "json"}).json()
    ordered = []
    for path, methods in schema["paths"].items():
        for method in methods:
            if method in ("get", "post", "put", "patch", "delete"):
                ordered.append((method, concrete(path, objects)))
    # deletes last, so the other calls still find their object
    return sorted(ordered, key=lambda op: op[0] == "delete")


def call(client: APIClient, method: str, path: str) -> int:
    return getattr(client, method)(path, {} if method != "get" else None, format="json").status_code


def test_every_route_answers_each_kind_of_caller_as_promised(objects, staff, people, login):
    """GIVEN real objects behind every route WHEN each route of the schema is called with no
    token, with a non-staff Author's token and with a staff token THEN the answers follow the
    rules above, for every route."""
    anonymous, author, admin = APIClient(), login(people["author"]), login(staff)
    routes = operations(admin, objects)
    assert len(routes) >= 30
    unexpected = []
    for method, path in routes:
        nobody = call(anonymous, method, path)
        if (nobody == 401) == (path in OPEN_TO_ANONYMOUS) or nobody >= 500:
            unexpected.append((method, path, "anonymous", nobody))
        non_staff = call(author, method, path)
        refused = path.startswith("/api/v1/audit/") or (
            path.startswith("/api/v1/backup/") and path not in OPEN_TO_ANONYMOUS
        )
        if (non_staff == 403) != refused or non_staff in (401,) or non_staff >= 500:
            unexpected.append((method, path, "author", non_staff))
        by_staff = call(admin, method, path)
        if by_staff in (401, 403) or by_staff >= 500:
            unexpected.append((method, path, "staff", by_staff))
    assert unexpected == []


def test_no_view_chooses_its_own_authentication(objects, staff, login):
    """GIVEN the published schema WHEN each route's view is looked up THEN it authenticates
    with the project's defaults (JWT, or the UI's session), never a path of its own; only the
    token endpoints, which take a password or a refresh token, authenticate nobody."""
    for _, path in operations(login(staff), objects):
        if path in ("/api/v1/auth/login/", "/api/v1/auth/refresh/", "/api/v1/auth/logout/"):
            continue
        view = resolve(path).func.cls
        assert view.authentication_classes == api_settings.DEFAULT_AUTHENTICATION_CLASSES, path
