#!/usr/bin/env bash
# Git source benchmark: a generated 100,000-commit repository (built with `git fast-import`, not
# committed; merges every 50 commits, a tag every 1,000), then the gix walk of `vsm fetch git`
# side by side with `git log --all --format='%H %P %at %ct %an'` for the same fields, and the
# whole fetch into a new SQLite event store (and again over it), all timed by the example
# `crates/vsm-fetch/examples/git_walk.rs` (median of RUNS, interleaved).
#
#   bench/git-walk.sh [COMMITS] [RUNS]       default: 100000 commits, 5 runs
set -euo pipefail
cd "$(dirname "$0")/.."
commits=${1:-100000}
runs=${2:-5}
repo=target/bench-git/repo-$commits

if [ ! -d "$repo" ]; then
  mkdir -p "$repo"
  git -c init.defaultBranch=main init -q "$repo"
  # Commit n on main at time 1.6e9 + 600 n; every 50th a merge of a side commit made from the
  # one before; a lightweight tag v<n/1000>.0.0 every 1,000 commits.
  awk -v n="$commits" 'BEGIN {
    for (i = 1; i <= n; i++) {
      t = 1600000000 + i * 600
      if (i % 50 == 0) {
        printf "commit refs/heads/side\nmark :%d\ncommitter Side Dev <side@example.com> %d +0000\ndata 12\nside change\nfrom :%d\n\n", n + i, t - 300, i - 1
      }
      msg = "change " i
      printf "commit refs/heads/main\nmark :%d\nauthor Dev %d <dev%d@example.com> %d +0100\ncommitter Dev %d <dev%d@example.com> %d +0100\ndata %d\n%s\n", i, i % 7, i % 7, t - 60, i % 7, i % 7, t, length(msg), msg
      if (i > 1) printf "from :%d\n", i - 1
      if (i % 50 == 0) printf "merge :%d\n", n + i
      printf "M 644 inline file.txt\ndata %d\n%s\n\n", length(msg), msg
      if (i % 1000 == 0) printf "reset refs/tags/v%d.0.0\nfrom :%d\n\n", i / 1000, i
    }
  }' | git -C "$repo" fast-import --quiet
  git -C "$repo" gc -q
fi

cargo build --profile bench -q -p vsm-fetch --example git_walk

echo "== $repo: $(git -C "$repo" rev-list --all --count) commits, $(git -C "$repo" tag | wc -l) tags"
target/release/examples/git_walk "$repo" "$runs"
