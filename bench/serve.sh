#!/usr/bin/env bash
# Server load benchmark: `vsm serve` (release build) on loopback under sustained load, on SQLite
# and on PostgreSQL, with wrk (Debian's `wrk` package).
#
#   bench/serve.sh [SECONDS]
#
# For each backend: a fresh database, an admin and a token, the example map pushed as stream
# `web-shop`, then wrk for SECONDS (default 20) on
#   - the stream page `/streams/web-shop` (the map analyzed and drawn on every request), and
#   - the GitHub webhook `/hooks/github/web-shop/bench` (a signed `pull_request` delivery, each
#     request with a delivery id of its own, so every request stores a row).
# Each run is bounded in time (wrk -d) and in connections (-c); it prints requests per second,
# p50 and p99 latency, and fails when any answer is not 2xx or a socket error occurs.
# PostgreSQL: VSM_BENCH_POSTGRES_URL (default postgres://root@127.0.0.1:5432/test); a schema of
# its own is made and dropped. Set VSM_BENCH_SKIP_POSTGRES=1 to run SQLite alone.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
connections=${CONNECTIONS:-16}
threads=${THREADS:-2}

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release -q --bin vsm
vsm=$PWD/target/release/vsm
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  [ -n "${schema:-}" ] && psql "$pg_url" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# wrk's summary as one line: requests/s, p50, p99, errors; fails on any error.
summarize() {
  local what=$1 output=$2
  local rps p50 p99 non2xx socket total
  total=$(awk '/requests in/ {print $1}' <<<"$output")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$output")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$output")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$output")
  non2xx=$(awk '/Non-2xx or 3xx responses/ {print $5}' <<<"$output")
  socket=$(grep -c 'Socket errors' <<<"$output" || true)
  printf '%-10s %-12s %8s requests %10s req/s   p50 %8s   p99 %8s   errors %s\n' \
    "$backend" "$what" "$total" "$rps" "$p50" "$p99" "${non2xx:-0}"
  if [ -n "$non2xx" ] || [ "$socket" != 0 ]; then
    echo "$output" >&2
    echo "error: $what on $backend had answers that were not 2xx or socket errors" >&2
    exit 1
  fi
}

run() {
  backend=$1 db=$2
  local dir=$work/$backend
  mkdir -p "$dir"
  (cd "$dir" && "$vsm" serve --db "$db" --create-admin bench >/dev/null 2>&1)
  local token
  token=$(cd "$dir" && "$vsm" serve --db "$db" --create-token bench 2>/dev/null)
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  (cd "$dir" && RUST_LOG=warn exec "$vsm" serve --db "$db" --listen "127.0.0.1:$port" 2>"$dir/server.log") &
  server=$!
  local url=http://127.0.0.1:$port
  for _ in $(seq 100); do
    curl -sf "$url/readyz" >/dev/null && break
    sleep 0.1
  done
  cp examples/feature-delivery.yaml "$dir/web-shop.yaml"
  (cd "$dir" && VSM_TOKEN=$token "$vsm" push web-shop.yaml --server "$url" >/dev/null 2>&1)

  local out
  out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency \
    -H "Authorization: Bearer $token" "$url/streams/web-shop")
  summarize "stream page" "$out"

  if bench_hooks "$dir" "$url" "$token"; then :; fi

  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""
}

# The webhook half needs the server's webhook sources; without them it says so and is skipped.
bench_hooks() {
  local dir=$1 url=$2 token=$3
  local made
  made=$(curl -s -X POST -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"name":"bench","kind":"github"}' "$url/api/streams/web-shop/sources")
  local secret
  secret=$(python3 -c 'import json,sys; print(json.load(sys.stdin).get("secret",""))' <<<"$made" 2>/dev/null || true)
  if [ -z "$secret" ]; then
    echo "$backend    webhook: skipped, the server made no webhook source: $made"
    return 0
  fi
  local body=crates/vsm-server/tests/data/github/pull_request.closed.json
  local signature
  signature=$(python3 -c 'import hmac,hashlib,sys; print("sha256="+hmac.new(sys.argv[1].encode(), open(sys.argv[2],"rb").read(), hashlib.sha256).hexdigest())' "$secret" "$body")
  cat >"$dir/hook.lua" <<LUA
local body = io.open("$PWD/$body", "rb"):read("*a")
local counter = 0
local thread_id = 0
local threads = 0
function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end
request = function()
  counter = counter + 1
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["X-GitHub-Event"] = "pull_request"
  headers["X-GitHub-Delivery"] = "bench-" .. thread_id .. "-" .. counter
  headers["X-Hub-Signature-256"] = "$signature"
  return wrk.format("POST", nil, headers, body)
end
LUA
  local out
  out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$dir/hook.lua" \
    "$url/hooks/github/web-shop/bench")
  summarize "webhook" "$out"
}

run sqlite "$work/sqlite/server.sqlite"

if [ "${VSM_BENCH_SKIP_POSTGRES:-}" != 1 ]; then
  pg_url=${VSM_BENCH_POSTGRES_URL:-postgres://root@127.0.0.1:5432/test}
  schema=vsm_bench_$$
  psql "$pg_url" -qc "CREATE SCHEMA $schema" >/dev/null
  separator='?'; [[ $pg_url == *\?* ]] && separator='&'
  run postgres "${pg_url}${separator}options=-c%20search_path%3D$schema"
fi
