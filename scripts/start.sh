#!/usr/bin/env bash
# Sets EDMS up on the embedded default (SQLite, ./var) and starts it on http://127.0.0.1:8000
# (EDMS_PORT chooses another port).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export EDMS_DATA_DIR=${EDMS_DATA_DIR:-$PWD/var}
port=${EDMS_PORT:-8000}
edms=.venv/bin/edms
$edms migrate --noinput -v0
$edms collectstatic --noinput -v0
if [ "$($edms shell -c 'from edms.accounts.models import User; print(User.objects.exists())' --no-imports)" = "False" ]; then
  $edms load_demo_data
else
  echo "EDMS in $EDMS_DATA_DIR already has data; it is kept."
  echo "Admin login: admin (its password was printed at first start; 'edms changepassword admin' sets a new one)."
fi
echo "Open http://127.0.0.1:$port/ (Ctrl-C stops the server)."
exec .venv/bin/gunicorn edms.wsgi --bind "127.0.0.1:$port" --workers 2 --threads 4 --access-logfile -
