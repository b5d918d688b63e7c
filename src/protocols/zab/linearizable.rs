//! `linearizable-writes`: the clients' writes of each key, checked for linearizability against
//! the model of one znode ([`ZnodeModel`]) once the run is over.
//!
//! Writes are creates, sets (blind or compare-and-set) and deletes of a single node. Reads are
//! left out — ZooKeeper serves them from the client's server, so they are sequentially
//! consistent, not linearizable — and so are writes that never took effect: never sent, or
//! refused as a whole (`SessionExpired`, `SessionMoved`). A write lost with its connection, or
//! still in flight when the run ended, is unknown: it may have taken effect at any time after
//! its call, or never. A node also touched
//! otherwise (a multi, an ephemeral node deleted with its session, a sequential create whose
//! name is known only afterwards) is not checked: one znode's model cannot explain it.

use std::collections::BTreeMap;

use super::client::{Completion, Operation as ClientOp};
use crate::check::linearizable::{Operation, Verdict, check};
use crate::protocols::zk::ZkError;
use crate::protocols::zk::ops::Write;
use crate::protocols::zk::register::{ZnodeModel, ZnodeOp, ZnodeOutcome};
use crate::protocols::zk::store::{Reply, Request};
use crate::sim::time::{Nanos, to_secs};

/// Search steps allowed per key before it is reported undecided.
pub const BUDGET: u64 = 500_000;

/// What the check found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Linearizability {
    /// Keys checked.
    pub keys: usize,
    /// Writes checked.
    pub writes: usize,
    /// Keys whose search ran out of budget.
    pub undecided: Vec<String>,
    /// Keys whose writes cannot be linearized: (when the write that could not be placed
    /// returned, what happened).
    pub violations: Vec<(f64, String)>,
}

/// The model's view of one client write, or none when it is no single-node write or never took
/// effect.
fn as_write(op: &ClientOp) -> Option<(String, Operation<ZnodeOp, ZnodeOutcome>)> {
    let (path, input) = match &op.request {
        Request::Write(Write::Create {
            path,
            data,
            ephemeral: false,
            sequential: false,
            ..
        }) => (
            path,
            ZnodeOp::Create {
                data: String::from_utf8_lossy(data).into_owned(),
            },
        ),
        Request::Write(Write::SetData {
            path,
            data,
            version,
        }) => (
            path,
            ZnodeOp::Set {
                data: String::from_utf8_lossy(data).into_owned(),
                version: *version,
            },
        ),
        Request::Write(Write::Delete { path, version }) => {
            (path, ZnodeOp::Delete { version: *version })
        }
        _ => return None,
    };
    let (ret, output) = match &op.completion {
        Some(Completion::NotSent { .. }) => return None,
        // Lost with its connection, or still in flight when the run ended.
        Some(Completion::Unknown { .. }) | None => (None, None),
        Some(Completion::Answered { at, result, .. }) => {
            let output = match result {
                Ok(Reply::Created(_)) => ZnodeOutcome::Created,
                Ok(Reply::Stat(Some(stat))) => ZnodeOutcome::SetOk {
                    version: stat.version,
                },
                Ok(Reply::Done) => ZnodeOutcome::Deleted,
                // A create's NoNode is about the parent: it says nothing of this node.
                Err(ZkError::NoNode) if matches!(input, ZnodeOp::Create { .. }) => return None,
                Err(e @ (ZkError::NoNode | ZkError::NodeExists | ZkError::BadVersion)) => {
                    ZnodeOutcome::Error(*e)
                }
                _ => return None,
            };
            (Some(*at), Some(output))
        }
    };
    let write = Operation {
        process: op.client,
        call: op.invoked,
        ret,
        input,
        output,
    };
    Some((path.clone(), write))
}

/// Whether some operation touches the node at `path` in a way one znode's model does not
/// follow: in a multi, as an ephemeral node, or as a sequential node (any path that starts with a
/// sequential create's prefix, since its name is known only from the reply).
fn untracked(history: &[&ClientOp]) -> impl Fn(&str) -> bool {
    let mut paths = std::collections::BTreeSet::new();
    let mut prefixes = Vec::new();
    for op in history {
        match &op.request {
            Request::Multi(writes) => {
                paths.extend(writes.iter().map(|w| w.path().to_string()));
            }
            Request::Write(Write::Create {
                path,
                ephemeral: true,
                sequential: false,
                ..
            }) => {
                paths.insert(path.clone());
            }
            Request::Write(Write::Create {
                path,
                sequential: true,
                ..
            }) => {
                prefixes.push(path.clone());
            }
            Request::Write(Write::SetAcl { path, .. }) => {
                paths.insert(path.clone());
            }
            _ => {}
        }
    }
    move |path: &str| paths.contains(path) || prefixes.iter().any(|p| path.starts_with(p.as_str()))
}

/// Checks every key's writes.
pub fn check_writes(history: &[&ClientOp]) -> Linearizability {
    let skip = untracked(history);
    let mut by_key: BTreeMap<String, Vec<Operation<ZnodeOp, ZnodeOutcome>>> = BTreeMap::new();
    for op in history {
        if let Some((path, write)) = as_write(op)
            && !skip(&path)
        {
            by_key.entry(path).or_default().push(write);
        }
    }
    let mut found = Linearizability {
        keys: by_key.len(),
        writes: by_key.values().map(Vec::len).sum(),
        ..Linearizability::default()
    };
    for (key, writes) in &by_key {
        match check(&ZnodeModel, writes, BUDGET) {
            Verdict::Linearizable => {}
            Verdict::Undecided { .. } => found.undecided.push(key.clone()),
            Verdict::NotLinearizable(witness) => {
                let op = &writes[witness.unplaceable_op];
                let at: Nanos = op.ret.unwrap_or(op.call);
                found.violations.push((
                    to_secs(at),
                    format!(
                        "{key}: c{}'s {:?} returning {:?} at {} s fits no order of the writes \
                         (the longest order found places {} of {}, leaving the node {:?})",
                        op.process + 1,
                        op.input,
                        op.output,
                        to_secs(at),
                        witness.longest_prefix.len(),
                        writes.len(),
                        witness.state_after_prefix,
                    ),
                ));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::zk::acl::everyone;
    use crate::protocols::zk::tree::Stat;

    fn op(client: u32, request: Request, invoked: Nanos, completion: Completion) -> ClientOp {
        ClientOp {
            client,
            session: format!("c{}", client + 1),
            request,
            invoked,
            completion: Some(completion),
        }
    }

    fn create(path: &str) -> Request {
        Request::Write(Write::Create {
            path: path.into(),
            data: b"x".to_vec(),
            ephemeral: false,
            sequential: false,
            acl: everyone(),
        })
    }

    fn created(at: Nanos) -> Completion {
        Completion::Answered {
            at,
            zxid: 1,
            result: Ok(Reply::Created("/k".into())),
        }
    }

    #[test]
    fn two_creates_of_one_node_cannot_both_succeed() {
        let a = op(0, create("/k"), 10, created(20));
        let b = op(1, create("/k"), 15, created(25));
        let found = check_writes(&[&a, &b]);
        assert_eq!((found.keys, found.writes), (1, 2));
        assert_eq!(found.violations.len(), 1);
        assert!(
            found.violations[0].1.starts_with("/k: "),
            "{:?}",
            found.violations
        );
        // One of them lost with its connection: it may never have happened.
        let b = op(1, create("/k"), 15, Completion::Unknown { at: 25 });
        assert!(check_writes(&[&a, &b]).violations.is_empty());
    }

    #[test]
    fn a_write_still_in_flight_at_the_end_may_have_happened() {
        let delete = Request::Write(Write::Delete {
            path: "/k".into(),
            version: -1,
        });
        let a = op(0, create("/k"), 10, created(20));
        let mut b = op(1, delete, 25, created(0));
        b.completion = None;
        let c = op(0, create("/k"), 30, created(40));
        let found = check_writes(&[&a, &b, &c]);
        assert_eq!((found.writes, found.violations.len()), (3, 0));
    }

    #[test]
    fn writes_that_never_took_effect_and_nodes_a_multi_touches_are_left_out() {
        let set = Request::Write(Write::SetData {
            path: "/k".into(),
            data: b"y".to_vec(),
            version: 0,
        });
        let moved = Completion::Answered {
            at: 30,
            zxid: 2,
            result: Err(ZkError::SessionMoved),
        };
        let unsent = Completion::NotSent {
            at: 40,
            error: "ConnectionLoss",
        };
        let a = op(0, create("/k"), 10, created(20));
        let b = op(1, set.clone(), 25, moved);
        let c = op(1, set, 40, unsent);
        assert_eq!(check_writes(&[&a, &b, &c]).writes, 1);
        let stat = Stat::default();
        let multi = op(
            2,
            Request::Multi(vec![Write::Check {
                path: "/k".into(),
                version: 0,
            }]),
            50,
            Completion::Answered {
                at: 60,
                zxid: 3,
                result: Ok(Reply::Multi(vec![Reply::Stat(Some(stat))])),
            },
        );
        assert_eq!(check_writes(&[&a, &multi]).keys, 0);
    }
}
