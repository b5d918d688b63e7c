//! A client of the contention workload: one optimistic update of [`CONTENDED`], retried with a
//! backoff until it succeeds or runs out of attempts.
//!
//! Client c1 creates the record (data `0`) as soon as its session is open, and again if it
//! finds none (its create lost with its connection). At the workload's start every client
//! begins a round: `sync` (so that its server has caught up with the leader, as ZooKeeper's
//! recipe for reading the latest value goes), `get` the record, then `setData` on the version
//! read (data `c3-2`: client 3's second conditional write). Without the sync a follower behind
//! the leader hands out old versions and the next write fails whatever the backoff. The write succeeding ends the client's work; anything else —
//! BadVersion because another client wrote first, NoNode because the record is not there yet,
//! any other error — is a failed round, after which the client waits the backoff's next wait
//! and starts over with a `get`, unless it has sent as many conditional writes as it may (then
//! it gives up). A round whose request was lost with the connection fails too once the session
//! is back; the `get` of the next round tells whether the lost write happened after all (the
//! record holds its data).

use super::{Completion, ZkClient};
use crate::protocols::client::backoff::Backoff;
use crate::protocols::zab::workload::{CONTENDED, Workload};
use crate::protocols::zab::{Timer, Zab};
use crate::protocols::zk::ZkError;
use crate::protocols::zk::acl::everyone;
use crate::protocols::zk::ops::Write;
use crate::protocols::zk::store::{Reply, Request};
use crate::sim::protocol::Ctx;
use crate::sim::time::Nanos;

/// Where a contention client is in its update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Step {
    /// Before the workload's start.
    #[default]
    Before,
    /// A round is due, waiting for the session to open.
    Due,
    /// The `sync` before the `get` is in flight.
    Syncing,
    /// The `get` is in flight.
    Reading,
    /// The conditional write is in flight.
    Writing,
    /// Waiting out a backoff.
    Backing,
    /// Finished: succeeded or gave up.
    Finished,
}

/// The contention workload's settings, as the client reads them.
#[derive(Debug, Clone, Copy)]
struct Race {
    start: Nanos,
    backoff: Backoff,
    attempts: Option<u32>,
}

/// A contention client's state and counts.
#[derive(Debug, Clone, Default)]
pub struct ContentionState {
    step: Step,
    /// The request in flight (its index in the history).
    inflight: Option<usize>,
    /// Failed rounds so far (the backoff's `n`).
    retries: u32,
    /// The last backoff wait.
    previous: Option<Nanos>,
    /// The data of the last conditional write, to recognise it if its reply was lost.
    written: Option<Vec<u8>>,
    /// c1 has asked to create the record.
    created: bool,
    /// Conditional writes sent.
    pub attempts: u32,
    /// Gets sent.
    pub gets: u32,
    /// When the client finished (succeeded or gave up), ns.
    pub finished: Option<Nanos>,
    /// It gave up: its attempts ran out.
    pub failed: bool,
}

impl ContentionState {
    /// Whether the update succeeded.
    pub fn succeeded(&self) -> bool {
        self.finished.is_some() && !self.failed
    }
}

impl ZkClient {
    fn race(ctx: &Ctx<'_, Zab>) -> Option<Race> {
        match ctx.config().workload.as_ref() {
            Workload::Contention {
                start,
                backoff,
                attempts,
            } => Some(Race {
                start: *start,
                backoff: *backoff,
                attempts: *attempts,
            }),
            _ => None,
        }
    }

    /// A contention client's state and counts.
    pub fn contention(&self) -> &ContentionState {
        &self.contention
    }

    /// At boot: the race starts at the workload's start, for every client at once.
    pub(super) fn contention_boot(&mut self, ctx: &mut Ctx<'_, Zab>) {
        if let Some(race) = Self::race(ctx) {
            ctx.set_timer(race.start.saturating_sub(ctx.now()), Timer::Issue);
        }
    }

    /// The session is open (again): c1 creates the record the first time; a due round begins;
    /// a round whose request the connection lost has failed.
    pub(super) fn contention_connected(&mut self, ctx: &mut Ctx<'_, Zab>) {
        if Self::race(ctx).is_none() {
            return;
        }
        if !self.contention.created {
            self.contention_create(ctx);
        }
        match self.contention.step {
            Step::Due => self.contention_round(ctx),
            Step::Reading | Step::Writing if self.contention_lost() => self.contention_failed(ctx),
            _ => {}
        }
    }

    /// c1 creates the record (data `0`); if an earlier create of its own got there first, the
    /// NodeExists is harmless.
    fn contention_create(&mut self, ctx: &mut Ctx<'_, Zab>) {
        if self.index != 0 {
            return;
        }
        self.contention.created = true;
        self.contention_request(
            ctx,
            Request::Write(Write::Create {
                path: CONTENDED.into(),
                data: b"0".to_vec(),
                ephemeral: false,
                sequential: false,
                acl: everyone(),
            }),
        );
    }

    /// Whether the request in flight ended without an answer (lost with its connection).
    fn contention_lost(&self) -> bool {
        self.contention
            .inflight
            .and_then(|op| self.history[op].completion.as_ref())
            .is_some_and(|c| !matches!(c, Completion::Answered { .. }))
    }

    /// Sends `request` on the current session; returns its index in the history.
    fn contention_request(&mut self, ctx: &mut Ctx<'_, Zab>, request: Request) -> Option<usize> {
        let h = self.handles.len().checked_sub(1)?;
        self.issue(ctx, h, request);
        Some(self.history.len() - 1)
    }

    /// The start, or the end of a backoff: a round begins.
    pub(super) fn contention_timer(&mut self, ctx: &mut Ctx<'_, Zab>) {
        if matches!(self.contention.step, Step::Before | Step::Backing) {
            self.contention_round(ctx);
        }
    }

    /// A round: read the record's version, once the session is open (a request made before
    /// would fail unsent).
    fn contention_round(&mut self, ctx: &mut Ctx<'_, Zab>) {
        if !self.handles.last().is_some_and(|h| h.opened) {
            self.contention.step = Step::Due;
            return;
        }
        self.contention.step = Step::Syncing;
        self.contention.inflight = self.contention_request(
            ctx,
            Request::Sync {
                path: CONTENDED.into(),
            },
        );
    }

    fn contention_read(&mut self, ctx: &mut Ctx<'_, Zab>) {
        self.contention.step = Step::Reading;
        self.contention.gets += 1;
        self.contention.inflight = self.contention_request(
            ctx,
            Request::Get {
                path: CONTENDED.into(),
                watch: false,
            },
        );
    }

    /// A reply to request `op` of the history: the round goes on, succeeds or fails.
    pub(super) fn contention_reply(&mut self, ctx: &mut Ctx<'_, Zab>, op: usize) {
        if Self::race(ctx).is_none() || self.contention.inflight != Some(op) {
            return;
        }
        self.contention.inflight = None;
        let Some(Completion::Answered { result, .. }) = self.history[op].completion.clone() else {
            return;
        };
        match (self.contention.step, result) {
            (Step::Syncing, Ok(_)) => self.contention_read(ctx),
            (Step::Reading, Ok(Reply::Data(data, _)))
                if self.contention.written.as_ref() == Some(&data) =>
            {
                // A write whose reply was lost had happened after all.
                self.contention_succeeded(ctx);
            }
            (Step::Reading, Ok(Reply::Data(_, stat))) => self.contention_write(ctx, stat.version),
            (Step::Writing, Ok(_)) => self.contention_succeeded(ctx),
            (Step::Reading, Err(ZkError::NoNode)) => {
                // c1's create was lost with its connection: it creates the record again.
                self.contention_create(ctx);
                self.contention_failed(ctx);
            }
            _ => self.contention_failed(ctx),
        }
    }

    /// The conditional write on the version read.
    fn contention_write(&mut self, ctx: &mut Ctx<'_, Zab>, version: i32) {
        self.contention.step = Step::Writing;
        self.contention.attempts += 1;
        let data = format!("c{}-{}", self.index + 1, self.contention.attempts).into_bytes();
        self.contention.written = Some(data.clone());
        self.contention.inflight = self.contention_request(
            ctx,
            Request::Write(Write::SetData {
                path: CONTENDED.into(),
                data,
                version,
            }),
        );
    }

    /// The update is done: the time from the start to now is its latency.
    fn contention_succeeded(&mut self, ctx: &mut Ctx<'_, Zab>) {
        let now = ctx.now();
        self.contention.step = Step::Finished;
        self.contention.finished = Some(now);
        if let Some(race) = Self::race(ctx) {
            ctx.latency("update", now.saturating_sub(race.start));
        }
    }

    /// A failed round: give up if the attempts ran out, else wait the backoff and go again.
    fn contention_failed(&mut self, ctx: &mut Ctx<'_, Zab>) {
        let Some(race) = Self::race(ctx) else {
            return;
        };
        if race
            .attempts
            .is_some_and(|limit| self.contention.attempts >= limit)
        {
            self.contention.step = Step::Finished;
            self.contention.finished = Some(ctx.now());
            self.contention.failed = true;
            return;
        }
        let state = &mut self.contention;
        let wait = race.backoff.wait(state.retries, state.previous, ctx.rng());
        state.retries += 1;
        state.previous = Some(wait);
        state.step = Step::Backing;
        ctx.set_timer(wait, Timer::Issue);
    }
}
