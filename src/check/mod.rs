//! Checkers that judge a recorded history of client operations against a specification,
//! rather than a protocol's internal state: they see only what clients saw.
//!
//! - [`linearizable`]: is a concurrent history linearizable with respect to a sequential
//!   [`linearizable::Model`]? The Wing–Gong search with Lowe's memo of configurations, bounded
//!   by a step budget.
//!
//! Models live beside the protocols they describe (e.g. `protocols::zk::register` for one
//! ZooKeeper znode), so this module knows nothing about any protocol.

pub mod linearizable;
