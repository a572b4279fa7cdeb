#!/usr/bin/env bash
# Map drawing benchmark: `vsm render MAP -o map.svg` on large synthetic maps, where the time
# goes into routing the lines between bands (see crates/vsm-render/src/svg/route).
#
#   bench/render.sh [RUNS]
#
# Maps: testdata/render/big400-flows.yaml (400 steps, 16 flows to far bands) and
# testdata/render/manyflows.yaml (12 flows into one step). Times the debug build by default,
# as the renderer's budget is stated for it; PROFILE=release for the release build.
# VSM=path/to/vsm times that binary instead (to compare two builds).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
profile=${PROFILE:-debug}

if [ -z "${VSM:-}" ]; then
  if [ "$profile" = release ]; then
    cargo build --release -q --bin vsm
  else
    cargo build -q --bin vsm
  fi
  VSM=target/$profile/vsm
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for map in testdata/render/big400-flows.yaml testdata/render/manyflows.yaml; do
  times=()
  for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    "$VSM" render "$map" -o "$out/map.svg" >/dev/null
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$map: median ${median} ms of ${runs} runs (${times[*]})"
done
