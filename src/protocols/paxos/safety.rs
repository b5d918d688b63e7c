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
//!
//! The invariants read processes through [`LogProcess`] and [`LogReplica`], so they can be
//! tested on hand-made logs (and serve any replicated log that answers them).

use rustc_hash::FxHashSet;

use super::multi::{MultiPaxos, Replica, Slot, Value};
use super::slot_entry;
use crate::protocols::client::CommandId;
use crate::protocols::client::command_set::CommandSet;
use crate::sim::engine::{Invariant, Nodes};
use crate::sim::protocol::{NodeIdx, Protocol};
use crate::sim::time::{Nanos, to_secs};

/// What the invariants read of a server node.
pub trait LogReplica {
    /// This node.
    fn me(&self) -> NodeIdx;
    /// How many crashes this node had before this process booted.
    fn incarnation(&self) -> u32;
    /// Decisions learned by this process, in the order learned.
    fn decisions(&self) -> &[(Slot, Value)];
    /// Commands applied by this process, in order.
    fn applied(&self) -> &[CommandId];
}

/// What the invariants read of any process: a server node, or a client.
pub trait LogProcess: Protocol {
    /// The server node type.
    type Replica: LogReplica;
    /// The server node, if this process is one.
    fn replica(&self) -> Option<&Self::Replica>;
    /// For a client: its index and how many commands it has sent.
    fn sent(&self) -> Option<(u32, u64)>;
}

impl LogReplica for Replica {
    fn me(&self) -> NodeIdx {
        Replica::me(self)
    }

    fn incarnation(&self) -> u32 {
        Replica::incarnation(self)
    }

    fn decisions(&self) -> &[(Slot, Value)] {
        Replica::decisions(self)
    }

    fn applied(&self) -> &[CommandId] {
        Replica::applied(self)
    }
}

impl LogProcess for MultiPaxos {
    type Replica = Replica;

    fn replica(&self) -> Option<&Replica> {
        MultiPaxos::replica(self)
    }

    fn sent(&self) -> Option<(u32, u64)> {
        self.client().map(|c| (c.index(), c.issued()))
    }
}

/// How far an invariant has read each node, per process incarnation.
#[derive(Debug, Default)]
struct Cursors {
    read: Vec<(u32, usize)>,
}

impl Cursors {
    /// The part of `items` not read yet for this replica (all of it for a new incarnation),
    /// with the index of its first item; marks it read.
    fn fresh<'a, T>(
        &mut self,
        replica: &impl LogReplica,
        items: &'a [T],
    ) -> (usize, &'a [T], bool) {
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

/// The replicas that may hold something new since the previous check: every invariant here
/// reads each replica's logs from a cursor, so an untouched replica has nothing to read.
fn replicas<'a, P: LogProcess>(nodes: &'a Nodes<'_, P>) -> impl Iterator<Item = &'a P::Replica> {
    nodes.changed().filter_map(|p| p.replica())
}

fn name(node: NodeIdx) -> String {
    format!("n{}", node + 1)
}

/// No two nodes decide different values for a slot.
#[derive(Debug, Default)]
pub struct Agreement {
    cursors: Cursors,
    /// By slot (slots are dense): the first decision seen, by whom and when.
    chosen: Vec<Option<(Value, NodeIdx, Nanos)>>,
    /// Slots already reported (a recovered node re-reading its log does not report them again).
    conflicted: FxHashSet<Slot>,
}

impl<P: LogProcess> Invariant<P> for Agreement {
    fn name(&self) -> &'static str {
        "agreement"
    }

    fn check(&mut self, now: Nanos, nodes: &Nodes<'_, P>) -> Option<String> {
        let mut found = None;
        for replica in replicas(nodes) {
            let (_, fresh, _) = self.cursors.fresh(replica, replica.decisions());
            for &(slot, value) in fresh {
                let (first, by, at) = *slot_entry(&mut self.chosen, slot, None).get_or_insert((
                    value,
                    replica.me(),
                    now,
                ));
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

impl<P: LogProcess> Invariant<P> for Validity {
    fn name(&self) -> &'static str {
        "validity"
    }

    fn check(&mut self, _now: Nanos, nodes: &Nodes<'_, P>) -> Option<String> {
        // Looked up only for new decisions, which are rare among steps.
        let sent = |c: &CommandId| {
            nodes
                .iter()
                .flatten()
                .filter_map(|p| p.sent())
                .any(|(client, issued)| client == c.client && c.seq <= issued)
        };
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
    /// Per node, the slots it has decided (a bitmap: slots are dense).
    slots: Vec<Vec<bool>>,
    /// Per node, the commands it has applied.
    commands: Vec<CommandSet>,
}

impl<P: LogProcess> Invariant<P> for Integrity {
    fn name(&self) -> &'static str {
        "integrity"
    }

    fn check(&mut self, _now: Nanos, nodes: &Nodes<'_, P>) -> Option<String> {
        let mut found = None;
        for replica in replicas(nodes) {
            let me = replica.me();
            let i = me as usize;
            if self.slots.len() <= i {
                self.slots.resize_with(i + 1, Vec::new);
                self.commands.resize_with(i + 1, CommandSet::default);
            }
            let (_, fresh, reborn) = self.decided.fresh(replica, replica.decisions());
            let slots = &mut self.slots[i];
            if reborn {
                slots.clear();
            }
            for &(slot, _) in fresh {
                if std::mem::replace(slot_entry(slots, slot, false), true) && found.is_none() {
                    found = Some(format!("{} decided slot {slot} twice", name(me)));
                }
            }
            let (_, fresh, reborn) = self.applied.fresh(replica, replica.applied());
            let commands = &mut self.commands[i];
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

impl<P: LogProcess> Invariant<P> for LogPrefix {
    fn name(&self) -> &'static str {
        "log-prefix"
    }

    fn check(&mut self, _now: Nanos, nodes: &Nodes<'_, P>) -> Option<String> {
        let mut found = None;
        for replica in replicas(nodes) {
            let (start, fresh, _) = self.cursors.fresh(replica, replica.applied());
            if fresh.is_empty() || self.diverged.contains(&replica.me()) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::protocol::Ctx;

    /// A hand-made log.
    #[derive(Debug, Clone, Default)]
    struct Log {
        me: NodeIdx,
        incarnation: u32,
        decisions: Vec<(Slot, Value)>,
        applied: Vec<CommandId>,
    }

    impl LogReplica for Log {
        fn me(&self) -> NodeIdx {
            self.me
        }

        fn incarnation(&self) -> u32 {
            self.incarnation
        }

        fn decisions(&self) -> &[(Slot, Value)] {
            &self.decisions
        }

        fn applied(&self) -> &[CommandId] {
            &self.applied
        }
    }

    /// A process: a hand-made log, or a client that has sent some commands.
    #[derive(Debug, Clone)]
    enum Fake {
        Replica(Log),
        Client(u64),
    }

    impl Protocol for Fake {
        type Msg = ();
        type Timer = ();
        type Stable = ();
        type Config = ();
        const NAME: &'static str = "fake";

        fn boot(_ctx: &mut Ctx<'_, Self>, _stable: &()) -> Self {
            Fake::Client(0)
        }

        fn on_message(&mut self, _ctx: &mut Ctx<'_, Self>, _from: NodeIdx, _msg: ()) {}

        fn on_timer(&mut self, _ctx: &mut Ctx<'_, Self>, _timer: ()) {}

        fn kind(_msg: &()) -> &'static str {
            "none"
        }
    }

    impl LogProcess for Fake {
        type Replica = Log;

        fn replica(&self) -> Option<&Log> {
            match self {
                Fake::Replica(log) => Some(log),
                Fake::Client(_) => None,
            }
        }

        fn sent(&self) -> Option<(u32, u64)> {
            match self {
                Fake::Client(sent) => Some((0, *sent)),
                Fake::Replica(_) => None,
            }
        }
    }

    fn c(seq: u64) -> CommandId {
        CommandId { client: 0, seq }
    }

    /// Node `me` that decided `values` in slots 0, 1, ... and applied their commands.
    fn node(me: NodeIdx, values: &[Value]) -> Fake {
        let applied = values
            .iter()
            .filter_map(|v| match v {
                Value::Command(id) => Some(*id),
                Value::Noop => None,
            })
            .collect();
        Fake::Replica(Log {
            me,
            decisions: (0..).zip(values.iter().copied()).collect(),
            applied,
            ..Log::default()
        })
    }

    fn check(inv: &mut impl Invariant<Fake>, nodes: &[&Fake]) -> Option<String> {
        let nodes: Vec<Option<&Fake>> = nodes.iter().map(|n| Some(*n)).collect();
        inv.check(0, &Nodes::from(nodes.as_slice()))
    }

    #[test]
    fn agreement_remembers_a_decision_after_its_node_is_gone() {
        let mut inv = Agreement::default();
        assert_eq!(check(&mut inv, &[&node(0, &[Value::Command(c(1))])]), None);
        // n1 crashed; n2 decides something else for slot 0.
        let Fake::Replica(mut log) = node(1, &[Value::Noop]) else {
            unreachable!("node() makes replicas")
        };
        let found = check(&mut inv, &[&Fake::Replica(log.clone())]).expect("a violation");
        assert!(found.starts_with("slot 0: n2 decided no-op"), "{found}");
        assert!(found.contains("n1 decided c1:1"), "{found}");
        // Reported once per slot, even when n2 reboots and reads its log again.
        log.incarnation = 1;
        assert_eq!(check(&mut inv, &[&Fake::Replica(log)]), None);
    }

    #[test]
    fn agreement_holds_for_equal_decisions() {
        let mut inv = Agreement::default();
        let v = [Value::Command(c(1)), Value::Noop];
        assert_eq!(check(&mut inv, &[&node(0, &v), &node(1, &v[..1])]), None);
    }

    #[test]
    fn validity_accepts_sent_commands_and_no_ops_only() {
        let mut inv = Validity::default();
        let client = Fake::Client(2);
        let fine = node(0, &[Value::Command(c(2)), Value::Noop]);
        assert_eq!(check(&mut inv, &[&fine, &client]), None);
        let made_up = node(1, &[Value::Command(c(3))]);
        assert_eq!(
            check(&mut inv, &[&made_up, &client]).as_deref(),
            Some("slot 0: n2 decided c1:3, which no client sent")
        );
    }

    #[test]
    fn integrity_catches_a_slot_decided_twice_and_a_command_applied_twice() {
        let mut inv = Integrity::default();
        let mut log = Log {
            decisions: vec![(0, Value::Command(c(1))), (1, Value::Command(c(2)))],
            applied: vec![c(1), c(2)],
            ..Log::default()
        };
        assert_eq!(check(&mut inv, &[&Fake::Replica(log.clone())]), None);
        log.decisions.push((1, Value::Noop));
        assert_eq!(
            check(&mut inv, &[&Fake::Replica(log.clone())]).as_deref(),
            Some("n1 decided slot 1 twice")
        );
        log.applied.push(c(1));
        assert_eq!(
            check(&mut inv, &[&Fake::Replica(log.clone())]).as_deref(),
            Some("n1 applied c1:1 twice")
        );
        // A recovered process re-reads its stable log: that is not deciding again.
        log.incarnation = 1;
        log.decisions.truncate(2);
        log.applied.truncate(2);
        assert_eq!(check(&mut inv, &[&Fake::Replica(log)]), None);
    }

    #[test]
    fn log_prefix_accepts_shorter_logs_and_reports_a_fork_once() {
        let mut inv = LogPrefix::default();
        let one = Value::Command(c(1));
        let (two, three) = (Value::Command(c(2)), Value::Command(c(3)));
        let a = node(0, &[one, two]);
        assert_eq!(check(&mut inv, &[&a, &node(1, &[one])]), None);
        assert_eq!(
            check(&mut inv, &[&a, &node(1, &[one, three])]).as_deref(),
            Some("position 2 of the applied logs: n2 applied c1:3, n1 applied c1:2")
        );
        assert_eq!(
            check(&mut inv, &[&a, &node(1, &[one, three, two])]),
            None,
            "a log that forked is reported once"
        );
    }
}
