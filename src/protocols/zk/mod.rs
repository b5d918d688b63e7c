//! A ZooKeeper-style store with ZooKeeper 3.8's semantics: znodes with exact stats, ephemeral
//! and sequential nodes, versions and compare-and-set, ACLs, one-shot watches, atomic multi,
//! sessions.
//!
//! - [`path`]: path rules;
//! - [`acl`]: ACLs (`world`, `digest`) and permissions;
//! - [`tree`]: znodes and which write bumps which stat field;
//! - [`ops`]: requests prepared into transactions, and transactions applied — the split a
//!   replicated store needs (agree on transactions, apply them everywhere);
//! - [`store`]: one server: zxids, sessions, watches;
//! - [`script`]: `faultline zk exec`, the JSONL driver;
//! - [`register`]: one znode as a sequential model for the linearizability checker.
//!
//! Reference: the ZooKeeper Programmer's Guide (3.8) and ZooKeeper's `PrepRequestProcessor`,
//! `DataTree` and `WatchManager`, whose order of checks and firing of watches this follows.

pub mod acl;
pub mod ops;
pub mod path;
pub mod register;
pub mod script;
pub mod store;
pub mod tree;

use serde::Serialize;
use thiserror::Error;

/// ZooKeeper's error codes, by the names DESIGN.md prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, Serialize)]
pub enum ZkError {
    /// The node (or, for a create, its parent) does not exist.
    #[error("NoNode")]
    NoNode,
    /// The node already exists.
    #[error("NodeExists")]
    NodeExists,
    /// The expected version does not match.
    #[error("BadVersion")]
    BadVersion,
    /// The node has children.
    #[error("NotEmpty")]
    NotEmpty,
    /// Ephemeral nodes cannot have children.
    #[error("NoChildrenForEphemerals")]
    NoChildrenForEphemerals,
    /// An invalid path or argument.
    #[error("BadArguments")]
    BadArguments,
    /// The ACL denies it.
    #[error("NoAuth")]
    NoAuth,
    /// The ACL is invalid.
    #[error("InvalidACL")]
    InvalidAcl,
    /// The session has expired (a replicated store's leader closed it).
    #[error("SessionExpired")]
    SessionExpired,
    /// The request came through a server the session has left for another.
    #[error("SessionMoved")]
    SessionMoved,
}
