"""A backup edited to hand out power is refused (issue 11, item 2).

The attacker can write a package file but is not a superuser: they edit its account records, as a
careful forger recomputing every hash and the content digest, to add a superuser, elevate an
account or replace someone's password hash, then get it restored. The restore lists every such
change, refuses to apply them without --allow-privileged-changes (unless this server made the
package, which a forged file beside no valid sidecar is not), and changes nothing; over HTTP,
restore, reinit and package downloads need a superuser.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from edms.accounts.models import User
from edms.audit import chain
from edms.audit.models import AuditTrail
from edms.backup.errors import PrivilegedChangesRefused
from edms.backup.restore.service import restore
from tests.api.conftest import follow
from tests.restore.helpers import forge, whole_dump

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ATTACKER_HASH = make_password("the-attackers-password")


def _users(edit_user):
    """A forge edit applying `edit_user(records) -> records` to the account records only."""

    def edit(label, records):
        return edit_user(records) if label == "accounts.user" else records

    return edit


def _add_superuser(records):
    model = next(r for r in records if r["fields"]["username"] == "viewer01")
    fields = dict(model["fields"], username="mallory", email="mallory@example.org")
    if "uuid" in fields:
        fields["uuid"] = str(uuid.uuid4())
    fields.update(is_superuser=True, is_staff=True, password=ATTACKER_HASH)
    return [*records, {**model, "fields": fields}]


def _set(username, **changes):
    def edit(records):
        for record in records:
            if record["fields"]["username"] == username:
                record["fields"].update(changes)
        return records

    return edit


ATTACKS = {
    "new superuser": (_add_superuser, "mallory", "new superuser"),
    "becomes superuser": (
        _set("viewer01", is_superuser=True, is_staff=True),
        "viewer01",
        "becomes superuser",
    ),
    "becomes staff": (_set("viewer01", is_staff=True), "viewer01", "becomes staff"),
    "password replaced": (
        _set("approver01", password=ATTACKER_HASH),
        "approver01",
        "password hash replaced",
    ),
}


@pytest.fixture
def forged(small_instance, backup_file, tmp_path):
    """Forge a backup of the small instance into a new file (no sidecar beside it)."""
    original = backup_file()

    def make(attack: str) -> Path:
        edit, _, _ = ATTACKS[attack]
        target = tmp_path / "forged" / f"{attack.replace(' ', '-')}.tar.zst"
        target.parent.mkdir(exist_ok=True)
        return forge(original, target, _users(edit))

    return make


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_forged_privileged_change_is_refused_and_changes_nothing(forged, state, attack):
    """GIVEN a package edited to add a superuser, elevate an account or replace a password
    hash, hashes and digest recomputed WHEN it is restored (conflict=update) without the flag
    THEN PrivilegedChangesRefused names the user and the change, and nothing changed."""
    package = forged(attack)
    _, username, change = ATTACKS[attack]
    before = state()

    with pytest.raises(PrivilegedChangesRefused) as refused:
        restore(package, conflict="update")

    assert f"{username}: {change}" in str(refused.value)
    assert "--allow-privileged-changes" in str(refused.value)
    assert state() == before
    assert not User.objects.filter(username="mallory").exists()


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_dry_run_lists_the_privileged_changes_without_refusing(forged, state, attack):
    """GIVEN the same forged package WHEN it is dry-run THEN the report lists the user and the
    change, nothing is refused and nothing changed."""
    package = forged(attack)
    _, username, change = ATTACKS[attack]
    before = state()

    report = restore(package, conflict="update", dry_run=True)

    assert {"username": username, "change": change} in report.privileged_changes
    assert report.privileged_changes_allowed_by == ""
    assert state() == before


def test_every_change_is_listed_at_once(small_instance, backup_file, tmp_path, state):
    """GIVEN a package with a new superuser, an elevated account and a replaced hash WHEN it is
    restored THEN the refusal names all three users, and nothing changed."""
    edit = _users(
        lambda r: _set("approver01", password=ATTACKER_HASH)(
            _set("viewer01", is_superuser=True)(_add_superuser(r))
        )
    )
    package = forge(backup_file(), tmp_path / "all-three.tar.zst", edit)
    before = state()

    with pytest.raises(PrivilegedChangesRefused) as refused:
        restore(package, conflict="update")

    message = str(refused.value)
    assert "mallory: new superuser" in message
    assert "viewer01: becomes superuser" in message
    assert "approver01: password hash replaced" in message
    assert state() == before


def test_the_operators_flag_applies_them_and_the_audit_trail_names_each_user(
    small_instance, backup_file, tmp_path
):
    """GIVEN a package with a new superuser and a replaced hash WHEN it is restored with
    allow_privileged_changes THEN both are applied and the BACKUP_RESTORED entry lists each
    user and change, allowed by --allow-privileged-changes; the chain verifies."""
    edit = _users(lambda r: _set("approver01", password=ATTACKER_HASH)(_add_superuser(r)))
    package = forge(backup_file(), tmp_path / "allowed.tar.zst", edit)

    report = restore(package, conflict="update", allow_privileged_changes=True)

    assert User.objects.get(username="mallory").is_superuser
    assert User.objects.get(username="approver01").password == ATTACKER_HASH
    entry = AuditTrail.objects.filter(action="BACKUP_RESTORED").latest("sequence")
    assert entry.details["privileged_changes_allowed_by"] == "--allow-privileged-changes"
    listed = {(c["username"], c["change"]) for c in entry.details["privileged_changes"]}
    assert listed == {
        ("mallory", "new superuser"),
        ("approver01", "password hash replaced"),
    }
    assert report.privileged_changes_allowed_by == "--allow-privileged-changes"
    assert chain.verify() == []


def test_a_role_grant_made_by_a_restore_is_audited(small_instance, backup_file, tmp_path):
    """GIVEN a package granting viewer01 the Approver role WHEN it is restored THEN the grant
    exists and has a ROLE_ASSIGNED entry saying it was made by the restore."""
    from edms.accounts.models import UserRole

    def grant(label, records):
        if label != "accounts.userrole":
            return records
        model = next(r for r in records if r["fields"]["user"] == ["viewer01"])
        return [*records, {**model, "fields": {**model["fields"], "role": ["Approver"]}}]

    package = forge(backup_file(), tmp_path / "grant.tar.zst", grant)

    restore(package)

    assert UserRole.objects.filter(user__username="viewer01", role__name="Approver").exists()
    entry = AuditTrail.objects.filter(action="ROLE_ASSIGNED").latest("sequence")
    assert entry.details["by"] == "restore"
    assert (entry.details["user"], entry.details["role"]) == ("viewer01", "Approver")
    assert chain.verify() == []


def test_a_package_this_server_made_restores_after_a_reinit_without_the_flag(
    small_instance, backup_file, make_user
):
    """GIVEN a superuser and staff member, and a backup this server made (its sidecar beside
    it) WHEN the system is reinitialised and the backup restored without the flag THEN the
    accounts are back, allowed because the package was made here, and the entry says so."""
    from edms.backup.reinit import reinit

    make_user("boss01", is_superuser=True, is_staff=True)
    make_user("helper01", is_staff=True)
    package = backup_file()
    reinit(reason="test: start afresh", admin_password="a-long-admin-pass", safety_backup=False)

    report = restore(package)

    assert User.objects.get(username="boss01").is_superuser
    assert report.privileged_changes_allowed_by == "package made by this server"
    assert {"username": "boss01", "change": "new superuser"} in report.privileged_changes
    entry = AuditTrail.objects.filter(action="BACKUP_RESTORED").latest("sequence")
    assert entry.details["privileged_changes_allowed_by"] == "package made by this server"


def test_the_same_package_copied_away_from_its_sidecar_is_refused(
    small_instance, backup_file, make_user, tmp_path, state
):
    """GIVEN the same unedited package copied to another path (no sidecar beside it) WHEN it is
    restored after a reinit without the flag THEN the new superuser is refused."""
    from edms.backup.reinit import reinit

    make_user("boss01", is_superuser=True, is_staff=True)
    copy = tmp_path / "elsewhere" / "copy.tar.zst"
    copy.parent.mkdir()
    copy.write_bytes(backup_file().read_bytes())
    reinit(reason="test: start afresh", admin_password="a-long-admin-pass", safety_backup=False)
    before = state()

    with pytest.raises(PrivilegedChangesRefused, match="boss01: new superuser"):
        restore(copy)

    assert state() == before


# --- the command line ---------------------------------------------------------------------


def test_the_command_refuses_without_the_flag_with_exit_code_11(forged, state):
    """GIVEN a forged package with a new superuser WHEN restore_backup runs without the flag
    THEN it fails with exit code 11 naming the user and nothing changed; WITH the flag it
    applies."""
    package = forged("new superuser")
    before = state()

    with pytest.raises(CommandError) as refused:
        call_command("restore_backup", "--from-file", str(package), stdout=io.StringIO())

    assert refused.value.returncode == PrivilegedChangesRefused.exit_code == 11
    assert "mallory: new superuser" in str(refused.value)
    assert state() == before

    call_command(
        "restore_backup",
        "--from-file",
        str(package),
        "--allow-privileged-changes",
        stdout=io.StringIO(),
    )

    assert User.objects.get(username="mallory").is_superuser


# --- over HTTP ----------------------------------------------------------------------------


@pytest.fixture
def jobs_finish():
    yield
    from edms.backup.operations import runner

    runner.wait_for_jobs(timeout=120)


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _upload(client, package: Path, **fields):
    data = {"backup_file": SimpleUploadedFile(package.name, package.read_bytes()), **fields}
    return client.post("/api/v1/backup/restores/restore_from_file/", data, format="multipart")


@pytest.fixture
def catalogued(small_instance, settings):
    """A backup job of this server, its package in the backups directory."""
    from edms.backup.operations.jobs import run_backup

    job = run_backup("full")
    assert Path(job.path).parent == Path(settings.BACKUP_DIR)
    return job


def test_staff_who_are_not_superusers_get_403_everywhere_that_hands_out_power(
    catalogued, make_user, state, jobs_finish
):
    """GIVEN a staff Administrator who is not a superuser WHEN they upload a package, reinit,
    download or restore a catalogued package, or download a backup job's package THEN each is
    403, and nothing changed."""
    client = _client(make_user("admin01", "Administrator", is_staff=True))
    package = Path(catalogued.path)
    before = state()

    answers = {
        "upload": _upload(client, package, dry_run="true"),
        "reinit": client.post(
            "/api/v1/backup/reinit/",
            {"confirm": "x", "reason": "mine now", "safety_backup": False},
            format="json",
        ),
        "catalog download": client.get(f"/api/v1/backup/catalog/{package.name}/download/"),
        "catalog restore": client.post(
            f"/api/v1/backup/catalog/{package.name}/restore/", {}, format="json"
        ),
        "job download": client.get(f"/api/v1/backup/jobs/{catalogued.uuid}/download/"),
    }

    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(answers, 403)
    assert "superuser" in answers["upload"].json()["detail"]
    assert state() == before


def test_a_superuser_gets_through(catalogued, make_user, settings, jobs_finish):
    """GIVEN a superuser WHEN they do the same THEN uploads and catalog restores are accepted
    (202) and downloads give the package (200)."""
    root = make_user("root01", is_staff=True, is_superuser=True)
    client = _client(root)
    package = Path(catalogued.path)

    uploaded = _upload(client, package, dry_run="true")
    from_catalog = client.post(f"/api/v1/backup/catalog/{package.name}/restore/", {}, format="json")
    catalog_download = client.get(f"/api/v1/backup/catalog/{package.name}/download/")
    job_download = client.get(f"/api/v1/backup/jobs/{catalogued.uuid}/download/")

    assert (uploaded.status_code, from_catalog.status_code) == (202, 202), uploaded.content
    assert (catalog_download.status_code, job_download.status_code) == (200, 200)
    assert b"".join(job_download.streaming_content) == package.read_bytes()
    catalog_download.close()
    job_download.close()


def test_a_superuser_may_reinit(small_instance, make_user, settings, jobs_finish):
    """GIVEN a superuser WHEN they POST a confirmed reinit THEN it is accepted (202)."""
    client = _client(make_user("root01", is_staff=True, is_superuser=True))

    reinit = client.post(
        "/api/v1/backup/reinit/",
        {
            "confirm": settings.INSTANCE_NAME,
            "reason": "test: start afresh",
            "admin_password": "a-long-admin-pass",
            "safety_backup": False,
        },
        format="json",
    )

    assert reinit.status_code == 202, reinit.content


def test_a_superuser_uploading_a_forged_package_gets_a_failed_job(forged, make_user, state):
    """GIVEN a superuser and a forged package adding a superuser WHEN they upload it without
    allow_privileged_changes THEN the job fails with the refusal naming the user and nothing
    changed; the dry run lists the change; WITH allow_privileged_changes it applies."""
    from edms.backup.operations import runner

    client = _client(make_user("root01", is_staff=True, is_superuser=True))
    package = forged("new superuser")
    before = state()

    planned = follow(
        client,
        f"/api/v1/backup/restores/{_upload(client, package, dry_run='true').json()['uuid']}/",
    )
    answer = _upload(client, package, dry_run="false", conflict="update")
    assert answer.status_code == 202, answer.content
    refused = follow(client, f"/api/v1/backup/restores/{answer.json()['uuid']}/")
    runner.wait_for_jobs(timeout=120)

    assert planned["status"] == "completed", planned["error"]
    assert "mallory" in str(planned)
    assert refused["status"] == "failed"
    assert "would change privileged accounts (mallory: new superuser)" in refused["error"]
    assert whole_dump(exclude_jobs=True) == before[0]
    assert not User.objects.filter(username="mallory").exists()

    answer = _upload(client, package, dry_run="false", allow_privileged_changes="true")
    applied = follow(client, f"/api/v1/backup/restores/{answer.json()['uuid']}/")
    runner.wait_for_jobs(timeout=120)

    assert applied["status"] == "completed", applied["error"]
    assert User.objects.get(username="mallory").is_superuser
