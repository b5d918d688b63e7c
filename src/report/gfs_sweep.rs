//! Rendering the GFS timeout sweep: a table of what each timeout cost, and its plots.

use std::fmt::Write as _;

use super::plot::{Chart, Plot, Series};
use crate::harness::gfs_sweep::GfsSweep;

/// The human-readable table.
pub fn table(s: &GfsSweep) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "gfs timeout sweep: {} nodes (n1 the master), {} chunks × {} copies, {} s simulated, \
         means over seeds 1..{}",
        s.nodes, s.chunks, s.replicas, s.sim_time_s, s.seeds
    );
    let _ = writeln!(
        text,
        "{:>12} {:>10} {:>9} {:>9} {:>9} {:>10} {:>18} {:>12}",
        "timeout",
        "seconds",
        "declared",
        "clones",
        "wasted",
        "wasted GB",
        "under-replicated",
        "chunks lost"
    );
    for r in &s.rows {
        let _ = writeln!(
            text,
            "{:>12} {:>10} {:>9.1} {:>9.1} {:>9.1} {:>10.2} {:>15.1} ch-h {:>12.2}",
            r.timeout,
            r.timeout_s,
            r.declared_dead,
            r.clones,
            r.wasted_clones,
            r.wasted_gb,
            r.under_replicated_s / 3600.0,
            r.chunks_lost
        );
    }
    text
}

/// Wasted traffic, and chunks lost, against the timeout (log scale).
pub fn plots(s: &GfsSweep) -> Vec<Plot> {
    let line = |label: &str, f: fn(&crate::harness::gfs_sweep::GfsSweepRow) -> f64| {
        Series::new(label, s.rows.iter().map(|r| (r.timeout_s, f(r))).collect())
    };
    let log = |mut plot: Plot| {
        if let Chart::Lines { log_x, .. } = &mut plot.chart {
            *log_x = true;
        }
        plot
    };
    vec![
        log(Plot::lines(
            "gfs-wasted",
            "Re-replication wasted on servers that came back",
            "timeout (s)",
            "GB per run (mean)",
            vec![line("wasted", |r| r.wasted_gb)],
        )),
        log(Plot::lines(
            "gfs-exposure",
            "What waiting costs: chunks lost and under-replicated time",
            "timeout (s)",
            "per run (mean)",
            vec![
                line("chunks lost", |r| r.chunks_lost),
                line("under-replicated chunk-hours / 100", |r| {
                    r.under_replicated_s / 3600.0 / 100.0
                }),
            ],
        )),
    ]
}
