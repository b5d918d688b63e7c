//! Heartbeat failure detection (the push style of GFS masters and chunkservers, of Chandra and
//! Toueg's eventually-perfect detectors implemented with timeouts).
//!
//! Every node broadcasts a `heartbeat` every interval `h`, starting at a random phase in
//! `[0, h)` drawn from its own stream (so nodes do not beat in lockstep). A monitor suspects a
//! peer once it has heard nothing from it for the timeout `T`, and trusts it again as soon as a
//! heartbeat arrives. A freshly booted monitor gives each peer one interval to be heard for the
//! first time.
//!
//! Exactness: the monitor keeps one timer per peer, due at `last_heard + T`; a heartbeat that
//! arrives before the timer fires only moves the deadline (the timer re-arms itself when it finds
//! the deadline moved), so suspicion happens exactly `T` after the last heartbeat, without a timer
//! reset per message. Hence, with a constant delay `δ` and processing time `r`, a peer that
//! crashes at `c`, having last sent at `s ∈ (c − h, c]`, is suspected at `s + δ + r + T`: the
//! detection time lies in `(δ + r + T − h, δ + r + T]`. With `T > h` and no jitter or loss, no live
//! peer is ever suspected.
//!
//! Messages: `heartbeat`; N nodes send exactly N(N−1) of them per interval.

use rand::RngExt;

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
    last_heard: Vec<Nanos>,
    suspected: Vec<bool>,
    armed: Vec<bool>,
}

impl Heartbeat {
    /// Whether this node suspects `peer` now.
    pub fn suspects(&self, peer: NodeIdx) -> bool {
        self.suspected[peer as usize]
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
        let phase = ctx.rng().random_range(0..interval.max(1));
        ctx.set_timer(phase, Timer::Send);
        let n = ctx.nodes() as usize;
        let grace = ctx.now() + interval;
        let me = ctx.id();
        for peer in (0..ctx.nodes()).filter(|&p| p != me) {
            ctx.set_timer(interval + timeout, Timer::Check(peer));
        }
        let mut armed = vec![true; n];
        armed[ctx.id() as usize] = false;
        Heartbeat {
            last_heard: vec![grace; n],
            suspected: vec![false; n],
            armed,
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeIdx, _msg: Beat) {
        let peer = from as usize;
        self.last_heard[peer] = ctx.now();
        if self.suspected[peer] {
            self.suspected[peer] = false;
            ctx.observe("trust", Some(from));
        }
        if !self.armed[peer] {
            self.armed[peer] = true;
            ctx.set_timer(ctx.config().timeout, Timer::Check(from));
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, timer: Timer) {
        match timer {
            Timer::Send => {
                ctx.broadcast(Beat);
                ctx.set_timer(ctx.config().interval, Timer::Send);
            }
            Timer::Check(peer) => {
                let p = peer as usize;
                let due = self.last_heard[p] + ctx.config().timeout;
                if ctx.now() >= due {
                    self.armed[p] = false;
                    if !self.suspected[p] {
                        self.suspected[p] = true;
                        ctx.observe("suspect", Some(peer));
                    }
                } else {
                    ctx.set_timer(due - ctx.now(), Timer::Check(peer));
                }
            }
        }
    }

    fn kind(_msg: &Beat) -> &'static str {
        "heartbeat"
    }
}
