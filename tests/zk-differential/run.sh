#!/usr/bin/env bash
# Differential test of the ZooKeeper-style store against a real ZooKeeper 3.8.
#
# Installs what it needs (Debian's `zookeeper` package, the `kazoo` client from PyPI in
# target/zk-venv), then for each seed: starts a standalone ZooKeeper on 127.0.0.1 with a fresh
# temporary data dir, generates a random op script (gen.py), runs it with `faultline zk exec`
# and through kazoo (kazoo_exec.py), stops the server, and compares every result and each
# session's watch events (compare.py), ignoring only absolute zxids and times.
#
#   bash tests/zk-differential/run.sh             # seeds 1..6, 500 ops each (CI)
#   SEEDS="7 8" OPS=1000 bash tests/zk-differential/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tests/zk-differential
SEEDS=${SEEDS:-"1 2 3 4 5 6"}
OPS=${OPS:-500}

if [ ! -f /usr/share/java/zookeeper.jar ]; then
  [ "$(id -u)" -eq 0 ] || { echo "zk differential: needs Debian's zookeeper package" >&2; exit 1; }
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zookeeper >/dev/null
fi
if [ ! -x target/zk-venv/bin/python ]; then
  python3 -m venv target/zk-venv
  target/zk-venv/bin/pip install --quiet kazoo
fi
PY=target/zk-venv/bin/python
cargo build --quiet
BIN=target/debug/faultline

work=$(mktemp -d)
server=""
stop() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""; fi; }
trap 'stop; rm -rf "$work"' EXIT

passed=0
failed=0
for seed in $SEEDS; do
  port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$work/$seed/data"
  printf 'tickTime=2000\ndataDir=%s\nclientPort=%s\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n' \
    "$work/$seed/data" "$port" > "$work/$seed/zoo.cfg"
  java -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar \
    org.apache.zookeeper.server.ZooKeeperServerMain "$work/$seed/zoo.cfg" >"$work/$seed/server.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do
    if $PY -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then break; fi
    sleep 0.1
  done
  $PY $here/gen.py "$seed" "$OPS" > "$work/$seed/script.jsonl"
  $BIN zk exec "$work/$seed/script.jsonl" > "$work/$seed/faultline.jsonl"
  $PY $here/kazoo_exec.py "127.0.0.1:$port" "$work/$seed/script.jsonl" > "$work/$seed/zookeeper.jsonl" 2>"$work/$seed/kazoo.log"
  stop
  if $PY $here/compare.py "$seed" "$work/$seed/script.jsonl" "$work/$seed/faultline.jsonl" "$work/$seed/zookeeper.jsonl"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done
echo "zk differential: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
