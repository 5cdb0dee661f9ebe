#!/usr/bin/env bash
# Creates .venv and installs EDMS into it (with test tools when called with --test).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install -q -e '.[test]'
  # Playwright cannot download its own browser here: the browser tests drive Debian's Chromium.
  # The age and zstd tools show that packages open without EDMS.
  missing=""
  for tool in chromium age zstd; do command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"; done
  if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    # shellcheck disable=SC2086 # one word per package
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq $missing >/dev/null
  fi
else
  .venv/bin/python -m pip install -q -e .
fi
