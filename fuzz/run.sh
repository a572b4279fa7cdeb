#!/usr/bin/env bash
# Builds the fuzz targets and runs each for SECONDS_PER_TARGET (default 60), one after another,
# then prints per target the executions, the crashes and where their inputs were written.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]      (targets: map xes tabular ocel ocel_sqlite webhook document)
#
# Seeds are made from the repository's examples and testdata on each run (fuzz/seeds/); what the
# fuzzer finds goes to fuzz/corpus/TARGET, crashing inputs to fuzz/artifacts/TARGET. A target that
# crashes is started again (on its corpus) until its time is used up, so one run can find several.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); works on the stable toolchain (`--sanitizer none`).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$here"

seconds=${1:-60}
if [[ ! $seconds =~ ^[0-9]+$ || $seconds -eq 0 ]]; then
    echo "usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]: seconds must be a positive whole number, not \`$seconds\`" >&2
    exit 2
fi
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    targets=(map xes tabular ocel ocel_sqlite webhook document)
fi

# Release mode with debug assertions and overflow checks: an overflow is a bug to find.
flags=(-O -a --sanitizer none)

# libFuzzer settings per target: the longest input, and the dictionary where there is one.
declare -A max_len=([map]=8192 [xes]=65536 [tabular]=65536 [ocel]=65536 [ocel_sqlite]=131072 [webhook]=65536 [document]=16384)
declare -A dictionary=([map]=dict/map.dict [xes]=dict/xes.dict [document]=dict/map.dict)

# --- seeds --------------------------------------------------------------------------------------
# XES and CSV seeds are the first traces or rows of the real logs; each starts with the target's
# mode byte(s) (see the comment at the top of each target).
mode_prefixed() { # FILE MODE-BYTES...
    local file=$1
    shift
    for mode in "$@"; do
        { printf "$mode"; cat "$file"; } >"$file.$(printf '%s' "$mode" | tr -dc '0-9a-fx')"
    done
    rm "$file"
}

xes_head() { # TEXT -> the text up to its last </trace> within the first 24 KiB, then </log>
    local text
    text=$(head -c 24000)
    printf '%s</trace>\n</log>\n' "${text%</trace>*}"
}

make_seeds() {
    rm -rf seeds
    mkdir -p seeds/map seeds/xes seeds/tabular seeds/ocel seeds/ocel_sqlite seeds/webhook seeds/document
    # The server tests' recorded-object deliveries: byte 0 picks GitHub's pull_request, 7 GitLab's
    # merge request hook.
    cp "$root/crates/vsm-server/tests/data/github/pull_request.closed.json" seeds/webhook/github
    cp "$root/crates/vsm-server/tests/data/gitlab/merge_request.merged.json" seeds/webhook/gitlab
    mode_prefixed seeds/webhook/github '\x00'
    mode_prefixed seeds/webhook/gitlab '\x07'
    cp "$root"/examples/*.yaml "$root"/templates/*.yaml "$root"/testdata/measure/*.yaml seeds/map/
    # The editor's document: each example map, then after a NUL the ops a workshop sends.
    for map in "$root"/examples/*.yaml; do
        {
            cat "$map"
            printf '\0'
            cat <<'OPS'
{"path": ["steps", 0, "name"], "op": "set", "value": "Triage <b>&</b> \"yes\"", "expect": "Triage request"}
{"path": ["steps", 1], "op": "insert", "value": {"id": "new", "name": "New step", "process_time": "1h", "wait_time": "2d"}}
{"path": ["steps", 1], "op": "move", "to": 3}
{"path": ["steps", 2, "after"], "op": "set", "value": ["intake"]}
{"path": ["customer"], "op": "remove"}
OPS
        } >"seeds/document/$(basename "$map" .yaml)"
    done

    xes_head <"$root/testdata/xes/running-example.xes" >seeds/xes/running-example
    xes_head <"$root/testdata/xes/interval_event_log.xes" >seeds/xes/interval
    for log in 03_repairExample 14_Billing_1t_per_variant 08_receipt; do
        { gzip -dc "$root/testdata/xes/$log.xes.gz" || true; } | xes_head >"seeds/xes/$log"
    done
    for seed in seeds/xes/*; do
        # plain; stretched; gzip with attributes; two gzip members, stretched, skipping
        mode_prefixed "$seed" '\x00\x80' '\x10\x80' '\x06\x40' '\x19\xc0'
    done
    { gzip -c "$root/testdata/xes/running-example.xes" || true; } | head -c 3000 >seeds/xes/gzip-cut-short
    mode_prefixed seeds/xes/gzip-cut-short '\x0c\x00'

    head -n 40 "$root/testdata/csv/receipt.csv" >seeds/tabular/receipt
    head -n 40 "$root/testdata/csv/interval_event_log.csv" >seeds/tabular/interval
    mode_prefixed seeds/tabular/receipt '\x00' '\x03'
    mode_prefixed seeds/tabular/interval '\x00' '\x01'
    cat >seeds/tabular/jsonl <<'EOF'
{"case": "A-1", "activity": "develop", "timestamp": "2024-03-01T09:00:00Z", "lifecycle": "start", "resource": "ann"}
{"case": "A-1", "activity": "develop", "timestamp": "2024-03-02T17:00:00+01:00", "lifecycle": "complete", "cost": 3}
{"case": "A-2", "activity": "review", "time": "2024-03-03 10:00:00", "start": "2024-03-03 09:00:00"}
EOF
    mode_prefixed seeds/tabular/jsonl '\x04' '\x07'

    cp "$root/testdata/ocel/ocel20_example.jsonocel" seeds/ocel/json
    cp "$root/testdata/ocel/ocel20_example.xmlocel" seeds/ocel/xml
    mode_prefixed seeds/ocel/json '\x00' '\x08' '\x0b'
    mode_prefixed seeds/ocel/xml '\x04' '\x0c' '\x0f'

    # An event store as `vsm fetch` writes it, of the recorded Jira board; made smaller (512-byte
    # pages, no write-ahead log) where Python's sqlite3 is at hand.
    local store=seeds/ocel_sqlite/jira
    if cargo run --quiet --manifest-path "$root/Cargo.toml" -p vsm -- fetch jira --board 8 \
        --from "$root/testdata/api/jira" -o "$store" >/dev/null; then
        python3 -c "import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA journal_mode=DELETE')
c.execute('PRAGMA page_size=512'); c.execute('VACUUM'); c.close()" "$store" 2>/dev/null || true
        rm -f "$store-wal" "$store-shm"
        mode_prefixed "$store" '\x00' '\x08' '\x0b'
    else
        echo "no ocel_sqlite seed: \`vsm fetch jira\` failed; the target starts from nothing" >&2
    fi
}

make_seeds
echo "building the fuzz targets (release, debug assertions on)..." >&2
cargo fuzz build "${flags[@]}" >&2

# --- runs ---------------------------------------------------------------------------------------
mkdir -p logs
summary=()
total_runs=0
total_crashes=0
for target in "${targets[@]}"; do
    if [[ -z ${max_len[$target]:-} ]]; then
        echo "unknown target \`$target\`: the targets are ${!max_len[*]}" >&2
        exit 2
    fi
    mkdir -p "corpus/$target" "artifacts/$target"
    options=(
        -max_total_time="$seconds"
        -print_final_stats=1
        -max_len="${max_len[$target]}"
        -timeout=20
        -rss_limit_mb=2048
        -artifact_prefix="artifacts/$target/"
    )
    if [[ -n ${dictionary[$target]:-} ]]; then
        options+=(-dict="${dictionary[$target]}")
    fi
    runs=0
    crashes=0
    found=()
    deadline=$((SECONDS + seconds))
    attempt=0
    while ((SECONDS < deadline && attempt < 50)); do
        attempt=$((attempt + 1))
        left=$((deadline - SECONDS))
        options[0]=-max_total_time=$left
        log="logs/$target.$attempt.log"
        status=0
        cargo fuzz run "${flags[@]}" "$target" "corpus/$target" "seeds/$target" -- "${options[@]}" \
            >"$log" 2>&1 || status=$?
        executed=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
        runs=$((runs + ${executed:-0}))
        if ((status != 0)); then
            crashes=$((crashes + 1))
            artifact=$(grep -o 'Test unit written to [^ ]*' "$log" | tail -1 | sed 's/Test unit written to //' || true)
            found+=("${artifact:-see fuzz/$log}")
            echo "$target: crash (exit $status), input ${artifact:-unknown}; log fuzz/$log" >&2
            grep -m3 -E "panicked at|==ERROR|ERROR: libFuzzer" "$log" >&2 || true
        fi
    done
    total_runs=$((total_runs + runs))
    total_crashes=$((total_crashes + crashes))
    summary+=("$(printf '%-8s %8ss %14s %8s  %s' "$target" "$seconds" "$runs" "$crashes" "${found[*]:-}")")
done

printf '%-8s %9s %14s %8s  %s\n' target time executions crashes inputs
printf '%s\n' "${summary[@]}"
printf '%-8s %9s %14s %8s\n' total '' "$total_runs" "$total_crashes"
