#!/usr/bin/env bash
# The README's first run, for real: build, start with no DATABASE_URL on an empty data folder (progress is shown
# while the database is prepared, and the token banner is the last thing printed), call SCIM with the printed token,
# stop with SIGTERM; start again and check the data was kept, no new token printed and nothing rebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(mktemp -d)
port=39123
log=$(mktemp)
trap '[ -z "${pid:-}" ] || kill "$pid" 2>/dev/null || true; rm -rf "$data" "$log"' EXIT

npm run build >/dev/null
up_to_date=$(npm run --silent build:changed)
[ "$up_to_date" = "Build is up to date (dist/ is newer than every source)." ] || { echo "npm start would rebuild: $up_to_date"; exit 1; }

launch() {
  env -u DATABASE_URL -u LOG_FORMAT DATA_DIR="$data" PORT=$port LOG_LEVEL=info node dist/src/main.js >"$log" 2>&1 &
  pid=$!
}
# Polls a condition for up to 2 minutes (the first start creates the database: about half a minute, slower when busy).
wait_for() {
  for _ in $(seq 1 240); do eval "$1" && return 0; kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  cat "$log"; echo "gave up waiting for: $2"; return 1
}
ready() { wait_for 'curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1' "readiness"; }
stop() { kill -TERM "$pid"; wait "$pid"; }

launch
# Before any request (requests are logged): the banner, and the CLI's channel, which the service opens after it.
wait_for 'grep -q "Swagger UI:" "$log" && [ -f "$data/service.json" ]' "the banner"
grep -qE '\[([0-9]+)/\1\] ' "$log" || { cat "$log"; echo "no progress shown while the database was migrated"; exit 1; }
last=$(grep -v '^[[:space:]]*$' "$log" | tail -1)
case "$last" in *"Swagger UI:"*) ;; *) cat "$log"; echo "the banner is not the last thing printed: $last"; exit 1 ;; esac
ready
token=$(grep -o 'ksc_[a-z]*_[A-Za-z0-9_]*' "$log" | head -1)
[ -n "$token" ] || { cat "$log"; echo "no token printed"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://demo.localhost:$port/api/scim/ServiceProviderConfig")
[ "$code" = 200 ] || { echo "SCIM call with the printed token answered $code"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "http://demo.localhost:$port/api/scim/ServiceProviderConfig")
[ "$code" = 401 ] || { echo "SCIM call without a token answered $code"; exit 1; }
cli=$(DATA_DIR="$data" node dist/src/cli/main.js tenant list --json)
echo "$cli" | grep -q '"slug":"demo"' || { echo "CLI could not list tenants while the service runs: $cli"; exit 1; }
stop

launch
ready
if grep -q 'ksc_' "$log"; then echo "second start printed a new token"; exit 1; fi
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://demo.localhost:$port/api/scim/ServiceProviderConfig")
[ "$code" = 200 ] || { echo "token from the first run answered $code after a restart"; exit 1; }
stop
echo "embedded smoke test passed"
