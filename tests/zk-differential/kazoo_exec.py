"""Runs a `faultline zk exec` script against a real ZooKeeper through kazoo and prints the same
JSON lines: each op's result, then the watch events it fired (gathered by syncing every open
session after the op, which ZooKeeper guarantees delivers them first).

usage: python kazoo_exec.py HOST:PORT SCRIPT.jsonl
"""
import json
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.exceptions import (BadArgumentsError, BadVersionError, InvalidACLError, NoAuthError,
                              NoChildrenForEphemeralsError, NodeExistsError, NoNodeError,
                              NotEmptyError, RolledBackError, RuntimeInconsistency)
from kazoo.security import ACL, Id

host, script = sys.argv[1], sys.argv[2]
ERRORS = [(NoNodeError, "NoNode"), (NodeExistsError, "NodeExists"), (BadVersionError, "BadVersion"),
          (NotEmptyError, "NotEmpty"), (NoChildrenForEphemeralsError, "NoChildrenForEphemerals"),
          (BadArgumentsError, "BadArguments"), (NoAuthError, "NoAuth"),
          (InvalidACLError, "InvalidACL"), (RolledBackError, "RolledBack"),
          (RuntimeInconsistency, "RuntimeInconsistency"), (ValueError, "BadArguments")]
KINDS = {"CREATED": "NodeCreated", "DELETED": "NodeDeleted", "CHANGED": "NodeDataChanged",
         "CHILD": "NodeChildrenChanged"}

clients, owners, events = {}, {}, {}
lock = threading.Lock()


def error_name(exc):
    for cls, name in ERRORS:
        if isinstance(exc, cls):
            return name
    return type(exc).__name__


def client(name):
    if name not in clients:
        c = KazooClient(hosts=host, timeout=10)
        c.start(timeout=15)
        clients[name] = c
        owners[c.client_id[0]] = name
        events.setdefault(name, [])
    return clients[name]


watchers = {}


def watcher(name):
    """One watch function per session: ZooKeeper tells a session once per notification, and
    kazoo calls each distinct function it registered, so a fresh function per call would
    count one notification several times."""
    if name not in watchers:
        seen = []

        def fire(event):
            # A session's state changes (its close among them) reach its watchers too, as
            # events of type NONE with no path: not notifications of a znode, so not compared.
            if event.path is None:
                return
            with lock:
                # kazoo hands one notification to a function registered as both a data and a
                # child watcher twice (a delete fires both kinds), with the same event object.
                if any(e is event for e in seen):
                    return
                seen.append(event)
                events[name].append({"event": {"session": name,
                                               "type": KINDS.get(event.type, event.type),
                                               "path": event.path}})
        watchers[name] = fire
    return watchers[name]


def stat(s):
    if s is None:
        return None
    return {"czxid": s.czxid, "mzxid": s.mzxid, "pzxid": s.pzxid, "ctime": s.ctime,
            "mtime": s.mtime, "version": s.version, "cversion": s.cversion,
            "aversion": s.aversion,
            "ephemeralOwner": owners.get(s.ephemeralOwner, None) if s.ephemeralOwner else None,
            "dataLength": s.dataLength, "numChildren": s.numChildren}


def acls(entries):
    return [ACL(e["perms"], Id(e["scheme"], e["id"])) for e in entries] if entries is not None else None


def run(op, c, name):
    kind, path = op["op"], op.get("path", "/")
    watch = watcher(name) if op.get("watch") else None
    if kind == "create":
        acl = acls(op.get("acl"))
        created = c.create(path, op.get("data", "").encode(), acl=acl,
                           ephemeral=op.get("ephemeral", False), sequence=op.get("sequential", False))
        return {"ok": True, "path": created}
    if kind == "delete":
        c.delete(path, version=op.get("version", -1))
        return {"ok": True}
    if kind == "set":
        return {"ok": True, "stat": stat(c.set(path, op.get("data", "").encode(), version=op.get("version", -1)))}
    if kind == "exists":
        return {"ok": True, "stat": stat(c.exists(path, watch=watch))}
    if kind == "get":
        data, s = c.get(path, watch=watch)
        return {"ok": True, "data": data.decode(), "stat": stat(s)}
    if kind == "children":
        return {"ok": True, "children": sorted(c.get_children(path, watch=watch))}
    if kind == "get_acl":
        entries, s = c.get_acls(path)
        return {"ok": True, "acl": [{"perms": a.perms, "scheme": a.id.scheme, "id": a.id.id} for a in entries],
                "stat": stat(s)}
    if kind == "set_acl":
        return {"ok": True, "stat": stat(c.set_acls(path, acls(op.get("acl")), version=op.get("version", -1)))}
    if kind == "sync":
        c.sync(path)
        return {"ok": True}
    if kind == "multi":
        t = c.transaction()
        for sub in op["ops"]:
            p = sub["path"]
            if sub["op"] == "create":
                t.create(p, sub.get("data", "").encode(), acl=acls(sub.get("acl")),
                         ephemeral=sub.get("ephemeral", False), sequence=sub.get("sequential", False))
            elif sub["op"] == "delete":
                t.delete(p, version=sub.get("version", -1))
            elif sub["op"] == "set":
                t.set_data(p, sub.get("data", "").encode(), version=sub.get("version", -1))
            elif sub["op"] == "check":
                t.check(p, sub.get("version", -1))
        results = t.commit()
        failed = [r for r in results if isinstance(r, Exception)]
        if failed:
            names = [error_name(r) for r in results]
            first = next(n for n in names if n not in ("RolledBack", "RuntimeInconsistency"))
            return {"ok": False, "error": first, "results": names}
        out = []
        for sub, r in zip(op["ops"], results):
            if sub["op"] == "create":
                out.append({"ok": True, "path": r})
            elif sub["op"] == "set":
                out.append({"ok": True, "stat": stat(r)})
            else:
                out.append({"ok": True})
        return {"ok": True, "results": out}
    raise SystemExit(f"unknown op {kind}")


for line in open(script):
    op = json.loads(line)
    name = op.get("session", "s1")
    if op["op"] == "close":
        if name in clients:
            c = clients.pop(name)
            c.stop()
            c.close()
        print(json.dumps({"ok": True}))
    else:
        c = client(name)
        try:
            result = run(op, c, name)
        except Exception as exc:  # a ZooKeeper error is a result
            result = {"ok": False, "error": error_name(exc)}
        print(json.dumps(result))
    # Make sure every session has received the events this op fired before the next one.
    for other in list(clients.values()):
        other.sync("/")
    time.sleep(0.01)
    with lock:
        for name in sorted(events):
            for e in events[name]:
                print(json.dumps(e))
            events[name].clear()
for c in clients.values():
    c.stop()
    c.close()
