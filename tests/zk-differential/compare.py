"""Compares `faultline zk exec` with the real ZooKeeper on one script: every result, with
absolute zxids and times removed (they legitimately differ), and each session's watch events
in order. Prints the first mismatch with the op, both results and the seed.

usage: python compare.py SEED SCRIPT FAULTLINE_OUT ZOOKEEPER_OUT
"""
import json
import sys

seed, script, ours, theirs = sys.argv[1:5]
IGNORED = {"czxid", "mzxid", "pzxid", "ctime", "mtime"}


def normal(value):
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items() if k not in IGNORED}
    if isinstance(value, list):
        return [normal(v) for v in value]
    return value


def split(path):
    """Per op: its result (zxids and times removed) and the events it fired, by session."""
    ops = []
    for line in open(path):
        value = json.loads(line)
        if "event" in value:
            e = value["event"]
            ops[-1][1].setdefault(e["session"], []).append(e)
        else:
            ops.append((normal(value), {}))
    return ops


script_ops = [line.strip() for line in open(script)]
a_ops, b_ops = split(ours), split(theirs)
if len(a_ops) != len(b_ops):
    sys.exit(f"seed {seed}: {len(a_ops)} results from faultline, {len(b_ops)} from ZooKeeper")
events = 0
for i, ((a, a_events), (b, b_events)) in enumerate(zip(a_ops, b_ops)):
    op = script_ops[i]
    if a != b:
        print(f"seed {seed}: op {i + 1}: {op}\n  faultline: {json.dumps(a)}\n  zookeeper: {json.dumps(b)}")
        sys.exit(1)
    # A closing session's ephemeral nodes go in ZooKeeper's hash-set order, which it does not
    # specify: the events of a close are compared as a multiset, all others in order.
    closing = json.loads(op)["op"] == "close"
    for session in sorted(set(a_events) | set(b_events)):
        x, y = a_events.get(session, []), b_events.get(session, [])
        key = lambda e: (e["type"], e["path"])
        if (sorted(x, key=key) != sorted(y, key=key)) if closing else (x != y):
            print(f"seed {seed}: op {i + 1}: {op}: events of {session} differ\n"
                  f"  faultline: {x}\n  zookeeper: {y}")
            sys.exit(1)
        events += len(x)
print(f"seed {seed}: {len(a_ops)} ops and {events} watch events agree")
