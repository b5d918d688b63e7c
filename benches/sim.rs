//! Criterion benchmarks of the simulator: the raw engine (tokens passed around a ring, a
//! trivial protocol, so the cost measured is the engine's: queue, network draw, counters; and
//! PHOLD, the standard synthetic workload of discrete-event simulators, in events per second),
//! the heartbeat detector on 32 nodes (heartbeats delivered per second), each
//! failure detector over clusters of 3, 16 and 128 nodes, one election of each protocol over
//! 8, 64 and 256 nodes, single-decree Paxos (one decision) and Multi-Paxos (10,000 commands at
//! 1,000 a simulated second, all committed; throughput in commands per real second) over 3, 5
//! and 7 nodes, and a Multi-Paxos fault sweep (20 seeds of random faults).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use faultline::harness::fault_sweep::{Faults, fault_sweep};
use faultline::harness::replay::{ClientSettings, Protocol as Named, ReplaySettings, replay};
use faultline::harness::runners::multi_paxos::MultiPaxosOutcome;
use faultline::harness::runners::zk::ZkOutcome;
use faultline::sim::chaos::ChaosConfig;
use faultline::sim::delay::DelayModel;
use faultline::sim::engine::{Config, Simulation};
use faultline::sim::network::Network;
use faultline::sim::protocol::{Ctx, NodeIdx, Protocol};
use faultline::sim::scenario::Fault;
use faultline::sim::time::SECOND;
use rand::RngExt;

/// Every node starts one token; a node forwards every token it gets to its successor.
struct Ring;

impl Protocol for Ring {
    type Msg = u32;
    type Timer = ();
    type Stable = ();
    type Config = ();
    const NAME: &'static str = "ring-tokens";

    fn boot(ctx: &mut Ctx<'_, Self>, _stable: &()) -> Self {
        let next = (ctx.id() + 1) % ctx.nodes();
        ctx.send(next, 0);
        Ring
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, _from: NodeIdx, hops: u32) {
        let next = (ctx.id() + 1) % ctx.nodes();
        ctx.send(next, hops + 1);
    }

    fn on_timer(&mut self, _ctx: &mut Ctx<'_, Self>, _timer: ()) {}

    fn kind(_msg: &u32) -> &'static str {
        "token"
    }
}

/// PHOLD (Fujimoto's synthetic benchmark of parallel discrete-event simulators): a fixed
/// population of messages, each handled by sending one more to a uniformly random other node
/// after an exponential delay. What it measures is the engine alone, events per second.
struct Phold;

/// Messages each node starts with.
const PHOLD_POPULATION: u32 = 4;

impl Phold {
    fn forward(ctx: &mut Ctx<'_, Self>) {
        let nodes = ctx.nodes();
        let hop = ctx.rng().random_range(1..nodes);
        ctx.send((ctx.id() + hop) % nodes, ());
    }
}

impl Protocol for Phold {
    type Msg = ();
    type Timer = ();
    type Stable = ();
    type Config = ();
    const NAME: &'static str = "phold";

    fn boot(ctx: &mut Ctx<'_, Self>, _stable: &()) -> Self {
        for _ in 0..PHOLD_POPULATION {
            Phold::forward(ctx);
        }
        Phold
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, _from: NodeIdx, _msg: ()) {
        Phold::forward(ctx);
    }

    fn on_timer(&mut self, _ctx: &mut Ctx<'_, Self>, _timer: ()) {}

    fn kind(_msg: &()) -> &'static str {
        "event"
    }
}

/// A PHOLD run of `nodes` for 10 simulated seconds at a mean delay of 1 ms.
fn phold(nodes: u32) -> Simulation<Phold> {
    let delay = "exp:mean=1ms".parse().expect("a valid model");
    let mut sim: Simulation<Phold> = Simulation::new(Config {
        nodes,
        clients: 0,
        seed: 1,
        network: Network::new(nodes, delay, 0, 0.0),
        protocol: (),
        capacity: None,
    });
    sim.run_until(10 * SECOND, &mut |_| {});
    sim
}

fn bench_phold(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine_phold");
    group.sample_size(10);
    for nodes in [16u32, 256] {
        let events = phold(nodes).events();
        group.throughput(Throughput::Elements(events));
        group.bench_with_input(BenchmarkId::from_parameter(nodes), &nodes, |b, &nodes| {
            b.iter(|| assert_eq!(phold(nodes).events(), events));
        });
    }
    group.finish();
}

/// The heartbeat detector on 32 nodes for 60 s, h = 100 ms, exponential delays: throughput in
/// heartbeats delivered per real second (the engine plus the lightest real protocol).
fn bench_heartbeat(c: &mut Criterion) {
    let mut group = c.benchmark_group("heartbeat_32_nodes");
    group.sample_size(10);
    let settings = ReplaySettings {
        delay: "exp:mean=2ms".parse().expect("a valid model"),
        heartbeat: Some(SECOND / 10),
        duration: Some(60 * SECOND),
        ..ReplaySettings::new(protocol("heartbeat"), 32)
    };
    let messages = replay(&settings, &mut |_, _| {})
        .expect("valid settings")
        .report
        .messages
        .total;
    group.throughput(Throughput::Elements(messages));
    group.bench_function("60s", |b| {
        b.iter(|| replay(&settings, &mut |_, _| {}).expect("valid settings"));
    });
    group.finish();
}

fn bench_engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine_ring_tokens");
    for nodes in [3u32, 16, 128] {
        // 1 ms a hop for 10 simulated seconds: 10,000 deliveries per token, one token a node.
        let messages = 10_000 * u64::from(nodes);
        group.throughput(Throughput::Elements(messages));
        group.bench_with_input(BenchmarkId::from_parameter(nodes), &nodes, |b, &nodes| {
            b.iter(|| {
                let mut sim: Simulation<Ring> = Simulation::new(Config {
                    nodes,
                    clients: 0,
                    seed: 1,
                    network: Network::new(nodes, DelayModel::Const(SECOND / 1000), 0, 0.0),
                    protocol: (),
                    capacity: None,
                });
                sim.run_until(10 * SECOND - 1, &mut |_| {});
                assert_eq!(sim.metrics().total, messages);
            });
        });
    }
    group.finish();
}

fn bench_detectors(c: &mut Criterion) {
    let mut group = c.benchmark_group("detectors_60s");
    group.sample_size(10);
    for protocol in [protocol("heartbeat"), protocol("probe"), protocol("phi")] {
        for nodes in [3u32, 16, 128] {
            let settings = ReplaySettings {
                protocol,
                nodes,
                seed: 1,
                delay: "exp:mean=2ms".parse().expect("a valid model"),
                processing: 0,
                loss: 0.001,
                heartbeat: Some(SECOND),
                timeout: None,
                threshold: 8.0,
                duration: Some(60 * SECOND),
                faults: Vec::new(),
                ..ReplaySettings::new(protocol, nodes)
            };
            let id = BenchmarkId::new(protocol.to_string(), nodes);
            group.bench_with_input(id, &settings, |b, s| {
                b.iter(|| replay(s, &mut |_, _| {}).expect("valid settings"));
            });
        }
    }
    group.finish();
}

fn bench_elections(c: &mut Criterion) {
    let mut group = c.benchmark_group("election_one_round");
    group.sample_size(10);
    for protocol in [
        protocol("ring"),
        protocol("modified-ring"),
        protocol("bully"),
    ] {
        for nodes in [8u32, 64, 256] {
            // One election started by n1 (for bully with the highest node down, its worst case).
            let mut faults = vec![(SECOND, Fault::Elect(0))];
            if protocol.name() == "bully" {
                faults.insert(0, (0, Fault::Crash(nodes - 1)));
            }
            let settings = ReplaySettings {
                duration: Some(10 * SECOND),
                faults,
                ..ReplaySettings::new(protocol, nodes)
            };
            let id = BenchmarkId::new(protocol.to_string(), nodes);
            group.bench_with_input(id, &settings, |b, s| {
                b.iter(|| replay(s, &mut |_, _| {}).expect("valid settings"));
            });
        }
    }
    group.finish();
}

/// The harness's protocol called `name`.
fn protocol(name: &str) -> Named {
    Named::named(name).expect("a registered protocol")
}

fn paxos_settings(protocol: Named, nodes: u32, rate: f64, duration: u64) -> ReplaySettings {
    ReplaySettings {
        clients: ClientSettings {
            rate,
            ..ClientSettings::default()
        },
        duration: Some(duration),
        ..ReplaySettings::new(protocol, nodes)
    }
}

fn bench_paxos(c: &mut Criterion) {
    let mut group = c.benchmark_group("paxos");
    group.sample_size(10);
    for nodes in [3u32, 5, 7] {
        let single = paxos_settings(protocol("paxos"), nodes, 1.0, SECOND);
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(BenchmarkId::new("single-decree", nodes), &single, |b, s| {
            b.iter(|| replay(s, &mut |_, _| {}).expect("valid settings"));
        });
        // 10.1 s at 1,000 commands a second; the client stops 1 s before the end: 9,100 commands.
        let multi = paxos_settings(protocol("multi-paxos"), nodes, 1000.0, 10_100_000_000);
        group.throughput(Throughput::Elements(9_100));
        group.bench_with_input(BenchmarkId::new("multi-paxos", nodes), &multi, |b, s| {
            b.iter(|| {
                let run = replay(s, &mut |_, _| {}).expect("valid settings");
                let outcome: Option<&MultiPaxosOutcome> = run.report.outcome.get();
                assert_eq!(outcome.map(|o| o.committed), Some(9_100));
            });
        });
    }
    group.finish();
}

/// The ZooKeeper ensemble: 10 clients at 100 operations a second each for 10 s (the mix: about
/// two thirds writes), fault-free; throughput in committed writes per real second.
fn bench_zk(c: &mut Criterion) {
    let mut group = c.benchmark_group("zk");
    group.sample_size(10);
    for nodes in [3u32, 5, 7] {
        let settings = ReplaySettings {
            clients: ClientSettings {
                rate: 100.0,
                count: 10,
                ..ClientSettings::default()
            },
            duration: Some(10 * SECOND),
            ..ReplaySettings::new(protocol("zk"), nodes)
        };
        let run = replay(&settings, &mut |_, _| {}).expect("valid settings");
        let writes = run
            .report
            .outcome
            .get::<ZkOutcome>()
            .map_or(0, |o| o.writes_ok);
        group.throughput(Throughput::Elements(writes));
        group.bench_with_input(BenchmarkId::new("writes", nodes), &settings, |b, s| {
            b.iter(|| replay(s, &mut |_, _| {}).expect("valid settings"));
        });
    }
    group.finish();
}

fn bench_fault_sweep(c: &mut Criterion) {
    let mut group = c.benchmark_group("fault_sweep");
    group.sample_size(10);
    let settings = paxos_settings(protocol("multi-paxos"), 5, 10.0, 30 * SECOND);
    let chaos = Faults::Random(ChaosConfig::new(
        5,
        30 * SECOND,
        settings.delay.clone(),
        0.0,
    ));
    group.throughput(Throughput::Elements(20));
    group.bench_function("multi-paxos_5_nodes_20_seeds", |b| {
        b.iter(|| fault_sweep(&settings, 1..=20, &chaos, &|| {}).expect("valid settings"));
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_engine,
    bench_phold,
    bench_heartbeat,
    bench_detectors,
    bench_elections,
    bench_paxos,
    bench_zk,
    bench_fault_sweep
);
/// `criterion_main!`, after setting the allocator's policy as `faultline replay` and `sweep` do.
fn main() {
    faultline::heap::keep_freed_memory_for_reuse();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
