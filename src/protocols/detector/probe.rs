//! Failure detection by probing, as in SWIM (Das, Gupta, Motivala, "SWIM: Scalable
//! Weakly-consistent Infection-style Process Group Membership Protocol", DSN 2002, section 3.1).
//!
//! Time is cut into protocol periods of length `h`. In each period a node probes one peer,
//! taking its peers in a seeded random order, one round after another (each round a fresh
//! permutation), so every peer is probed once per round of `N − 1` periods:
//!
//! 1. it sends the target a `ping` and waits the timeout `T` (by default `2d + r`, the round trip:
//!    two delays and the target's processing) for the `ack` to arrive;
//! 2. if none came, it asks `k = 3` other peers, chosen at random, with a `ping-req` to ping the
//!    target on its behalf; each of them pings the target and relays the target's `ack` back;
//! 3. if by the end of the period no `ack` arrived, directly or relayed, it suspects the target.
//!
//! Any message from a suspected peer proves it alive and ends the suspicion. The indirect probes
//! make a congested or lossy direct link less likely to cause a false suspicion. The timeout must
//! leave room for the indirect round within the period (`T < h`).
//!
//! Messages: `ping`, `ack`, `ping-req`.

use rand::RngExt;
use rand::seq::SliceRandom;

use crate::sim::metrics::ObservationKind;
use crate::sim::protocol::{Ctx, NodeIdx, Protocol};
use crate::sim::time::Nanos;

/// Peers asked to probe indirectly.
pub const INDIRECT: usize = 3;

/// Settings of the probing detector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProbeConfig {
    /// Protocol period `h`.
    pub period: Nanos,
    /// Wait for a direct `ack`, `T` (below `h`).
    pub timeout: Nanos,
    /// The receiver's processing time `r`: an ack that *arrives* within `T` is handled `r`
    /// later, so the check waits `T + r` (and an ack handled exactly then still counts).
    pub processing: Nanos,
}

/// Messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    /// Are you alive? `origin` is who wants the answer.
    Ping {
        /// The probe's number at its origin.
        seq: u64,
        /// Who started the probe.
        origin: NodeIdx,
    },
    /// Alive: the answer to probe `seq` of `origin`.
    Ack {
        /// The probe's number.
        seq: u64,
        /// Who started the probe.
        origin: NodeIdx,
        /// The node that answered.
        target: NodeIdx,
    },
    /// Please ping `target` for me.
    PingReq {
        /// The probe's number.
        seq: u64,
        /// Whom to ping.
        target: NodeIdx,
    },
}

/// Timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// A new protocol period begins.
    Period,
    /// The direct ack for probe `seq` is overdue.
    AckTimeout(u64),
    /// Probe `seq`'s period ends.
    PeriodEnd(u64),
}

/// One node's probing state.
#[derive(Debug, Clone)]
pub struct Probe {
    order: Vec<NodeIdx>,
    next: usize,
    seq: u64,
    /// The probe in progress: its number, target, and whether an ack came.
    current: Option<(u64, NodeIdx, bool)>,
    suspected: Vec<bool>,
}

impl Probe {
    fn next_target(&mut self, ctx: &mut Ctx<'_, Self>) -> NodeIdx {
        if self.next == self.order.len() {
            self.order.shuffle(ctx.rng());
            self.next = 0;
        }
        self.next += 1;
        self.order[self.next - 1]
    }

    fn alive(&mut self, ctx: &mut Ctx<'_, Self>, peer: NodeIdx) {
        if std::mem::take(&mut self.suspected[peer as usize]) {
            ctx.observe(ObservationKind::Trust, Some(peer));
        }
    }
}

impl Protocol for Probe {
    type Msg = Msg;
    type Timer = Timer;
    type Stable = ();
    type Config = ProbeConfig;
    const NAME: &'static str = "probe";

    fn boot(ctx: &mut Ctx<'_, Self>, _stable: &()) -> Self {
        let period = ctx.config().period;
        let phase = ctx.rng().random_range(0..period.max(1));
        ctx.set_timer(phase, Timer::Period);
        let me = ctx.id();
        let mut order: Vec<NodeIdx> = (0..ctx.nodes()).filter(|&p| p != me).collect();
        order.shuffle(ctx.rng());
        Probe {
            order,
            next: 0,
            seq: 0,
            current: None,
            suspected: vec![false; ctx.nodes() as usize],
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeIdx, msg: Msg) {
        self.alive(ctx, from);
        let me = ctx.id();
        match msg {
            Msg::Ping { seq, origin } => ctx.send(
                from,
                Msg::Ack {
                    seq,
                    origin,
                    target: me,
                },
            ),
            Msg::PingReq { seq, target } => ctx.send(target, Msg::Ping { seq, origin: from }),
            Msg::Ack {
                seq,
                origin,
                target,
            } => {
                if origin != me {
                    // Relay an indirect probe's answer to the node that asked.
                    ctx.send(
                        origin,
                        Msg::Ack {
                            seq,
                            origin,
                            target,
                        },
                    );
                    return;
                }
                self.alive(ctx, target);
                if let Some((current, probed, acked)) = &mut self.current
                    && *current == seq
                    && *probed == target
                {
                    *acked = true;
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, timer: Timer) {
        let ProbeConfig {
            period,
            timeout,
            processing,
        } = *ctx.config();
        match timer {
            Timer::Period => {
                self.seq += 1;
                let target = self.next_target(ctx);
                self.current = Some((self.seq, target, false));
                let me = ctx.id();
                ctx.send(
                    target,
                    Msg::Ping {
                        seq: self.seq,
                        origin: me,
                    },
                );
                // One nanosecond more, so that an ack handled exactly at the deadline, which was
                // scheduled after this timer, still counts.
                ctx.set_timer(timeout + processing + 1, Timer::AckTimeout(self.seq));
                // The period ends just before the next one starts.
                ctx.set_timer(period - 1, Timer::PeriodEnd(self.seq));
                ctx.set_timer(period, Timer::Period);
            }
            Timer::AckTimeout(seq) => {
                let Some((current, target, false)) = self.current else {
                    return;
                };
                if current != seq {
                    return;
                }
                let me = ctx.id();
                let mut helpers: Vec<NodeIdx> = (0..ctx.nodes())
                    .filter(|&p| p != me && p != target)
                    .collect();
                helpers.shuffle(ctx.rng());
                for &helper in helpers.iter().take(INDIRECT) {
                    ctx.send(helper, Msg::PingReq { seq, target });
                }
            }
            Timer::PeriodEnd(seq) => {
                if let Some((current, target, false)) = self.current
                    && current == seq
                    && !self.suspected[target as usize]
                {
                    self.suspected[target as usize] = true;
                    ctx.observe(ObservationKind::Suspect, Some(target));
                }
            }
        }
    }

    fn kind(msg: &Msg) -> &'static str {
        match msg {
            Msg::Ping { .. } => "ping",
            Msg::Ack { .. } => "ack",
            Msg::PingReq { .. } => "ping-req",
        }
    }
}
