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
//! twice and must apply it once.
//!
//! With a [`ClientPolicy`] the resend sweep gives way to the policy: each attempt has its own
//! timeout (a timed-out attempt also moves the client to the next node, as the sweep does), a
//! server's rejection (a full queue) fails the attempt at once, and a failed request is retried
//! after the policy's backoff while its attempts, the retry budget and the breaker allow. A reply
//! to any attempt completes the request (the command is the same); a reply after the client gave
//! up is not counted. Every client counts what it offered, sent and got, per second, for the
//! `outcome.clients` of a run ([`ClientStats`]).

pub mod backoff;
pub mod breaker;
pub mod budget;
pub mod command_set;
pub mod policy;
pub mod spec;

use std::fmt;

use rand::RngExt;

use crate::harness::overload::count;
use crate::protocols::sequence_map::SequenceMap;
use crate::sim::protocol::{Ctx, NodeIdx, Protocol};
use crate::sim::time::Nanos;
use breaker::Breaker;
use budget::RetryBudget;
use policy::{ClientPolicy, Spike};

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
    /// Re-send commands that got no reply (without a policy).
    Resend,
    /// An attempt's timeout (with a policy): the command's number and the attempt's.
    Timeout(u64, u32),
    /// A command's backoff is over: retry it (with a policy).
    Retry(u64),
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
    /// What to do when an attempt fails (none: resend every `retry`, forever).
    pub policy: Option<ClientPolicy>,
    /// A load spike.
    pub spike: Option<Spike>,
    /// Exponentially distributed times between commands (Poisson arrivals) rather than a
    /// fixed interval: clients whose load is studied are not kept in lockstep.
    pub poisson: bool,
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
    /// The server's queue was full: the attempt failed.
    Rejected(CommandId),
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
    /// Attempts sent so far.
    attempts: u32,
    /// The last backoff's wait, while one is running or after it.
    last_wait: Option<Nanos>,
    /// Waiting out a backoff (with a policy).
    backing_off: bool,
}

/// What one client offered, sent and got.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientStats {
    /// Requests made (sent, or refused by the breaker).
    pub requests: u64,
    /// Attempts sent.
    pub attempts: u64,
    /// Requests answered.
    pub succeeded: u64,
    /// Requests given up.
    pub failed: u64,
    /// Attempts a full queue turned away.
    pub rejected: u64,
    /// Attempts that timed out.
    pub timed_out: u64,
    /// Requests the breaker refused before a first attempt.
    pub short_circuited: u64,
    /// Requests not made: `in_flight` were outstanding.
    pub skipped: u64,
    /// Requests due, per second.
    pub offered_per_s: Vec<u64>,
    /// Attempts sent, per second.
    pub attempts_per_s: Vec<u64>,
    /// Requests answered, per second.
    pub goodput_per_s: Vec<u64>,
}

/// One client.
#[derive(Debug, Clone)]
pub struct Client {
    index: u32,
    issued: u64,
    committed: u64,
    guess: NodeIdx,
    pending: SequenceMap<Pending>,
    stats: ClientStats,
    budget: Option<RetryBudget>,
    breaker: Option<Breaker>,
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

    /// What this client offered, sent and got.
    pub fn stats(&self) -> &ClientStats {
        &self.stats
    }

    /// Time its breaker was not closed, up to `now` (0 without a breaker).
    pub fn breaker_open(&self, now: Nanos) -> Nanos {
        self.breaker.as_ref().map_or(0, |b| b.not_closed(now))
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
        if config.policy.is_none() {
            ctx.set_timer(config.retry, S::client_timer(ClientTimer::Resend));
        }
        let policy = config.policy.unwrap_or_default();
        Client {
            index,
            issued: 0,
            committed: 0,
            guess: 0,
            pending: SequenceMap::default(),
            stats: ClientStats::default(),
            budget: policy.budget.map(RetryBudget::new),
            breaker: policy.breaker.map(Breaker::new),
        }
    }

    fn command(&self, seq: u64) -> CommandId {
        CommandId {
            client: self.index,
            seq,
        }
    }

    /// Sends an attempt of command `seq` to the node the client believes leads.
    fn send_attempt<S: Service>(&mut self, ctx: &mut Ctx<'_, S>, seq: u64) {
        let now = ctx.now();
        let Some(p) = self.pending.get_mut(seq) else {
            return;
        };
        p.last_sent = now;
        p.hops = 0;
        p.attempts += 1;
        p.backing_off = false;
        let attempt = p.attempts;
        self.stats.attempts += 1;
        count(&mut self.stats.attempts_per_s, now);
        ctx.send(self.guess, S::request(self.command(seq)));
        let config = S::client_config(ctx.config());
        if let Some(policy) = config.policy {
            let timeout = policy.timeout.unwrap_or(config.retry);
            ctx.set_timer(timeout, S::client_timer(ClientTimer::Timeout(seq, attempt)));
        }
    }

    /// A new command is due: it goes out (unless the client is at its limit or the breaker is
    /// open), and then the next one is scheduled.
    fn issue<S: Service>(&mut self, ctx: &mut Ctx<'_, S>, config: &ClientConfig) {
        let now = ctx.now();
        count(&mut self.stats.offered_per_s, now);
        self.make_request(ctx, config);
        let mean = Spike::interval_at(config.spike.as_ref(), config.command_interval, now);
        let interval = if config.poisson {
            let u: f64 = ctx.rng().random();
            ((-(1.0 - u).ln() * mean as f64).round() as Nanos).max(1)
        } else {
            mean
        };
        if now + interval <= config.stop {
            ctx.set_timer(interval, S::client_timer(ClientTimer::Issue));
        }
    }

    fn make_request<S: Service>(&mut self, ctx: &mut Ctx<'_, S>, config: &ClientConfig) {
        let now = ctx.now();
        let policy = config.policy.unwrap_or_default();
        if policy
            .in_flight
            .is_some_and(|limit| self.pending.len() >= limit as usize)
        {
            self.stats.skipped += 1;
            return;
        }
        self.issued += 1;
        self.stats.requests += 1;
        let seq = self.issued;
        if let Some(breaker) = &mut self.breaker
            && !breaker.allow(now)
        {
            self.stats.short_circuited += 1;
            self.stats.failed += 1;
            return;
        }
        self.pending.insert(
            seq,
            Pending {
                first_sent: now,
                last_sent: now,
                hops: 0,
                attempts: 0,
                last_wait: None,
                backing_off: false,
            },
        );
        self.send_attempt(ctx, seq);
    }

    /// Without a policy: every command unanswered for the retry period goes to the next node.
    fn resend_stale<S: Service>(&mut self, ctx: &mut Ctx<'_, S>, retry: Nanos) {
        let now = ctx.now();
        ctx.set_timer(retry, S::client_timer(ClientTimer::Resend));
        let stale: Vec<u64> = self
            .pending
            .iter()
            .filter(|(_, p)| p.last_sent + retry <= now)
            .map(|(seq, _)| seq)
            .collect();
        if stale.is_empty() {
            return;
        }
        self.guess = (self.guess + 1) % ctx.nodes();
        for seq in stale {
            self.send_attempt(ctx, seq);
        }
    }

    /// With a policy: attempt `seq` failed; retry it after the backoff if the policy allows,
    /// else give the command up.
    fn attempt_failed<S: Service>(&mut self, ctx: &mut Ctx<'_, S>, seq: u64) {
        let now = ctx.now();
        let Some(policy) = S::client_config(ctx.config()).policy else {
            return;
        };
        if let Some(breaker) = &mut self.breaker {
            breaker.record(now, true);
        }
        if let Some(budget) = &mut self.budget {
            budget.failure();
        }
        let Some(p) = self.pending.get_mut(seq) else {
            return;
        };
        let more = policy.attempts.is_none_or(|limit| p.attempts < limit);
        let budget = self.budget.as_ref().is_none_or(RetryBudget::allows_retry);
        if more && budget {
            let wait = policy.backoff.wait(p.attempts - 1, p.last_wait, ctx.rng());
            p.last_wait = Some(wait);
            p.backing_off = true;
            ctx.set_timer(wait, S::client_timer(ClientTimer::Retry(seq)));
        } else {
            self.pending.remove(seq);
            self.stats.failed += 1;
        }
    }

    /// Handles one of the client's timers.
    pub fn on_timer<S: Service>(&mut self, ctx: &mut Ctx<'_, S>, timer: ClientTimer) {
        let config = S::client_config(ctx.config());
        match timer {
            ClientTimer::Issue => self.issue(ctx, &config),
            ClientTimer::Resend => self.resend_stale(ctx, config.retry),
            ClientTimer::Timeout(seq, attempt) => {
                let live = self
                    .pending
                    .get(seq)
                    .is_some_and(|p| p.attempts == attempt && !p.backing_off);
                if live {
                    self.stats.timed_out += 1;
                    self.guess = (self.guess + 1) % ctx.nodes();
                    self.attempt_failed(ctx, seq);
                }
            }
            ClientTimer::Retry(seq) => {
                let now = ctx.now();
                if !self.pending.get(seq).is_some_and(|p| p.backing_off) {
                    return;
                }
                if let Some(breaker) = &mut self.breaker
                    && !breaker.allow(now)
                {
                    self.pending.remove(seq);
                    self.stats.failed += 1;
                    return;
                }
                self.send_attempt(ctx, seq);
            }
        }
    }

    /// Handles a message from a server.
    pub fn on_message<S: Service>(&mut self, ctx: &mut Ctx<'_, S>, from: NodeIdx, msg: &S::Msg) {
        let now = ctx.now();
        match S::answer(msg) {
            Some(Answer::Reply(command)) => {
                self.guess = from;
                if let Some(p) = self.pending.remove(command.seq) {
                    self.committed += 1;
                    self.stats.succeeded += 1;
                    count(&mut self.stats.goodput_per_s, now);
                    ctx.latency("commit", now - p.first_sent);
                    if let Some(breaker) = &mut self.breaker {
                        breaker.record(now, false);
                    }
                    if let Some(budget) = &mut self.budget {
                        budget.success();
                    }
                }
            }
            Some(Answer::Redirect { command, leader }) => {
                self.guess = leader.unwrap_or((from + 1) % ctx.nodes());
                let Some(p) = self.pending.get_mut(command.seq) else {
                    return;
                };
                if leader.is_some() && p.hops < MAX_HOPS && !p.backing_off {
                    p.hops += 1;
                    p.last_sent = now;
                    ctx.send(self.guess, S::request(command));
                }
            }
            Some(Answer::Rejected(command))
                if self
                    .pending
                    .get(command.seq)
                    .is_some_and(|p| !p.backing_off) =>
            {
                self.stats.rejected += 1;
                self.attempt_failed(ctx, command.seq);
            }
            Some(Answer::Rejected(_)) | None => {}
        }
    }
}
