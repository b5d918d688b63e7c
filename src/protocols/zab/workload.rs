//! What the clients ask of the ensemble: a seeded mix of operations, a lock, a race on one
//! record, or a `zk exec` script.
//!
//! The mix works on eight persistent keys `/k0`..`/k7` (gets and exists with watches, blind
//! sets, compare-and-set sets with the version the client last saw, creates, deletes), and on
//! nodes of the client's own: ephemeral nodes `/eph-<session>-<n>`, persistent sequential nodes
//! `/seq-`, and multis that create a node and a child of it at once; and it syncs now and then.
//! Data values are unique (`c1-17`: client 1's 17th operation), so a read says which write it
//! saw. The eight keys are the ones whose writes the linearizability checker checks.
//!
//! The contention workload is the experiment of Brooker's "Exponential Backoff and Jitter"
//! (AWS, 2015): every client makes one optimistic update of the single record [`CONTENDED`] —
//! read its version, write it back conditionally on that version — and all start at the same
//! instant, so all but one of each round's writers fail with BadVersion and retry after their
//! backoff. What it costs is the conditional writes sent and the time until the last client is
//! through.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::protocols::client::backoff::Backoff;
use crate::protocols::zk::acl::everyone;
use crate::protocols::zk::ops::Write;
use crate::protocols::zk::store::Request;
use crate::sim::time::Nanos;

/// The persistent keys of the mix.
pub const KEYS: u32 = 8;

/// The one record the contention workload's clients race on.
pub const CONTENDED: &str = "/contended";

/// When the contention workload's race starts on an ensemble of this tick: once every session
/// is open and c1 has created the record. A client that connects before the ensemble has a
/// leader is refused and tries again after a random pause of up to a second, at its next
/// client tick (every half tick); a tick after that pause its session is open.
pub fn contention_start(tick: Nanos) -> Nanos {
    crate::sim::time::SECOND + tick
}

/// What the clients run.
#[derive(Debug, Clone, PartialEq)]
pub enum Workload {
    /// A seeded mix at `rate` operations per second per client, until `stop`.
    Mix {
        /// Time between two operations of a client, ns.
        interval: u64,
        /// No new operation from then on.
        stop: u64,
        /// The share of plain gets, drawn before the mix (none: the mix's own share).
        reads: Option<f64>,
        /// The last this many clients only read (plain gets).
        readers: u32,
    },
    /// Every client takes one lock by a recipe and, holding it, writes to the storage service
    /// (the last client endpoint); then releases it and queues again.
    Lock(super::client::LockConfig),
    /// Every client updates [`CONTENDED`] once by read-version + conditional write, all
    /// starting at `start`; a failed attempt is retried after `backoff`'s wait.
    Contention {
        /// When every client starts its update (the race), ns.
        start: Nanos,
        /// The wait before each retry.
        backoff: Backoff,
        /// Conditional writes a client sends before it gives up (none: no limit).
        attempts: Option<u32>,
    },
    /// A script run by client c1, one operation at a time (session name, request); the next
    /// starts `settle` after the last one's reply, so that its watch events have arrived.
    Script {
        /// The operations.
        ops: Vec<(String, Request)>,
        /// The wait after each reply, ns.
        settle: u64,
    },
}

/// The name a history gives an operation (Jepsen's `f`) and the key it concerns.
pub fn describe(request: &Request) -> (&'static str, String) {
    match request {
        Request::Write(Write::Create { path, .. }) => ("create", path.clone()),
        Request::Write(Write::SetData { path, version, .. }) => {
            (if *version < 0 { "write" } else { "cas" }, path.clone())
        }
        Request::Write(Write::Delete { path, .. }) => ("delete", path.clone()),
        Request::Write(Write::SetAcl { path, .. }) => ("set-acl", path.clone()),
        Request::Write(Write::Check { path, .. }) => ("check", path.clone()),
        Request::Multi(writes) => (
            "multi",
            writes
                .first()
                .map(|w| w.path().to_string())
                .unwrap_or_default(),
        ),
        Request::Get { path, .. } | Request::Exists { path, .. } => ("read", path.clone()),
        Request::Children { path, .. } => ("children", path.clone()),
        Request::GetAcl { path } => ("get-acl", path.clone()),
        Request::Sync { path } => ("sync", path.clone()),
        Request::Close => ("close", String::new()),
    }
}

/// Whether a request changes the store (a write, a multi or a close).
pub fn is_write(request: &Request) -> bool {
    matches!(
        request,
        Request::Write(_) | Request::Multi(_) | Request::Close
    )
}

/// One client's position in the mix.
#[derive(Debug, Clone, Default)]
pub struct Mix {
    /// Operations issued.
    pub issued: u64,
    /// The version of each key the client last saw (-1: none).
    pub versions: [i32; KEYS as usize],
}

fn create(path: String, data: String, ephemeral: bool, sequential: bool) -> Write {
    Write::Create {
        path,
        data: data.into_bytes(),
        ephemeral,
        sequential,
        acl: everyone(),
    }
}

impl Mix {
    /// The next operation of client `client` (0-based) holding session `session`; with
    /// `reads`, that share of the operations are gets and the rest the mix.
    pub fn next(
        &mut self,
        rng: &mut ChaCha8Rng,
        client: u32,
        session: &str,
        reads: Option<f64>,
    ) -> Request {
        self.issued += 1;
        let k = rng.random_range(0..KEYS);
        let key = format!("/k{k}");
        if let Some(share) = reads
            && rng.random_bool(share.clamp(0.0, 1.0))
        {
            return Request::Get {
                path: key,
                watch: false,
            };
        }
        let data = format!("c{}-{}", client + 1, self.issued);
        let roll: f64 = rng.random();
        match roll {
            r if r < 0.25 => Request::Get {
                path: key,
                watch: rng.random_bool(0.3),
            },
            r if r < 0.32 => Request::Exists {
                path: key,
                watch: true,
            },
            r if r < 0.50 => Request::Write(Write::SetData {
                path: key,
                data: data.into_bytes(),
                version: -1,
            }),
            r if r < 0.65 => Request::Write(Write::SetData {
                path: key,
                data: data.into_bytes(),
                version: self.versions[k as usize].max(0),
            }),
            r if r < 0.75 => Request::Write(create(key, data, false, false)),
            r if r < 0.81 => Request::Write(Write::Delete {
                path: key,
                version: -1,
            }),
            r if r < 0.87 => {
                let path = format!("/eph-{session}-{}", self.issued);
                Request::Write(create(path, data, true, false))
            }
            r if r < 0.90 => Request::Write(create("/seq-".into(), data, false, true)),
            r if r < 0.95 => {
                let parent = format!("/m-{session}-{}", self.issued);
                Request::Multi(vec![
                    create(parent.clone(), data.clone(), false, false),
                    create(format!("{parent}/x"), data, false, false),
                ])
            }
            _ => Request::Sync { path: "/".into() },
        }
    }

    /// Remembers the version a reply showed for `path`, for the next compare-and-set.
    pub fn saw(&mut self, path: &str, version: i32) {
        if let Some(k) = path
            .strip_prefix("/k")
            .and_then(|k| k.parse::<usize>().ok())
            .filter(|k| *k < KEYS as usize)
        {
            self.versions[k] = version;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_mix_is_seeded_and_covers_every_kind() {
        let mut a = Mix::default();
        let mut b = Mix::default();
        let mut ra = ChaCha8Rng::seed_from_u64(7);
        let mut rb = ChaCha8Rng::seed_from_u64(7);
        let mut kinds = std::collections::BTreeSet::new();
        for _ in 0..500 {
            let x = a.next(&mut ra, 0, "c1", None);
            assert_eq!(x, b.next(&mut rb, 0, "c1", None));
            kinds.insert(describe(&x).0);
        }
        let expected: std::collections::BTreeSet<&str> =
            ["cas", "create", "delete", "multi", "read", "sync", "write"].into();
        assert_eq!(kinds, expected);
    }
}
