#!/usr/bin/env bash
# Others can query faultline's shards: runs a fault sweep in three shards, reads them with
# DuckDB (the Python package, installed from PyPI into a throwaway virtual environment) and
# checks that its counts agree with `faultline merge`.
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
PY
