#!/usr/bin/env bash
# Ingest benchmark: the whole path from an event log file to the discovered graph and proposed map
# (`vsm discover`), measured side by side with `zcat FILE > /dev/null` in one run, and with pm4py
# where it is installed. Then the scale test on generated logs: time and peak memory.
#
#   bench/ingest.sh [LOG] [RUNS]        default: testdata/xes/bpic2012.xes.gz, 15 runs
#   SCALE=0 bench/ingest.sh             skip the 1M/5M/10M-event scale test
set -euo pipefail
cd "$(dirname "$0")/.."
log=${1:-testdata/xes/bpic2012.xes.gz}
runs=${2:-15}

cargo build --release -q --bin vsm
cargo build --release -q -p vsm-ingest --example generate_log
vsm=target/release/vsm

# Median wall time in milliseconds of a shell command over $runs runs.
median_ms() {
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    bash -c "$1" >/dev/null 2>&1
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

echo "== $log ($(du -h "$log" | cut -f1)), median of $runs runs, interleaved"
# The measured map of the default log: file to per-step metrics and the analysis.
measure_map=""
[ "$log" = testdata/xes/bpic2012.xes.gz ] && measure_map=testdata/measure/loans.yaml
zcat_times=(); vsm_times=(); measure_times=()
for _ in $(seq "$runs"); do
  runs_saved=$runs; runs=1
  zcat_times+=("$(median_ms "zcat '$log' > /dev/null")")
  vsm_times+=("$(median_ms "$vsm discover '$log' --format json")")
  if [ -n "$measure_map" ]; then
    measure_times+=("$(median_ms "$vsm analyze '$measure_map' --format json")")
  fi
  runs=$runs_saved
done
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
zcat_ms=$(med "${zcat_times[@]}")
vsm_ms=$(med "${vsm_times[@]}")
echo "zcat FILE > /dev/null       ${zcat_ms} ms"
echo "vsm discover FILE           ${vsm_ms} ms"
awk -v v="$vsm_ms" -v z="$zcat_ms" 'BEGIN { printf "ratio vsm / zcat            %.2f\n", v / z }'
if [ -n "$measure_map" ]; then
  measure_ms=$(med "${measure_times[@]}")
  echo "vsm analyze $measure_map (measured per-step metrics) ${measure_ms} ms"
  awk -v v="$measure_ms" -v z="$zcat_ms" 'BEGIN { printf "ratio measured analysis / zcat %.2f\n", v / z }'
fi

if python3 -c 'import pm4py' >/dev/null 2>&1; then
  pm4py_ms=$(runs=3 median_ms "python3 bench/pm4py_dfg.py '$log'")
  echo "pm4py read_xes + DFG        ${pm4py_ms} ms"
  awk -v v="$vsm_ms" -v p="$pm4py_ms" 'BEGIN { printf "ratio vsm / pm4py           %.3f (pm4py takes %.0fx as long)\n", v / p, p / v }'
else
  echo "pm4py is not installed (pip install pm4py): no pm4py comparison"
fi

if [ "${SCALE:-1}" != "0" ]; then
  echo
  echo "== scale: generated logs (bench files in target/bench/)"
  mkdir -p target/bench
  for events in 1000000 5000000 10000000; do
    file=target/bench/generated-$events.xes.gz
    [ -f "$file" ] || target/release/examples/generate_log "$events" "$file" 2>/dev/null
    /usr/bin/time -f "%e %M" "$vsm" discover "$file" --format json 2>&1 >/dev/null | tail -1 | {
      read -r seconds kilobytes
      awk -v n="$events" -v s="$seconds" -v k="$kilobytes" \
        'BEGIN { printf "%9d events  %6.2f s  %8.0f events/s  peak %4.0f MiB\n", n, s, n / s, k / 1024 }'
    }
  done
fi
