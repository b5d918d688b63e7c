//! Criterion benchmarks of the analytics core, swept over trace sizes: building the canonical
//! trace (sort and merge) and `analyze` (polars clipping and aggregation, the system sweep,
//! a breakdown). Traces come from the generator, so the numbers are reproducible.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use faultline::analytics::breakdown::Breakdown;
use faultline::analytics::system::SystemRule;
use faultline::analytics::{AnalyzeOptions, analyze};
use faultline::trace::synth::{FaultMix, GenConfig, GenEventKind, Shape, generate};
use faultline::trace::{Fault, Trace, TraceBuilder};
use faultline::units::{DAY, HOUR, YEAR};

/// A trace of roughly `outages` outages over 100 nodes and one year.
fn trace(outages: usize) -> Trace {
    let nodes = 100;
    let config = GenConfig {
        nodes,
        duration: YEAR,
        mttf: YEAR * f64::from(nodes) / outages as f64,
        mttr: HOUR,
        ttf: Shape::Exp,
        ttr: Shape::Exp,
        faults: FaultMix::default(),
        partitions_per_day: 0.0,
        replace_after: Some(DAY),
        seed: 1,
    };
    let events = generate(&config).expect("valid generator settings");
    let mut builder = TraceBuilder::new();
    let ids: Vec<u32> = (0..nodes)
        .map(|n| builder.node(&format!("n{}", n + 1)))
        .collect();
    for e in &events {
        if let Some(node) = e.node {
            let down = e.kind == GenEventKind::Down;
            builder.transition(
                ids[node as usize],
                e.time,
                down,
                e.fault.unwrap_or(Fault::Unknown),
            );
        }
    }
    builder.finish().expect("a non-empty trace")
}

fn bench_analyze(c: &mut Criterion) {
    let mut group = c.benchmark_group("analyze");
    group.sample_size(10);
    for size in [10_000, 100_000, 1_000_000] {
        let t = trace(size);
        group.throughput(Throughput::Elements(t.outages.len() as u64));
        let plain = AnalyzeOptions::default();
        group.bench_with_input(BenchmarkId::new("series", size), &t, |b, t| {
            b.iter(|| analyze(t, &plain).expect("analysis"));
        });
        let detailed = AnalyzeOptions {
            system: SystemRule::Quorum.into(),
            by: Some(Breakdown::Fault),
            ..AnalyzeOptions::default()
        };
        group.bench_with_input(BenchmarkId::new("quorum_by_fault", size), &t, |b, t| {
            b.iter(|| analyze(t, &detailed).expect("analysis"));
        });
    }
    group.finish();
}

fn bench_merge(c: &mut Criterion) {
    let mut group = c.benchmark_group("merge_outages");
    group.sample_size(10);
    for size in [100_000, 1_000_000] {
        let outages = trace(size).outages;
        group.throughput(Throughput::Elements(outages.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &outages, |b, o| {
            b.iter(|| faultline::trace::builder::merge_outages(o.clone()));
        });
    }
    group.finish();
}

criterion_group!(benches, bench_analyze, bench_merge);
criterion_main!(benches);
