//! The lock's runner: ZooKeeper's lock recipe on the Zab ensemble, a storage service the
//! holders write to, fencing tokens checked (or not) at the storage, and `mutual-exclusion`
//! judged on what the storage accepted.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use serde::Serialize;

use crate::harness::outcome::{Outcome, Progress, Summary};
use crate::harness::registry::{Family, Runner};
use crate::harness::replay::{ReplayRun, RunContext};
use crate::harness::runners::zk::{MAX_NODES, ZkRunner};
use crate::harness::settings::ReplayError;
use crate::protocols::zab::client::{LOCK, ZkClient};
use crate::protocols::zab::invariants::{Agreement, Durability, OneLeaderPerEpoch, Truth};
use crate::protocols::zab::workload::Workload;
use crate::protocols::zab::{Zab, hex};
use crate::sim::engine::{Invariant, Nodes};
use crate::sim::time::Nanos;

/// The outcome of a lock run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LockOutcome {
    /// Times a client took the lock.
    pub acquisitions: u64,
    /// Times a holder released it.
    pub releases: u64,
    /// Writes the storage accepted.
    pub writes_accepted: u64,
    /// Writes it rejected (a token below one it had seen).
    pub writes_rejected: u64,
    /// Accepted writes from a client that was not the holder of record when the storage
    /// applied them.
    pub unsafe_writes: u64,
    /// Accepted writes with a lower token than one accepted before: an earlier holding's write
    /// landing in a later one's (what fencing rules out).
    pub interleaved_writes: u64,
    /// Watch events that woke a waiter, per release.
    pub wakeups_per_release: f64,
    /// Whether the storage checked tokens.
    pub fencing: bool,
}

impl Summary for LockOutcome {
    fn summary(&self) -> String {
        format!(
            "lock: {} acquisitions, {} releases ({:.2} wake-ups each); storage accepted {} \
             writes, rejected {}; {} unsafe, {} interleaved (fencing {})",
            self.acquisitions,
            self.releases,
            self.wakeups_per_release,
            self.writes_accepted,
            self.writes_rejected,
            self.unsafe_writes,
            self.interleaved_writes,
            if self.fencing { "on" } else { "off" },
        )
    }

    fn progress(&self) -> Option<Progress> {
        Some(Progress {
            done: self.releases,
            asked: self.acquisitions,
            what: "holdings released",
        })
    }
}

/// `mutual-exclusion` on the storage's accepted writes: the holdings they come from do not
/// interleave — no write is accepted from a holding (token) after a write of a later one. It
/// also counts the unsafe writes: accepted from a client that was not the holder of record —
/// the session whose node is lowest under the lock node in the committed state ([`Truth`], kept
/// while every server that had it is down) — when the storage applied it. Fencing makes the
/// first impossible; it cannot prevent the second when the stale write lands before the next
/// holder's first write, since the storage has then seen no higher token.
pub struct MutualExclusion {
    truth: Rc<RefCell<Truth>>,
    checked: usize,
    highest: u64,
    unsafe_writes: Rc<Cell<u64>>,
    interleaved: Rc<Cell<u64>>,
}

impl Invariant<Zab> for MutualExclusion {
    fn name(&self) -> &'static str {
        "mutual-exclusion"
    }

    fn check(&mut self, now: Nanos, nodes: &Nodes<'_, Zab>) -> Option<String> {
        let mut truth = self.truth.borrow_mut();
        truth.advance(now, nodes);
        let storage = nodes.iter().rev().find_map(|n| n.and_then(Zab::storage))?;
        let holder = truth
            .committed()
            .tree()
            .children(LOCK)
            .min_by_key(|c| c.get(c.len().saturating_sub(10)..).unwrap_or(""))
            .map(|c| c.split("-lock-").next().unwrap_or("").to_string());
        let mut broken = None;
        for w in storage.writes()[self.checked..]
            .iter()
            .filter(|w| w.accepted)
        {
            if holder.as_deref() != Some(w.session.as_str()) {
                self.unsafe_writes.set(self.unsafe_writes.get() + 1);
            }
            if w.token < self.highest {
                self.interleaved.set(self.interleaved.get() + 1);
                broken.get_or_insert_with(|| {
                    format!(
                        "the storage accepted {}'s write with token {} after a write with token \
                         {}; the holder of record (committed at {}) was {}",
                        w.session,
                        w.token,
                        self.highest,
                        hex(truth.last_zxid()),
                        holder.as_deref().unwrap_or("nobody"),
                    )
                });
            }
            self.highest = self.highest.max(w.token);
        }
        self.checked = storage.writes().len();
        broken
    }
}

/// The lock's runner.
pub struct LockRunner;

/// The lock.
pub static LOCK_RUNNER: LockRunner = LockRunner;

impl Runner for LockRunner {
    fn name(&self) -> &'static str {
        "lock"
    }

    fn keeps_client_operations(&self) -> bool {
        true
    }

    fn family(&self) -> Family {
        Family::Consensus
    }

    fn run(
        &self,
        run: &RunContext<'_>,
        progress: &mut dyn FnMut(Nanos, Nanos),
    ) -> Result<ReplayRun, ReplayError> {
        let settings = run.settings;
        run.at_most(self.name(), MAX_NODES)?;
        let lock = &settings.zk.lock;
        let end = ZkRunner::end(run);
        let config = ZkRunner::config(run, Workload::Lock(*lock))?;
        let truth = Truth::shared();
        let unsafe_writes = Rc::new(Cell::new(0));
        let interleaved = Rc::new(Cell::new(0));
        // The clients, and the storage service as one more endpoint after them.
        let endpoints = settings.nodes + settings.clients.count + 1;
        let mut sim = run
            .simulation::<Zab>(config)
            .clients(settings.clients.count + 1)
            .check(Agreement::new(truth.clone()))
            .check(Durability::default())
            .check(OneLeaderPerEpoch::default())
            .check(MutualExclusion {
                truth,
                checked: 0,
                highest: 0,
                unsafe_writes: unsafe_writes.clone(),
                interleaved: interleaved.clone(),
            })
            .build();
        sim.run_until(end, &mut |now| progress(now, end));
        let clients: Vec<&ZkClient> = (0..endpoints)
            .filter_map(|n| sim.process(n).and_then(Zab::client))
            .collect();
        let writes = (0..endpoints)
            .filter_map(|n| sim.process(n).and_then(Zab::storage))
            .flat_map(|s| s.writes())
            .fold(
                (0, 0),
                |(a, r), w| if w.accepted { (a + 1, r) } else { (a, r + 1) },
            );
        let releases: u64 = clients.iter().map(|c| c.lock().releases).sum();
        let wakeups: u64 = clients.iter().map(|c| c.lock().wakeups).sum();
        let outcome = LockOutcome {
            acquisitions: clients.iter().map(|c| c.lock().acquisitions).sum(),
            releases,
            writes_accepted: writes.0,
            writes_rejected: writes.1,
            unsafe_writes: unsafe_writes.get(),
            interleaved_writes: interleaved.get(),
            wakeups_per_release: if releases == 0 {
                0.0
            } else {
                wakeups as f64 / releases as f64
            },
            fencing: lock.fencing,
        };
        let metrics = sim.metrics().clone();
        Ok(run.finish(&sim, metrics, end, Outcome::new(outcome)))
    }
}
