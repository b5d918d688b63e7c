//! A client of the lock: ZooKeeper's lock recipe over its session, and writes to the storage
//! service while it believes it holds the lock.
//!
//! The recipe: create `/lock/<session>-lock-` ephemeral and sequential; list `/lock`; the
//! lowest sequence number holds the lock; otherwise `exists` with a watch on the next lower node
//! only, and list again when it goes (`--recipe herd`: watch `/lock`'s children instead, so
//! every release wakes every waiter). The holder writes `writes` times to the storage — the
//! first at once, to raise the storage's token early, then a think time apart — carrying its token — its node's sequence number, which only grows — then deletes
//! its node. It believes it holds the lock from seeing itself lowest until it deletes its node
//! or learns its session expired; a pause in between is the classic stale holder.

use super::{Completion, ZkClient};
use crate::protocols::zab::workload::Workload;
use crate::protocols::zab::{Msg, Timer, Zab};
use crate::protocols::zk::acl::everyone;
use crate::protocols::zk::ops::Write;
use crate::protocols::zk::store::{Reply, Request, WatchEvent};
use crate::sim::protocol::Ctx;
use crate::sim::time::Nanos;

/// The parent of the lock's nodes.
pub const LOCK: &str = "/lock";

/// How waiters wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipe {
    /// Watch the next lower node only: a release wakes one waiter.
    Zk,
    /// Watch the lock node's children: a release wakes every waiter.
    Herd,
}

/// What the lock's clients do and what the storage checks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LockConfig {
    /// How waiters wait.
    pub recipe: Recipe,
    /// Writes per holding.
    pub writes: u32,
    /// Time between a holder's writes.
    pub think: Nanos,
    /// The storage rejects tokens below the highest it has accepted.
    pub fencing: bool,
}

impl Default for LockConfig {
    /// The recipe, five writes 100 ms apart, fencing on.
    fn default() -> Self {
        Self {
            recipe: Recipe::Zk,
            writes: 5,
            think: crate::sim::time::SECOND / 10,
            fencing: true,
        }
    }
}

/// Where a lock client is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Step {
    /// No session yet.
    #[default]
    Idle,
    /// Creating `/lock` (it may exist already).
    Parent,
    /// Creating its node.
    Creating,
    /// Listing `/lock`.
    Listing,
    /// Waiting for a watch to fire.
    Waiting,
    /// Holding: writing.
    Holding,
    /// Deleting its node.
    Releasing,
}

/// A lock client's state.
#[derive(Debug, Clone, Default)]
pub struct LockState {
    step: Step,
    node: Option<String>,
    token: u64,
    written: u32,
    asked_at: Nanos,
    next_write: u64,
    /// Times it took the lock.
    pub acquisitions: u64,
    /// Times it released it.
    pub releases: u64,
    /// Watch events that woke it.
    pub wakeups: u64,
}

/// The token of a sequential node: its 10-digit suffix.
fn token_of(path: &str) -> u64 {
    let digits = path.len().saturating_sub(10);
    path[digits..].parse().unwrap_or(0)
}

impl ZkClient {
    fn lock_config(ctx: &Ctx<'_, Zab>) -> Option<LockConfig> {
        match ctx.config().workload.as_ref() {
            Workload::Lock(lock) => Some(*lock),
            _ => None,
        }
    }

    /// The session is open (again): start over from what the lock node says.
    pub(super) fn lock_connected(&mut self, ctx: &mut Ctx<'_, Zab>) {
        if Self::lock_config(ctx).is_none() {
            return;
        }
        match self.lock.step {
            Step::Idle => {
                self.lock.step = Step::Parent;
                self.lock.asked_at = ctx.now();
                self.lock_request(
                    ctx,
                    Request::Write(Write::Create {
                        path: LOCK.into(),
                        data: Vec::new(),
                        ephemeral: false,
                        sequential: false,
                        acl: everyone(),
                    }),
                );
            }
            // A reconnect may have lost a reply: look at the lock node again.
            Step::Creating | Step::Listing | Step::Waiting => self.lock_list(ctx),
            Step::Parent | Step::Holding | Step::Releasing => {}
        }
    }

    fn lock_request(&mut self, ctx: &mut Ctx<'_, Zab>, request: Request) {
        if let Some(h) = self.handles.len().checked_sub(1) {
            self.issue(ctx, h, request);
        }
    }

    fn lock_list(&mut self, ctx: &mut Ctx<'_, Zab>) {
        let herd = Self::lock_config(ctx).is_some_and(|l| l.recipe == Recipe::Herd);
        self.lock.step = Step::Listing;
        self.lock_request(
            ctx,
            Request::Children {
                path: LOCK.into(),
                watch: herd,
            },
        );
    }

    fn lock_create(&mut self, ctx: &mut Ctx<'_, Zab>) {
        let session = self
            .handles
            .last()
            .map(|h| h.name.clone())
            .unwrap_or_default();
        self.lock.step = Step::Creating;
        self.lock.asked_at = ctx.now();
        self.lock_request(
            ctx,
            Request::Write(Write::Create {
                path: format!("{LOCK}/{session}-lock-"),
                data: Vec::new(),
                ephemeral: true,
                sequential: true,
                acl: everyone(),
            }),
        );
    }

    /// A reply to one of the lock's requests (history entry `op`).
    pub(super) fn lock_reply(&mut self, ctx: &mut Ctx<'_, Zab>, op: usize) {
        let Some(LockConfig { recipe, .. }) = Self::lock_config(ctx) else {
            return;
        };
        let Some(Completion::Answered { result, .. }) = self.history[op].completion.clone() else {
            return;
        };
        let session = self
            .handles
            .last()
            .map(|h| h.name.clone())
            .unwrap_or_default();
        match (self.lock.step, result) {
            (Step::Parent, _) => self.lock_create(ctx),
            (Step::Creating, Ok(Reply::Created(path))) => {
                self.lock.token = token_of(&path);
                self.lock.node = Some(path);
                self.lock_list(ctx);
            }
            (Step::Listing, Ok(Reply::Children(children))) => {
                let mine = format!("{session}-lock-");
                let Some(me) = children.iter().find(|c| c.starts_with(&mine)) else {
                    // Our node is gone (the session was renewed): queue again.
                    self.lock_create(ctx);
                    return;
                };
                self.lock.node = Some(format!("{LOCK}/{me}"));
                self.lock.token = token_of(me);
                let mut ordered: Vec<&String> = children.iter().collect();
                ordered.sort_by_key(|c| token_of(c));
                let at = ordered.iter().position(|c| *c == me).unwrap_or(0);
                if at == 0 {
                    self.lock.step = Step::Holding;
                    self.lock.written = 0;
                    self.lock.acquisitions += 1;
                    ctx.latency("acquire", ctx.now() - self.lock.asked_at);
                    // The first write goes at once: it raises the storage's token, fencing off
                    // a stale holder as early as can be.
                    self.lock_timer(ctx);
                } else {
                    self.lock.step = Step::Waiting;
                    if recipe == Recipe::Zk {
                        let lower = format!("{LOCK}/{}", ordered[at - 1]);
                        self.lock_request(
                            ctx,
                            Request::Exists {
                                path: lower,
                                watch: true,
                            },
                        );
                    }
                }
            }
            (Step::Waiting, Ok(Reply::Stat(None))) => self.lock_list(ctx),
            (Step::Releasing, _) => {
                self.lock.releases += 1;
                self.lock.node = None;
                self.lock_create(ctx);
            }
            _ => {}
        }
    }

    /// A watch fired: a waiter looks again.
    pub(super) fn lock_watch(&mut self, ctx: &mut Ctx<'_, Zab>, _event: &WatchEvent) {
        if Self::lock_config(ctx).is_some() && self.lock.step == Step::Waiting {
            self.lock.wakeups += 1;
            self.lock_list(ctx);
        }
    }

    /// The session expired: whatever it held is gone.
    pub(super) fn lock_expired(&mut self) {
        self.lock.step = Step::Idle;
        self.lock.node = None;
    }

    /// The think time is over: the holder writes, or releases after its last write.
    pub(super) fn lock_timer(&mut self, ctx: &mut Ctx<'_, Zab>) {
        let Some(LockConfig { writes, .. }) = Self::lock_config(ctx) else {
            return;
        };
        if self.lock.step != Step::Holding {
            return;
        }
        if self.lock.written >= writes {
            self.lock.step = Step::Releasing;
            if let Some(node) = self.lock.node.clone() {
                self.lock_request(
                    ctx,
                    Request::Write(Write::Delete {
                        path: node,
                        version: -1,
                    }),
                );
            }
            return;
        }
        self.lock.written += 1;
        self.lock.next_write += 1;
        let session = self
            .handles
            .last()
            .map(|h| h.name.clone())
            .unwrap_or_default();
        let storage = ctx.nodes() + ctx.clients() - 1;
        ctx.send(
            storage,
            Msg::StorageWrite {
                session,
                token: self.lock.token,
                seq: self.lock.next_write,
            },
        );
    }

    /// The storage answered a write: on to the next after the think time.
    pub(super) fn lock_stored(&mut self, ctx: &mut Ctx<'_, Zab>) {
        if let Some(lock) = Self::lock_config(ctx)
            && self.lock.step == Step::Holding
        {
            ctx.set_timer(lock.think, Timer::Issue);
        }
    }
}
