//! Heartbeat failure detection (the push style of GFS masters and chunkservers, of Chandra and
//! Toueg's eventually-perfect detectors implemented with timeouts).
//!
//! Every node broadcasts a `heartbeat` every interval `h`, starting at a random phase in
//! `[0, h)` drawn from its own stream (so nodes do not beat in lockstep). A monitor suspects a
//! peer once it has heard nothing from it for the timeout `T`, and trusts it again as soon as a
//! heartbeat arrives. A freshly booted monitor gives each peer one interval to be heard for the
//! first time.
//!
//! Exactness: the monitor keeps one deadline per peer, `last_heard + T` ([`Deadlines`]), so
//! suspicion happens exactly `T` after the last heartbeat, without a timer reset per message. Hence, with a constant delay `δ` and processing time `r`, a peer that
//! crashes at `c`, having last sent at `s ∈ (c − h, c]`, is suspected at `s + δ + r + T`: the
//! detection time lies in `(δ + r + T − h, δ + r + T]`. With `T > h` and no jitter or loss, no live
//! peer is ever suspected.
//!
//! Messages: `heartbeat`; N nodes send exactly N(N−1) of them per interval.

use rand::RngExt;

use super::deadline::{Check, Deadlines, Heard};
use crate::sim::metrics::ObservationKind;
use crate::sim::protocol::{Ctx, NodeIdx, Protocol};
use crate::sim::time::Nanos;

/// Settings of the heartbeat detector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeartbeatConfig {
    /// Interval between heartbeats, `h`.
    pub interval: Nanos,
    /// Silence after which a peer is suspected, `T` (must exceed `h`).
    pub timeout: Nanos,
}

/// The one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Beat;

/// What a timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// Time to send the next heartbeat.
    Send,
    /// A peer's deadline may have passed.
    Check(NodeIdx),
}

/// One node's monitor state.
#[derive(Debug, Clone)]
pub struct Heartbeat {
    deadlines: Deadlines,
}

impl Heartbeat {
    /// Whether this node suspects `peer` now.
    pub fn suspects(&self, peer: NodeIdx) -> bool {
        self.deadlines.suspects(peer)
    }
}

/// Starts a node's heartbeats: the first at a random phase in `[0, h)`, so that nodes do not beat
/// in lockstep. Shared by every protocol that sends heartbeats.
pub fn start_beating<P: Protocol>(ctx: &mut Ctx<'_, P>, interval: Nanos, send: P::Timer) {
    let phase = ctx.rng().random_range(0..interval.max(1));
    ctx.set_timer(phase, send);
}

/// Deadlines for every peer one interval plus the timeout from now (the first heartbeat may
/// come a whole interval late), with their check timers set.
pub fn watch_all<P: Protocol>(
    ctx: &mut Ctx<'_, P>,
    interval: Nanos,
    timeout: Nanos,
    check: impl Fn(NodeIdx) -> P::Timer,
) -> Deadlines {
    let me = ctx.id();
    for peer in (0..ctx.nodes()).filter(|&p| p != me) {
        ctx.set_timer(interval + timeout, check(peer));
    }
    Deadlines::new(ctx.nodes(), me, ctx.now() + interval + timeout)
}

/// The timers of every heartbeat-sending detector: send the next heartbeat every `interval`,
/// or check a peer's deadline.
pub fn on_timer<P: Protocol<Msg = Beat, Timer = Timer>>(
    ctx: &mut Ctx<'_, P>,
    deadlines: &mut Deadlines,
    timer: Timer,
    interval: Nanos,
) {
    match timer {
        Timer::Send => {
            ctx.broadcast(Beat);
            ctx.set_timer(interval, Timer::Send);
        }
        Timer::Check(peer) => {
            let check = deadlines.check(ctx.now(), peer);
            on_check(ctx, peer, check, Timer::Check(peer));
        }
    }
}

/// Applies a heard peer's deadline answer: observe `trust`, arm the check timer.
pub fn on_heard<P: Protocol>(ctx: &mut Ctx<'_, P>, peer: NodeIdx, heard: Heard, check: P::Timer) {
    if heard.trusted {
        ctx.observe(ObservationKind::Trust, Some(peer));
    }
    if let Some(after) = heard.arm {
        ctx.set_timer(after, check);
    }
}

/// Applies a check timer's answer: observe `suspect`, or re-arm. Returns whether the peer
/// became suspected.
pub fn on_check<P: Protocol>(
    ctx: &mut Ctx<'_, P>,
    peer: NodeIdx,
    check: Check,
    again: P::Timer,
) -> bool {
    match check {
        Check::Suspect => {
            ctx.observe(ObservationKind::Suspect, Some(peer));
            true
        }
        Check::Rearm(after) => {
            ctx.set_timer(after, again);
            false
        }
        Check::Quiet => false,
    }
}

impl Protocol for Heartbeat {
    type Msg = Beat;
    type Timer = Timer;
    type Stable = ();
    type Config = HeartbeatConfig;
    const NAME: &'static str = "heartbeat";

    fn boot(ctx: &mut Ctx<'_, Self>, _stable: &()) -> Self {
        let HeartbeatConfig { interval, timeout } = *ctx.config();
        start_beating(ctx, interval, Timer::Send);
        Heartbeat {
            deadlines: watch_all(ctx, interval, timeout, Timer::Check),
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeIdx, _msg: Beat) {
        let due = ctx.now() + ctx.config().timeout;
        let heard = self.deadlines.heard(ctx.now(), from, due);
        on_heard(ctx, from, heard, Timer::Check(from));
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, timer: Timer) {
        let interval = ctx.config().interval;
        on_timer(ctx, &mut self.deadlines, timer, interval);
    }

    fn kind(_msg: &Beat) -> &'static str {
        "heartbeat"
    }
}
