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
use super::tree::{Stat, Tree};
use super::{ZkError, path};

/// What a watch reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// The server.
#[derive(Debug, Clone, Default)]
pub struct Store {
    tree: Tree,
    zxid: u64,
    sessions: BTreeSet<String>,
    data_watches: BTreeMap<String, BTreeSet<String>>,
    child_watches: BTreeMap<String, BTreeSet<String>>,
}

impl Store {
    /// The tree.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    fn next_zxid(&mut self) -> u64 {
        self.zxid += 1;
        self.zxid
    }

    /// Runs one request of `session` (opened on first use); returns the reply and the watch
    /// events it fired, in order.
    pub fn execute(
        &mut self,
        session: &str,
        request: &Request,
    ) -> (Result<Reply, ZkError>, Vec<WatchEvent>) {
        if !self.sessions.contains(session) {
            self.next_zxid();
            self.sessions.insert(session.to_string());
        }
        let mut events = Vec::new();
        let reply = match request {
            Request::Write(write) => {
                let zxid = self.next_zxid();
                prepare(&self.tree, session, write).map(|txn| self.commit(&txn, zxid, &mut events))
            }
            Request::Multi(writes) => {
                let zxid = self.next_zxid();
                Ok(self.multi(session, writes, zxid, &mut events))
            }
            Request::Exists { path, watch } => path::validate(path, false).map(|()| {
                if *watch {
                    watch_on(&mut self.data_watches, path, session);
                }
                Reply::Stat(self.tree.get(path).map(|n| n.stat.clone()))
            }),
            Request::Get { path, watch } => self.read(path, perms::READ).map(|(data, stat, _)| {
                if *watch {
                    watch_on(&mut self.data_watches, path, session);
                }
                Reply::Data(data, stat)
            }),
            Request::Children { path, watch } => {
                self.read(path, perms::READ).map(|(_, _, children)| {
                    if *watch {
                        watch_on(&mut self.child_watches, path, session);
                    }
                    Reply::Children(children)
                })
            }
            Request::GetAcl { path } => {
                self.read(path, perms::READ | perms::ADMIN)
                    .map(|(_, stat, _)| {
                        let acl = self
                            .tree
                            .get(path)
                            .map(|n| n.acl.clone())
                            .unwrap_or_default();
                        Reply::Acl(acl, stat)
                    })
            }
            Request::Sync { path } => path::validate(path, false).map(|()| Reply::Done),
            Request::Close => {
                self.close(session, &mut events);
                Ok(Reply::Done)
            }
        };
        (reply, events)
    }

    /// A read's checks (path, existence, permission) and the node's contents.
    fn read(&self, path: &str, mask: u32) -> Result<(Vec<u8>, Stat, Vec<String>), ZkError> {
        path::validate(path, false)?;
        let node = self.tree.get(path).ok_or(ZkError::NoNode)?;
        if !acl::allows(&node.acl, mask) {
            return Err(ZkError::NoAuth);
        }
        Ok((
            node.data.clone(),
            node.stat.clone(),
            node.children.iter().cloned().collect(),
        ))
    }

    /// Applies a transaction, fires its watches, and says what it did.
    fn commit(&mut self, txn: &Txn, zxid: u64, events: &mut Vec<WatchEvent>) -> Reply {
        apply(&mut self.tree, txn, zxid, zxid);
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
        events.extend(told.into_iter().map(|session| WatchEvent {
            session,
            kind,
            path: path.to_string(),
        }));
    }

    /// All or none: each op is prepared against the tree as the ops before it left it.
    fn multi(
        &mut self,
        session: &str,
        writes: &[Write],
        zxid: u64,
        events: &mut Vec<WatchEvent>,
    ) -> Reply {
        let mut scratch = self.tree.clone();
        let mut txns = Vec::with_capacity(writes.len());
        for (at, write) in writes.iter().enumerate() {
            match prepare(&scratch, session, write) {
                Ok(txn) => {
                    apply(&mut scratch, &txn, zxid, zxid);
                    txns.push(txn);
                }
                Err(error) => {
                    return Reply::MultiFailed {
                        at,
                        error,
                        len: writes.len(),
                    };
                }
            }
        }
        Reply::Multi(txns.iter().map(|t| self.commit(t, zxid, events)).collect())
    }

    /// Ends a session: drops its watches, deletes its ephemeral nodes (in path order, deepest
    /// first within a path) in one transaction.
    fn close(&mut self, session: &str, events: &mut Vec<WatchEvent>) {
        for watchers in self
            .data_watches
            .values_mut()
            .chain(self.child_watches.values_mut())
        {
            watchers.remove(session);
        }
        let zxid = self.next_zxid();
        let mut doomed = self.tree.ephemerals_of(session);
        doomed.reverse();
        for path in doomed {
            self.commit(&Txn::Delete { path }, zxid, events);
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
        let mut s = Store::default();
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
        let mut s = Store::default();
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
        assert!(s.tree().get("/e").is_none());
        let (_, events) = s.execute("c", &create("/x", false));
        assert!(events.is_empty(), "the closed session's watch is gone");
    }

    #[test]
    fn a_failed_multi_applies_nothing() {
        let mut s = Store::default();
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
        assert!(s.tree().get("/m").is_none());
    }
}
