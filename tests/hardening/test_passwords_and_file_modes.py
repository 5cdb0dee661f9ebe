"""Weak passwords are refused however they are given, and the database and data directory are
readable by EDMS's own account only."""

from __future__ import annotations

import io
import stat

import pytest
from django.core.management import CommandError, call_command
from django.db.utils import ConnectionHandler

from edms.accounts.admin_account import create_admin
from edms.accounts.models import User


def load_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo_data", "--documents", "0", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_data_refuses_a_weak_password_with_the_validators_reasons():
    """GIVEN an empty instance WHEN load_demo_data is given `--password 1234` THEN it stops
    with exit code 2, says why the validators refuse it, and creates no user."""
    with pytest.raises(CommandError) as refused:
        load_demo("--password", "1234")

    assert refused.value.returncode == 2
    assert "--password" in str(refused.value)
    assert "too short" in str(refused.value)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_weak_edms_admin_password_is_refused(monkeypatch):
    """GIVEN EDMS_ADMIN_PASSWORD=password WHEN demo data or the admin account is made with it
    THEN both are refused naming the variable; no admin exists."""
    monkeypatch.setenv("EDMS_ADMIN_PASSWORD", "password")

    with pytest.raises(CommandError) as refused:
        load_demo()
    with pytest.raises(Exception, match="EDMS_ADMIN_PASSWORD") as refused_admin:
        create_admin("admin")

    assert refused.value.returncode == 2
    assert "EDMS_ADMIN_PASSWORD" in str(refused.value)
    assert "too common" in str(refused_admin.value)
    assert not User.objects.filter(username="admin").exists()


@pytest.mark.django_db
def test_a_weak_admin_password_is_refused_and_a_generated_one_is_strong(monkeypatch):
    """GIVEN no EDMS_ADMIN_PASSWORD WHEN the admin is made with `--admin-password 12345678`
    THEN it is refused; made without one, the generated password passes the validators."""
    monkeypatch.delenv("EDMS_ADMIN_PASSWORD", raising=False)

    with pytest.raises(Exception, match="--admin-password") as refused:
        create_admin("admin", "12345678")
    admin, password, generated = create_admin("admin")

    assert refused.value.exit_code == 2
    assert generated and admin.check_password(password)


def test_a_new_sqlite_database_and_the_data_dir_are_private(settings, tmp_path, django_db_blocker):
    """GIVEN a data directory that others could read WHEN EDMS opens its SQLite database there
    for the first time THEN the directory is 0700 and the database and its WAL files 0600."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    settings.DATA_DIR = data_dir
    database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(data_dir / "edms.sqlite3"),
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;"},
    }
    connection = ConnectionHandler({"default": database})["default"]
    with django_db_blocker.unblock():  # a database of its own, not the test database
        try:
            with connection.cursor() as cursor:
                cursor.execute("CREATE TABLE t (x)")
        finally:
            connection.close()

    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in data_dir.iterdir()}
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert modes["edms.sqlite3"] == 0o600
    assert all(mode == 0o600 for mode in modes.values()), modes
