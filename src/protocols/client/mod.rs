//! The clients of a replicated service: open-loop command sources outside the cluster, generic
//! over the service they talk to ([`Service`]), so that Multi-Paxos and, next, the ZooKeeper
//! ensemble share one client and its measurements.
//!
//! A client sends a new command every `1 / --rate` seconds (until the configured stop) to the
//! node it believes leads — at first `n1` — and measures `commit`, the time from the first send
//! of a command to its reply. A redirect names the leader to try, and the client follows it at
//! once (at most [`MAX_HOPS`] times per resend period, so two nodes that disagree about the
//! leader cannot bounce a command between them at network speed). A command unanswered for the
//! retry period goes to the next node in turn, with the same id: the service may then receive it
//! twice and must apply it once. The resend timer is the seam where retry policies (backoff,
//! circuit breakers) will plug in.

pub mod backoff;
pub mod breaker;
pub mod budget;
pub mod policy;
pub mod spec;

use std::collections::BTreeMap;
use std::fmt;

use crate::sim::protocol::{Ctx, NodeIdx, Protocol};
use crate::sim::time::Nanos;

/// How many redirects a command follows at once between two resends.
pub const MAX_HOPS: u8 = 3;

/// A command's identity: its client and its number there (from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommandId {
    /// The client's index (0 for the first client).
    pub client: u32,
    /// The command's number at that client, from 1.
    pub seq: u64,
}

impl fmt::Display for CommandId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}:{}", self.client + 1, self.seq)
    }
}

/// A client's timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientTimer {
    /// The next command is due.
    Issue,
    /// Re-send commands that got no reply.
    Resend,
}

/// How a client paces itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClientConfig {
    /// Time between two commands (`1 / --rate`).
    pub command_interval: Nanos,
    /// No new command from this time on, so the last ones can complete.
    pub stop: Nanos,
    /// A command unanswered this long goes to the next node.
    pub retry: Nanos,
}

/// What a server's message means to a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The command is done.
    Reply(CommandId),
    /// Not the leader: try the node named (or the next one, when none is known).
    Redirect {
        /// The command to take there.
        command: CommandId,
        /// The sender's guess of the leader.
        leader: Option<NodeIdx>,
    },
}

/// A service the client can talk to: how its messages and timers carry the client's.
pub trait Service: Protocol {
    /// The message that carries a command to a server.
    fn request(command: CommandId) -> Self::Msg;
    /// What a message from a server says to a client, if anything.
    fn answer(msg: &Self::Msg) -> Option<Answer>;
    /// A client timer as the service's timer.
    fn client_timer(timer: ClientTimer) -> Self::Timer;
    /// How clients pace themselves, from the service's settings.
    fn client_config(config: &Self::Config) -> ClientConfig;
}

/// A command waiting for its reply.
#[derive(Debug, Clone, Copy)]
struct Pending {
    first_sent: Nanos,
    last_sent: Nanos,
    hops: u8,
}

/// One client.
#[derive(Debug, Clone)]
pub struct Client {
    index: u32,
    issued: u64,
    committed: u64,
    guess: NodeIdx,
    pending: BTreeMap<u64, Pending>,
}

impl Client {
    /// Commands sent so far (the highest command number).
    pub fn issued(&self) -> u64 {
        self.issued
    }

    /// Commands that got their reply.
    pub fn committed(&self) -> u64 {
        self.committed
    }

    /// This client's index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// A client booting on endpoint `ctx.id()` (after the servers), its timers set.
    pub fn boot<S: Service>(ctx: &mut Ctx<'_, S>) -> Self {
        let index = ctx.id() - ctx.nodes();
        let config = S::client_config(ctx.config());
        // Clients spread their commands over the interval.
        let first = config.command_interval
            + config.command_interval * u64::from(index) / u64::from(ctx.clients().max(1));
        if first <= config.stop {
            ctx.set_timer(first, S::client_timer(ClientTimer::Issue));
        }
        ctx.set_timer(config.retry, S::client_timer(ClientTimer::Resend));
        Client {
            index,
            issued: 0,
            committed: 0,
            guess: 0,
            pending: BTreeMap::new(),
        }
    }

    fn command(&self, seq: u64) -> CommandId {
        CommandId {
            client: self.index,
            seq,
        }
    }

    /// Handles one of the client's timers.
    pub fn on_timer<S: Service>(&mut self, ctx: &mut Ctx<'_, S>, timer: ClientTimer) {
        let now = ctx.now();
        let config = S::client_config(ctx.config());
        match timer {
            ClientTimer::Issue => {
                self.issued += 1;
                let seq = self.issued;
                self.pending.insert(
                    seq,
                    Pending {
                        first_sent: now,
                        last_sent: now,
                        hops: 0,
                    },
                );
                ctx.send(self.guess, S::request(self.command(seq)));
                if now + config.command_interval <= config.stop {
                    ctx.set_timer(config.command_interval, S::client_timer(ClientTimer::Issue));
                }
            }
            ClientTimer::Resend => {
                let retry = config.retry;
                ctx.set_timer(retry, S::client_timer(ClientTimer::Resend));
                let stale: Vec<u64> = self
                    .pending
                    .iter()
                    .filter(|(_, p)| p.last_sent + retry <= now)
                    .map(|(&seq, _)| seq)
                    .collect();
                if stale.is_empty() {
                    return;
                }
                self.guess = (self.guess + 1) % ctx.nodes();
                for seq in stale {
                    if let Some(p) = self.pending.get_mut(&seq) {
                        p.last_sent = now;
                        p.hops = 0;
                    }
                    ctx.send(self.guess, S::request(self.command(seq)));
                }
            }
        }
    }

    /// Handles a message from a server.
    pub fn on_message<S: Service>(&mut self, ctx: &mut Ctx<'_, S>, from: NodeIdx, msg: &S::Msg) {
        match S::answer(msg) {
            Some(Answer::Reply(command)) => {
                self.guess = from;
                if let Some(p) = self.pending.remove(&command.seq) {
                    self.committed += 1;
                    ctx.latency("commit", ctx.now() - p.first_sent);
                }
            }
            Some(Answer::Redirect { command, leader }) => {
                self.guess = leader.unwrap_or((from + 1) % ctx.nodes());
                let now = ctx.now();
                let Some(p) = self.pending.get_mut(&command.seq) else {
                    return;
                };
                if leader.is_some() && p.hops < MAX_HOPS {
                    p.hops += 1;
                    p.last_sent = now;
                    ctx.send(self.guess, S::request(command));
                }
            }
            None => {}
        }
    }
}
