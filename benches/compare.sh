#!/usr/bin/env bash
# Times `faultline analyze` against the pandas and polars scripts a user would write instead
# (benches/peers/), on an interval CSV of about 5 million outages made with `faultline gen`.
# Reports wall time (best of RUNS) and peak memory (max RSS) of each, and the input's size.
#
#   bash benches/compare.sh            # RUNS=3 by default
#
# Installs pandas and polars from PyPI into target/bench-venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
WORK=target/bench
mkdir -p "$WORK"
TRACE=$WORK/outages-5m.csv

cargo build --release --quiet
BIN=target/release/faultline

if [ ! -x target/bench-venv/bin/python ]; then
  python3 -m venv target/bench-venv
  target/bench-venv/bin/pip install --quiet pandas polars
fi
PY=target/bench-venv/bin/python

if [ ! -s "$TRACE" ]; then
  # 10,000 nodes for 10 years, a failure a week each: about 5.2 million outages.
  "$BIN" gen --nodes 10000 --duration 10y --mttf 7d --mttr 2h --seed 1 --layout interval -o "$TRACE"
fi
rows=$(($(wc -l < "$TRACE") - 1))
size_mb=$(du -m "$TRACE" | cut -f1)

measure() { # name, command...: prints "name best_seconds peak_mb"
  local name=$1; shift
  local best="" peak=0
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" > "$WORK/$name.out"
    read -r secs kb < "$WORK/time.txt"
    if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
    if [ "$kb" -gt "$peak" ]; then peak=$kb; fi
  done
  echo "$name $best $((peak / 1024))"
}

{
  measure faultline "$BIN" analyze "$TRACE" --format json --quiet
  measure polars "$PY" benches/peers/analyze_polars.py "$TRACE"
  measure pandas "$PY" benches/peers/analyze_pandas.py "$TRACE"
} > "$WORK/results.txt"

echo "input: $TRACE, $rows outages, $size_mb MB; best of $RUNS runs on $(nproc) cores, $(date -u +%F)"
echo
echo "| tool | wall time (s) | peak memory (MB) |"
echo "| --- | ---: | ---: |"
while read -r name secs mb; do echo "| $name | $secs | $mb |"; done < "$WORK/results.txt"
echo
echo "fleet totals (must agree):"
python3 - "$WORK/faultline.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"faultline: nodes={len(d['nodes'])} failures={d['fleet']['failures']} downtime={d['fleet']['downtime_s']:.3f}")
PY
echo "polars:    $(cat "$WORK/polars.out")"
echo "pandas:    $(cat "$WORK/pandas.out")"
