//! The ZooKeeper-style store replicated by Zab (Junqueira, Reed, Serafini, "Zab: High-performance
//! broadcast for primary-backup systems", DSN 2011, and ZooKeeper 3.8's `Leader`, `Learner` and
//! `FastLeaderElection`), with ZooKeeper's sessions, clients and watches.
//!
//! Every server holds a [`Store`] (the tree, the open sessions, the watches of the clients
//! connected to it) and a transaction log in stable storage. The log holds [`Entry`]s — a
//! [`Change`] of the store and its zxid, `epoch << 32 | counter` — and the store is the log's
//! committed prefix applied in zxid order. A server moves through ZooKeeper's phases:
//!
//! - **Election** ([`election`]): a LOOKING server votes for the best `(epoch, last zxid, id)` it
//!   has heard of and decides once a quorum (`⌊N/2⌋ + 1`) votes as it does and nothing better
//!   arrives within the finalize wait. A server out of the election answers a voter with the
//!   leader it follows; a quorum of such answers, the leader's own among them, makes the voter
//!   follow that leader.
//! - **Discovery**: followers send `followerinfo` (their accepted epoch); the prospective leader
//!   takes an epoch above every accepted epoch of a quorum and announces it in `leaderinfo`;
//!   followers persist it and answer `ackepoch` with their current epoch and last zxid. A
//!   follower ahead of the leader makes it give up.
//! - **Synchronisation**: the leader brings each follower's log to its own with one message —
//!   `diff` (the entries it lacks), `trunc` (drop entries the leader never had, then the
//!   entries it lacks) or `snap` (the whole log, when it is far behind) — then `newleader`.
//!   Followers persist the new epoch and `ack`; once a quorum has acked the leader is
//!   *established*: its whole log is committed and it says `uptodate` to each synced follower.
//! - **Broadcast**: a write reaches the leader (directly, or forwarded by a follower as
//!   `request`); the leader prepares it into a change against its state after every outstanding
//!   proposal, logs it and sends `proposal`; followers log it and `ack`; with a quorum of acks
//!   (its own included) and every earlier proposal committed, the leader sends `commit`. Every
//!   server applies commits in zxid order and replies to its own clients.
//!
//! Liveness as in ZooKeeper: the leader pings its followers every half tick and steps down when it
//! has not heard from a quorum within the sync limit; a follower that has not heard from its
//! leader within the sync limit (or a gap in what it hears: a lost message breaks the channel,
//! as a broken TCP connection would) goes back to election and stops serving clients. Links are
//! FIFO and loss only delays messages, as over TCP
//! ([`crate::sim::protocol::Protocol::FIFO`]); a partition drops them. A crash keeps the log and the epochs.
//!
//! **Sessions** ([`server`], [`client`]): a client opens a session on one server (an
//! `OpenSession` change through Zab, carrying the negotiated timeout, clamped to [2, 20] ticks),
//! pings when idle, and on losing its server tries another, which revalidates the session with
//! the leader (`revalidate`) and refuses a client that has seen a later zxid than it has applied.
//! The leader tracks every session's deadline (rounded up to a tick, refreshed by requests and by
//! the sessions followers report in their pings) and expires a silent session with a
//! `CloseSession` change, which deletes its ephemeral nodes.
//!
//! Reads are answered by the client's server from its own store (behind the session's pending
//! writes, so a session sees its own writes in order); `sync` makes the server wait for the
//! leader's commits before answering. Watches fire from the server the client is connected to.
//!
//! Checked guarantees are in [`invariants`] and, for the writes' linearizability once the run is
//! over, [`linearizable`]; deliberately broken variants ([`Broken`]) show each
//! checker failing.

pub mod client;
pub mod election;
pub mod invariants;
pub mod linearizable;
pub mod server;
pub mod storage;
pub mod workload;

use std::sync::Arc;

use crate::protocols::zk::ZkError;
use crate::protocols::zk::store::{Change, Reply, Request, Store, WatchEvent};
use crate::sim::protocol::{Ctx, NodeIdx, Protocol};
use crate::sim::time::Nanos;

use self::client::ZkClient;
use self::election::Vote;
use self::server::Server;
use self::workload::Workload;

/// A transaction id: the epoch in the high 32 bits, a counter within the epoch in the low 32.
pub type Zxid = u64;

/// The epoch of a zxid.
pub fn epoch_of(zxid: Zxid) -> u32 {
    (zxid >> 32) as u32
}

/// The zxid of the `counter`th proposal of `epoch`.
pub fn zxid(epoch: u32, counter: u32) -> Zxid {
    (u64::from(epoch) << 32) | u64::from(counter)
}

/// A zxid as ZooKeeper prints it: `0x100000003`.
pub fn hex(zxid: Zxid) -> String {
    format!("{zxid:#x}")
}

/// One transaction of the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Its zxid.
    pub zxid: Zxid,
    /// The leader's clock when it proposed it, ms (the store's `ctime` and `mtime`).
    pub time_ms: u64,
    /// The request's number in its session (0 for changes no client asked for).
    pub cxid: u64,
    /// What it does.
    pub change: Change,
}

/// Deliberately broken variants, each defeating one guarantee, to show its checker failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    /// The leader commits a proposal as soon as it has logged it, without a quorum of acks.
    EarlyCommit,
    /// Followers ignore `trunc` and keep proposals the new leader never had.
    SkipTrunc,
    /// Followers forward a session's writes to the leader in swapped pairs.
    ReorderWrites,
    /// A server accepts a reconnecting session even when it has applied less than the client
    /// has seen.
    AcceptBehind,
    /// Every quorum is of one server: a server that hears nobody elects itself, leads and
    /// commits alone.
    SoloLeader,
    /// The leader takes requests from sessions it has expired.
    ZombieSessions,
}

impl Broken {
    /// Every variant with its name on the command line.
    pub const ALL: [(&'static str, Broken); 6] = [
        ("early-commit", Broken::EarlyCommit),
        ("skip-trunc", Broken::SkipTrunc),
        ("reorder-writes", Broken::ReorderWrites),
        ("accept-behind", Broken::AcceptBehind),
        ("solo-leader", Broken::SoloLeader),
        ("zombie-sessions", Broken::ZombieSessions),
    ];

    /// The variant called `name`.
    pub fn named(name: &str) -> Option<Broken> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
    }
}

/// Settings shared by servers and clients.
#[derive(Debug, Clone)]
pub struct ZabConfig {
    /// ZooKeeper's tickTime.
    pub tick: Nanos,
    /// How long a leader goes without hearing a quorum, and a follower without hearing its
    /// leader, before giving up (syncLimit · tick).
    pub sync_limit: Nanos,
    /// The session timeout clients ask for (the servers clamp it to [2, 20] ticks).
    pub session_timeout: Nanos,
    /// What the clients do.
    pub workload: Arc<Workload>,
    /// A broken variant, or none.
    pub broken: Option<Broken>,
}

impl ZabConfig {
    /// Whether the run is of the broken variant `b`.
    pub fn is(&self, b: Broken) -> bool {
        self.broken == Some(b)
    }

    /// A session timeout as the servers grant it: within [2, 20] ticks.
    pub fn negotiate(&self, asked: Nanos) -> Nanos {
        asked.clamp(2 * self.tick, 20 * self.tick)
    }
}

/// What a server forwards to the leader.
#[derive(Debug, Clone, PartialEq)]
pub enum Forwarded {
    /// Open a session with this timeout.
    Open(Nanos),
    /// A client's write, or its session's close.
    Client(Request),
}

/// What a server answers a connecting client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Welcome {
    /// The session is open on this server, with this timeout.
    Connected(Nanos),
    /// The session has expired: the handle is dead.
    Expired,
    /// Not now (the server is not serving, or is behind the client): try another.
    Refused,
}

/// Messages, by the Zab packet names they are counted under ([`Protocol::kind`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// `vote`: a fast-leader-election notification.
    Vote(Vote),
    /// `followerinfo`: a follower's accepted epoch.
    FollowerInfo {
        /// Its accepted epoch.
        accepted_epoch: u32,
    },
    /// `leaderinfo`: the new epoch.
    LeaderInfo(u32),
    /// `ackepoch`: the follower accepted the epoch; its current epoch and last zxid.
    AckEpoch {
        /// The epoch acknowledged.
        epoch: u32,
        /// The follower's current epoch, or none when it had accepted this epoch already (from
        /// another would-be leader): it may not vouch for two leaders of one epoch, so the
        /// leader syncs it but does not count it towards its quorum (ZooKeeper sends -1).
        current_epoch: Option<u32>,
        /// Its last logged zxid.
        last_zxid: Zxid,
    },
    /// `diff`, `trunc` or `snap`: the follower's log brought to the leader's.
    Sync {
        /// How.
        mode: SyncMode,
        /// The follower's last zxid as the leader knows it (after a `trunc`, the zxid truncated
        /// to): the entries follow it.
        after: Zxid,
        /// The entries to append after that.
        entries: Vec<Entry>,
        /// The leader's commit point.
        committed: Zxid,
    },
    /// `newleader`: the follower is synced to the leader of this epoch.
    NewLeader(u32),
    /// `uptodate`: serve clients; everything up to this zxid is committed.
    UpToDate(Zxid),
    /// `proposal`.
    Proposal(Entry),
    /// `ack`: the proposal is logged.
    Ack {
        /// The epoch of the leader acked.
        epoch: u32,
        /// The proposal.
        zxid: Zxid,
    },
    /// `ack` of `newleader`: synced to the leader of this epoch.
    AckNewLeader(u32),
    /// `commit`.
    Commit(Zxid),
    /// `request`: a write forwarded to the leader.
    Request {
        /// The epoch the forwarding server follows (a request left over from an earlier
        /// epoch's connection is dropped, as that connection would be).
        epoch: u32,
        /// The session.
        session: String,
        /// Its request number.
        cxid: u64,
        /// What it asks.
        op: Forwarded,
    },
    /// `ping`: the leader's liveness ping, or a follower's answer with the sessions it heard.
    Ping(Vec<String>),
    /// `revalidate`: is this session still alive? (and the leader's answer).
    Revalidate {
        /// The session.
        session: String,
        /// The answer (false in the question).
        alive: bool,
    },
    /// `sync`: a follower asks the leader to flush (and the leader's answer).
    SyncRequest(u64),
    /// `client-request`: connect (or reconnect) a session.
    Connect {
        /// The session.
        session: String,
        /// The client's connection attempt (a new connection each time: an answer to an
        /// earlier one is not an answer to this one).
        attempt: u64,
        /// Whether the session exists already (a reconnect).
        resume: bool,
        /// The timeout asked for.
        timeout: Nanos,
        /// The last zxid the client has seen.
        last_zxid: Zxid,
        /// Watches to set again.
        watches: Vec<server::Rewatch>,
    },
    /// `client-reply`: the answer to a connect.
    Welcome {
        /// The session.
        session: String,
        /// The connection attempt answered.
        attempt: u64,
        /// The answer.
        welcome: Welcome,
    },
    /// `client-request`.
    ClientRequest {
        /// The session.
        session: String,
        /// Its request number.
        cxid: u64,
        /// The request.
        request: Request,
    },
    /// `client-reply`.
    ClientReply {
        /// The session.
        session: String,
        /// The request answered.
        cxid: u64,
        /// The zxid of the write, or the server's last applied zxid for a read.
        zxid: Zxid,
        /// The result.
        result: Result<Reply, ZkError>,
    },
    /// `client-ping`: an idle client's ping, or the server's answer.
    ClientPing(String),
    /// `watch-event`.
    WatchEvent {
        /// The change that fired it.
        zxid: Zxid,
        /// The event.
        event: WatchEvent,
    },
    /// `disconnect`: the server closed the connection (it stopped serving).
    Disconnect(String),
    /// `storage-write`: a lock holder's write to the storage service.
    StorageWrite {
        /// The writing session.
        session: String,
        /// Its fencing token.
        token: u64,
        /// The write's number at its client.
        seq: u64,
    },
    /// `storage-reply`.
    StorageReply {
        /// The write answered.
        seq: u64,
        /// Accepted, or rejected for a token below one already seen.
        accepted: bool,
    },
}

/// How a follower's log is brought to the leader's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Append.
    Diff,
    /// Drop every entry after this zxid first.
    Trunc(Zxid),
    /// Replace the whole log.
    Snap,
}

/// Timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// A server's half-tick: pings, liveness, session expiry, election resends.
    Tick,
    /// The election's finalize wait for this round is over.
    Finalize(u64),
    /// A client's half-tick: pings, read timeout, reconnects.
    ClientTick,
    /// A client's next operation is due.
    Issue,
}

/// What survives a server's crash (clients pause but never crash).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stable {
    /// The last epoch this server accepted in `leaderinfo` (or proposed as leader).
    pub accepted_epoch: u32,
    /// The epoch of the last leader it acknowledged with `newleader`.
    pub current_epoch: u32,
    /// The transaction log, in zxid order.
    pub log: Vec<Entry>,
    /// The last zxid known committed.
    pub committed: Zxid,
}

/// A process: a server (`n1..nN`) or a client (`c1..cC`).
#[derive(Debug, Clone)]
pub enum Zab {
    /// A server.
    Server(Box<Server>),
    /// A client.
    Client(Box<ZkClient>),
    /// The storage service of a lock workload (the last client endpoint).
    Storage(Box<storage::Storage>),
}

impl Zab {
    /// The server, if this is one.
    pub fn server(&self) -> Option<&Server> {
        match self {
            Zab::Server(s) => Some(s),
            _ => None,
        }
    }

    /// The storage service, if this is it.
    pub fn storage(&self) -> Option<&storage::Storage> {
        match self {
            Zab::Storage(s) => Some(s),
            _ => None,
        }
    }

    /// The client, if this is one.
    pub fn client(&self) -> Option<&ZkClient> {
        match self {
            Zab::Client(c) => Some(c),
            _ => None,
        }
    }
}

impl Protocol for Zab {
    type Msg = Msg;
    type Timer = Timer;
    type Stable = Stable;
    type Config = ZabConfig;
    const NAME: &'static str = "zk";
    const FIFO: bool = true;

    fn boot(ctx: &mut Ctx<'_, Self>, stable: &Stable) -> Self {
        let storage = matches!(ctx.config().workload.as_ref(), Workload::Lock(_))
            && ctx.id() + 1 == ctx.nodes() + ctx.clients();
        if storage {
            Zab::Storage(Box::default())
        } else if ctx.is_client() {
            Zab::Client(Box::new(ZkClient::boot(ctx)))
        } else {
            Zab::Server(Box::new(Server::boot(ctx, stable)))
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeIdx, msg: Msg) {
        match self {
            Zab::Server(s) => s.on_message(ctx, from, msg),
            Zab::Client(c) => c.on_message(ctx, from, msg),
            Zab::Storage(s) => {
                if let Msg::StorageWrite {
                    session,
                    token,
                    seq,
                } = msg
                {
                    let fencing = matches!(
                        ctx.config().workload.as_ref(),
                        Workload::Lock(lock) if lock.fencing
                    );
                    s.on_write(ctx, from, session, token, seq, fencing);
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, timer: Timer) {
        match self {
            Zab::Server(s) => s.on_timer(ctx, timer),
            Zab::Client(c) => c.on_timer(ctx, timer),
            Zab::Storage(_) => {}
        }
    }

    fn kind(msg: &Msg) -> &'static str {
        match msg {
            Msg::Vote(_) => "vote",
            Msg::FollowerInfo { .. } => "followerinfo",
            Msg::LeaderInfo(_) => "leaderinfo",
            Msg::AckEpoch { .. } => "ackepoch",
            Msg::Sync { mode, .. } => match mode {
                SyncMode::Diff => "diff",
                SyncMode::Trunc(_) => "trunc",
                SyncMode::Snap => "snap",
            },
            Msg::NewLeader(_) => "newleader",
            Msg::UpToDate(_) => "uptodate",
            Msg::Proposal(_) => "proposal",
            Msg::Ack { .. } | Msg::AckNewLeader(_) => "ack",
            Msg::Commit(_) => "commit",
            Msg::Request { .. } => "request",
            Msg::Ping(_) => "ping",
            Msg::Revalidate { .. } => "revalidate",
            Msg::SyncRequest(_) => "sync",
            Msg::Connect { .. } | Msg::ClientRequest { .. } => "client-request",
            Msg::Welcome { .. } | Msg::ClientReply { .. } => "client-reply",
            Msg::ClientPing(_) => "client-ping",
            Msg::WatchEvent { .. } => "watch-event",
            Msg::Disconnect(_) => "disconnect",
            Msg::StorageWrite { .. } => "storage-write",
            Msg::StorageReply { .. } => "storage-reply",
        }
    }

    /// A client's request waits for its server's service time (`--service-time`); connects
    /// and pings do not. There is no rejection: ZooKeeper answers a session's requests in order.
    fn is_request(msg: &Msg) -> bool {
        matches!(msg, Msg::ClientRequest { .. })
    }
}

/// The smallest majority of `n` servers.
pub fn quorum(n: u32) -> usize {
    n as usize / 2 + 1
}

/// A store with `log`'s entries up to `committed` applied, and the last zxid applied.
pub fn replay_log(log: &[Entry], committed: Zxid) -> (Store, Zxid) {
    let mut store = Store::default();
    let mut applied = 0;
    for e in log.iter().take_while(|e| e.zxid <= committed) {
        // Replies and watch events of a replay reach nobody.
        let _ = store.apply(&e.change, e.zxid, e.time_ms);
        applied = e.zxid;
    }
    (store, applied)
}
