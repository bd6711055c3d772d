#!/usr/bin/env bash
# The README's first run, for real: build, start with no DATABASE_URL on an empty data folder, call SCIM with the
# printed token, stop with SIGTERM; start again and check the data was kept and no new token printed.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(mktemp -d)
port=39123
log=$(mktemp)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$data" "$log"' EXIT

npm run build >/dev/null

start() {
  env -u DATABASE_URL DATA_DIR="$data" PORT=$port LOG_LEVEL=warn node dist/src/main.js >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && return 0; sleep 0.5; done
  cat "$log"; echo "service did not become ready"; return 1
}
stop() { kill -TERM "$pid"; wait "$pid"; }

start
token=$(grep -o 'ksc_[a-z]*_[A-Za-z0-9_]*' "$log" | head -1)
[ -n "$token" ] || { cat "$log"; echo "no token printed"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://demo.localhost:$port/api/scim/ServiceProviderConfig")
[ "$code" = 200 ] || { echo "SCIM call with the printed token answered $code"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "http://demo.localhost:$port/api/scim/ServiceProviderConfig")
[ "$code" = 401 ] || { echo "SCIM call without a token answered $code"; exit 1; }
cli=$(DATA_DIR="$data" node dist/src/cli/main.js tenant list --json)
echo "$cli" | grep -q '"slug":"demo"' || { echo "CLI could not list tenants while the service runs: $cli"; exit 1; }
stop

start
if grep -q 'ksc_' "$log"; then echo "second start printed a new token"; exit 1; fi
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://demo.localhost:$port/api/scim/ServiceProviderConfig")
[ "$code" = 200 ] || { echo "token from the first run answered $code after a restart"; exit 1; }
stop
echo "embedded smoke test passed"
