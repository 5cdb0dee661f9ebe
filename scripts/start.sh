#!/usr/bin/env bash
# Sets EDMS up on the embedded default (SQLite, ./var) and starts it on http://127.0.0.1:8000
# (EDMS_PORT chooses another port), with the backup scheduler beside the web server.
#
# The scheduler is its own process (`edms backup_scheduler`), not a thread of the web server:
# gunicorn runs several worker processes and recycles them, so a thread would run once per
# worker and die with it; one process checks once a minute and its claims keep a second
# scheduler from running a backup twice. Both stop together: when one of them ends, or this
# script is stopped (Ctrl-C, SIGTERM), the other is stopped too. With EDMS_CELERY_BROKER_URL
# set, Celery beat schedules the backups instead; the deployment starts beat and the workers.
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

children=()
stop() {
  trap - EXIT INT TERM
  if [ ${#children[@]} -gt 0 ]; then
    kill -TERM "${children[@]}" 2>/dev/null || true
    wait "${children[@]}" 2>/dev/null || true
  fi
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "${EDMS_CELERY_BROKER_URL:-}" ]; then
  echo "Scheduled backups: Celery beat (celery -A edms beat), started by the deployment, not here."
else
  PYTHONUNBUFFERED=1 $edms backup_scheduler &
  children+=($!)
fi
echo "Open http://127.0.0.1:$port/ (Ctrl-C stops the server)."
# No control socket: its default path is shared by every gunicorn of this user on the host.
.venv/bin/gunicorn edms.wsgi --bind "127.0.0.1:$port" --workers 2 --threads 4 --no-control-socket \
  --access-logfile - &
children+=($!)
# Whichever ends first ends the script; the EXIT trap stops the other.
status=0
wait -n || status=$?
exit "$status"
