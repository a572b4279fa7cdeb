#!/usr/bin/env bash
# Simulation benchmark: a measured map calibrated from its log and 100,000 simulated items
# (`vsm simulate MAP --items 100000`): reading and measuring the log, calibrating, simulating.
# Measuring alone (`vsm analyze MAP`) is timed in the same runs, so the difference is the
# calibration and the simulation. Fixed seed (the default, 1).
#
#   bench/simulate.sh [MAP] [RUNS]        default: testdata/measure/loans.yaml (BPIC 2012), 5 runs
set -euo pipefail
cd "$(dirname "$0")/.."
map=${1:-testdata/measure/loans.yaml}
runs=${2:-5}

cargo build --release -q --bin vsm
vsm=target/release/vsm

ms() {
  local start end
  start=$(date +%s%N)
  bash -c "$1" >/dev/null 2>&1
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

analyze=(); simulate=()
for _ in $(seq "$runs"); do
  analyze+=("$(ms "$vsm analyze '$map' --format json")")
  simulate+=("$(ms "$vsm simulate '$map' --items 100000 --format json")")
done
a=$(med "${analyze[@]}"); s=$(med "${simulate[@]}")
echo "== $map, median of $runs runs"
echo "vsm analyze MAP                          ${a} ms"
echo "vsm simulate MAP --items 100000          ${s} ms"
echo "calibration + 100,000 items              $(( s - a )) ms"
"$vsm" simulate "$map" --items 100000 2>/dev/null | grep -A2 '^Against the log'
