"""A damaged sidecar (the .metadata.json beside a package) is shown as the package's problem
in every listing, never as a traceback or a 500 (issue 11, item 10)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from tests.api.conftest import login, no_job_left_running, staff  # noqa: F401 - fixtures
from tests.hardening.fuzz_inputs import ZSTD_PACKAGE

pytestmark = pytest.mark.django_db

SOUND = (ZSTD_PACKAGE.parent / (ZSTD_PACKAGE.name + ".metadata.json")).read_bytes()

SIDECARS = {
    "truncated": (SOUND[: len(SOUND) // 2], "not JSON"),
    "empty": (b"", "not JSON"),
    "not JSON": (b"backup made on tuesday", "not JSON"),
    "not UTF-8": (b'{"sha256": "\xff\xfe"}', "not JSON"),
    "nested too deep": (b"[" * 5000 + b"]" * 5000, "not JSON"),
    "a JSON list": (b'[{"sha256": "abc"}]', "a JSON list, not an object"),
    "a JSON string": (b'"full"', "a JSON str, not an object"),
    "wrong types": (
        json.dumps(
            {
                "backup_type": "full",
                "record_counts": "many",
                "created_at": "last tuesday",
                "keep": "yes",
                "file_count": -3,
                "origin": ["manual"],
                "verification": {"state": ["passed"], "at": 5},
            }
        ).encode(),
        "wrong type of created_at, origin, record_counts, file_count, keep, verification",
    ),
    "verification of an unknown state": (
        json.dumps({"verification": {"state": "trust me"}}).encode(),
        "wrong type of verification",
    ),
}


@pytest.fixture
def backups(settings, tmp_path) -> Path:
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_DIR.mkdir()
    shutil.copyfile(ZSTD_PACKAGE, settings.BACKUP_DIR / ZSTD_PACKAGE.name)
    return settings.BACKUP_DIR


def _damage_sidecar(backups: Path, case: str) -> str:
    content, message = SIDECARS[case]
    (backups / (ZSTD_PACKAGE.name + ".metadata.json")).write_bytes(content)
    return message


@pytest.mark.parametrize("case", list(SIDECARS))
def test_list_backups_shows_the_package_with_its_sidecar_problem(backups, case):
    """GIVEN a package whose sidecar is damaged WHEN an operator runs list_backups --json
    THEN the package is listed, its problem says the sidecar is unreadable and why."""
    message = _damage_sidecar(backups, case)
    out = io.StringIO()

    call_command("list_backups", "--json", stdout=out)

    [row] = json.loads(out.getvalue())
    assert row["name"] == ZSTD_PACKAGE.name
    assert row["problem"].startswith("sidecar unreadable: full.tar.zst.metadata.json: ")
    assert message in row["problem"]
    assert str(backups) not in row["problem"]


@pytest.mark.parametrize("case", ["truncated", "a JSON list", "wrong types"])
def test_the_api_catalog_lists_the_package_with_its_problem(backups, staff, login, case):  # noqa: F811
    """GIVEN a damaged sidecar WHEN a staff client reads the catalog and the package's entry
    THEN both answer 200 with the problem, and the fields that were wrong are left out."""
    message = _damage_sidecar(backups, case)
    client = login(staff)

    listing = client.get("/api/v1/backup/catalog/")
    detail = client.get(f"/api/v1/backup/catalog/{ZSTD_PACKAGE.name}/")

    assert listing.status_code == 200, listing.content
    [entry] = listing.json()
    assert message in entry["problem"]
    assert entry["record_counts"] == {} and entry["verification_state"] == "not-verified"
    assert detail.status_code == 200, detail.content
    assert message in detail.json()["problem"]


@pytest.mark.parametrize("case", list(SIDECARS))
def test_the_backups_page_shows_the_package_with_its_problem(backups, make_user, case):
    """GIVEN a damaged sidecar WHEN a staff member opens the backups page and the package's
    page THEN both load and show that the sidecar is unreadable."""
    _damage_sidecar(backups, case)
    browser = Client()
    browser.force_login(make_user("admin01", "Administrator", is_staff=True))

    page = browser.get("/backups/")
    package = browser.get(f"/backups/{ZSTD_PACKAGE.name}/")

    assert page.status_code == 200
    assert b"sidecar unreadable" in page.content and ZSTD_PACKAGE.name.encode() in page.content
    assert package.status_code == 200
    assert b"sidecar unreadable" in package.content
