"""Random op scripts for `faultline zk exec` (DESIGN.md's JSONL), for the differential test:
several sessions, nested paths, ephemeral and sequential nodes, versions, watches, ACLs, multi,
closes. Deterministic for a seed.

usage: python gen.py SEED OPS
"""
import json
import random
import sys

seed, count = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
sessions = ["s1", "s2", "s3"]
paths = ["/a", "/a/b", "/a/b/c", "/a/x", "/c", "/c/d", "/e", "/e/f"]
data = ["", "x", "yy", "zzz"]
versions = [-1, -1, 0, 1, 2]
read_only = [{"perms": 1, "scheme": "world", "id": "anyone"}]


def path():
    return rng.choice(paths)


def write_op(in_multi=False):
    kind = rng.choice(["create", "create", "create", "delete", "set", "check"])
    if kind == "create":
        op = {"op": "create", "path": path(), "data": rng.choice(data)}
        if rng.random() < 0.25:
            op["ephemeral"] = True
        if rng.random() < 0.2:
            op["sequential"] = True
            # A sequential child named by its number alone (`/a/` gives `/a/0000000003`).
            # kazoo's transactions strip the trailing `/`, so only single creates use it.
            if not in_multi and rng.random() < 0.3:
                op["path"] = op["path"] + "/"
        return op
    if kind == "delete":
        return {"op": "delete", "path": path(), "version": rng.choice(versions)}
    if kind == "set":
        return {"op": "set", "path": path(), "data": rng.choice(data), "version": rng.choice(versions)}
    return {"op": "check", "path": path(), "version": rng.choice(versions)}


for _ in range(count):
    session = rng.choice(sessions)
    r = rng.random()
    if r < 0.45:
        op = write_op()
        if op["op"] == "check":
            op = {"op": "exists", "path": op["path"], "watch": rng.random() < 0.5}
    elif r < 0.7:
        op = {"op": rng.choice(["exists", "get", "children"]), "path": rng.choice(paths + ["/"]),
              "watch": rng.random() < 0.6}
    elif r < 0.8:
        op = {"op": "multi", "ops": [write_op(in_multi=True) for _ in range(rng.randint(1, 3))]}
    elif r < 0.86:
        op = {"op": "set_acl", "path": path(), "version": rng.choice(versions),
              "acl": read_only if rng.random() < 0.3 else
              [{"perms": 31, "scheme": "world", "id": "anyone"}]}
    elif r < 0.9:
        op = {"op": "get_acl", "path": path()}
    elif r < 0.95:
        op = {"op": "sync", "path": "/"}
    else:
        op = {"op": "close"}
    op["session"] = session
    print(json.dumps(op))
