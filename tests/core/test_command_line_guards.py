"""The command line's front door: help that lists EDMS's commands, no command where no
installation exists, and no wiping or fixture loading behind the audit trail's back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import django.core.management
import pytest
from django.core.management import call_command, find_commands, get_commands
from django.core.management.base import CommandError

from edms.accounts.models import User
from edms.core.overview import GROUPS

NEEDS_AN_INSTALLATION = [
    ("list_backups",),
    ("create_backup", "--type", "full"),
    ("load_demo_data",),
    ("shell", "--no-imports", "-c", "print(1)"),
    ("showmigrations",),
    ("flush", "--noinput"),
]


def _edms(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`edms ARGS` run in `cwd` with no EDMS_* variable but those in `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EDMS_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-m", "edms", *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
@pytest.mark.parametrize("command", NEEDS_AN_INSTALLATION, ids=lambda c: c[0])
def test_a_command_in_an_empty_directory_is_refused_and_creates_nothing(tmp_path, command):
    """GIVEN an empty directory and no EDMS_DATA_DIR (so ./var is the data directory)
    WHEN a command that needs an installation runs there THEN it exits non-zero naming
    EDMS_DATA_DIR, the directory and `edms migrate`, without a traceback, and the directory is
    still empty: no ./var, no database, no secret key."""
    result = _edms(*command, cwd=tmp_path)

    assert result.returncode == 1
    assert f"no EDMS installation in {tmp_path / 'var'} (EDMS_DATA_DIR)" in result.stderr
    assert "Run `edms migrate`" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_an_instance_not_yet_migrated_is_refused_on_its_own_database(new_instance):
    """GIVEN a new instance whose database (SQLite, or an empty PostgreSQL database when the
    suite runs there) has no migrations applied WHEN `edms list_backups` runs
    THEN it is refused, naming the data directory, and nothing appears in it."""
    instance = new_instance("unmigrated", migrate=False)

    result = instance.run("list_backups", check=False)

    assert result.returncode == 1
    assert str(instance.data_dir) in result.stderr and "EDMS_DATA_DIR" in result.stderr
    assert "Run `edms migrate`" in result.stderr
    assert list(instance.data_dir.iterdir()) == []


@pytest.mark.slow
def test_migrate_sets_up_an_installation_that_later_commands_accept(tmp_path):
    """GIVEN an empty directory WHEN `edms migrate` runs there THEN ./var holds the database
    and the secret key, and a command refused before now runs."""
    assert _edms("migrate", "--noinput", "-v0", cwd=tmp_path).returncode == 0
    assert {p.name for p in (tmp_path / "var").iterdir()} >= {"edms.sqlite3", "secret_key"}

    listed = _edms("list_backups", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr


@pytest.mark.slow
def test_help_lists_edms_commands_by_task_and_creates_nothing(tmp_path):
    """GIVEN an empty directory WHEN `edms`, `edms help` or `edms --help` runs THEN each prints
    EDMS's commands grouped by task, one line each with its help's first sentence, and points
    to `edms help <command>` and `edms django-help`; nothing is created."""
    outputs = {_edms(*args, cwd=tmp_path).stdout for args in [(), ("help",), ("--help",)]}

    assert len(outputs) == 1
    text = outputs.pop()
    for group in ("Backups", "Restore and reinit", "Schedules", "Documents and audit"):
        assert f"\n{group}\n" in text
    assert (
        "  verify_audit_chain  " in text
        and "Recompute the audit trail's hash chains and compare" in text
    )
    assert "  flush" not in text and "sqlmigrate" not in text
    assert "edms help <command>'" in text and "edms django-help'" in text
    assert list(tmp_path.iterdir()) == []


def test_every_edms_command_is_in_the_help():
    """GIVEN the commands EDMS's apps define WHEN the help is printed THEN each of them (but
    the Django commands EDMS overrides) is listed under a group, so a new one is not hidden,
    and every name listed is a command."""
    django_core = set(find_commands(django.core.management.__path__[0]))
    ours = {n for n, app in get_commands().items() if app.startswith("edms.")} - django_core
    listed = {name for names in GROUPS.values() for name in names}
    assert ours - listed == set()
    assert listed - set(get_commands()) == set()


@pytest.mark.slow
def test_django_help_command_help_and_version_still_work(tmp_path):
    """GIVEN an empty directory WHEN `edms django-help`, `edms help create_backup` and
    `edms version` run THEN Django's full list, the command's own usage and EDMS's version are
    printed, creating nothing."""
    full = _edms("django-help", cwd=tmp_path)
    one = _edms("help", "create_backup", cwd=tmp_path)
    version = _edms("version", cwd=tmp_path)

    assert full.returncode == 0 and "sqlmigrate" in full.stdout and "[backup]" in full.stdout
    assert one.returncode == 0 and "usage: python -m edms create_backup" in one.stdout
    assert version.returncode == 0 and version.stdout.startswith("edms 0.1.0 (Django ")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_flush_and_sqlflush_are_refused_and_point_to_system_reinit(new_instance):
    """GIVEN an instance with a user WHEN `edms flush --noinput` or `edms sqlflush` runs
    THEN each exits non-zero pointing to `edms system_reinit`, and the user is still there."""
    instance = new_instance("flush")
    instance.run(
        "shell",
        "--no-imports",
        "-c",
        "from edms.accounts.models import User; User.objects.create()",
    )

    for command in (("flush", "--noinput"), ("sqlflush",)):
        result = instance.run(*command, check=False)
        assert result.returncode == 1, command
        assert f"{command[0]} is refused on EDMS" in result.stderr
        assert "edms system_reinit" in result.stderr
    users = instance.run(
        "shell",
        "--no-imports",
        "-c",
        "from edms.accounts.models import User; print(User.objects.count())",
    )
    assert users.stdout.strip() == "1"


@pytest.mark.django_db
def test_loaddata_into_an_instance_with_business_data_is_refused(make_user, tmp_path):
    """GIVEN an instance holding a user WHEN a fixture is loaded with `edms loaddata`
    THEN it is refused, naming the business data found and `edms restore_backup`."""
    make_user("author01", "Author")
    fixture = tmp_path / "roles.json"
    fixture.write_text('[{"model": "auth.group", "fields": {"name": "Auditors"}}]')

    with pytest.raises(CommandError, match=r"accounts\.user.*edms restore_backup"):
        call_command("loaddata", str(fixture), verbosity=0)


@pytest.mark.django_db
def test_loaddata_into_a_freshly_migrated_instance_is_accepted(tmp_path):
    """GIVEN a freshly migrated instance (configuration only) WHEN a fixture is loaded with
    `edms loaddata` THEN its records are there: the way back without EDMS still works."""
    fixture = tmp_path / "users.json"
    fixture.write_text('[{"model": "accounts.user", "fields": {"username": "restored01"}}]')

    call_command("loaddata", str(fixture), verbosity=0)

    assert User.objects.filter(username="restored01").exists()
