//! Fast leader election, as ZooKeeper's `FastLeaderElection` runs it.
//!
//! A LOOKING server starts a new round by voting for itself — its current epoch, last logged
//! zxid and id — and telling every server. Votes are ordered by `(epoch, zxid, id)`, highest
//! first (`totalOrderPredicate`): a server that hears a better vote in its round adopts it and
//! tells everyone; one that hears a later round joins it (resetting what it has heard) with the
//! better of its own vote and the one heard. Once the votes of a quorum in its round equal its own,
//! it waits the finalize wait for anything better and then decides: lead if the vote is its own,
//! follow otherwise. A server that is following or leading answers a voter with the leader it
//! follows; a quorum of such answers, the leader's own among them, makes the voter follow that
//! leader (`checkLeader`). Lost notifications are resent every half tick while LOOKING. A
//! follower can decide before its leader has (its last vote came sooner); its `followerinfo`
//! then waits for the leader to finish deciding, as its connection would wait to be accepted.
//!
//! The elected server has the highest `(epoch, zxid)` of a quorum, so its log holds every
//! committed transaction: no quorum can have committed one it lacks.

use std::collections::BTreeMap;

use super::Zxid;
use crate::sim::protocol::NodeIdx;
use crate::sim::time::Nanos;

/// How long a server waits after reaching a quorum for a better vote (ZooKeeper's
/// `finalizeWait`).
pub const FINALIZE_WAIT: Nanos = 200_000_000;

/// A vote's content, ordered as ZooKeeper orders votes: epoch, then zxid, then server id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ballot {
    /// The candidate's current epoch.
    pub epoch: u32,
    /// The candidate's last logged zxid.
    pub zxid: Zxid,
    /// The candidate.
    pub id: NodeIdx,
}

/// What a voter is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerState {
    /// In the election.
    Looking,
    /// Following the candidate named.
    Following,
    /// Leading.
    Leading,
}

/// A notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vote {
    /// The election round (ZooKeeper's logical clock).
    pub round: u64,
    /// Who the sender votes for (or follows).
    pub ballot: Ballot,
    /// The sender's state.
    pub state: PeerState,
}

/// A LOOKING server's election.
#[derive(Debug, Clone)]
pub struct Election {
    /// Its round.
    pub round: u64,
    /// Its vote.
    pub vote: Ballot,
    /// Votes heard in this round from LOOKING servers, its own included.
    votes: BTreeMap<NodeIdx, Ballot>,
    /// What servers out of the election said they follow or lead.
    outside: BTreeMap<NodeIdx, (Ballot, PeerState)>,
    /// The round whose finalize wait is running, if any.
    pub finalizing: Option<u64>,
    /// Followers that decided before this server and asked to follow it (their accepted
    /// epochs): as a learner's connection waits for the leader to accept it, their
    /// `followerinfo` waits for this server to lead.
    pub early_followers: BTreeMap<NodeIdx, u32>,
}

/// What hearing a vote asks of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// Nothing.
    Nothing,
    /// Tell every server the (new) vote.
    Broadcast,
    /// Tell the sender our vote (it is in an older round).
    Answer,
    /// A quorum outside the election follows this leader: follow it.
    Follow(NodeIdx),
}

impl Election {
    /// A new round `round` in which `me` votes for `own`.
    pub fn new(round: u64, own: Ballot, me: NodeIdx) -> Self {
        Election {
            round,
            vote: own,
            votes: BTreeMap::from([(me, own)]),
            outside: BTreeMap::new(),
            finalizing: None,
            early_followers: BTreeMap::new(),
        }
    }

    /// How many votes heard in this round (this server's own included) equal its vote.
    pub fn votes_for_own(&self) -> usize {
        self.votes.values().filter(|b| **b == self.vote).count()
    }

    /// Hears `vote` from `from`; `own` is this server's own ballot and `quorum` the number of
    /// servers that make a quorum. The caller then starts the finalize wait once
    /// [`Election::votes_for_own`] reaches a quorum.
    pub fn hear(
        &mut self,
        me: NodeIdx,
        own: Ballot,
        from: NodeIdx,
        vote: Vote,
        quorum: usize,
    ) -> Heard {
        if vote.state != PeerState::Looking {
            self.outside.insert(from, (vote.ballot, vote.state));
            let leader = vote.ballot.id;
            // The leader's own word, and those of its followers in the same epoch.
            let Some(&(own, PeerState::Leading)) = self.outside.get(&leader) else {
                return Heard::Nothing;
            };
            let naming = self
                .outside
                .values()
                .filter(|(b, _)| b.id == leader && b.epoch == own.epoch)
                .count();
            let leads = own.id == leader;
            return if leads && naming >= quorum {
                Heard::Follow(leader)
            } else {
                Heard::Nothing
            };
        }
        let mut heard = Heard::Nothing;
        if vote.round > self.round {
            self.round = vote.round;
            self.votes.clear();
            self.vote = own.max(vote.ballot);
            self.votes.insert(me, self.vote);
            self.finalizing = None;
            heard = Heard::Broadcast;
        } else if vote.round < self.round {
            return Heard::Answer;
        } else if vote.ballot > self.vote {
            self.vote = vote.ballot;
            self.votes.insert(me, self.vote);
            self.finalizing = None;
            heard = Heard::Broadcast;
        }
        self.votes.insert(from, vote.ballot);
        heard
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ballot(epoch: u32, zxid: Zxid, id: NodeIdx) -> Ballot {
        Ballot { epoch, zxid, id }
    }

    fn looking(round: u64, ballot: Ballot) -> Vote {
        Vote {
            round,
            ballot,
            state: PeerState::Looking,
        }
    }

    #[test]
    fn votes_order_by_epoch_then_zxid_then_id() {
        assert!(ballot(2, 0, 0) > ballot(1, 99, 5));
        assert!(ballot(1, 7, 0) > ballot(1, 6, 5));
        assert!(ballot(1, 7, 2) > ballot(1, 7, 1));
    }

    #[test]
    fn a_server_adopts_a_better_vote_and_finalizes_on_a_quorum() {
        let own = ballot(1, 5, 0);
        let mut e = Election::new(1, own, 0);
        // A better vote from n2: adopt it and tell everyone.
        let better = ballot(1, 9, 1);
        assert_eq!(e.hear(0, own, 1, looking(1, better), 2), Heard::Broadcast);
        assert_eq!(e.vote, better);
        // n2's vote and ours agree: a quorum of 3.
        assert_eq!(e.votes_for_own(), 2);
        assert_eq!(e.hear(0, own, 2, looking(1, better), 2), Heard::Nothing);
        assert_eq!(e.votes_for_own(), 3);
        // An older round gets our vote back.
        assert_eq!(e.hear(0, own, 2, looking(0, own), 2), Heard::Answer);
    }

    #[test]
    fn a_later_round_resets_the_votes() {
        let own = ballot(3, 1, 0);
        let mut e = Election::new(1, own, 0);
        e.hear(0, own, 1, looking(1, own), 3);
        assert_eq!(e.votes_for_own(), 2);
        assert_eq!(
            e.hear(0, own, 2, looking(4, ballot(1, 1, 2)), 3),
            Heard::Broadcast
        );
        assert_eq!((e.round, e.vote), (4, own), "our own ballot is better");
        assert_eq!(e.votes_for_own(), 1, "only our own vote in the new round");
    }

    #[test]
    fn a_quorum_outside_the_election_naming_a_leading_server_is_followed() {
        let own = ballot(0, 0, 2);
        let mut e = Election::new(1, own, 2);
        let leader = ballot(1, 3, 0);
        let follower = Vote {
            round: 1,
            ballot: leader,
            state: PeerState::Following,
        };
        assert_eq!(e.hear(2, own, 1, follower, 2), Heard::Nothing);
        let leading = Vote {
            state: PeerState::Leading,
            ..follower
        };
        assert_eq!(e.hear(2, own, 0, leading, 2), Heard::Follow(0));
    }
}
