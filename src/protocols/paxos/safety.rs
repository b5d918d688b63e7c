//! The safety properties of a replicated log, checked on every decision of Multi-Paxos.
//!
//! - `agreement`: no two nodes ever decide different values for one slot;
//! - `validity`: every decided command was sent by a client (a no-op is a proposer's own value);
//! - `integrity`: a node decides a slot at most once, and applies no command twice;
//! - `log-prefix`: of any two nodes' applied logs, one is a prefix of the other.
//!
//! The checks remember history, not just the live processes: a decision made by a node that has
//! crashed since still binds everyone else. Each invariant keeps a cursor per node into what it
//! has already checked (the node's decisions, or its applied log), so a step costs time in what
//! changed, not in the length of the log; a recovered process (a new incarnation) is read from
//! the start again, which also checks that it rebuilt its log from stable storage faithfully.
//! `log-prefix` compares every applied log with one reference sequence built from all of them:
//! the logs are pairwise prefixes exactly when each is a prefix of that sequence.

use rustc_hash::{FxHashMap, FxHashSet};

use super::client::CommandId;
use super::multi::{MultiPaxos, Replica, Slot, Value};
use crate::sim::engine::Invariant;
use crate::sim::protocol::NodeIdx;
use crate::sim::time::{Nanos, to_secs};

/// How far an invariant has read each node, per process incarnation.
#[derive(Debug, Default)]
struct Cursors {
    read: Vec<(u32, usize)>,
}

impl Cursors {
    /// The part of `items` not read yet for this replica (all of it for a new incarnation),
    /// with the index of its first item; marks it read.
    fn fresh<'a, T>(&mut self, replica: &Replica, items: &'a [T]) -> (usize, &'a [T], bool) {
        let node = replica.me() as usize;
        if self.read.len() <= node {
            self.read.resize(node + 1, (u32::MAX, 0));
        }
        let (incarnation, read) = &mut self.read[node];
        let reborn = *incarnation != replica.incarnation();
        if reborn {
            *incarnation = replica.incarnation();
            *read = 0;
        }
        let start = (*read).min(items.len());
        *read = items.len();
        (start, &items[start..], reborn)
    }
}

fn replicas<'a>(nodes: &'a [Option<&'a MultiPaxos>]) -> impl Iterator<Item = &'a Replica> {
    nodes.iter().flatten().filter_map(|p| p.replica())
}

fn name(node: NodeIdx) -> String {
    format!("n{}", node + 1)
}

/// No two nodes decide different values for a slot.
#[derive(Debug, Default)]
pub struct Agreement {
    cursors: Cursors,
    chosen: FxHashMap<Slot, (Value, NodeIdx, Nanos)>,
    /// Slots already reported (a recovered node re-reading its log does not report them again).
    conflicted: FxHashSet<Slot>,
}

impl Invariant<MultiPaxos> for Agreement {
    fn name(&self) -> &'static str {
        "agreement"
    }

    fn check(&mut self, now: Nanos, nodes: &[Option<&MultiPaxos>]) -> Option<String> {
        let mut found = None;
        for replica in replicas(nodes) {
            let (_, fresh, _) = self.cursors.fresh(replica, replica.decisions());
            for &(slot, value) in fresh {
                let (first, by, at) =
                    *self
                        .chosen
                        .entry(slot)
                        .or_insert((value, replica.me(), now));
                if first != value && self.conflicted.insert(slot) && found.is_none() {
                    found = Some(format!(
                        "slot {slot}: {} decided {value} at {:.6} s, but {} decided {first} at \
                         {:.6} s",
                        name(replica.me()),
                        to_secs(now),
                        name(by),
                        to_secs(at)
                    ));
                }
            }
        }
        found
    }
}

/// Every decided command was sent by a client.
#[derive(Debug, Default)]
pub struct Validity {
    cursors: Cursors,
}

impl Invariant<MultiPaxos> for Validity {
    fn name(&self) -> &'static str {
        "validity"
    }

    fn check(&mut self, _now: Nanos, nodes: &[Option<&MultiPaxos>]) -> Option<String> {
        let issued: FxHashMap<u32, u64> = nodes
            .iter()
            .flatten()
            .filter_map(|p| p.client())
            .map(|c| (c.index(), c.issued()))
            .collect();
        let sent = |c: &CommandId| issued.get(&c.client).is_some_and(|&n| c.seq <= n);
        let mut found = None;
        for replica in replicas(nodes) {
            let (_, fresh, _) = self.cursors.fresh(replica, replica.decisions());
            for &(slot, value) in fresh {
                if let Value::Command(c) = value
                    && !sent(&c)
                    && found.is_none()
                {
                    found = Some(format!(
                        "slot {slot}: {} decided {c}, which no client sent",
                        name(replica.me())
                    ));
                }
            }
        }
        found
    }
}

/// A node decides a slot at most once and applies a command at most once.
#[derive(Debug, Default)]
pub struct Integrity {
    decided: Cursors,
    applied: Cursors,
    slots: FxHashMap<NodeIdx, FxHashSet<Slot>>,
    commands: FxHashMap<NodeIdx, FxHashSet<CommandId>>,
}

impl Invariant<MultiPaxos> for Integrity {
    fn name(&self) -> &'static str {
        "integrity"
    }

    fn check(&mut self, _now: Nanos, nodes: &[Option<&MultiPaxos>]) -> Option<String> {
        let mut found = None;
        for replica in replicas(nodes) {
            let me = replica.me();
            let (_, fresh, reborn) = self.decided.fresh(replica, replica.decisions());
            let slots = self.slots.entry(me).or_default();
            if reborn {
                slots.clear();
            }
            for &(slot, _) in fresh {
                if !slots.insert(slot) && found.is_none() {
                    found = Some(format!("{} decided slot {slot} twice", name(me)));
                }
            }
            let (_, fresh, reborn) = self.applied.fresh(replica, replica.applied());
            let commands = self.commands.entry(me).or_default();
            if reborn {
                commands.clear();
            }
            for command in fresh {
                if !commands.insert(*command) && found.is_none() {
                    found = Some(format!("{} applied {command} twice", name(me)));
                }
            }
        }
        found
    }
}

/// Every two nodes' applied logs are prefixes of one another. A node's log that has diverged is
/// reported once, not again for every later entry it applies.
#[derive(Debug, Default)]
pub struct LogPrefix {
    cursors: Cursors,
    reference: Vec<(CommandId, NodeIdx)>,
    diverged: FxHashSet<NodeIdx>,
}

impl Invariant<MultiPaxos> for LogPrefix {
    fn name(&self) -> &'static str {
        "log-prefix"
    }

    fn check(&mut self, _now: Nanos, nodes: &[Option<&MultiPaxos>]) -> Option<String> {
        let mut found = None;
        for replica in replicas(nodes) {
            let (start, fresh, _) = self.cursors.fresh(replica, replica.applied());
            if self.diverged.contains(&replica.me()) {
                continue;
            }
            for (index, &command) in (start..).zip(fresh) {
                match self.reference.get(index) {
                    Some(&(other, by)) if other != command => {
                        self.diverged.insert(replica.me());
                        found.get_or_insert_with(|| {
                            format!(
                                "position {} of the applied logs: {} applied {command}, {} \
                                 applied {other}",
                                index + 1,
                                name(replica.me()),
                                name(by)
                            )
                        });
                        break;
                    }
                    Some(_) => {}
                    None => self.reference.push((command, replica.me())),
                }
            }
        }
        found
    }
}
