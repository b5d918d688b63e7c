//! The clients of Multi-Paxos: open-loop command sources outside the cluster.
//!
//! A client sends a new command every `1 / --rate` seconds (until the configured stop) to the
//! node it believes leads — at first `n1` — and measures `commit`, the time from the first send
//! of a command to its reply. A `redirect` names the leader to try, and the client follows it at
//! once (at most [`MAX_HOPS`] times per resend period, so two nodes that disagree about the
//! leader cannot bounce a command between them at network speed). A command unanswered for the
//! retry period goes to the next node in turn, with the same id: the log may then hold it twice,
//! but replicas apply it once.

use std::collections::BTreeMap;
use std::fmt;

use super::multi::{Msg, MultiPaxos, Timer};
use crate::sim::protocol::{Ctx, NodeIdx};
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

    pub(super) fn boot(ctx: &mut Ctx<'_, MultiPaxos>) -> Self {
        let index = ctx.id() - ctx.nodes();
        let config = ctx.config();
        // Clients spread their commands over the interval.
        let first = config.command_interval
            + config.command_interval * u64::from(index) / u64::from(ctx.clients().max(1));
        let (stop, retry) = (config.clients_stop, config.client_retry);
        if first <= stop {
            ctx.set_timer(first, Timer::Issue);
        }
        ctx.set_timer(retry, Timer::Resend);
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

    pub(super) fn on_timer(&mut self, ctx: &mut Ctx<'_, MultiPaxos>, timer: Timer) {
        let now = ctx.now();
        match timer {
            Timer::Issue => {
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
                ctx.send(self.guess, Msg::Request(self.command(seq)));
                let interval = ctx.config().command_interval;
                if now + interval <= ctx.config().clients_stop {
                    ctx.set_timer(interval, Timer::Issue);
                }
            }
            Timer::Resend => {
                let retry = ctx.config().client_retry;
                ctx.set_timer(retry, Timer::Resend);
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
                    ctx.send(self.guess, Msg::Request(self.command(seq)));
                }
            }
            _ => {}
        }
    }

    pub(super) fn on_message(&mut self, ctx: &mut Ctx<'_, MultiPaxos>, from: NodeIdx, msg: Msg) {
        match msg {
            Msg::Reply(command) => {
                self.guess = from;
                if let Some(p) = self.pending.remove(&command.seq) {
                    self.committed += 1;
                    ctx.latency("commit", ctx.now() - p.first_sent);
                }
            }
            Msg::Redirect { command, leader } => {
                self.guess = leader.unwrap_or((from + 1) % ctx.nodes());
                let now = ctx.now();
                let Some(p) = self.pending.get_mut(&command.seq) else {
                    return;
                };
                if leader.is_some() && p.hops < MAX_HOPS {
                    p.hops += 1;
                    p.last_sent = now;
                    ctx.send(self.guess, Msg::Request(command));
                }
            }
            _ => {}
        }
    }
}
