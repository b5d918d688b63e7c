//! One ZooKeeper server: Zab's phases (see the module above) and the clients connected to it.
//!
//! The log lives in stable storage and, as ZooKeeper keeps its committed log in memory, in the
//! process too: every change to one is made to the other in the same handler. `applied` counts
//! the log entries applied to the store; they are the committed prefix.
//!
//! A session's requests are answered in order: its writes (and syncs) wait for their commit,
//! and a read that arrives behind a pending write waits for it (ZooKeeper's `CommitProcessor`).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::election::{Ballot, Election, FINALIZE_WAIT, Heard, PeerState, Vote};
use super::{
    Broken, Entry, Forwarded, Msg, Stable, SyncMode, Timer, Welcome, Zab, Zxid, epoch_of, quorum,
    replay_log, zxid,
};
use crate::protocols::zk::ZkError;
use crate::protocols::zk::store::{
    Change, EventType, Reply, Request, Store, WatchEvent, WatchKind,
};
use crate::sim::metrics::ObservationKind;
use crate::sim::protocol::{Ctx, NodeIdx};
use crate::sim::time::Nanos;

/// A follower further behind than this many entries is sent the whole log (`snap`).
pub const SNAP_THRESHOLD: usize = 1000;

/// A read a server answered in the handler that just ran: what the stale-read count looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadNote {
    /// The node read.
    pub path: String,
    /// Its children (rather than its data) were read.
    pub children: bool,
    /// The last zxid the server had applied.
    pub applied: Zxid,
    /// When it was answered.
    pub at: Nanos,
}

/// A client connected to this server.
#[derive(Debug, Clone)]
struct Conn {
    client: NodeIdx,
    attempt: u64,
    timeout: Nanos,
    last_heard: Nanos,
}

/// A session's request waiting at this server, in arrival order.
#[derive(Debug, Clone)]
enum Queued {
    /// A write (or close) on its way through the leader, since then.
    Write(u64, Nanos),
    /// A sync waiting for the leader, since then.
    Sync(u64, Nanos),
    /// A read behind an earlier write.
    Read(u64, Request),
}

/// A watch a reconnecting client sets again: its path, kind, and whether the node existed when
/// it was set.
pub type Rewatch = (String, WatchKind, bool);

/// A client waiting for the leader's word on its session.
#[derive(Debug, Clone)]
struct Revalidating {
    client: NodeIdx,
    attempt: u64,
    last_zxid: Zxid,
    watches: Vec<Rewatch>,
}

/// Where a follower is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for `leaderinfo`.
    Discovery,
    /// Waiting for `diff`, `trunc` or `snap`.
    Sync,
    /// Synced; proposals are logged; waiting for `uptodate`.
    Synced,
    /// Serving.
    Broadcast,
}

#[derive(Debug, Clone)]
struct Follower {
    leader: NodeIdx,
    phase: Phase,
    last_heard: Nanos,
    /// Syncs sent to the leader: id → session and request.
    syncs: BTreeMap<u64, (String, u64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LeaderPhase {
    /// Gathering accepted epochs.
    Discovery,
    /// Epoch announced; gathering `ackepoch`.
    EpochAck,
    /// Followers synced; gathering `newleader` acks.
    NewLeader,
    /// Serving.
    Established,
}

#[derive(Debug, Clone)]
struct Learner {
    /// Synced: proposals and commits go to it.
    forwarding: bool,
    last_heard: Nanos,
    /// Its last zxid, from `ackepoch`, until it is synced.
    last_zxid: Option<Zxid>,
}

#[derive(Debug, Clone)]
struct Tracked {
    /// The server the session's client is connected to: requests through another are refused
    /// (SessionMoved), so a request left behind on a server the client has left cannot be
    /// executed after the client's later ones.
    owner: NodeIdx,
    timeout: Nanos,
    deadline: Nanos,
    closing: bool,
}

#[derive(Debug, Clone)]
struct Leader {
    epoch: u32,
    phase: LeaderPhase,
    since: Nanos,
    infos: BTreeMap<NodeIdx, u32>,
    epoch_acks: BTreeSet<NodeIdx>,
    newleader_acks: BTreeSet<NodeIdx>,
    learners: BTreeMap<NodeIdx, Learner>,
    counter: u32,
    outstanding: BTreeMap<Zxid, BTreeSet<NodeIdx>>,
    /// The store as it will be once every outstanding proposal commits: requests are prepared
    /// against it.
    next: Store,
    sessions: BTreeMap<String, Tracked>,
    /// Syncs waiting for a commit: (zxid, asking server, id).
    syncs: Vec<(Zxid, NodeIdx, u64)>,
}

/// How a leader brings a follower's log, which ends at `theirs`, to its own `log`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncPlan {
    /// `diff`, `trunc` or `snap`.
    pub mode: SyncMode,
    /// Where the follower's log ends once truncated: the entries sent follow it.
    pub after: Zxid,
    /// The first entry of the leader's log to send.
    pub from: usize,
}

/// The sync for a follower whose last zxid is `theirs`: a `diff` of what it lacks when its last
/// zxid is in the log (or it has nothing); a `trunc` to the last zxid the two logs share when
/// it has entries the leader never had (zxids the leader lacks, or past its end), then what it
/// lacks; a `snap` of the whole log when more than [`SNAP_THRESHOLD`] entries would go.
pub fn plan_sync(log: &[Entry], theirs: Zxid) -> SyncPlan {
    let mine = log.last().map_or(0, |e| e.zxid);
    let (mode, from) = if theirs == mine {
        (SyncMode::Diff, log.len())
    } else if theirs > mine {
        (SyncMode::Trunc(mine), log.len())
    } else {
        match log.binary_search_by_key(&theirs, |e| e.zxid) {
            Ok(i) => (SyncMode::Diff, i + 1),
            Err(0) if theirs == 0 => (SyncMode::Diff, 0),
            Err(i) => {
                let to = if i == 0 { 0 } else { log[i - 1].zxid };
                (SyncMode::Trunc(to), i)
            }
        }
    };
    let after = match mode {
        SyncMode::Trunc(to) => to,
        _ => theirs,
    };
    if log.len() - from > SNAP_THRESHOLD {
        SyncPlan {
            mode: SyncMode::Snap,
            after: 0,
            from: 0,
        }
    } else {
        SyncPlan { mode, after, from }
    }
}

impl Leader {
    /// The synced learners: proposals and commits go to them.
    fn forwarding(&self) -> Vec<NodeIdx> {
        self.learners
            .iter()
            .filter(|(_, x)| x.forwarding)
            .map(|(p, _)| *p)
            .collect()
    }
}

#[derive(Debug, Clone)]
enum Role {
    Looking(Election),
    Following(Follower),
    Leading(Box<Leader>),
}

/// A server.
#[derive(Debug, Clone)]
pub struct Server {
    me: NodeIdx,
    log: Vec<Entry>,
    store: Store,
    applied: usize,
    round: u64,
    looking_since: Nanos,
    role: Role,
    connections: BTreeMap<String, Conn>,
    queues: BTreeMap<String, VecDeque<Queued>>,
    /// Clients whose new session is on its way through the leader, with their attempt.
    opening: BTreeMap<String, (NodeIdx, u64)>,
    revalidating: BTreeMap<String, Revalidating>,
    touched: BTreeSet<String>,
    answered: Vec<ReadNote>,
    /// Reads answered by this process so far.
    reads: u64,
    next_sync: u64,
    /// Syncs of this server's own clients while it leads: id → session and request.
    own_syncs: BTreeMap<u64, (String, u64)>,
    /// Broken variant `reorder-writes`: a write held back until the session's next one.
    held: BTreeMap<String, (u64, Forwarded)>,
}

fn round_up(t: Nanos, tick: Nanos) -> Nanos {
    t.div_ceil(tick) * tick
}

impl Server {
    /// Boots from stable storage: the committed prefix of the log applied, then an election.
    pub fn boot(ctx: &mut Ctx<'_, Zab>, stable: &Stable) -> Self {
        let (store, last) = replay_log(&stable.log, stable.committed);
        let applied = stable.log.iter().take_while(|e| e.zxid <= last).count();
        let mut server = Server {
            me: ctx.id(),
            log: stable.log.clone(),
            store,
            applied,
            round: 0,
            looking_since: 0,
            role: Role::Looking(Election::new(0, Ballot::default(), ctx.id())),
            connections: BTreeMap::new(),
            queues: BTreeMap::new(),
            opening: BTreeMap::new(),
            revalidating: BTreeMap::new(),
            touched: BTreeSet::new(),
            answered: Vec::new(),
            reads: 0,
            next_sync: 0,
            own_syncs: BTreeMap::new(),
            held: BTreeMap::new(),
        };
        server.look(ctx);
        ctx.set_timer(ctx.config().tick / 2, Timer::Tick);
        server
    }

    // ---- what checkers and the runner read ----

    /// This server's id.
    pub fn id(&self) -> NodeIdx {
        self.me
    }

    /// The log, in zxid order.
    pub fn log(&self) -> &[Entry] {
        &self.log
    }

    /// The entries applied to the store (the committed prefix of the log).
    pub fn applied(&self) -> &[Entry] {
        &self.log[..self.applied]
    }

    /// The last zxid applied.
    pub fn applied_zxid(&self) -> Zxid {
        self.applied().last().map_or(0, |e| e.zxid)
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The epoch this server leads as an established leader, if it does.
    pub fn established(&self) -> Option<u32> {
        match &self.role {
            Role::Leading(l) if l.phase == LeaderPhase::Established => Some(l.epoch),
            _ => None,
        }
    }

    /// Reads answered in this process's last handler, and how many it has answered in all (so
    /// that a checker that looks after every step counts each once).
    pub fn answered(&self) -> (&[ReadNote], u64) {
        (&self.answered, self.reads)
    }

    // ---- small helpers ----

    fn last_zxid(&self) -> Zxid {
        self.log.last().map_or(0, |e| e.zxid)
    }

    fn own_ballot(&self, ctx: &mut Ctx<'_, Zab>) -> Ballot {
        Ballot {
            epoch: ctx.stable().current_epoch,
            zxid: self.last_zxid(),
            id: self.me,
        }
    }

    fn quorum(ctx: &Ctx<'_, Zab>) -> usize {
        if ctx.config().is(Broken::SoloLeader) {
            1
        } else {
            quorum(ctx.nodes())
        }
    }

    fn serving(&self) -> bool {
        match &self.role {
            Role::Following(f) => f.phase == Phase::Broadcast,
            Role::Leading(l) => l.phase == LeaderPhase::Established,
            Role::Looking(_) => false,
        }
    }

    fn append(&mut self, ctx: &mut Ctx<'_, Zab>, entry: Entry) {
        ctx.stable().log.push(entry.clone());
        self.log.push(entry);
    }

    /// Applies the log up to `upto` (inclusive), in order, answering this server's clients.
    fn apply_to(&mut self, ctx: &mut Ctx<'_, Zab>, upto: Zxid) {
        while self.applied < self.log.len() && self.log[self.applied].zxid <= upto {
            let entry = self.log[self.applied].clone();
            self.applied += 1;
            let (result, events) = self.store.apply(&entry.change, entry.zxid, entry.time_ms);
            ctx.stable().committed = entry.zxid;
            self.answer_committed(ctx, &entry, result);
            for event in events {
                if let Some(conn) = self.connections.get(&event.session) {
                    let client = conn.client;
                    ctx.send(
                        client,
                        Msg::WatchEvent {
                            zxid: entry.zxid,
                            event,
                        },
                    );
                }
            }
        }
    }

    /// A committed entry reaches the client that asked for it, if it is connected here.
    fn answer_committed(
        &mut self,
        ctx: &mut Ctx<'_, Zab>,
        entry: &Entry,
        result: Result<Reply, ZkError>,
    ) {
        let session = entry.change.session().to_string();
        match &entry.change {
            Change::OpenSession { timeout_ms, .. } => {
                if let Some((client, attempt)) = self.opening.remove(&session) {
                    let timeout = timeout_ms * 1_000_000;
                    self.connect(ctx, &session, (client, attempt), timeout, 0, Vec::new());
                }
            }
            Change::CloseSession { .. } if entry.cxid == 0 => {
                // Expired by the leader: the client hears it, and the connection ends.
                if let Some(conn) = self.connections.remove(&session) {
                    ctx.send(
                        conn.client,
                        Msg::Welcome {
                            session: session.clone(),
                            attempt: conn.attempt,
                            welcome: Welcome::Expired,
                        },
                    );
                }
                self.queues.remove(&session);
            }
            _ => {
                self.complete(ctx, &session, entry.cxid, entry.zxid, result);
                if matches!(entry.change, Change::CloseSession { .. }) {
                    self.connections.remove(&session);
                    self.queues.remove(&session);
                }
            }
        }
    }

    /// Answers the session's request `cxid` (if it waits here), then the reads it held up.
    fn complete(
        &mut self,
        ctx: &mut Ctx<'_, Zab>,
        session: &str,
        cxid: u64,
        zxid: Zxid,
        result: Result<Reply, ZkError>,
    ) {
        let Some(queue) = self.queues.get_mut(session) else {
            return;
        };
        let Some(at) = queue
            .iter()
            .position(|q| matches!(q, Queued::Write(c, _) | Queued::Sync(c, _) if *c == cxid))
        else {
            return;
        };
        queue.remove(at);
        if let Some(conn) = self.connections.get(session) {
            let client = conn.client;
            ctx.send(
                client,
                Msg::ClientReply {
                    session: session.to_string(),
                    cxid,
                    zxid,
                    result,
                },
            );
        }
        self.drain_reads(ctx, session);
    }

    /// Answers the reads at the front of the session's queue.
    fn drain_reads(&mut self, ctx: &mut Ctx<'_, Zab>, session: &str) {
        while let Some(queue) = self.queues.get_mut(session) {
            match queue.front() {
                Some(Queued::Read(..)) => {
                    if let Some(Queued::Read(cxid, request)) = queue.pop_front() {
                        self.read(ctx, session, cxid, &request);
                    }
                }
                _ => break,
            }
        }
    }

    fn read(&mut self, ctx: &mut Ctx<'_, Zab>, session: &str, cxid: u64, request: &Request) {
        let result = self.store.read(session, request);
        let applied = self.applied_zxid();
        let note = match request {
            Request::Exists { path, .. } | Request::Get { path, .. } => Some((path, false)),
            Request::Children { path, .. } => Some((path, true)),
            _ => None,
        };
        if let Some((path, children)) = note {
            self.reads += 1;
            self.answered.push(ReadNote {
                path: path.clone(),
                children,
                applied,
                at: ctx.now(),
            });
        }
        if let Some(conn) = self.connections.get(session) {
            let client = conn.client;
            ctx.send(
                client,
                Msg::ClientReply {
                    session: session.to_string(),
                    cxid,
                    zxid: applied,
                    result,
                },
            );
        }
    }

    // ---- phases ----

    /// Back to election: stop serving, start a new round.
    fn look(&mut self, ctx: &mut Ctx<'_, Zab>) {
        if let Role::Leading(l) = &self.role
            && l.phase == LeaderPhase::Established
        {
            ctx.observe_detail(
                ObservationKind::LeftLead,
                None,
                format!("epoch {}", l.epoch),
            );
        }
        self.stop_serving(ctx);
        self.round += 1;
        self.looking_since = ctx.now();
        let own = self.own_ballot(ctx);
        self.role = Role::Looking(Election::new(self.round, own, self.me));
        self.tell_vote(ctx, None);
        self.maybe_finalize(ctx);
    }

    /// Every client connection closes; what was pending is lost to its clients.
    fn stop_serving(&mut self, ctx: &mut Ctx<'_, Zab>) {
        for (session, conn) in std::mem::take(&mut self.connections) {
            self.store.drop_watches(&session);
            ctx.send(conn.client, Msg::Disconnect(session));
        }
        for (session, waiting) in std::mem::take(&mut self.revalidating) {
            ctx.send(waiting.client, Msg::Disconnect(session));
        }
        for (session, (client, _)) in std::mem::take(&mut self.opening) {
            ctx.send(client, Msg::Disconnect(session));
        }
        self.queues.clear();
    }

    fn vote(&self, ctx: &mut Ctx<'_, Zab>) -> Vote {
        match &self.role {
            Role::Looking(e) => Vote {
                round: e.round,
                ballot: e.vote,
                state: PeerState::Looking,
            },
            Role::Following(f) => Vote {
                round: self.round,
                ballot: Ballot {
                    epoch: ctx.stable().current_epoch,
                    zxid: self.last_zxid(),
                    id: f.leader,
                },
                state: PeerState::Following,
            },
            Role::Leading(_) => Vote {
                round: self.round,
                ballot: Ballot {
                    epoch: ctx.stable().current_epoch,
                    zxid: self.last_zxid(),
                    id: self.me,
                },
                state: PeerState::Leading,
            },
        }
    }

    /// Sends this server's vote to `to`, or to every server.
    fn tell_vote(&self, ctx: &mut Ctx<'_, Zab>, to: Option<NodeIdx>) {
        let vote = Msg::Vote(self.vote(ctx));
        match to {
            Some(to) => ctx.send(to, vote),
            None => ctx.broadcast(vote),
        }
    }

    fn maybe_finalize(&mut self, ctx: &mut Ctx<'_, Zab>) {
        let q = Self::quorum(ctx);
        if let Role::Looking(e) = &mut self.role
            && e.finalizing.is_none()
            && e.votes_for_own() >= q
        {
            e.finalizing = Some(e.round);
            ctx.set_timer(FINALIZE_WAIT, Timer::Finalize(e.round));
        }
    }

    fn on_vote(&mut self, ctx: &mut Ctx<'_, Zab>, from: NodeIdx, vote: Vote) {
        let n = ctx.nodes();
        let q = Self::quorum(ctx);
        let own = self.own_ballot(ctx);
        match &mut self.role {
            Role::Looking(e) => {
                let heard = e.hear(self.me, own, from, vote, q);
                self.round = e.round;
                match heard {
                    Heard::Broadcast => self.tell_vote(ctx, None),
                    Heard::Answer => self.tell_vote(ctx, Some(from)),
                    Heard::Follow(leader) if leader != self.me && leader < n => {
                        self.follow(ctx, leader);
                        return;
                    }
                    Heard::Follow(_) | Heard::Nothing => {}
                }
                self.maybe_finalize(ctx);
            }
            Role::Following(_) | Role::Leading(_) => {
                if vote.state == PeerState::Looking {
                    self.tell_vote(ctx, Some(from));
                }
            }
        }
    }

    fn on_finalize(&mut self, ctx: &mut Ctx<'_, Zab>, round: u64) {
        let q = Self::quorum(ctx);
        let Role::Looking(e) = &mut self.role else {
            return;
        };
        if e.finalizing != Some(round) || e.round != round {
            return;
        }
        e.finalizing = None;
        if e.votes_for_own() < q {
            return;
        }
        let winner = e.vote.id;
        if winner == self.me {
            let early = std::mem::take(&mut e.early_followers);
            self.lead(ctx);
            for (from, accepted_epoch) in early {
                self.leader_message(ctx, from, Msg::FollowerInfo { accepted_epoch });
            }
        } else {
            self.follow(ctx, winner);
        }
    }

    fn follow(&mut self, ctx: &mut Ctx<'_, Zab>, leader: NodeIdx) {
        self.role = Role::Following(Follower {
            leader,
            phase: Phase::Discovery,
            last_heard: ctx.now(),
            syncs: BTreeMap::new(),
        });
        let accepted_epoch = ctx.stable().accepted_epoch;
        ctx.send(leader, Msg::FollowerInfo { accepted_epoch });
    }

    fn lead(&mut self, ctx: &mut Ctx<'_, Zab>) {
        let accepted = ctx.stable().accepted_epoch;
        let leader = Leader {
            epoch: 0,
            phase: LeaderPhase::Discovery,
            since: ctx.now(),
            infos: BTreeMap::from([(self.me, accepted)]),
            epoch_acks: BTreeSet::new(),
            newleader_acks: BTreeSet::new(),
            learners: BTreeMap::new(),
            counter: 0,
            outstanding: BTreeMap::new(),
            next: Store::default(),
            sessions: BTreeMap::new(),
            syncs: Vec::new(),
        };
        self.role = Role::Leading(Box::new(leader));
        self.discover(ctx);
    }

    /// With a quorum of accepted epochs, the new epoch: above all of them.
    fn discover(&mut self, ctx: &mut Ctx<'_, Zab>) {
        let q = Self::quorum(ctx);
        let Role::Leading(l) = &mut self.role else {
            return;
        };
        if l.phase != LeaderPhase::Discovery || l.infos.len() < q {
            return;
        }
        l.epoch = l.infos.values().copied().max().unwrap_or(0) + 1;
        l.phase = LeaderPhase::EpochAck;
        l.epoch_acks.insert(self.me);
        let epoch = l.epoch;
        let learners: Vec<NodeIdx> = l.learners.keys().copied().collect();
        ctx.stable().accepted_epoch = epoch;
        for p in learners {
            ctx.send(p, Msg::LeaderInfo(epoch));
        }
        self.epoch_acked(ctx);
    }

    /// With a quorum of `ackepoch`, the current epoch is the new one and followers are synced.
    fn epoch_acked(&mut self, ctx: &mut Ctx<'_, Zab>) {
        let q = Self::quorum(ctx);
        let Role::Leading(l) = &mut self.role else {
            return;
        };
        if l.phase != LeaderPhase::EpochAck || l.epoch_acks.len() < q {
            return;
        }
        l.phase = LeaderPhase::NewLeader;
        l.newleader_acks.insert(self.me);
        let epoch = l.epoch;
        ctx.stable().current_epoch = epoch;
        let waiting: Vec<(NodeIdx, Zxid)> = l
            .learners
            .iter()
            .filter_map(|(p, learner)| learner.last_zxid.map(|z| (*p, z)))
            .collect();
        for (p, last) in waiting {
            self.sync_learner(ctx, p, last);
        }
        self.newleader_acked(ctx);
    }

    /// Brings learner `p`, whose last zxid is `theirs`, to this leader's log.
    fn sync_learner(&mut self, ctx: &mut Ctx<'_, Zab>, p: NodeIdx, theirs: Zxid) {
        let committed = self.applied_zxid();
        let SyncPlan { mode, after, from } = plan_sync(&self.log, theirs);
        let Role::Leading(l) = &mut self.role else {
            return;
        };
        let epoch = l.epoch;
        if let Some(learner) = l.learners.get_mut(&p) {
            learner.forwarding = true;
            learner.last_zxid = None;
        }
        ctx.send(
            p,
            Msg::Sync {
                mode,
                after,
                entries: self.log[from..].to_vec(),
                committed,
            },
        );
        ctx.send(p, Msg::NewLeader(epoch));
    }

    /// With a quorum of `newleader` acks, the leader is established: its log is committed.
    fn newleader_acked(&mut self, ctx: &mut Ctx<'_, Zab>) {
        let q = Self::quorum(ctx);
        let Role::Leading(l) = &self.role else {
            return;
        };
        if l.phase != LeaderPhase::NewLeader || l.newleader_acks.len() < q {
            return;
        }
        let last = self.last_zxid();
        self.apply_to(ctx, last);
        let now = ctx.now();
        let tick = ctx.config().tick;
        let store = self.store.clone();
        let Role::Leading(l) = &mut self.role else {
            return;
        };
        l.phase = LeaderPhase::Established;
        l.next = store;
        l.sessions = l
            .next
            .sessions()
            .map(|(s, timeout_ms)| {
                let timeout = timeout_ms * 1_000_000;
                let tracked = Tracked {
                    owner: self.me,
                    timeout,
                    deadline: round_up(now + timeout, tick),
                    closing: false,
                };
                (s.to_string(), tracked)
            })
            .collect();
        let epoch = l.epoch;
        let synced: Vec<NodeIdx> = l
            .newleader_acks
            .iter()
            .copied()
            .filter(|p| *p != self.me)
            .collect();
        let committed = self.applied_zxid();
        for p in synced {
            ctx.send(p, Msg::UpToDate(committed));
        }
        ctx.observe_detail(ObservationKind::TookLead, None, format!("epoch {epoch}"));
    }

    // ---- the leader ----

    fn leader_message(&mut self, ctx: &mut Ctx<'_, Zab>, from: NodeIdx, msg: Msg) {
        let now = ctx.now();
        let mine = (ctx.stable().current_epoch, self.last_zxid());
        let committed = self.applied_zxid();
        let Role::Leading(l) = &mut self.role else {
            return;
        };
        if let Some(learner) = l.learners.get_mut(&from) {
            learner.last_heard = now;
        }
        match msg {
            Msg::FollowerInfo { accepted_epoch } => {
                l.learners.insert(
                    from,
                    Learner {
                        forwarding: false,
                        last_heard: now,
                        last_zxid: None,
                    },
                );
                if l.phase == LeaderPhase::Discovery {
                    l.infos.insert(from, accepted_epoch);
                    self.discover(ctx);
                } else {
                    ctx.send(from, Msg::LeaderInfo(l.epoch));
                }
            }
            Msg::AckEpoch {
                epoch,
                current_epoch,
                last_zxid,
            } if epoch == l.epoch => {
                let ahead = current_epoch.is_some_and(|c| (c, last_zxid) > mine);
                if ahead && l.phase == LeaderPhase::EpochAck {
                    // A follower ahead of the leader: the election went wrong; start again.
                    self.look(ctx);
                    return;
                }
                let phase = l.phase;
                if let Some(learner) = l.learners.get_mut(&from) {
                    learner.last_zxid = Some(last_zxid);
                }
                if current_epoch.is_some() {
                    l.epoch_acks.insert(from);
                }
                if phase == LeaderPhase::EpochAck {
                    self.epoch_acked(ctx);
                } else {
                    self.sync_learner(ctx, from, last_zxid);
                }
            }
            Msg::AckNewLeader(epoch) if epoch == l.epoch => {
                l.newleader_acks.insert(from);
                if l.phase == LeaderPhase::Established {
                    ctx.send(from, Msg::UpToDate(committed));
                } else {
                    self.newleader_acked(ctx);
                }
            }
            Msg::Ack { epoch, zxid } if epoch == l.epoch => {
                let forwarding = l.learners.get(&from).is_some_and(|x| x.forwarding);
                if let Some(acks) = l.outstanding.get_mut(&zxid)
                    && forwarding
                {
                    acks.insert(from);
                }
                self.try_commit(ctx);
            }
            Msg::Request {
                epoch,
                session,
                cxid,
                op,
            } if l.phase == LeaderPhase::Established && epoch == l.epoch => {
                self.submit(ctx, from, session, cxid, op);
            }
            Msg::Ping(sessions) => {
                for s in sessions {
                    self.touch(ctx, &s);
                }
            }
            Msg::Revalidate { session, .. } if l.phase == LeaderPhase::Established => {
                let alive = self.revalidate(ctx, from, &session);
                ctx.send(from, Msg::Revalidate { session, alive });
            }
            Msg::SyncRequest(id) => self.leader_sync(ctx, from, id),
            _ => {}
        }
    }

    /// Whether `session` is alive at the leader (and if so, it is touched and now owned by
    /// `owner`, the server its client reconnected to).
    fn revalidate(&mut self, ctx: &mut Ctx<'_, Zab>, owner: NodeIdx, session: &str) -> bool {
        let zombies = ctx.config().is(Broken::ZombieSessions);
        let alive = match &self.role {
            Role::Leading(l) if l.phase == LeaderPhase::Established => {
                zombies || l.sessions.get(session).is_some_and(|t| !t.closing)
            }
            _ => false,
        };
        if alive {
            self.touch(ctx, session);
            if let Role::Leading(l) = &mut self.role
                && let Some(t) = l.sessions.get_mut(session)
            {
                t.owner = owner;
            }
        }
        alive
    }

    fn touch(&mut self, ctx: &mut Ctx<'_, Zab>, session: &str) {
        let now = ctx.now();
        let tick = ctx.config().tick;
        if let Role::Leading(l) = &mut self.role
            && let Some(t) = l.sessions.get_mut(session)
        {
            t.deadline = t.deadline.max(round_up(now + t.timeout, tick));
        }
    }

    /// The session's client was heard from: the leader's tracker hears it at once, a follower's
    /// with its next ping answer.
    fn heard_from(&mut self, ctx: &mut Ctx<'_, Zab>, session: &str) {
        if matches!(self.role, Role::Leading(_)) {
            self.touch(ctx, session);
        } else {
            self.touched.insert(session.to_string());
        }
    }

    /// A sync from `from` (this server included) is answered once every proposal made before it
    /// has committed.
    fn leader_sync(&mut self, ctx: &mut Ctx<'_, Zab>, from: NodeIdx, id: u64) {
        let Role::Leading(l) = &mut self.role else {
            return;
        };
        match l.outstanding.last_key_value() {
            Some((&z, _)) => l.syncs.push((z, from, id)),
            None => self.sync_done(ctx, from, id),
        }
    }

    fn sync_done(&mut self, ctx: &mut Ctx<'_, Zab>, to: NodeIdx, id: u64) {
        if to == self.me {
            self.sync_answered(ctx, id);
        } else {
            ctx.send(to, Msg::SyncRequest(id));
        }
    }

    /// A request from one of this server's clients, or forwarded by a follower.
    fn submit(
        &mut self,
        ctx: &mut Ctx<'_, Zab>,
        origin: NodeIdx,
        session: String,
        cxid: u64,
        op: Forwarded,
    ) {
        let zombies = ctx.config().is(Broken::ZombieSessions);
        let Role::Leading(l) = &mut self.role else {
            return;
        };
        let change = match op {
            Forwarded::Open(timeout) => {
                if l.next.is_open(&session) {
                    // Opened already (its welcome was lost with a connection): the client is
                    // welcome on the server it asked.
                    if let Some(t) = l.sessions.get_mut(&session) {
                        t.owner = origin;
                    }
                    self.touch(ctx, &session);
                    if origin == self.me {
                        self.opened_again(ctx, &session);
                    } else {
                        ctx.send(
                            origin,
                            Msg::Revalidate {
                                session,
                                alive: true,
                            },
                        );
                    }
                    return;
                }
                Change::OpenSession {
                    session,
                    timeout_ms: timeout / 1_000_000,
                }
            }
            Forwarded::Client(request) => {
                let tracked = l.sessions.get(&session);
                let alive = l.next.is_open(&session) && tracked.is_none_or(|t| !t.closing);
                if !alive && !zombies {
                    Change::Write {
                        session,
                        txn: Err(ZkError::SessionExpired),
                    }
                } else if tracked.is_some_and(|t| t.owner != origin) {
                    Change::Write {
                        session,
                        txn: Err(ZkError::SessionMoved),
                    }
                } else {
                    match l.next.prepare(&session, &request) {
                        Some(change) => {
                            self.touch(ctx, &session);
                            change
                        }
                        None => return,
                    }
                }
            }
        };
        self.propose(ctx, origin, change, cxid);
    }

    fn propose(&mut self, ctx: &mut Ctx<'_, Zab>, origin: NodeIdx, change: Change, cxid: u64) {
        let now = ctx.now();
        let tick = ctx.config().tick;
        let Role::Leading(l) = &mut self.role else {
            return;
        };
        l.counter += 1;
        let entry = Entry {
            zxid: zxid(l.epoch, l.counter),
            time_ms: now / 1_000_000,
            cxid,
            change,
        };
        // The proposal's effect on the state requests are prepared against; its replies and
        // events are the commit's.
        let _ = l.next.apply(&entry.change, entry.zxid, entry.time_ms);
        match &entry.change {
            Change::OpenSession {
                session,
                timeout_ms,
            } => {
                let timeout = timeout_ms * 1_000_000;
                l.sessions.insert(
                    session.clone(),
                    Tracked {
                        owner: origin,
                        timeout,
                        deadline: round_up(now + timeout, tick),
                        closing: false,
                    },
                );
            }
            Change::CloseSession { session } => {
                if let Some(t) = l.sessions.get_mut(session) {
                    t.closing = true;
                }
            }
            _ => {}
        }
        l.outstanding.insert(entry.zxid, BTreeSet::from([self.me]));
        let to = l.forwarding();
        for p in to {
            ctx.send(p, Msg::Proposal(entry.clone()));
        }
        self.append(ctx, entry);
        self.try_commit(ctx);
    }

    /// Commits outstanding proposals in zxid order while the first has a quorum of acks.
    fn try_commit(&mut self, ctx: &mut Ctx<'_, Zab>) {
        let q = if ctx.config().is(Broken::EarlyCommit) {
            1
        } else {
            Self::quorum(ctx)
        };
        loop {
            let Role::Leading(l) = &mut self.role else {
                return;
            };
            let Some((&z, acks)) = l.outstanding.first_key_value() else {
                return;
            };
            if acks.len() < q {
                return;
            }
            l.outstanding.pop_first();
            let to = l.forwarding();
            let (done, waiting): (Vec<_>, Vec<_>) = l.syncs.drain(..).partition(|s| s.0 <= z);
            l.syncs = waiting;
            for p in to {
                ctx.send(p, Msg::Commit(z));
            }
            self.apply_to(ctx, z);
            for (_, from, id) in done {
                self.sync_done(ctx, from, id);
            }
        }
    }

    fn leader_tick(&mut self, ctx: &mut Ctx<'_, Zab>) {
        let now = ctx.now();
        let q = Self::quorum(ctx);
        let sync_limit = ctx.config().sync_limit;
        let Role::Leading(l) = &mut self.role else {
            return;
        };
        for p in l.learners.keys() {
            ctx.send(*p, Msg::Ping(Vec::new()));
        }
        if l.phase != LeaderPhase::Established {
            if now.saturating_sub(l.since) > 2 * sync_limit {
                self.look(ctx);
            }
            return;
        }
        let heard = 1 + l
            .learners
            .values()
            .filter(|x| x.forwarding && x.last_heard + sync_limit >= now)
            .count();
        if heard < q {
            self.look(ctx);
            return;
        }
        let expired: Vec<String> = l
            .sessions
            .iter()
            .filter(|(_, t)| !t.closing && t.deadline <= now)
            .map(|(s, _)| s.clone())
            .collect();
        for session in expired {
            let me = self.me;
            self.propose(ctx, me, Change::CloseSession { session }, 0);
        }
    }

    // ---- the follower ----

    fn follower_message(&mut self, ctx: &mut Ctx<'_, Zab>, from: NodeIdx, msg: Msg) {
        let now = ctx.now();
        let Role::Following(f) = &mut self.role else {
            return;
        };
        if from != f.leader {
            return;
        }
        f.last_heard = now;
        let phase = f.phase;
        match msg {
            Msg::LeaderInfo(epoch) if phase == Phase::Discovery => {
                let stable = ctx.stable();
                if epoch < stable.accepted_epoch {
                    self.look(ctx);
                    return;
                }
                // An epoch accepted already (from another would-be leader) is acked without
                // vouching for this leader.
                let current_epoch = (epoch > stable.accepted_epoch).then_some(stable.current_epoch);
                stable.accepted_epoch = epoch;
                if let Role::Following(f) = &mut self.role {
                    f.phase = Phase::Sync;
                }
                let last_zxid = self.last_zxid();
                ctx.send(
                    from,
                    Msg::AckEpoch {
                        epoch,
                        current_epoch,
                        last_zxid,
                    },
                );
            }
            Msg::Sync {
                mode,
                after,
                entries,
                committed,
            } if phase == Phase::Sync => {
                if self.synchronize(ctx, mode, after, &entries, committed) {
                    if let Role::Following(f) = &mut self.role {
                        f.phase = Phase::Synced;
                    }
                } else {
                    // The leader's idea of this log is out of date: the connection is not to be
                    // trusted, so start again.
                    self.look(ctx);
                }
            }
            Msg::NewLeader(epoch) if phase == Phase::Synced => {
                ctx.stable().current_epoch = epoch;
                ctx.send(from, Msg::AckNewLeader(epoch));
                let pending: Vec<Zxid> = self.log[self.applied..].iter().map(|e| e.zxid).collect();
                for zxid in pending {
                    ctx.send(from, Msg::Ack { epoch, zxid });
                }
            }
            Msg::UpToDate(committed) if phase == Phase::Synced => {
                self.apply_to(ctx, committed);
                if let Role::Following(f) = &mut self.role {
                    f.phase = Phase::Broadcast;
                }
            }
            Msg::Proposal(entry) if matches!(phase, Phase::Synced | Phase::Broadcast) => {
                let last = self.last_zxid();
                if entry.zxid <= last {
                    return;
                }
                let next_in_epoch = entry.zxid == last + 1;
                let first_of_epoch = epoch_of(entry.zxid) == ctx.stable().current_epoch
                    && epoch_of(entry.zxid) > epoch_of(last)
                    && entry.zxid & 0xffff_ffff == 1;
                if !next_in_epoch && !first_of_epoch {
                    // A proposal went missing: the channel is broken.
                    self.look(ctx);
                    return;
                }
                let ack = Msg::Ack {
                    epoch: epoch_of(entry.zxid),
                    zxid: entry.zxid,
                };
                self.append(ctx, entry);
                ctx.send(from, ack);
            }
            Msg::Commit(z) if matches!(phase, Phase::Synced | Phase::Broadcast) => {
                if z <= self.applied_zxid() {
                    return;
                }
                if self.log.binary_search_by_key(&z, |e| e.zxid).is_err() {
                    self.look(ctx);
                    return;
                }
                self.apply_to(ctx, z);
            }
            Msg::Ping(_) => {
                let sessions: Vec<String> = std::mem::take(&mut self.touched).into_iter().collect();
                ctx.send(from, Msg::Ping(sessions));
            }
            Msg::Revalidate { session, alive } => {
                if let Some(waiting) = self.revalidating.remove(&session) {
                    self.welcome(ctx, &session, waiting, alive);
                } else if alive {
                    self.opened_again(ctx, &session);
                }
            }
            Msg::SyncRequest(id) => self.sync_answered(ctx, id),
            _ => {}
        }
    }

    /// The leader's `diff`, `trunc` or `snap`; false when the entries do not follow this log
    /// (the leader worked from an out-of-date `ackepoch`), and nothing was changed.
    fn synchronize(
        &mut self,
        ctx: &mut Ctx<'_, Zab>,
        mode: SyncMode,
        after: Zxid,
        entries: &[Entry],
        committed: Zxid,
    ) -> bool {
        let fits = match mode {
            SyncMode::Diff => self.last_zxid() == after,
            SyncMode::Trunc(to) => {
                to == 0 || self.log.binary_search_by_key(&to, |e| e.zxid).is_ok()
            }
            SyncMode::Snap => true,
        };
        if !fits {
            return false;
        }
        match mode {
            SyncMode::Diff => {}
            SyncMode::Trunc(to) => {
                if !ctx.config().is(Broken::SkipTrunc) {
                    let keep = self.log.partition_point(|e| e.zxid <= to);
                    self.log.truncate(keep);
                    ctx.stable().log.truncate(keep);
                }
            }
            SyncMode::Snap => {
                self.log.clear();
                ctx.stable().log.clear();
            }
        }
        if self.applied > self.log.len() || mode == SyncMode::Snap {
            // What was applied is gone from the log: rebuild the store from what is left.
            self.store = Store::default();
            self.applied = 0;
        }
        let last = self.last_zxid();
        for entry in entries.iter().filter(|e| e.zxid > last) {
            self.append(ctx, entry.clone());
        }
        self.apply_to(ctx, committed);
        true
    }

    fn sync_answered(&mut self, ctx: &mut Ctx<'_, Zab>, id: u64) {
        let waiting = match &mut self.role {
            Role::Following(f) => f.syncs.remove(&id),
            Role::Leading(_) | Role::Looking(_) => self.own_syncs.remove(&id),
        };
        if let Some((session, cxid)) = waiting {
            let zxid = self.applied_zxid();
            self.complete(ctx, &session, cxid, zxid, Ok(Reply::Done));
        }
    }

    // ---- timers and dispatch ----

    /// A message arrived.
    pub fn on_message(&mut self, ctx: &mut Ctx<'_, Zab>, from: NodeIdx, msg: Msg) {
        self.answered.clear();
        if from >= ctx.nodes() {
            self.client_message(ctx, from, msg);
            return;
        }
        match msg {
            Msg::Vote(vote) => self.on_vote(ctx, from, vote),
            msg => match self.role {
                Role::Leading(_) => self.leader_message(ctx, from, msg),
                Role::Following(_) => self.follower_message(ctx, from, msg),
                Role::Looking(ref mut e) => {
                    if let Msg::FollowerInfo { accepted_epoch } = msg {
                        e.early_followers.insert(from, accepted_epoch);
                    }
                }
            },
        }
    }

    /// A timer fired.
    pub fn on_timer(&mut self, ctx: &mut Ctx<'_, Zab>, timer: Timer) {
        self.answered.clear();
        match timer {
            Timer::Tick => {
                ctx.set_timer(ctx.config().tick / 2, Timer::Tick);
                self.tick(ctx);
            }
            Timer::Finalize(round) => self.on_finalize(ctx, round),
            Timer::ClientTick | Timer::Issue => {}
        }
    }

    fn tick(&mut self, ctx: &mut Ctx<'_, Zab>) {
        let now = ctx.now();
        let sync_limit = ctx.config().sync_limit;
        let silent: Vec<String> = self
            .connections
            .iter()
            .filter(|(_, c)| c.last_heard + c.timeout < now)
            .map(|(s, _)| s.clone())
            .collect();
        for session in silent {
            self.connections.remove(&session);
            self.queues.remove(&session);
            self.store.drop_watches(&session);
        }
        // A request the leader never answered (its forward was cut off by a partition) would
        // hold the session's later replies forever: the connection is closed instead.
        let stuck: Vec<String> = self
            .queues
            .iter()
            .filter(|(_, q)| {
                matches!(q.front(), Some(Queued::Write(_, t) | Queued::Sync(_, t)) if *t + sync_limit < now)
            })
            .map(|(s, _)| s.clone())
            .collect();
        for session in stuck {
            self.queues.remove(&session);
            self.store.drop_watches(&session);
            if let Some(conn) = self.connections.remove(&session) {
                ctx.send(conn.client, Msg::Disconnect(session));
            }
        }
        match &self.role {
            Role::Looking(_) => self.tell_vote(ctx, None),
            Role::Following(f) => {
                let limit = if f.phase == Phase::Broadcast {
                    sync_limit
                } else {
                    2 * sync_limit
                };
                if f.last_heard + limit < now {
                    self.look(ctx);
                }
            }
            Role::Leading(_) => self.leader_tick(ctx),
        }
    }

    // ---- clients ----

    fn client_message(&mut self, ctx: &mut Ctx<'_, Zab>, from: NodeIdx, msg: Msg) {
        let now = ctx.now();
        match msg {
            Msg::Connect {
                session,
                attempt,
                resume,
                timeout,
                last_zxid,
                watches,
            } => {
                let behind = last_zxid > self.applied_zxid();
                if !self.serving() || (behind && !ctx.config().is(Broken::AcceptBehind)) {
                    let refused = Welcome::Refused;
                    ctx.send(
                        from,
                        Msg::Welcome {
                            session,
                            attempt,
                            welcome: refused,
                        },
                    );
                    return;
                }
                if !resume {
                    self.opening.insert(session.clone(), (from, attempt));
                    let op = Forwarded::Open(ctx.config().negotiate(timeout));
                    self.forward(ctx, session, 0, op);
                    return;
                }
                let waiting = Revalidating {
                    client: from,
                    attempt,
                    last_zxid,
                    watches,
                };
                match &self.role {
                    Role::Leading(_) => {
                        let me = self.me;
                        let alive = self.revalidate(ctx, me, &session);
                        self.welcome(ctx, &session, waiting, alive);
                    }
                    Role::Following(f) => {
                        let leader = f.leader;
                        self.revalidating.insert(session.clone(), waiting);
                        ctx.send(
                            leader,
                            Msg::Revalidate {
                                session,
                                alive: false,
                            },
                        );
                    }
                    Role::Looking(_) => {}
                }
            }
            Msg::ClientRequest {
                session,
                cxid,
                request,
            } => {
                let Some(conn) = self.connections.get_mut(&session) else {
                    ctx.send(from, Msg::Disconnect(session));
                    return;
                };
                conn.last_heard = now;
                self.heard_from(ctx, &session);
                self.serve(ctx, session, cxid, request);
            }
            Msg::ClientPing(session) => match self.connections.get_mut(&session) {
                Some(conn) => {
                    conn.last_heard = now;
                    self.heard_from(ctx, &session);
                    ctx.send(from, Msg::ClientPing(session));
                }
                None => ctx.send(from, Msg::Disconnect(session)),
            },
            _ => {}
        }
    }

    /// A request of a connected session.
    fn serve(&mut self, ctx: &mut Ctx<'_, Zab>, session: String, cxid: u64, request: Request) {
        let queue = self.queues.entry(session.clone()).or_default();
        match request {
            Request::Write(_) | Request::Multi(_) | Request::Close => {
                queue.push_back(Queued::Write(cxid, ctx.now()));
                self.forward(ctx, session, cxid, Forwarded::Client(request));
            }
            Request::Sync { .. } => {
                queue.push_back(Queued::Sync(cxid, ctx.now()));
                self.next_sync += 1;
                let id = self.next_sync;
                match &mut self.role {
                    Role::Following(f) => {
                        f.syncs.insert(id, (session, cxid));
                        let leader = f.leader;
                        ctx.send(leader, Msg::SyncRequest(id));
                    }
                    Role::Leading(_) => {
                        self.own_syncs.insert(id, (session, cxid));
                        let me = self.me;
                        self.leader_sync(ctx, me, id);
                    }
                    Role::Looking(_) => {}
                }
            }
            read => {
                if queue.is_empty() {
                    self.read(ctx, &session, cxid, &read);
                } else {
                    queue.push_back(Queued::Read(cxid, read));
                }
            }
        }
    }

    /// Sends a request to the leader (or, on the leader, submits it).
    fn forward(&mut self, ctx: &mut Ctx<'_, Zab>, session: String, cxid: u64, op: Forwarded) {
        match &self.role {
            Role::Leading(_) => {
                let me = self.me;
                self.submit(ctx, me, session, cxid, op);
            }
            Role::Following(f) => {
                let leader = f.leader;
                let epoch = ctx.stable().current_epoch;
                if ctx.config().is(Broken::ReorderWrites) && cxid > 0 {
                    match self.held.remove(&session) {
                        Some((held, op_held)) => {
                            ctx.send(
                                leader,
                                Msg::Request {
                                    epoch,
                                    session: session.clone(),
                                    cxid,
                                    op,
                                },
                            );
                            ctx.send(
                                leader,
                                Msg::Request {
                                    epoch,
                                    session,
                                    cxid: held,
                                    op: op_held,
                                },
                            );
                        }
                        None => {
                            self.held.insert(session, (cxid, op));
                        }
                    }
                    return;
                }
                ctx.send(
                    leader,
                    Msg::Request {
                        epoch,
                        session,
                        cxid,
                        op,
                    },
                );
            }
            Role::Looking(_) => {}
        }
    }

    /// A session opened already is welcome on this server, if a client is opening it here.
    fn opened_again(&mut self, ctx: &mut Ctx<'_, Zab>, session: &str) {
        if let Some(caller) = self.opening.remove(session) {
            let timeout = self.session_timeout(ctx, session);
            self.connect(ctx, session, caller, timeout, 0, Vec::new());
        }
    }

    /// A session's timeout as this server's store has it (the asked one if it has none yet).
    fn session_timeout(&self, ctx: &Ctx<'_, Zab>, session: &str) -> Nanos {
        self.store
            .sessions()
            .find(|(s, _)| *s == session)
            .map_or(ctx.config().session_timeout, |(_, t)| t * 1_000_000)
    }

    /// Answers a reconnecting client once the leader has said whether its session lives.
    fn welcome(
        &mut self,
        ctx: &mut Ctx<'_, Zab>,
        session: &str,
        waiting: Revalidating,
        alive: bool,
    ) {
        if !alive {
            ctx.send(
                waiting.client,
                Msg::Welcome {
                    session: session.to_string(),
                    attempt: waiting.attempt,
                    welcome: Welcome::Expired,
                },
            );
            return;
        }
        let timeout = self.session_timeout(ctx, session);
        self.connect(
            ctx,
            session,
            (waiting.client, waiting.attempt),
            timeout,
            waiting.last_zxid,
            waiting.watches,
        );
    }

    /// Opens the connection, sets the client's watches again (firing those whose node changed
    /// since the zxid it has seen) and tells it.
    fn connect(
        &mut self,
        ctx: &mut Ctx<'_, Zab>,
        session: &str,
        (client, attempt): (NodeIdx, u64),
        timeout: Nanos,
        seen: Zxid,
        watches: Vec<Rewatch>,
    ) {
        self.connections.insert(
            session.to_string(),
            Conn {
                client,
                attempt,
                timeout,
                last_heard: ctx.now(),
            },
        );
        self.heard_from(ctx, session);
        ctx.send(
            client,
            Msg::Welcome {
                session: session.to_string(),
                attempt,
                welcome: Welcome::Connected(timeout),
            },
        );
        let applied = self.applied_zxid();
        for (path, kind, existed) in watches {
            let node = self.store.tree().get(&path).map(|n| n.stat.clone());
            let fired = match (kind, node) {
                (WatchKind::Data, None) if existed => Some(EventType::NodeDeleted),
                (WatchKind::Data, None) => None,
                (WatchKind::Data, Some(stat)) if !existed => {
                    (stat.czxid > seen || stat.mzxid > seen).then_some(EventType::NodeCreated)
                }
                (WatchKind::Data, Some(stat)) => {
                    (stat.mzxid > seen).then_some(EventType::NodeDataChanged)
                }
                (WatchKind::Child, None) => Some(EventType::NodeDeleted),
                (WatchKind::Child, Some(stat)) => {
                    (stat.pzxid > seen).then_some(EventType::NodeChildrenChanged)
                }
            };
            match fired {
                Some(kind) => ctx.send(
                    client,
                    Msg::WatchEvent {
                        zxid: applied,
                        event: WatchEvent {
                            session: session.to_string(),
                            kind,
                            path,
                            group: 0,
                        },
                    },
                ),
                None => self.store.watch(session, &path, kind),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::zab::zxid;

    fn log(zxids: &[Zxid]) -> Vec<Entry> {
        zxids
            .iter()
            .map(|&z| Entry {
                zxid: z,
                time_ms: 0,
                cxid: 0,
                change: Change::CloseSession {
                    session: "s".into(),
                },
            })
            .collect()
    }

    #[test]
    fn a_follower_is_sent_what_it_lacks_or_truncated_to_what_both_logs_share() {
        let leader = log(&[zxid(1, 1), zxid(1, 2), zxid(2, 1), zxid(2, 2)]);
        let plan = |theirs| {
            let p = plan_sync(&leader, theirs);
            (p.mode, p.after, p.from)
        };
        // Up to date, behind, empty.
        assert_eq!(plan(zxid(2, 2)), (SyncMode::Diff, zxid(2, 2), 4));
        assert_eq!(plan(zxid(1, 2)), (SyncMode::Diff, zxid(1, 2), 2));
        assert_eq!(plan(0), (SyncMode::Diff, 0, 0));
        // Proposals of epoch 1 the new leader never had: drop back to 1:2, then send epoch 2.
        assert_eq!(
            plan(zxid(1, 3)),
            (SyncMode::Trunc(zxid(1, 2)), zxid(1, 2), 2)
        );
        // Past the leader's end (an epoch-2 proposal the leader lost): truncate to its end.
        assert_eq!(
            plan(zxid(2, 3)),
            (SyncMode::Trunc(zxid(2, 2)), zxid(2, 2), 4)
        );
    }

    #[test]
    fn a_follower_far_behind_is_sent_the_whole_log() {
        let long: Vec<Zxid> = (1..=SNAP_THRESHOLD as u32 + 2)
            .map(|c| zxid(1, c))
            .collect();
        let leader = log(&long);
        assert_eq!(plan_sync(&leader, zxid(1, 1)).mode, SyncMode::Snap);
        assert_eq!(plan_sync(&leader, zxid(1, 2)).mode, SyncMode::Diff);
    }
}
