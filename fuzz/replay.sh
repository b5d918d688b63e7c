#!/usr/bin/env bash
# Replays every crash and hang the fuzzers saved (fuzz/out/TARGET/default/crashes*, hangs*,
# including those set aside when a run resumed) against freshly built targets, and says how
# many still fail: after a fix, every one should pass.
#
#   bash fuzz/replay.sh                 # every target
#   bash fuzz/replay.sh parquet shard   # these two
set -euo pipefail
cd "$(dirname "$0")"
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(trace parquet shard flags zk_script population)
cargo afl build --release --quiet
failing=0
for target in "${TARGETS[@]}"; do
  saved=0 failed=0
  for input in out/"$target"/default/crashes*/id* out/"$target"/default/hangs*/id*; do
    [ -f "$input" ] || continue
    saved=$((saved + 1))
    if ! timeout 10 "target/release/$target" < "$input" > /dev/null 2>&1; then
      failed=$((failed + 1))
      echo "still fails: $input" >&2
    fi
  done
  echo "$target: $saved saved inputs, $failed still fail"
  failing=$((failing + failed))
done
[ "$failing" -eq 0 ]
