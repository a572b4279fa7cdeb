#!/usr/bin/env bash
# Workshop editor benchmark: how long one edit takes to be answered (POST /api/streams/S/edits,
# the map analyzed, drawn and its countermeasures proposed while the stream is held), on a small
# map and on a 400-step one, on SQLite and on PostgreSQL, with `vsm serve` (release build).
#
#   bench/workshop.sh [EDITS]
#
# For each backend: a fresh database, an admin and a token, each map pushed as a stream of its
# own (examples/feature-delivery.yaml as `small`, testdata/render/big400-flows.yaml as `big`),
# its document read once (the first read draws it), then EDITS edits (default 20) one after
# another, each renaming the first step (so each changes the map), then PEOPLE (default 4)
# people editing at once, EDITS / PEOPLE edits each. Prints the first read and the edits' p50
# and max in milliseconds (curl's time_total); fails when an answer is not 200.
# VSM_BIN: a vsm binary to use instead of building the release one.
# PostgreSQL: VSM_BENCH_POSTGRES_URL (default postgres://root@127.0.0.1:5432/test); a schema of
# its own is made and dropped. Set VSM_BENCH_SKIP_POSTGRES=1 to run SQLite alone.
set -euo pipefail
cd "$(dirname "$0")/.."
edits=${1:-20}
people=${PEOPLE:-4}

if [ -n "${VSM_BIN:-}" ]; then
  vsm=$VSM_BIN
else
  cargo build --release -q --bin vsm
  vsm=$PWD/target/release/vsm
fi
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  [ -n "${schema:-}" ] && psql "$pg_url" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# Milliseconds a request took, failing unless it answered 200.
timed() {
  local out status seconds
  out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "$@")
  read -r status seconds <<<"$out"
  if [ "$status" != 200 ]; then
    echo "error: $* answered $status" >&2
    curl -s "$@" >&2 || true
    exit 1
  fi
  awk -v s="$seconds" 'BEGIN { printf "%.1f\n", s * 1000 }'
}

# p50 and max of the numbers on stdin.
summary() {
  sort -n | awk '{ v[NR] = $1 } END { printf "p50 %7.1f ms   max %7.1f ms", v[int((NR + 1) / 2)], v[NR] }'
}

measure() {
  local url=$1 token=$2 stream=$3 file=$4
  local dir=$work/$backend
  cp "$file" "$dir/$stream.yaml"
  (cd "$dir" && VSM_TOKEN=$token "$vsm" push "$stream.yaml" --server "$url" >/dev/null 2>&1)
  local auth="Authorization: Bearer $token"
  local first
  first=$(timed -H "$auth" "$url/api/streams/$stream/document")
  local before
  before=$(curl -s -H "$auth" "$url/api/streams/$stream/document" |
    python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["tree"]["steps"][0]["name"]))')
  local times=()
  for n in $(seq "$edits"); do
    local name="\"Renamed $n\""
    times+=("$(timed -X POST -H "$auth" -H 'content-type: application/json' \
      -d "{\"ops\": [{\"path\": [\"steps\", 0, \"name\"], \"op\": \"set\", \"value\": $name, \"expect\": $before}]}" \
      "$url/api/streams/$stream/edits")")
    before=$name
  done
  printf '%-9s %-6s %5d bytes   first read %7.1f ms   %d edits one by one: %s\n' "$backend" "$stream" \
    "$(wc -c <"$file")" "$first" "$edits" "$(printf '%s\n' "${times[@]}" | summary)"
  # PEOPLE people editing at once, each renaming a step of their own EDITS / PEOPLE times.
  local person editors=()
  for person in $(seq "$people"); do
    for n in $(seq $((edits / people))); do
      timed -X POST -H "$auth" -H 'content-type: application/json' \
        -d "{\"ops\": [{\"path\": [\"steps\", $person, \"name\"], \"op\": \"set\", \"value\": \"P$person $n\"}]}" \
        "$url/api/streams/$stream/edits"
    done >"$dir/person-$person" &
    editors+=($!)
  done
  for person in "${editors[@]}"; do wait "$person"; done
  printf '%-9s %-6s %5d bytes   %d people editing at once, %d edits each: %s\n' "$backend" "$stream" \
    "$(wc -c <"$file")" "$people" $((edits / people)) "$(cat "$dir"/person-* | summary)"
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
  measure "$url" "$token" small examples/feature-delivery.yaml
  measure "$url" "$token" big testdata/render/big400-flows.yaml
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""
}

run sqlite "$work/sqlite/server.sqlite"

if [ "${VSM_BENCH_SKIP_POSTGRES:-}" != 1 ]; then
  pg_url=${VSM_BENCH_POSTGRES_URL:-postgres://root@127.0.0.1:5432/test}
  schema=vsm_bench_$$
  psql "$pg_url" -qc "CREATE SCHEMA $schema" >/dev/null
  separator='?'; [[ $pg_url == *\?* ]] && separator='&'
  run postgres "${pg_url}${separator}options=-c%20search_path%3D$schema"
fi
