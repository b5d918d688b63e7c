#!/usr/bin/env bash
# Others can query faultline's shards: runs a fault sweep and a timeout sweep in three shards
# each, reads them with DuckDB (the Python package, installed from PyPI into a throwaway virtual
# environment) and checks that its figures agree with `faultline merge`.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet duckdb

cargo build --quiet
for i in 0 1 2; do
  ./target/debug/faultline replay --protocol multi-paxos --nodes 5 --seeds 1..20 \
    --broken-acceptor --shard "$i/3" --out "$work/shards" --quiet >/dev/null
done
./target/debug/faultline merge "$work/shards" --format json >"$work/merged.json" 2>/dev/null || true
for i in 0 1 2; do
  ./target/debug/faultline sweep --timeouts 1.1s,1.5s,3s --seeds 4 --nodes 4 --duration 20m \
    --loss 0.05 --shard "$i/3" --out "$work/sweep" --quiet >/dev/null
done
./target/debug/faultline merge "$work/sweep" --format json >"$work/sweep.json"

"$work/venv/bin/python" - "$work" <<'PY'
import json, sys
import duckdb

work = sys.argv[1]
merged = json.load(open(f"{work}/merged.json"))
runs, violations, failing = duckdb.sql(
    f"select count(*), sum(violation_count), list(seed order by seed) filter (where failed) "
    f"from read_parquet('{work}/shards/*.parquet')"
).fetchall()[0]
got = {"runs": runs, "violations": int(violations), "failed_seeds": failing}
want = {k: merged[k] for k in got}
if got != want:
    sys.exit(f"duckdb check: DuckDB reads {got}, merge says {want}")
print(f"duckdb check: {runs} runs, {violations} violations, failing seeds {failing}: as merged")

# The timeout sweep: each candidate's mean mistake rate over its seeds, as merge reports it.
sweep = json.load(open(f"{work}/sweep.json"))
rates = duckdb.sql(
    f"select candidate, avg(mistake_rate_per_node_hour), sum(missed_detections) "
    f"from read_parquet('{work}/sweep/*.parquet') group by candidate order by candidate"
).fetchall()
for (candidate, rate, missed), row in zip(rates, sweep["rows"], strict=True):
    want = (row["mistake_rate_per_node_hour"], row["missed_detections"])
    if abs(rate - want[0]) > 1e-9 * max(1.0, want[0]) or missed != want[1]:
        sys.exit(f"duckdb check: candidate {candidate}: DuckDB reads {(rate, missed)}, merge says {want}")
print(f"duckdb check: {len(rates)} timeout candidates, mistake rates and missed detections as merged")
PY
