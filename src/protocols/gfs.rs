//! GFS re-replication (Ghemawat, Gobioff and Leung, SOSP 2003, sections 4.5 and 5.1): a master
//! that learns of chunkservers by their HeartBeats and restores the replication of the chunks a
//! silent one held.
//!
//! `n1` is the master; `n2..nN` are chunkservers, in racks `n2, n3, ...` round-robin over
//! [`GfsConfig::racks`]. Every chunk has `replicas` copies, placed at the start (a layout drawn
//! from the run's seed) on distinct chunkservers spread over as many racks as possible.
//!
//! - *Heartbeats*: each chunkserver sends `heartbeat` every `h`. A chunkserver's disk survives
//!   its outages, so the master knows what a returning server holds (GFS's chunk reports).
//! - *Declaring dead*: the master checks every `h`; a chunkserver silent for the timeout is
//!   declared dead, and the replicas it holds stop counting.
//! - *Re-replication*: chunks with fewer live replicas than `replicas` are cloned, the most
//!   endangered first (fewest live replicas, then chunk number). A clone copies one chunk from a
//!   live holder to a live chunkserver without it — preferring a rack that holds no copy yet, then
//!   the server holding fewest chunks — and takes `clone_time` (chunk size over the per-clone
//!   bandwidth). A chunkserver takes part in one clone at a time, and the cluster runs at most
//!   `max_clones` at once: GFS's limits per chunkserver and per cluster. A clone that has not
//!   finished in three clone times is given up and its chunk scheduled again.
//! - *Coming back*: a chunkserver declared dead that heartbeats again counts again. A chunk
//!   that has meanwhile been restored to full replication has one copy too many: the returning
//!   copy is deleted (`delete`) and the clone made in its place was wasted. A chunk still short
//!   of copies takes it back.
//!
//! The master keeps its placement and the history of every replica (on which server, from when,
//! until when it was deleted) in stable storage, as GFS keeps its metadata in an operation log, so
//! it survives the master's crashes; what a run lost or left under-replicated is computed from
//! that history and the servers' outages (see the runner). Messages: `heartbeat`, `clone`,
//! `fetch`, `chunk-data`, `cloned`, `delete`.

use std::collections::{BTreeMap, BTreeSet};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::sim::metrics::ObservationKind;
use crate::sim::protocol::{Ctx, NodeIdx, Protocol};
use crate::sim::time::Nanos;

/// The master's node.
pub const MASTER: NodeIdx = 0;

/// Settings of a GFS run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GfsConfig {
    /// HeartBeat interval `h` (also the master's check period).
    pub heartbeat: Nanos,
    /// Silence after which the master declares a chunkserver dead.
    pub timeout: Nanos,
    /// Chunks.
    pub chunks: u32,
    /// Copies of each chunk.
    pub replicas: u32,
    /// Racks the chunkservers are spread over.
    pub racks: u32,
    /// Time one clone takes.
    pub clone_time: Nanos,
    /// Clones the cluster runs at once.
    pub max_clones: u32,
    /// The seed of the initial layout.
    pub layout_seed: u64,
}

/// GFS messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    /// Chunkserver → master: I am alive.
    Heartbeat,
    /// Master → destination: copy this chunk from that holder.
    Clone {
        /// The chunk.
        chunk: u32,
        /// The holder to copy from.
        from: NodeIdx,
    },
    /// Destination → holder: send me the chunk.
    Fetch(u32),
    /// Holder → destination: the chunk's contents.
    ChunkData(u32),
    /// Destination → master: the chunk is on my disk.
    Cloned(u32),
    /// Master → chunkserver: delete your copy (there are enough elsewhere).
    Delete(u32),
}

/// Timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// A chunkserver's next heartbeat.
    Beat,
    /// The master's periodic check.
    Check,
    /// A holder has finished reading a chunk for a destination.
    Send {
        /// The chunk.
        chunk: u32,
        /// The destination.
        to: NodeIdx,
    },
    /// The master gives up a clone that has not finished.
    Deadline {
        /// The chunk.
        chunk: u32,
        /// The destination.
        to: NodeIdx,
    },
}

/// One replica's life: on `node` from `from` until `to` (deleted; none: still there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The chunk.
    pub chunk: u32,
    /// The chunkserver holding it.
    pub node: NodeIdx,
    /// Since when, ns.
    pub from: Nanos,
    /// Until when, ns.
    pub to: Option<Nanos>,
}

/// What the master persists: the placement and its history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    /// Each chunk's holders (deleted copies excluded; dead servers' included).
    pub holders: Vec<BTreeSet<NodeIdx>>,
    /// Chunkservers declared dead.
    pub dead: BTreeSet<NodeIdx>,
    /// Every replica's life, in order of creation.
    pub spans: Vec<Span>,
    /// Clones completed.
    pub clones: u64,
    /// Copies deleted on their server's return because the chunk had been restored without them.
    pub wasted_clones: u64,
    /// Times a chunkserver was declared dead.
    pub declared_dead: u64,
    /// Whether the layout has been made.
    pub laid_out: bool,
}

/// What survives a crash: the master's metadata, a chunkserver's disk.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stable {
    /// The master's metadata.
    pub meta: Metadata,
    /// A chunkserver's chunks.
    pub disk: BTreeSet<u32>,
    /// A chunkserver's disk has been filled with its initial chunks.
    pub formatted: bool,
}

/// A clone under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Running {
    /// The chunk.
    pub chunk: u32,
    /// The holder it is copied from.
    pub from: NodeIdx,
    /// The destination.
    pub to: NodeIdx,
}

/// A node: the master or a chunkserver.
#[derive(Debug, Clone)]
pub enum Gfs {
    /// The master's volatile state.
    Master {
        /// When each chunkserver was last heard from.
        heard: BTreeMap<NodeIdx, Nanos>,
        /// Clones under way.
        running: Vec<Running>,
    },
    /// A chunkserver (its state is its disk).
    Chunkserver,
}

/// The rack of chunkserver `node`.
pub fn rack(node: NodeIdx, racks: u32) -> u32 {
    (node - 1) % racks.max(1)
}

/// The initial layout: each chunk's holders, spread over racks, drawn from `config.layout_seed`.
pub fn layout(config: &GfsConfig, nodes: u32) -> Vec<BTreeSet<NodeIdx>> {
    let mut rng = ChaCha8Rng::seed_from_u64(config.layout_seed);
    let servers: Vec<NodeIdx> = (1..nodes).collect();
    (0..config.chunks)
        .map(|_| {
            let mut holders = BTreeSet::new();
            while holders.len() < config.replicas as usize && holders.len() < servers.len() {
                let used: BTreeSet<u32> = holders.iter().map(|&h| rack(h, config.racks)).collect();
                let fresh: Vec<NodeIdx> = servers
                    .iter()
                    .copied()
                    .filter(|s| !holders.contains(s) && !used.contains(&rack(*s, config.racks)))
                    .collect();
                let pool: Vec<NodeIdx> = if fresh.is_empty() {
                    servers
                        .iter()
                        .copied()
                        .filter(|s| !holders.contains(s))
                        .collect()
                } else {
                    fresh
                };
                holders.insert(pool[rng.random_range(0..pool.len())]);
            }
            holders
        })
        .collect()
}

impl Metadata {
    /// Live copies of `chunk`: on servers not declared dead.
    fn live(&self, chunk: u32) -> usize {
        self.holders[chunk as usize]
            .iter()
            .filter(|h| !self.dead.contains(h))
            .count()
    }

    fn end_span(&mut self, chunk: u32, node: NodeIdx, at: Nanos) {
        if let Some(span) = self
            .spans
            .iter_mut()
            .rev()
            .find(|s| s.chunk == chunk && s.node == node && s.to.is_none())
        {
            span.to = Some(at);
        }
    }
}

fn master_boot(ctx: &mut Ctx<'_, Gfs>) -> Gfs {
    let config = *ctx.config();
    if !ctx.stable().meta.laid_out {
        let holders = layout(&config, ctx.nodes());
        let meta = &mut ctx.stable().meta;
        meta.spans = holders
            .iter()
            .enumerate()
            .flat_map(|(c, hs)| {
                hs.iter().map(move |&node| Span {
                    chunk: c as u32,
                    node,
                    from: 0,
                    to: None,
                })
            })
            .collect();
        meta.holders = holders;
        meta.laid_out = true;
    }
    ctx.set_timer(config.heartbeat, Timer::Check);
    // Every chunkserver gets a timeout's grace from the master's (re)start.
    let now = ctx.now();
    Gfs::Master {
        heard: (1..ctx.nodes()).map(|n| (n, now)).collect(),
        running: Vec::new(),
    }
}

fn chunkserver_boot(ctx: &mut Ctx<'_, Gfs>) -> Gfs {
    let config = *ctx.config();
    if !ctx.stable().formatted {
        let me = ctx.id();
        let disk = layout(&config, ctx.nodes())
            .iter()
            .enumerate()
            .filter(|(_, hs)| hs.contains(&me))
            .map(|(c, _)| c as u32)
            .collect();
        ctx.stable().disk = disk;
        ctx.stable().formatted = true;
    }
    let phase = ctx.rng().random_range(0..config.heartbeat.max(1));
    ctx.set_timer(phase, Timer::Beat);
    Gfs::Chunkserver
}

impl Gfs {
    /// Starts clones for the most endangered chunks while the limits allow.
    fn schedule(running: &mut Vec<Running>, ctx: &mut Ctx<'_, Gfs>) {
        let config = *ctx.config();
        let nodes = ctx.nodes();
        let meta = &ctx.stable().meta;
        let mut short: Vec<(usize, u32)> = (0..config.chunks)
            .map(|c| {
                let pending = running.iter().filter(|r| r.chunk == c).count();
                (meta.live(c) + pending, c)
            })
            .filter(|&(have, c)| have < config.replicas as usize && meta.live(c) > 0)
            .collect();
        short.sort_unstable();
        let mut load = vec![0usize; nodes as usize];
        for holders in &meta.holders {
            for &h in holders {
                load[h as usize] += 1;
            }
        }
        let mut started = Vec::new();
        for (_, chunk) in short {
            if running.len() >= config.max_clones as usize {
                break;
            }
            let busy = |n: NodeIdx| running.iter().any(|r| r.from == n || r.to == n);
            let holders = &meta.holders[chunk as usize];
            let Some(from) = holders
                .iter()
                .copied()
                .find(|h| !meta.dead.contains(h) && !busy(*h))
            else {
                continue;
            };
            let racks: BTreeSet<u32> = holders.iter().map(|&h| rack(h, config.racks)).collect();
            let to = (1..nodes)
                .filter(|n| !holders.contains(n) && !meta.dead.contains(n) && !busy(*n))
                .min_by_key(|&n| (racks.contains(&rack(n, config.racks)), load[n as usize], n));
            let Some(to) = to else { continue };
            load[to as usize] += 1;
            running.push(Running { chunk, from, to });
            started.push(Running { chunk, from, to });
        }
        for r in started {
            ctx.observe_detail(
                ObservationKind::Clone,
                Some(r.to),
                format!("chunk {} from n{}", r.chunk, r.from + 1),
            );
            ctx.send(
                r.to,
                Msg::Clone {
                    chunk: r.chunk,
                    from: r.from,
                },
            );
            ctx.set_timer(
                3 * config.clone_time + 2 * config.heartbeat,
                Timer::Deadline {
                    chunk: r.chunk,
                    to: r.to,
                },
            );
        }
    }

    fn master_message(
        heard: &mut BTreeMap<NodeIdx, Nanos>,
        running: &mut Vec<Running>,
        ctx: &mut Ctx<'_, Gfs>,
        from: NodeIdx,
        msg: Msg,
    ) {
        let now = ctx.now();
        match msg {
            Msg::Heartbeat => {
                heard.insert(from, now);
                let meta = &mut ctx.stable().meta;
                if !meta.dead.remove(&from) {
                    return;
                }
                // Back from the dead: its copies count again, unless the chunk is whole
                // without them.
                let replicas = ctx.config().replicas as usize;
                let mut deletes = Vec::new();
                for chunk in 0..ctx.config().chunks {
                    let meta = &mut ctx.stable().meta;
                    if meta.holders[chunk as usize].contains(&from) && meta.live(chunk) > replicas {
                        meta.holders[chunk as usize].remove(&from);
                        meta.end_span(chunk, from, now);
                        meta.wasted_clones += 1;
                        deletes.push(chunk);
                    }
                }
                ctx.observe(ObservationKind::Trust, Some(from));
                for chunk in deletes {
                    ctx.send(from, Msg::Delete(chunk));
                }
                Gfs::schedule(running, ctx);
            }
            Msg::Cloned(chunk) => {
                heard.insert(from, now);
                running.retain(|r| !(r.chunk == chunk && r.to == from));
                let meta = &mut ctx.stable().meta;
                if meta.holders[chunk as usize].insert(from) {
                    meta.spans.push(Span {
                        chunk,
                        node: from,
                        from: now,
                        to: None,
                    });
                    meta.clones += 1;
                }
                Gfs::schedule(running, ctx);
            }
            _ => {}
        }
    }

    fn check(heard: &BTreeMap<NodeIdx, Nanos>, running: &mut Vec<Running>, ctx: &mut Ctx<'_, Gfs>) {
        let now = ctx.now();
        let config = *ctx.config();
        ctx.set_timer(config.heartbeat, Timer::Check);
        let dead = &ctx.stable().meta.dead;
        let silent: Vec<NodeIdx> = heard
            .iter()
            .filter(|(n, last)| **last + config.timeout < now && !dead.contains(n))
            .map(|(n, _)| *n)
            .collect();
        for node in silent {
            let meta = &mut ctx.stable().meta;
            meta.dead.insert(node);
            meta.declared_dead += 1;
            running.retain(|r| r.from != node && r.to != node);
            ctx.observe(ObservationKind::Suspect, Some(node));
        }
        Gfs::schedule(running, ctx);
    }
}

impl Protocol for Gfs {
    type Msg = Msg;
    type Timer = Timer;
    type Stable = Stable;
    type Config = GfsConfig;
    const NAME: &'static str = "gfs";

    fn boot(ctx: &mut Ctx<'_, Self>, _stable: &Stable) -> Self {
        if ctx.id() == MASTER {
            master_boot(ctx)
        } else {
            chunkserver_boot(ctx)
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeIdx, msg: Msg) {
        match self {
            Gfs::Master { heard, running } => Gfs::master_message(heard, running, ctx, from, msg),
            Gfs::Chunkserver => match msg {
                Msg::Clone {
                    chunk,
                    from: holder,
                } => ctx.send(holder, Msg::Fetch(chunk)),
                Msg::Fetch(chunk) if ctx.stable().disk.contains(&chunk) => {
                    let clone_time = ctx.config().clone_time;
                    ctx.set_timer(clone_time, Timer::Send { chunk, to: from });
                }
                Msg::ChunkData(chunk) => {
                    ctx.stable().disk.insert(chunk);
                    ctx.send(MASTER, Msg::Cloned(chunk));
                }
                Msg::Delete(chunk) => {
                    ctx.stable().disk.remove(&chunk);
                }
                _ => {}
            },
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, timer: Timer) {
        match (self, timer) {
            (Gfs::Master { heard, running }, Timer::Check) => Gfs::check(heard, running, ctx),
            (Gfs::Master { running, .. }, Timer::Deadline { chunk, to }) => {
                let before = running.len();
                running.retain(|r| !(r.chunk == chunk && r.to == to));
                if running.len() < before {
                    Gfs::schedule(running, ctx);
                }
            }
            (Gfs::Chunkserver, Timer::Beat) => {
                ctx.send(MASTER, Msg::Heartbeat);
                let h = ctx.config().heartbeat;
                ctx.set_timer(h, Timer::Beat);
            }
            (Gfs::Chunkserver, Timer::Send { chunk, to }) => {
                ctx.send(to, Msg::ChunkData(chunk));
            }
            _ => {}
        }
    }

    fn kind(msg: &Msg) -> &'static str {
        match msg {
            Msg::Heartbeat => "heartbeat",
            Msg::Clone { .. } => "clone",
            Msg::Fetch(_) => "fetch",
            Msg::ChunkData(_) => "chunk-data",
            Msg::Cloned(_) => "cloned",
            Msg::Delete(_) => "delete",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_spreads_each_chunk_over_racks() {
        let config = GfsConfig {
            heartbeat: 1,
            timeout: 1,
            chunks: 200,
            replicas: 3,
            racks: 3,
            clone_time: 1,
            max_clones: 1,
            layout_seed: 7,
        };
        let layout = layout(&config, 10);
        assert_eq!(layout.len(), 200);
        for holders in &layout {
            assert_eq!(holders.len(), 3);
            assert!(!holders.contains(&MASTER));
            let racks: BTreeSet<u32> = holders.iter().map(|&h| rack(h, 3)).collect();
            assert_eq!(racks.len(), 3, "{holders:?}");
        }
        assert_eq!(layout, super::layout(&config, 10), "the seed fixes it");
    }
}
