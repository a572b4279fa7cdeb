#!/usr/bin/env bash
# Simulation benchmark: a measured map calibrated from its log and 100,000 simulated items
# (`vsm simulate MAP --items 100000`): reading and measuring the log, calibrating, simulating.
# Measuring alone (`vsm analyze MAP`) is timed in the same runs, so the difference is the
# calibration and the simulation. Fixed seed (the default, 1).
#
#   bench/simulate.sh [MAP] [RUNS]        (MAP "" for the default maps)
#
# Without MAP: BPI Challenge 2012 twice, as testdata/measure/loans.yaml measures it (5 steps)
# and as the map `vsm discover` proposes for testdata/xes/bpic2012.xes.gz; 5 runs each.
# VSM=path/to/vsm times that binary instead of building this checkout's (to compare two builds).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${2:-5}

if [ -z "${VSM:-}" ]; then
  cargo build --release -q --bin vsm
  VSM=target/release/vsm
fi
vsm=$VSM

ms() {
  local start end
  start=$(date +%s%N)
  bash -c "$1" >/dev/null 2>&1
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bench() {
  local map=$1 analyze=() simulate=() a s
  for _ in $(seq "$runs"); do
    analyze+=("$(ms "$vsm analyze '$map' --format json")")
    simulate+=("$(ms "$vsm simulate '$map' --items 100000 --format json")")
  done
  a=$(med "${analyze[@]}"); s=$(med "${simulate[@]}")
  echo "== $map, median of $runs runs"
  echo "vsm analyze MAP                          ${a} ms"
  echo "vsm simulate MAP --items 100000          ${s} ms"
  echo "calibration + 100,000 items              $(( s - a )) ms"
  "$vsm" simulate "$map" --items 100000 2>/dev/null | grep -A1 '^Against the log'
}

if [ -n "${1:-}" ]; then
  bench "$1"
else
  bench testdata/measure/loans.yaml
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  "$vsm" discover testdata/xes/bpic2012.xes.gz -o "$dir/bpic2012.yaml" >/dev/null 2>&1
  bench "$dir/bpic2012.yaml"
fi
