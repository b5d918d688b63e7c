#!/usr/bin/env bash
# Runs a fixed list of replay, fault-sweep and timeout-sweep commands — every protocol, with and
# without traces — and writes each one's JSON to DIR/NN.json. Run it on two builds and compare
# the folders with `diff -r` to check that a refactoring changed no output, byte for byte.
#   usage: scripts/harness-identity.sh FAULTLINE_BINARY DIR
set -euo pipefail
bin=$1
out=$2
cd "$(dirname "$0")/.."
mkdir -p "$out"
commands=(
  "replay --protocol heartbeat --nodes 5 --trace fixtures/replay/faults.csv"
  "replay --protocol probe --nodes 5 --trace fixtures/replay/faults.csv --delay exp:mean=2ms"
  "replay --protocol phi --nodes 5 --trace fixtures/replay/faults.csv --loss 0.01"
  "replay --protocol heartbeat,probe,phi --nodes 4 --duration 30s --seed 3"
  "replay --protocol ring --nodes 5 --trace fixtures/replay/election-crash.csv --heartbeat 1s"
  "replay --protocol modified-ring --nodes 5 --trace fixtures/replay/split-brain.csv --heartbeat 1s"
  "replay --protocol bully --nodes 5 --trace fixtures/replay/election-crash.csv --heartbeat 1s"
  "replay --protocol ring,modified-ring,bully --nodes 6 --duration 20s"
  "replay --protocol paxos --nodes 5"
  "replay --protocol paxos --nodes 3 --trace fixtures/replay/paxos-amnesia.csv"
  "replay --protocol paxos --nodes 3 --proposers n1,n2,n3 --backoff --duration 5s"
  "replay --protocol paxos --nodes 3 --proposers n1,n2 --distinguished --heartbeat 100ms --trace fixtures/replay/paxos-leader-crash.csv --delay const:5ms"
  "replay --protocol multi-paxos --nodes 5 --delay const:5ms --duration 10s"
  "replay --protocol multi-paxos --nodes 5 --trace fixtures/replay/multi-paxos-failover.csv --delay const:5ms --duration 15s"
  "replay --protocol multi-paxos --nodes 3 --trace fixtures/replay/multi-paxos-amnesia.csv --broken-acceptor"
  "replay --protocol multi-paxos --nodes 5 --seed 3 --random-faults --broken-acceptor"
  "replay --protocol paxos --nodes 3 --proposers n1,n2,n3 --backoff --loss 0.05 --seeds 1..30"
  "replay --protocol multi-paxos --nodes 5 --seeds 1..20 --broken-acceptor"
  "replay --protocol bully --nodes 5 --heartbeat 1s --seeds 1..10"
  "replay --protocol zk --nodes 5 --clients 5 --rate 50 --duration 20s --random-faults --seed 2"
  "replay --protocol lock --nodes 3 --clients 5 --duration 20s --seed 3"
  "replay --protocol multi-paxos --nodes 5 --clients 4 --rate 100 --retry full-jitter:base=100ms,cap=1s --retry-budget default --breaker failure-rate=50%,window=20,open=5s,half-open=5 --in-flight 4 --service-time 2ms --queue 10 --duration 20s --random-faults --seed 9"
  "replay --protocol heartbeat --nodes 4 --seeds 1..5"
  "sweep --timeouts 1.05s,1.2s,2s --delay exp:mean=100ms --loss 0.01 --duration 5m --seeds 2"
  "sweep --detector probe --timeouts 50ms,100ms --duration 5m --seeds 2"
  "sweep --detector phi --timeouts 1..12:4 --duration 5m --seeds 2"
  "sweep --protocol bully --timeouts 1.5s,3s --duration 5m --seeds 2"
)
i=0
for c in "${commands[@]}"; do
  i=$((i + 1))
  name=$(printf '%02d' "$i")
  echo "$c" >"$out/$name.cmd"
  # shellcheck disable=SC2086
  "$bin" $c --format json --quiet >"$out/$name.json" 2>"$out/$name.err" || echo "exit $?" >>"$out/$name.err"
done
echo "wrote $i outputs to $out"
