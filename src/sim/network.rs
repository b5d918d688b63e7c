//! The network between simulated nodes: delay, receiver processing time, loss and partitions.
//!
//! A message from `a` to `b` is dropped when the link is cut (they are in different partition
//! groups, or a one-way cut blocks `a -> b`) or when the loss draw says so; otherwise it arrives
//! after a delay drawn from the delay model plus the receiver's processing time `r`. Whether the
//! receiver is up (not crashed, not paused) is checked on arrival, by the engine.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rustc_hash::FxHashSet;

use super::delay::DelayModel;
use super::protocol::NodeIdx;
use super::time::Nanos;

/// Network state.
#[derive(Debug, Clone)]
pub struct Network {
    /// The delay model in force.
    pub delay: DelayModel,
    /// Receiver processing time `r`.
    pub processing: Nanos,
    /// Probability that a message is lost.
    pub loss: f64,
    /// Partition group of each server node; all equal when the network is whole.
    group: Vec<u32>,
    /// One-way cuts `(from, to)`.
    blocked: FxHashSet<(NodeIdx, NodeIdx)>,
}

impl Network {
    /// A whole network of `nodes` nodes.
    pub fn new(nodes: u32, delay: DelayModel, processing: Nanos, loss: f64) -> Self {
        Self {
            delay,
            processing,
            loss,
            group: vec![0; nodes as usize],
            blocked: FxHashSet::default(),
        }
    }

    /// Whether the link `from -> to` is cut. Ids past the server nodes are clients, whose links
    /// no partition cuts.
    pub fn cut(&self, from: NodeIdx, to: NodeIdx) -> bool {
        let group = |n: NodeIdx| self.group.get(n as usize);
        match (group(from), group(to)) {
            (Some(a), Some(b)) => {
                a != b || (!self.blocked.is_empty() && self.blocked.contains(&(from, to)))
            }
            _ => false,
        }
    }

    /// Splits the network into `groups`; nodes in no group form one more group together.
    pub fn partition(&mut self, groups: &[Vec<NodeIdx>]) {
        let rest = groups.len() as u32 + 1;
        self.group.iter_mut().for_each(|g| *g = rest);
        for (i, members) in groups.iter().enumerate() {
            for &n in members {
                self.group[n as usize] = i as u32 + 1;
            }
        }
    }

    /// Cuts every link from a node of `from` to a node of `to`, one way only.
    pub fn cut_one_way(&mut self, from: &[NodeIdx], to: &[NodeIdx]) {
        for &a in from {
            for &b in to {
                self.blocked.insert((a, b));
            }
        }
    }

    /// Removes every partition and cut.
    pub fn heal(&mut self) {
        self.group.iter_mut().for_each(|g| *g = 0);
        self.blocked.clear();
    }

    /// The time a message sent now takes to be handled, or `None` if it is lost or cut.
    #[inline]
    pub fn transit(&self, from: NodeIdx, to: NodeIdx, rng: &mut ChaCha8Rng) -> Option<Nanos> {
        if self.cut(from, to) {
            return None;
        }
        if self.loss > 0.0 && rng.random::<f64>() < self.loss {
            return None;
        }
        Some(self.delay.sample(rng) + self.processing)
    }

    /// The same over a reliable connection (TCP): a lost transmission is not lost but sent
    /// again after a retransmission timeout, which starts at [`RETRANSMIT`] and doubles; `None`
    /// only if the link is cut.
    pub fn reliable_transit(
        &self,
        from: NodeIdx,
        to: NodeIdx,
        rng: &mut ChaCha8Rng,
    ) -> Option<Nanos> {
        if self.cut(from, to) {
            return None;
        }
        let mut waited = 0;
        let mut timeout = RETRANSMIT;
        while self.loss > 0.0 && rng.random::<f64>() < self.loss && timeout < 64 * RETRANSMIT {
            waited += timeout;
            timeout *= 2;
        }
        Some(waited + self.delay.sample(rng) + self.processing)
    }
}

/// TCP's first retransmission timeout (Linux's `TCP_RTO_MIN`, 200 ms).
pub const RETRANSMIT: Nanos = 200_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_cut_across_groups_only() {
        let mut net = Network::new(5, DelayModel::Const(1), 0, 0.0);
        net.partition(&[vec![0, 1], vec![2, 3]]);
        assert!(!net.cut(0, 1));
        assert!(net.cut(1, 2));
        assert!(
            net.cut(4, 0),
            "a node in no group is cut off from the groups"
        );
        net.heal();
        assert!(!net.cut(1, 2));
        net.cut_one_way(&[0], &[1]);
        assert!(net.cut(0, 1));
        assert!(!net.cut(1, 0));
    }
}
