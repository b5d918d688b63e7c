//! One ZooKeeper-style server: the tree, the zxid counter, sessions and watches.
//!
//! zxids are spent as ZooKeeper spends them: one per write request, successful or not (a failed
//! write is an error transaction), one to open a session and one to close it. Time is logical:
//! a transaction's time in ms is its zxid.
//!
//! Watches are one-shot and per session (a session that set the same watch twice hears one
//! event). Data watches are set by `exists` (even on a missing node, to hear it created) and
//! `get`; child watches by `children`. They fire as ZooKeeper's `DataTree` fires them:
//! - create: `NodeCreated` to the node's data watches, `NodeChildrenChanged` to the parent's
//!   child watches;
//! - delete: `NodeDeleted` to the node's data and child watches (once per session), then
//!   `NodeChildrenChanged` to the parent's child watches;
//! - set data: `NodeDataChanged` to the node's data watches.
//!
//! Sessions whose watches fire in one step are told in session-name order.

use std::collections::{BTreeMap, BTreeSet};

use super::acl::{self, Acl, perms};
use super::ops::{Txn, Write, apply, prepare};
use super::tree::{Scratch, Stat, Tree, Znode};
use super::{ZkError, path};

/// What a watch reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventType {
    /// A watched missing node was created.
    NodeCreated,
    /// A watched node was deleted.
    NodeDeleted,
    /// A watched node's data changed.
    NodeDataChanged,
    /// A watched node's children changed.
    NodeChildrenChanged,
}

impl EventType {
    /// ZooKeeper's name for it.
    pub fn name(self) -> &'static str {
        match self {
            EventType::NodeCreated => "NodeCreated",
            EventType::NodeDeleted => "NodeDeleted",
            EventType::NodeDataChanged => "NodeDataChanged",
            EventType::NodeChildrenChanged => "NodeChildrenChanged",
        }
    }
}

/// A watch that fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchEvent {
    /// The session told.
    pub session: String,
    /// What happened.
    pub kind: EventType,
    /// Where.
    pub path: String,
    /// Which of the change's firings told it, counting from 0 (every server fires a change's
    /// watches in the same order, so events told by different servers sort back into it).
    pub group: u32,
}

/// The answer to one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A node was created at this path.
    Created(String),
    /// Done, nothing to report (delete, sync, close, check).
    Done,
    /// A node's stat, or none (exists on a missing node).
    Stat(Option<Stat>),
    /// A node's data and stat.
    Data(Vec<u8>, Stat),
    /// A node's children, sorted.
    Children(Vec<String>),
    /// A node's ACL and stat.
    Acl(Vec<Acl>, Stat),
    /// A multi that succeeded: one reply per op.
    Multi(Vec<Reply>),
    /// A multi that failed at op `at` with `error`: nothing was applied.
    MultiFailed {
        /// Index of the op that failed.
        at: usize,
        /// Its error.
        error: ZkError,
        /// Number of ops.
        len: usize,
    },
}

/// Which of a node's watches: on its data (and existence) or on its children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WatchKind {
    /// Set by `exists` and `get`.
    Data,
    /// Set by `children`.
    Child,
}

/// A request: a write, a read, or a session's end.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// A single write.
    Write(Write),
    /// Several writes, all or none.
    Multi(Vec<Write>),
    /// A node's stat (none if missing); with `watch`, a data watch.
    Exists {
        /// The path.
        path: String,
        /// Set a data watch.
        watch: bool,
    },
    /// A node's data and stat; with `watch`, a data watch.
    Get {
        /// The path.
        path: String,
        /// Set a data watch.
        watch: bool,
    },
    /// A node's children; with `watch`, a child watch.
    Children {
        /// The path.
        path: String,
        /// Set a child watch.
        watch: bool,
    },
    /// A node's ACL.
    GetAcl {
        /// The path.
        path: String,
    },
    /// Flush the channel (a no-op on one server).
    Sync {
        /// The path.
        path: String,
    },
    /// End the session: its ephemeral nodes go, its watches are dropped.
    Close,
}

/// A multi that failed at op `at` with `error`: nothing is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultiFailure {
    /// Index of the op that failed.
    pub at: usize,
    /// Its error.
    pub error: ZkError,
    /// Number of ops.
    pub len: usize,
}

/// What one zxid does: the unit a replicated store agrees on and applies everywhere, in zxid
/// order. A write that failed its checks is still a change (ZooKeeper's error transaction): it
/// spends its zxid and carries its error back to the client.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A session opens.
    OpenSession {
        /// Its name.
        session: String,
        /// Its timeout, ms (0 for a store without expiry).
        timeout_ms: u64,
    },
    /// A session ends (closed by its client or expired): its ephemeral nodes go.
    CloseSession {
        /// Its name.
        session: String,
    },
    /// A single write, or the error it failed with.
    Write {
        /// The writing session.
        session: String,
        /// The prepared transaction.
        txn: Result<Txn, ZkError>,
    },
    /// Several writes, all or none.
    Multi {
        /// The writing session.
        session: String,
        /// The prepared transactions, or where the multi failed.
        txns: Result<Vec<Txn>, MultiFailure>,
    },
}

impl Change {
    /// The session the change belongs to.
    pub fn session(&self) -> &str {
        match self {
            Change::OpenSession { session, .. }
            | Change::CloseSession { session }
            | Change::Write { session, .. }
            | Change::Multi { session, .. } => session,
        }
    }
}

/// The state of one server: the tree, the open sessions and the watches set on this server.
#[derive(Debug, Clone, Default)]
pub struct Store {
    tree: Tree,
    sessions: BTreeMap<String, u64>,
    data_watches: BTreeMap<String, BTreeSet<String>>,
    child_watches: BTreeMap<String, BTreeSet<String>>,
    /// Firings of watches so far in the change being applied.
    firings: u32,
}

/// A single server driven directly (`faultline zk exec`): a [`Store`] that spends its own
/// zxids, one per change, and whose time in ms is the zxid.
#[derive(Debug, Clone, Default)]
pub struct Standalone {
    store: Store,
    zxid: u64,
}

impl Standalone {
    /// The server's state.
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn commit(&mut self, change: &Change) -> (Result<Reply, ZkError>, Vec<WatchEvent>) {
        self.zxid += 1;
        self.store.apply(change, self.zxid, self.zxid)
    }

    /// Runs one request of `session` (opened on first use); returns the reply and the watch
    /// events it fired, in order.
    pub fn execute(
        &mut self,
        session: &str,
        request: &Request,
    ) -> (Result<Reply, ZkError>, Vec<WatchEvent>) {
        if !self.store.is_open(session) {
            // Opening a session neither fails nor fires a watch.
            let _ = self.commit(&Change::OpenSession {
                session: session.to_string(),
                timeout_ms: 0,
            });
        }
        match self.store.prepare(session, request) {
            Some(change) => self.commit(&change),
            None => (self.store.read(session, request), Vec::new()),
        }
    }
}

impl Store {
    /// The tree.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Whether `session` is open.
    pub fn is_open(&self, session: &str) -> bool {
        self.sessions.contains_key(session)
    }

    /// The open sessions with their timeouts (ms), in name order.
    pub fn sessions(&self) -> impl Iterator<Item = (&str, u64)> {
        self.sessions.iter().map(|(s, t)| (s.as_str(), *t))
    }

    /// The change a request of `session` makes, checked against the tree as it is now;
    /// `None` for a request that changes nothing (a read or a sync).
    pub fn prepare(&self, session: &str, request: &Request) -> Option<Change> {
        let session = session.to_string();
        match request {
            Request::Write(write) => Some(Change::Write {
                txn: prepare(&self.tree, &session, write),
                session,
            }),
            Request::Multi(writes) => Some(Change::Multi {
                txns: self.prepare_multi(&session, writes),
                session,
            }),
            Request::Close => Some(Change::CloseSession { session }),
            _ => None,
        }
    }

    /// All or none: each op is prepared against the tree as the ops before it left it.
    fn prepare_multi(&self, session: &str, writes: &[Write]) -> Result<Vec<Txn>, MultiFailure> {
        let mut scratch = Scratch::over(&self.tree);
        let mut txns = Vec::with_capacity(writes.len());
        for (at, write) in writes.iter().enumerate() {
            let txn = prepare(&scratch, session, write).map_err(|error| MultiFailure {
                at,
                error,
                len: writes.len(),
            })?;
            // The time does not matter: the scratch tree is only checked against.
            apply(&mut scratch, &txn, 0, 0);
            txns.push(txn);
        }
        Ok(txns)
    }

    /// Applies a change with its zxid and time (ms); returns the reply to the session that
    /// asked for it and the watch events it fired, in order.
    pub fn apply(
        &mut self,
        change: &Change,
        zxid: u64,
        time: u64,
    ) -> (Result<Reply, ZkError>, Vec<WatchEvent>) {
        let mut events = Vec::new();
        self.firings = 0;
        let reply = match change {
            Change::OpenSession {
                session,
                timeout_ms,
            } => {
                self.sessions.insert(session.clone(), *timeout_ms);
                Ok(Reply::Done)
            }
            Change::CloseSession { session } => {
                self.close(session, zxid, &mut events);
                Ok(Reply::Done)
            }
            Change::Write { txn, .. } => txn
                .as_ref()
                .map(|txn| self.commit(txn, zxid, time, &mut events))
                .map_err(|e| *e),
            Change::Multi { txns, .. } => Ok(match txns {
                Ok(txns) => Reply::Multi(
                    txns.iter()
                        .map(|t| self.commit(t, zxid, time, &mut events))
                        .collect(),
                ),
                Err(f) => Reply::MultiFailed {
                    at: f.at,
                    error: f.error,
                    len: f.len,
                },
            }),
        };
        (reply, events)
    }

    /// Answers a request that changes nothing, setting the watch it asks for.
    pub fn read(&mut self, session: &str, request: &Request) -> Result<Reply, ZkError> {
        match request {
            Request::Exists { path, watch } => path::validate(path, false).map(|()| {
                if *watch {
                    self.watch(session, path, WatchKind::Data);
                }
                Reply::Stat(self.tree.get(path).map(|n| n.stat.clone()))
            }),
            Request::Get { path, watch } => {
                let node = self.readable(path, perms::READ)?;
                let reply = Reply::Data(node.data.clone(), node.stat.clone());
                if *watch {
                    self.watch(session, path, WatchKind::Data);
                }
                Ok(reply)
            }
            Request::Children { path, watch } => {
                self.readable(path, perms::READ)?;
                let children = self.tree.children(path).map(str::to_string).collect();
                if *watch {
                    self.watch(session, path, WatchKind::Child);
                }
                Ok(Reply::Children(children))
            }
            Request::GetAcl { path } => {
                let node = self.readable(path, perms::READ | perms::ADMIN)?;
                Ok(Reply::Acl(node.acl.clone(), node.stat.clone()))
            }
            Request::Sync { path } => path::validate(path, false).map(|()| Reply::Done),
            Request::Write(_) | Request::Multi(_) | Request::Close => Err(ZkError::BadArguments),
        }
    }

    /// Sets a one-shot watch of `session` on `path`.
    pub fn watch(&mut self, session: &str, path: &str, kind: WatchKind) {
        let watches = match kind {
            WatchKind::Data => &mut self.data_watches,
            WatchKind::Child => &mut self.child_watches,
        };
        watch_on(watches, path, session);
    }

    /// Drops every watch of `session` on this server (its client went elsewhere).
    pub fn drop_watches(&mut self, session: &str) {
        for watchers in self
            .data_watches
            .values_mut()
            .chain(self.child_watches.values_mut())
        {
            watchers.remove(session);
        }
    }

    /// A read's checks (path, existence, permission): the node.
    fn readable(&self, path: &str, mask: u32) -> Result<&Znode, ZkError> {
        path::validate(path, false)?;
        let node = self.tree.get(path).ok_or(ZkError::NoNode)?;
        if !acl::allows(&node.acl, mask) {
            return Err(ZkError::NoAuth);
        }
        Ok(node)
    }

    /// Applies a transaction, fires its watches, and says what it did.
    fn commit(&mut self, txn: &Txn, zxid: u64, time: u64, events: &mut Vec<WatchEvent>) -> Reply {
        apply(&mut self.tree, txn, zxid, time);
        match txn {
            Txn::Create { path, .. } => {
                self.fire(&[path.as_str()], &[], EventType::NodeCreated, path, events);
                let parent = path::split(path).0.to_string();
                self.fire(
                    &[],
                    &[parent.as_str()],
                    EventType::NodeChildrenChanged,
                    &parent,
                    events,
                );
                Reply::Created(path.clone())
            }
            Txn::Delete { path } => {
                self.fire(
                    &[path.as_str()],
                    &[path.as_str()],
                    EventType::NodeDeleted,
                    path,
                    events,
                );
                let parent = path::split(path).0.to_string();
                self.fire(
                    &[],
                    &[parent.as_str()],
                    EventType::NodeChildrenChanged,
                    &parent,
                    events,
                );
                Reply::Done
            }
            Txn::SetData { path, .. } => {
                self.fire(
                    &[path.as_str()],
                    &[],
                    EventType::NodeDataChanged,
                    path,
                    events,
                );
                Reply::Stat(self.tree.get(path).map(|n| n.stat.clone()))
            }
            Txn::SetAcl { path, .. } => Reply::Stat(self.tree.get(path).map(|n| n.stat.clone())),
            Txn::Check => Reply::Done,
        }
    }

    /// Fires (and removes) the data watches on `data` paths and child watches on `child` paths,
    /// telling each session once.
    fn fire(
        &mut self,
        data: &[&str],
        child: &[&str],
        kind: EventType,
        path: &str,
        events: &mut Vec<WatchEvent>,
    ) {
        let mut told: BTreeSet<String> = BTreeSet::new();
        for p in data {
            told.extend(self.data_watches.remove(*p).unwrap_or_default());
        }
        for p in child {
            told.extend(self.child_watches.remove(*p).unwrap_or_default());
        }
        let group = self.firings;
        self.firings += 1;
        events.extend(told.into_iter().map(|session| WatchEvent {
            group,
            session,
            kind,
            path: path.to_string(),
        }));
    }

    /// Ends a session: drops its watches, deletes its ephemeral nodes (in path order, deepest
    /// first within a path) with the change's zxid.
    fn close(&mut self, session: &str, zxid: u64, events: &mut Vec<WatchEvent>) {
        self.drop_watches(session);
        let mut doomed = self.tree.ephemerals_of(session);
        doomed.reverse();
        for path in doomed {
            self.commit(&Txn::Delete { path }, zxid, zxid, events);
        }
        self.sessions.remove(session);
    }
}

fn watch_on(watches: &mut BTreeMap<String, BTreeSet<String>>, path: &str, session: &str) {
    watches
        .entry(path.to_string())
        .or_default()
        .insert(session.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::zk::acl::everyone;

    /// The events of a request that must succeed.
    fn ok(result: (Result<Reply, ZkError>, Vec<WatchEvent>)) -> Vec<WatchEvent> {
        assert!(result.0.is_ok(), "{:?}", result.0);
        result.1
    }

    fn create(path: &str, ephemeral: bool) -> Request {
        Request::Write(Write::Create {
            path: path.into(),
            data: b"d".to_vec(),
            ephemeral,
            sequential: false,
            acl: everyone(),
        })
    }

    #[test]
    fn watches_fire_once_to_the_session_that_set_them() {
        let mut s = Standalone::default();
        let (r, _) = s.execute(
            "w",
            &Request::Exists {
                path: "/a".into(),
                watch: true,
            },
        );
        assert_eq!(r, Ok(Reply::Stat(None)));
        ok(s.execute(
            "w",
            &Request::Children {
                path: "/".into(),
                watch: true,
            },
        ));
        let (_, events) = s.execute("c", &create("/a", false));
        let kinds: Vec<(&str, &str)> = events
            .iter()
            .map(|e| (e.kind.name(), e.path.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![("NodeCreated", "/a"), ("NodeChildrenChanged", "/")]
        );
        // One-shot: a second create fires nothing.
        let (_, events) = s.execute("c", &create("/b", false));
        assert!(events.is_empty());
    }

    #[test]
    fn closing_a_session_deletes_its_ephemerals_and_drops_its_watches() {
        let mut s = Standalone::default();
        ok(s.execute("e", &create("/e", true)));
        ok(s.execute(
            "e",
            &Request::Exists {
                path: "/x".into(),
                watch: true,
            },
        ));
        ok(s.execute(
            "w",
            &Request::Get {
                path: "/e".into(),
                watch: true,
            },
        ));
        let (_, events) = s.execute("e", &Request::Close);
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].session.as_str(), events[0].kind),
            ("w", EventType::NodeDeleted)
        );
        assert!(s.store().tree().get("/e").is_none());
        let (_, events) = s.execute("c", &create("/x", false));
        assert!(events.is_empty(), "the closed session's watch is gone");
    }

    #[test]
    fn a_failed_multi_applies_nothing() {
        let mut s = Standalone::default();
        let ops = vec![
            Write::Create {
                path: "/m".into(),
                data: vec![],
                ephemeral: false,
                sequential: false,
                acl: everyone(),
            },
            Write::Delete {
                path: "/nope".into(),
                version: -1,
            },
            Write::Check {
                path: "/m".into(),
                version: 0,
            },
        ];
        let (r, _) = s.execute("s", &Request::Multi(ops));
        assert_eq!(
            r,
            Ok(Reply::MultiFailed {
                at: 1,
                error: ZkError::NoNode,
                len: 3
            })
        );
        assert!(s.store().tree().get("/m").is_none());
    }
}
