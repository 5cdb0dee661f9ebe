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
  # The zstd and age tools show that packages open without EDMS (the age test skips without it).
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  missing=""
  for tool in chromium zstd age; do command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"; done
  if [ -n "$missing" ]; then
    $SUDO apt-get update -qq || true
    for tool in $missing; do
      if ! $SUDO apt-get install -y -qq "$tool" >/dev/null; then
        [ "$tool" = age ] || exit 1
        echo "note: could not install age; the test that decrypts with it will be skipped" >&2
      fi
    done
  fi
else
  .venv/bin/python -m pip install -q -e .
fi
