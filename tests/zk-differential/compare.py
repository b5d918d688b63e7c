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
    results, events = [], {}
    for line in open(path):
        value = json.loads(line)
        if "event" in value:
            events.setdefault(value["event"]["session"], []).append(value["event"])
        else:
            results.append(normal(value))
    return results, events


ops = [line.strip() for line in open(script)]
a_results, a_events = split(ours)
b_results, b_events = split(theirs)
if len(a_results) != len(b_results):
    sys.exit(f"seed {seed}: {len(a_results)} results from faultline, {len(b_results)} from ZooKeeper")
for i, (a, b) in enumerate(zip(a_results, b_results)):
    if a != b:
        print(f"seed {seed}: op {i + 1}: {ops[i]}\n  faultline: {json.dumps(a)}\n  zookeeper: {json.dumps(b)}")
        sys.exit(1)
for session in sorted(set(a_events) | set(b_events)):
    if a_events.get(session, []) != b_events.get(session, []):
        print(f"seed {seed}: events of {session} differ\n  faultline: {a_events.get(session)}\n"
              f"  zookeeper: {b_events.get(session)}")
        sys.exit(1)
print(f"seed {seed}: {len(a_results)} ops and {sum(map(len, a_events.values()))} watch events agree")
