"""Test settings: a throw-away data directory, and PostgreSQL when EDMS_TEST_DATABASE_URL is set."""

import os
import secrets
import tempfile

# Each pytest-xdist worker gets a data directory of its own (the maintenance lock lives there).
# Workers inherit the controller's environment, so the directory is tagged with its owner;
# subprocesses a test starts inherit the tag and share their worker's directory.
_owner = os.environ.get("PYTEST_XDIST_WORKER", "main")
if os.environ.get("EDMS_TEST_DATA_DIR_OWNER") != _owner or "EDMS_DATA_DIR" not in os.environ:
    os.environ["EDMS_DATA_DIR"] = tempfile.mkdtemp(prefix=f"edms-test-{_owner}-")
    os.environ["EDMS_TEST_DATA_DIR_OWNER"] = _owner
os.environ.setdefault("EDMS_SECRET_KEY", secrets.token_urlsafe(40))

import dj_database_url  # noqa: E402

from edms.settings import *  # noqa: E402,F403

if test_url := os.environ.get("EDMS_TEST_DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(test_url)}
    # One test database per pytest process, so parallel runs on one server do not collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_edms_{os.getpid()}"}
else:
    # A file, not SQLite's in-memory database: the live server and background job threads open
    # connections of their own, and must all see the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Jobs run in the request that starts them, so API tests need no committed transactions; tests of
# the thread and Celery runners choose theirs.
JOB_RUNNER = "inline"

# Whitenoise serves STATIC_ROOT; the throw-away data directory starts without one.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
