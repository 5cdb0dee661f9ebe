#!/usr/bin/env bash
# Back up, download, upload, plan and restore through the REST API with nothing but curl
# (python3 only reads fields out of the JSON answers).
# Usage: tests/api/curl_walkthrough.sh BASE_URL USERNAME PASSWORD [WORK_DIR]
set -euo pipefail
BASE=$1 USERNAME=$2 PASSWORD=$3 WORK=${4:-.}
field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
follow() {  # poll a job until it finishes; print its final JSON
  while :; do
    job=$(curl -sf -H "$AUTH" "$1")
    case $(echo "$job" | field '["status"]') in completed | failed) echo "$job"; return ;; esac
    sleep 0.5
  done
}

TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/login/" -H 'Content-Type: application/json' \
  -d "{\"username\": \"$USERNAME\", \"password\": \"$PASSWORD\"}" | field '["access"]')
AUTH="Authorization: Bearer $TOKEN"

BACKUP=$(curl -sf -X POST "$BASE/api/v1/backup/jobs/create_backup/" -H "$AUTH" \
  -F backup_type=FULL -F compress=true -F verify=true | field '["uuid"]')
echo "backup $BACKUP: $(follow "$BASE/api/v1/backup/jobs/$BACKUP/" | field '["status"]')"

curl -sf -H "$AUTH" -o "$WORK/backup.tar.zst" "$BASE/api/v1/backup/jobs/$BACKUP/download/"
echo "downloaded $(wc -c < "$WORK/backup.tar.zst") bytes"

PLAN=$(curl -sf -X POST "$BASE/api/v1/backup/restores/restore_from_file/" -H "$AUTH" \
  -F backup_file=@"$WORK/backup.tar.zst" -F dry_run=true | field '["uuid"]')
echo "plan $PLAN: $(follow "$BASE/api/v1/backup/restores/$PLAN/" | field '["result"]["records"]') records"

RESTORE=$(curl -sf -X POST "$BASE/api/v1/backup/restores/$PLAN/execute/" -H "$AUTH" \
  -F reason="curl walkthrough" | field '["uuid"]')
echo "restore $RESTORE: $(follow "$BASE/api/v1/backup/restores/$RESTORE/" | field '["status"]')"
