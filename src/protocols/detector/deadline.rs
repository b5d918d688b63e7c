//! Per-peer suspicion deadlines, the core shared by every timeout-based detector (heartbeat, φ
//! accrual, and the leader monitoring of the elections).
//!
//! Each peer has a deadline; hearing from the peer moves it (by a fixed timeout, or by whatever
//! an adaptive detector computes). One timer per peer is pending at most: when it fires before the
//! deadline (because the deadline moved), it is re-armed for the new deadline; when it fires at or
//! after the deadline, the peer is suspected, and no timer is pending until the peer is heard
//! again. So suspicion happens exactly at the deadline, without a timer per message.
//!
//! This type does no I/O: its answers tell the protocol which timers to set and what to observe.

use crate::sim::protocol::NodeIdx;
use crate::sim::time::Nanos;

/// What hearing from a peer requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heard {
    /// The peer was suspected and is trusted again (observe `trust`).
    pub trusted: bool,
    /// Set a check timer this far from now (none was pending).
    pub arm: Option<Nanos>,
}

/// What a check timer found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The deadline passed: the peer is now suspected (observe `suspect`).
    Suspect,
    /// The deadline moved: check again this far from now.
    Rearm(Nanos),
    /// Nothing to do (already suspected).
    Quiet,
}

/// One peer's deadline and state.
#[derive(Debug, Clone, Copy)]
struct Peer {
    due: Nanos,
    suspected: bool,
    armed: bool,
}

/// Deadlines of all peers of one node, a peer's state side by side (one cache line to touch).
#[derive(Debug, Clone)]
pub struct Deadlines {
    peers: Vec<Peer>,
}

impl Deadlines {
    /// Deadlines for `nodes` peers, all at `first`; the caller sets one check timer per peer
    /// (every node but `me`) for `first`.
    pub fn new(nodes: u32, me: NodeIdx, first: Nanos) -> Self {
        let peers = (0..nodes)
            .map(|p| Peer {
                due: first,
                suspected: false,
                armed: p != me,
            })
            .collect();
        Self { peers }
    }

    /// Deadlines that start unarmed: peers are watched from the first time they are heard.
    pub fn unarmed(nodes: u32) -> Self {
        let peer = Peer {
            due: 0,
            suspected: false,
            armed: false,
        };
        Self {
            peers: vec![peer; nodes as usize],
        }
    }

    /// The peer was heard from at `now`; its new deadline is `due`.
    pub fn heard(&mut self, now: Nanos, peer: NodeIdx, due: Nanos) -> Heard {
        let p = &mut self.peers[peer as usize];
        p.due = due;
        let trusted = std::mem::take(&mut p.suspected);
        let arm = (!p.armed).then(|| {
            p.armed = true;
            due.saturating_sub(now)
        });
        Heard { trusted, arm }
    }

    /// A check timer for `peer` fired at `now`.
    pub fn check(&mut self, now: Nanos, peer: NodeIdx) -> Check {
        let p = &mut self.peers[peer as usize];
        if now < p.due {
            return Check::Rearm(p.due - now);
        }
        p.armed = false;
        if std::mem::replace(&mut p.suspected, true) {
            Check::Quiet
        } else {
            Check::Suspect
        }
    }

    /// Whether `peer` is suspected now.
    pub fn suspects(&self, peer: NodeIdx) -> bool {
        self.peers[peer as usize].suspected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suspicion_happens_exactly_at_the_deadline() {
        let mut d = Deadlines::new(2, 0, 10);
        assert_eq!(
            d.heard(5, 1, 15),
            Heard {
                trusted: false,
                arm: None
            }
        );
        assert_eq!(d.check(10, 1), Check::Rearm(5));
        assert_eq!(d.check(15, 1), Check::Suspect);
        assert!(d.suspects(1));
        assert_eq!(
            d.heard(20, 1, 30),
            Heard {
                trusted: true,
                arm: Some(10)
            }
        );
        assert!(!d.suspects(1));
    }

    #[test]
    fn unarmed_peers_are_watched_from_their_first_message() {
        let mut d = Deadlines::unarmed(3);
        assert_eq!(
            d.heard(7, 2, 12),
            Heard {
                trusted: false,
                arm: Some(5)
            }
        );
        assert_eq!(
            d.heard(8, 2, 13),
            Heard {
                trusted: false,
                arm: None
            }
        );
    }
}
