#!/usr/bin/env bash
# A stream with many generic events: how long its pages take (the hostile review's DoS, #14).
#
#   bench/big-stream.sh [EVENTS]
#   VSM=/path/to/vsm bench/big-stream.sh [EVENTS]
#
# `vsm serve` (release build) on SQLite, on loopback: a stream whose map measures from the
# generic events endpoint, EVENTS events (default 300,000: 60,000 cases through five steps)
# posted in batches of 1,000, then the stream page, the list `/`, the trends and the plan, each
# loaded three times in a row, timed with curl. Bounded: each load gives up after 120 s.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-300000}
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }
# VSM=PATH: that binary (another build, to compare), else this tree's release build.
vsm=${VSM:-}
if [ -z "$vsm" ]; then
  cargo build --release -q --bin vsm
  vsm=$PWD/target/release/vsm
fi
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

cd "$work"
"$vsm" serve --create-admin bench >/dev/null 2>&1
token=$("$vsm" serve --create-token bench 2>/dev/null)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RUST_LOG=warn "$vsm" serve --listen "127.0.0.1:$port" 2>server.log &
server=$!
url=http://127.0.0.1:$port
for _ in $(seq 100); do
  curl -sf "$url/readyz" >/dev/null && break
  sleep 0.1
done
cat >big.yaml <<'MAP'
name: Big
customer: Shop customers
steps:
  - { id: order, name: Place order, process_time: 5m, measure: { activity: place order } }
  - { id: invoice, name: Send invoice, process_time: 10m, wait_time: 1d, measure: { activity: send invoice } }
  - { id: pay, name: Customer pays, process_time: 10m, wait_time: 5d, measure: { activity: pay } }
  - { id: prepare, name: Prepare delivery, process_time: 1h, wait_time: 2d, measure: { activity: prepare delivery } }
  - { id: deliver, name: Make delivery, process_time: 2h, wait_time: 1d, measure: { activity: make delivery } }
measure:
  log: events.jsonl
MAP
VSM_TOKEN=$token "$vsm" push big.yaml --server "$url" >/dev/null
secret=$(curl -sf -H "Authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"name": "bench", "kind": "events"}' "$url/api/streams/big/sources" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')

start=$(date +%s%N)
python3 - "$port" "$secret" "$events" <<'PY'
import datetime, http.client, json, sys
start = datetime.datetime(2020, 1, 1)
port, secret, total = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
steps = ["place order", "send invoice", "pay", "prepare delivery", "make delivery"]
conn = http.client.HTTPConnection("127.0.0.1", port)
batch, sent = [], 0
def post():
    global batch
    conn.request("POST", "/hooks/events/big/bench", json.dumps({"events": batch}),
                 {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"})
    r = conn.getresponse(); body = r.read()
    if r.status != 202:
        sys.exit(f"{r.status}: {body[:300]}")
    batch = []
for n in range(total):
    case, step = divmod(n, len(steps))
    at = start + datetime.timedelta(hours=case * 2 + step * 7)
    batch.append({"id": f"e-{n}", "case": f"c-{case}", "activity": steps[step],
                  "time": at.strftime("%Y-%m-%dT%H:%M:%SZ")})
    if len(batch) == 1000:
        post()
if batch:
    post()
PY
echo "posted $events events in $(( ($(date +%s%N) - start) / 1000000 )) ms"

time_get() {
  local path=$1
  curl -s -o /dev/null -m 120 -w "%{http_code} %{time_total}" -H "Authorization: Bearer $token" "$url$path" || echo "timeout"
}
for path in /streams/big / /streams/big/trends /streams/big/plan; do
  printf '%-22s' "$path"
  for _ in 1 2 3; do printf '  %s s' "$(time_get "$path")"; done
  echo
done
note=$(curl -s -H "Authorization: Bearer $token" "$url/streams/big" | grep -o '<p class="problem" role="note">[^<]*' | cut -c32-200)
echo "stream page's note: $note"
# One event more: the list answers at once with the last numbers known, the stream page measures.
curl -sf -o /dev/null -H "Authorization: Bearer $secret" -H 'content-type: application/json' \
  -d '{"id": "one-more", "case": "c-new", "activity": "place order", "time": "2026-01-01T00:00:00Z"}' \
  "$url/hooks/events/big/bench"
printf '%-26s  %s s\n' "/ after one event" "$(time_get /)"
printf '%-26s  %s s\n' "/streams/big right after" "$(time_get /streams/big)"
sleep 5
# Another event, and the stream page alone: measured again, once.
curl -sf -o /dev/null -H "Authorization: Bearer $secret" -H 'content-type: application/json' \
  -d '{"id": "two-more", "case": "c-new", "activity": "send invoice", "time": "2026-01-01T01:00:00Z"}' \
  "$url/hooks/events/big/bench"
for _ in 1 2; do
  printf '%-26s  %s s\n' "/streams/big, event 2" "$(time_get /streams/big)"
done
printf 'server memory (VmHWM): %s\n' "$(grep VmHWM /proc/$server/status | awk '{print $2, $3}')"
