#!/usr/bin/env bash
# Sets EDMS up with its test tools and runs lint and the whole test suite.
# Extra arguments go to pytest, e.g. `scripts/test.sh -m "not slow"` for the fast set.
# With EDMS_TEST_DATABASE_URL set the suite runs on that PostgreSQL database instead of SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
.venv/bin/ruff check edms tests bench
.venv/bin/ruff format --check edms tests bench
# Two workers (pytest-xdist) on a 2-core machine; EDMS_TEST_WORKERS=0 runs in one process.
exec .venv/bin/pytest -n "${EDMS_TEST_WORKERS:-2}" "$@"
