"""Startup checks: a bad environment is refused by name, and `edms check` (which every command
runs first) fails on a table the registry forgot or a directory EDMS cannot use."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from edms.core import checks
from edms.core.registry import Registry, _declarations


def _edms(*args: str, cwd, **env: str) -> subprocess.CompletedProcess:
    """`edms ARGS` as an operator runs it: in `cwd`, with only the EDMS_* variables given."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EDMS_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-m", "edms", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variable", "value", "explanation"),
    [
        (
            "EDMS_DEBUG",
            "maybe",
            "use 1, true, yes or on to turn it on, 0, false, no or off to turn it off",
        ),
        ("EDMS_PORT", "abc", "expected a whole number from 1 to 65535"),
        ("EDMS_MAX_UPLOAD_BYTES", "-5", "expected a whole number of at least 1"),
        ("EDMS_BACKUP_MAX_AGE_HOURS", "a day", "expected a number of at least 0"),
        ("EDMS_LOG_LEVEL", "loud", "use DEBUG, INFO, WARNING, ERROR or CRITICAL"),
    ],
)
def test_a_bad_value_in_the_environment_is_refused_by_name(tmp_path, variable, value, explanation):
    """GIVEN a variable set to a value EDMS cannot use WHEN any command runs
    THEN it exits non-zero with one sentence naming the variable, its value and what it
    accepts (no traceback), and creates nothing."""
    result = _edms("check", cwd=tmp_path, **{variable: value})

    assert result.returncode != 0
    assert result.stderr.strip() == f"edms: {variable}={value!r} is not valid: {explanation}"
    assert list(tmp_path.iterdir()) == []


def test_a_database_url_edms_cannot_use_is_refused_without_echoing_its_password(tmp_path):
    """GIVEN EDMS_DATABASE_URL naming MySQL, with a password WHEN a command runs THEN it is
    refused naming the variable and the URLs EDMS accepts, and the password is not printed."""
    result = _edms("check", cwd=tmp_path, EDMS_DATABASE_URL="mysql://edms:s3cret@db/edms")

    assert result.returncode != 0
    assert "EDMS_DATABASE_URL is not valid: expected postgresql://" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_edms_check_passes_on_this_installation(capsys):
    """GIVEN the installed apps and the test settings WHEN `edms check` runs
    THEN it reports no issue: every table, auto-created ones included, is accounted for."""
    call_command("check")
    assert "no issues" in capsys.readouterr().out


def test_a_model_the_registry_forgot_fails_edms_check_with_its_many_to_many_tables(monkeypatch):
    """GIVEN a registry that leaves out accounts.User WHEN `edms check` runs
    THEN it fails with edms.E001 for the user model and for each table Django made for its
    many-to-many fields (groups, user permissions), which its declaration would have covered."""
    forgetful = Registry(lambda: [e for e in _declarations() if e.label != "accounts.user"])
    monkeypatch.setattr(checks, "registry", forgetful)

    with pytest.raises(SystemCheckError) as failure:
        call_command("check")

    report = str(failure.value)
    for table in ("accounts.user", "accounts.user_groups", "accounts.user_user_permissions"):
        assert f"(edms.E001) {table} is installed but not declared" in report
    assert "auth.group_permissions" not in report  # covered by auth.Group's declaration


def test_a_backup_directory_that_is_a_file_fails_edms_check(settings, tmp_path):
    """GIVEN EDMS_BACKUP_DIR pointing at a file WHEN `edms check` runs
    THEN it fails with edms.E010 naming the variable and the path."""
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_DIR.write_text("not a directory")

    with pytest.raises(SystemCheckError, match=r"edms\.E010.*EDMS_BACKUP_DIR.*not a directory"):
        call_command("check")


def test_an_empty_host_list_fails_edms_check(settings):
    """GIVEN EDMS_ALLOWED_HOSTS set to nothing usable (",") and debug off WHEN `edms check`
    runs THEN it fails with edms.E011: such a server would answer no request."""
    settings.ALLOWED_HOSTS, settings.DEBUG = [], False

    with pytest.raises(SystemCheckError, match=r"edms\.E011.*EDMS_ALLOWED_HOSTS"):
        call_command("check")


@pytest.mark.slow
def test_migrate_writes_the_secret_key_once_owner_only(new_instance):
    """GIVEN a new data directory and no EDMS_SECRET_KEY WHEN `edms migrate` runs THEN it writes
    $EDMS_DATA_DIR/secret_key with mode 0600; WHEN migrate runs again THEN the key is kept."""
    instance = new_instance("secret", migrate=False)
    env = {k: v for k, v in instance.env().items() if k != "EDMS_SECRET_KEY"}
    migrate = [sys.executable, "-m", "edms", "migrate", "--noinput", "-v0"]

    subprocess.run(migrate, env=env, check=True, capture_output=True)
    key_file = instance.data_dir / "secret_key"
    first = key_file.read_text()
    subprocess.run(migrate, env=env, check=True, capture_output=True)

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 50 and key_file.read_text() == first
