//! Rendering a fault sweep for people: what ran, liveness, and the failing seeds with the first
//! violation of each (the JSON has every seed).

use std::fmt::Write as _;

use crate::harness::fault_sweep::FaultSweepReport;
use crate::units::HumanDuration;

/// How many seeds and failures the table lists (the JSON has them all).
const SHOWN: usize = 20;

/// The first [`SHOWN`] seeds, space-separated, with `...` when there are more.
fn seed_list(seeds: &[u64]) -> String {
    let mut list: Vec<String> = seeds.iter().take(SHOWN).map(u64::to_string).collect();
    if seeds.len() > SHOWN {
        list.push("...".to_string());
    }
    list.join(" ")
}

/// The human-readable summary.
pub fn table(report: &FaultSweepReport) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "fault sweep: {}, {} nodes, seeds {}..{}, {} faults, {} s simulated each",
        report.protocol,
        report.nodes,
        report.seed_from,
        report.seed_to,
        report.faults,
        report.sim_time_s
    );
    let _ = writeln!(
        text,
        "{} runs, {} events, {} messages; invariants checked: {}",
        report.runs,
        report.events,
        report.messages,
        if report.checked.is_empty() {
            "none".to_string()
        } else {
            report.checked.join(", ")
        }
    );
    if let Some(p) = &report.progress {
        let _ = writeln!(
            text,
            "liveness: {} of {} {} ({:.2} %); {} of {} runs left something undone at the end{}",
            p.done,
            p.asked,
            p.what,
            100.0 * p.done as f64 / p.asked.max(1) as f64,
            report.stalled_seeds.len(),
            report.runs,
            if report.stalled_seeds.is_empty() {
                String::new()
            } else {
                format!(" (seeds {})", seed_list(&report.stalled_seeds))
            }
        );
    }
    for (metric, l) in &report.latency {
        let _ = writeln!(
            text,
            "latency {metric}, all runs pooled: p50 {}, p99 {}, p99.9 {}, max {} ({} samples)",
            HumanDuration(l.p50_s),
            HumanDuration(l.p99_s),
            HumanDuration(l.p999_s),
            HumanDuration(l.max_s),
            l.count
        );
    }
    if report.failed_seeds.is_empty() {
        let _ = writeln!(text, "no violation in any run");
        return text;
    }
    let by: Vec<String> = report
        .by_invariant
        .iter()
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    let _ = writeln!(
        text,
        "{} violations ({}) in {} of {} runs; failing seeds: {}",
        report.violations,
        by.join(", "),
        report.failed_seeds.len(),
        report.runs,
        seed_list(&report.failed_seeds)
    );
    for f in report.failures.iter().take(SHOWN) {
        let _ = writeln!(
            text,
            "  seed {}: {} at {} s: {}",
            f.seed, f.first.name, f.first.time_s, f.first.detail
        );
    }
    text
}
