//! ZooKeeper's guarantees, checked after every step of a run (names as the report prints them):
//!
//! - `agreement`: every server's applied transactions are a prefix of one sequence;
//! - `durability`: a write acknowledged to a client is in the log of every later established
//!   leader;
//! - `client-fifo`: a session's writes take effect (commit) in the order it sent them (writes
//!   refused with an error have no effect and do not count);
//! - `single-system-image`: a session never gets a reply older (by zxid) than one it has seen,
//!   across reconnects;
//! - `one-leader-per-epoch`: no two servers are established leaders of the same epoch;
//! - `ephemeral-lifetime`: an ephemeral node is created only while its owner's session is open
//!   (closing a session deletes its ephemerals as it is applied, so this is the way one could
//!   outlive its session).
//!
//! `linearizable-writes` needs the whole history and is checked at the end of the run
//! ([`crate::check::linearizable`]). The committed sequence ([`Truth`]) is followed once per
//! step and shared by the checkers that read it, and by the count of stale reads: a read is
//! stale when the server answering it had not applied the last committed change of the node read.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::{Entry, Zab, Zxid, epoch_of, hex};
use crate::protocols::zk::ops::Txn;
use crate::protocols::zk::path;
use crate::protocols::zk::store::{Change, Store};
use crate::sim::engine::{Invariant, Nodes};
use crate::sim::time::Nanos;

/// What identifies an entry's content: the same zxid with another digest is another
/// transaction.
fn digest(entry: &Entry) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    (
        entry.zxid,
        entry.cxid,
        entry.time_ms,
        entry.change.session(),
    )
        .hash(&mut h);
    h.finish()
}

fn servers<'a>(nodes: &'a Nodes<'_, Zab>) -> impl Iterator<Item = &'a super::server::Server> {
    nodes.iter().filter_map(|n| n.and_then(Zab::server))
}

fn clients<'a>(nodes: &'a Nodes<'_, Zab>) -> impl Iterator<Item = &'a super::client::ZkClient> {
    nodes.iter().filter_map(|n| n.and_then(Zab::client))
}

/// The committed sequence as the servers have applied it, followed step by step.
#[derive(Debug, Default)]
pub struct Truth {
    /// zxids committed, in order.
    zxids: Vec<Zxid>,
    /// Each committed entry's digest (zxid, session, request number, time), in order.
    digests: Vec<u64>,
    /// Per node path: its data changes (creation and deletion included): when each was first
    /// applied anywhere, and its zxid.
    data_changed: FxHashMap<String, Vec<(Nanos, Zxid)>>,
    /// Per node path: the changes of its children.
    children_changed: FxHashMap<String, Vec<(Nanos, Zxid)>>,
    /// When the entries followed now were first applied.
    now: Nanos,
    /// The committed state: the store with every committed change applied.
    committed: Store,
    /// Sessions closed by expiry.
    pub expired: u64,
    /// Ephemeral nodes deleted when their session ended.
    pub ephemerals_deleted: u64,
    /// Ephemeral nodes created for a session that was not open.
    pub orphans: Vec<String>,
    /// Reads that returned an older state than the committed one.
    pub stale_reads: u64,
    /// Per session: the last request number committed.
    last_cxid: FxHashMap<String, u64>,
    /// A session's write committed after a later one of the same session.
    pub reordered: Option<String>,
    /// Per server: reads counted so far (of its current process).
    reads_seen: BTreeMap<u32, u64>,
}

impl Truth {
    /// A truth to share between checkers.
    pub fn shared() -> Rc<RefCell<Truth>> {
        Rc::new(RefCell::new(Truth::default()))
    }

    /// The committed state, as of the last step followed.
    pub fn committed(&self) -> &Store {
        &self.committed
    }

    /// The last committed zxid.
    pub fn last_zxid(&self) -> Zxid {
        self.zxids.last().copied().unwrap_or(0)
    }

    /// The committed zxids, in order.
    pub fn zxids(&self) -> &[Zxid] {
        &self.zxids
    }

    /// Follows the longest applied sequence among live servers at `now` (idempotent within a
    /// step).
    pub fn advance(&mut self, now: Nanos, nodes: &Nodes<'_, Zab>) {
        self.now = now;
        if let Some(longest) = servers(nodes).max_by_key(|s| s.applied().len()) {
            let applied = longest.applied();
            for entry in applied.iter().skip(self.zxids.len()) {
                self.follow(entry);
            }
        }
    }

    /// Counts the stale reads answered since the last count.
    fn count_stale_reads(&mut self, nodes: &Nodes<'_, Zab>) {
        for server in servers(nodes) {
            let (answered, total) = server.answered();
            let seen = self.reads_seen.entry(server.id()).or_default();
            // A restarted process counts from 0 again.
            let new = total.saturating_sub(if total < *seen { 0 } else { *seen });
            *seen = total;
            let fresh = answered
                .len()
                .saturating_sub(answered.len().min(new as usize));
            for read in &answered[fresh..] {
                let changes = if read.children {
                    self.children_changed.get(&read.path)
                } else {
                    self.data_changed.get(&read.path)
                };
                // The node's last change committed before the read was answered (a commit at
                // the same instant, later in the same step, does not make it stale).
                let last = changes.and_then(|c| {
                    let before = c.partition_point(|(t, _)| *t < read.at);
                    before.checked_sub(1).map(|i| c[i].1)
                });
                if last.is_some_and(|z| z > read.applied) {
                    self.stale_reads += 1;
                }
            }
        }
    }

    fn follow(&mut self, entry: &Entry) {
        self.zxids.push(entry.zxid);
        self.digests.push(digest(entry));
        let z = entry.zxid;
        let refused = matches!(
            &entry.change,
            Change::Write { txn: Err(_), .. } | Change::Multi { txns: Err(_), .. }
        );
        if entry.cxid > 0 && !refused {
            let session = entry.change.session();
            let last = self.last_cxid.entry(session.to_string()).or_default();
            if entry.cxid < *last && self.reordered.is_none() {
                self.reordered = Some(format!(
                    "session {session}'s request {} committed at {} after its request {last}",
                    entry.cxid,
                    hex(z)
                ));
            }
            *last = (*last).max(entry.cxid);
        }
        match &entry.change {
            Change::OpenSession { session, .. } => {
                // A name may be used again once its session closed: its requests count anew.
                self.last_cxid.remove(session);
            }
            Change::CloseSession { session } => {
                if entry.cxid == 0 {
                    self.expired += 1;
                }
                for p in self.committed.tree().ephemerals_of(session) {
                    self.ephemerals_deleted += 1;
                    self.deleted(&p, z);
                }
            }
            Change::Write { txn, .. } => {
                if let Ok(txn) = txn {
                    self.txn(txn, z);
                }
            }
            Change::Multi { txns, .. } => {
                for txn in txns.iter().flatten() {
                    self.txn(txn, z);
                }
            }
        }
        // The replies and watch events of the committed state reach nobody.
        let _ = self.committed.apply(&entry.change, z, entry.time_ms);
    }

    fn txn(&mut self, txn: &Txn, z: Zxid) {
        match txn {
            Txn::Create { path, node, .. } => {
                self.changed(path, z);
                if let Some(owner) = &node.owner
                    && !self.committed.is_open(owner)
                    && self.orphans.len() < 16
                {
                    self.orphans.push(format!(
                        "{path} created at {} for closed session {owner}",
                        hex(z)
                    ));
                }
            }
            Txn::Delete { path } => self.deleted(path, z),
            Txn::SetData { path, .. } => {
                let now = self.now;
                self.data_changed
                    .entry(path.clone())
                    .or_default()
                    .push((now, z));
            }
            Txn::SetAcl { .. } | Txn::Check => {}
        }
    }

    fn deleted(&mut self, path: &str, z: Zxid) {
        self.changed(path, z);
    }

    /// A node created or deleted: its data, its children and its parent's children changed.
    fn changed(&mut self, path: &str, z: Zxid) {
        let change = (self.now, z);
        self.data_changed
            .entry(path.to_string())
            .or_default()
            .push(change);
        for p in [path, path::split(path).0] {
            self.children_changed
                .entry(p.to_string())
                .or_default()
                .push(change);
        }
    }
}

/// `agreement`.
pub struct Agreement {
    truth: Rc<RefCell<Truth>>,
    /// Per server: how many of its applied entries were checked.
    checked: BTreeMap<u32, usize>,
}

impl Agreement {
    /// Checks against the shared committed sequence.
    pub fn new(truth: Rc<RefCell<Truth>>) -> Self {
        Agreement {
            truth,
            checked: BTreeMap::new(),
        }
    }
}

impl Invariant<Zab> for Agreement {
    fn name(&self) -> &'static str {
        "agreement"
    }

    fn check(&mut self, now: Nanos, nodes: &Nodes<'_, Zab>) -> Option<String> {
        let mut truth = self.truth.borrow_mut();
        truth.advance(now, nodes);
        truth.count_stale_reads(nodes);
        for server in servers(nodes) {
            let applied = server.applied();
            let checked = self.checked.get(&server.id()).copied().unwrap_or(0);
            // A store rebuilt from a snapshot or a truncated log is checked again from the start.
            let from = if applied.len() < checked { 0 } else { checked };
            for (i, entry) in applied.iter().enumerate().skip(from) {
                let same = truth.zxids.get(i) == Some(&entry.zxid)
                    && truth.digests.get(i) == Some(&digest(entry));
                if !same {
                    return Some(format!(
                        "n{} applied {} as transaction {} where another server applied {}",
                        server.id() + 1,
                        hex(entry.zxid),
                        i + 1,
                        truth.zxids.get(i).map_or("nothing".into(), |z| hex(*z)),
                    ));
                }
            }
            self.checked.insert(server.id(), applied.len());
        }
        None
    }
}

/// `durability`.
#[derive(Default)]
pub struct Durability {
    acked: Vec<Zxid>,
    cursors: BTreeMap<u32, usize>,
    /// Per server: (epoch led, acknowledged writes checked).
    leaders: BTreeMap<u32, (u32, usize)>,
}

impl Invariant<Zab> for Durability {
    fn name(&self) -> &'static str {
        "durability"
    }

    fn check(&mut self, _now: Nanos, nodes: &Nodes<'_, Zab>) -> Option<String> {
        for client in clients(nodes) {
            let cursor = self.cursors.entry(client.index()).or_default();
            for op in &client.history()[*cursor..] {
                if op.completion.is_none() {
                    break;
                }
                *cursor += 1;
                if let Some(super::client::Completion::Answered {
                    zxid,
                    result: Ok(_),
                    ..
                }) = &op.completion
                    && super::client::writes(op)
                {
                    self.acked.push(*zxid);
                }
            }
        }
        for server in servers(nodes) {
            let Some(epoch) = server.established() else {
                continue;
            };
            let entry = self.leaders.entry(server.id()).or_insert((epoch, 0));
            if entry.0 != epoch {
                *entry = (epoch, 0);
            }
            let log = server.log();
            for z in &self.acked[entry.1..] {
                if epoch_of(*z) < epoch && log.binary_search_by_key(z, |e| e.zxid).is_err() {
                    return Some(format!(
                        "write {} was acknowledged, but n{} leads epoch {epoch} without it",
                        hex(*z),
                        server.id() + 1
                    ));
                }
            }
            entry.1 = self.acked.len();
        }
        None
    }
}

/// `client-fifo`.
pub struct ClientFifo {
    truth: Rc<RefCell<Truth>>,
}

impl ClientFifo {
    /// Checks the shared committed sequence.
    pub fn new(truth: Rc<RefCell<Truth>>) -> Self {
        ClientFifo { truth }
    }
}

impl Invariant<Zab> for ClientFifo {
    fn name(&self) -> &'static str {
        "client-fifo"
    }

    fn check(&mut self, now: Nanos, nodes: &Nodes<'_, Zab>) -> Option<String> {
        let mut truth = self.truth.borrow_mut();
        truth.advance(now, nodes);
        truth.reordered.clone()
    }
}

/// `single-system-image`.
pub struct SingleSystemImage;

impl Invariant<Zab> for SingleSystemImage {
    fn name(&self) -> &'static str {
        "single-system-image"
    }

    fn check(&mut self, _now: Nanos, nodes: &Nodes<'_, Zab>) -> Option<String> {
        clients(nodes).find_map(|c| c.breaches().system_image.clone())
    }
}

/// `one-leader-per-epoch`.
#[derive(Default)]
pub struct OneLeaderPerEpoch {
    leaders: BTreeMap<u32, u32>,
}

impl Invariant<Zab> for OneLeaderPerEpoch {
    fn name(&self) -> &'static str {
        "one-leader-per-epoch"
    }

    fn check(&mut self, _now: Nanos, nodes: &Nodes<'_, Zab>) -> Option<String> {
        for server in servers(nodes) {
            if let Some(epoch) = server.established() {
                let first = *self.leaders.entry(epoch).or_insert(server.id());
                if first != server.id() {
                    return Some(format!(
                        "n{} and n{} both led epoch {epoch}",
                        first + 1,
                        server.id() + 1
                    ));
                }
            }
        }
        None
    }
}

/// `ephemeral-lifetime`.
pub struct EphemeralLifetime {
    truth: Rc<RefCell<Truth>>,
}

impl EphemeralLifetime {
    /// Checks the shared committed sequence.
    pub fn new(truth: Rc<RefCell<Truth>>) -> Self {
        EphemeralLifetime { truth }
    }
}

impl Invariant<Zab> for EphemeralLifetime {
    fn name(&self) -> &'static str {
        "ephemeral-lifetime"
    }

    fn check(&mut self, now: Nanos, nodes: &Nodes<'_, Zab>) -> Option<String> {
        let mut truth = self.truth.borrow_mut();
        truth.advance(now, nodes);
        truth.orphans.first().cloned()
    }
}
