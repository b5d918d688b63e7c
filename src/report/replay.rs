//! Rendering replay reports: JSON (DESIGN.md keys) or a short human summary.

use std::fmt::Write as _;

use crate::harness::replay::ReplayReport;
use crate::units::HumanDuration;

/// A human summary of one replay.
pub fn table(report: &ReplayReport) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}: {} nodes, seed {}, {} simulated, {} events",
        report.protocol,
        report.nodes,
        report.seed,
        HumanDuration(report.sim_time_s),
        report.events
    );
    let types: Vec<String> = report
        .messages
        .by_type
        .iter()
        .map(|(kind, count)| format!("{kind} {count}"))
        .collect();
    let _ = writeln!(
        text,
        "messages: {} sent, {} dropped ({})",
        report.messages.total,
        report.messages.dropped,
        types.join(", ")
    );
    for (metric, l) in &report.latency {
        let d = |s: f64| HumanDuration(s).to_string();
        let _ = writeln!(
            text,
            "latency {metric}: n={} min {} mean {} p50 {} p90 {} p99 {} p99.9 {} max {}",
            l.count,
            d(l.min_s),
            d(l.mean_s),
            d(l.p50_s),
            d(l.p90_s),
            d(l.p99_s),
            d(l.p999_s),
            d(l.max_s)
        );
    }
    let _ = writeln!(text, "{}", report.outcome.summary());
    if report.invariants.checked.is_empty() {
        text.push_str("invariants: none for this protocol\n");
    } else if report.invariants.violations.is_empty() {
        let _ = writeln!(
            text,
            "invariants: all held ({})",
            report.invariants.checked.join(", ")
        );
    } else {
        for v in &report.invariants.violations {
            let _ = writeln!(text, "VIOLATION {} at {} s: {}", v.name, v.time_s, v.detail);
        }
    }
    text
}
