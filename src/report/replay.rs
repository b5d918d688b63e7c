//! Rendering replay reports: JSON (DESIGN.md keys) or a short human summary.

use std::fmt::Write as _;

use crate::harness::replay::{Outcome, ReplayReport};
use crate::units::{HumanDuration, HumanPercent};

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
    if let Outcome::Detector(o) = &report.outcome {
        {
            let rule = match (&o.timeout_expr, o.timeout_s, o.threshold) {
                (Some(expr), Some(secs), _) => format!("timeout {expr} = {}", HumanDuration(secs)),
                (_, _, Some(threshold)) => format!("φ threshold {threshold}"),
                _ => String::new(),
            };
            let _ = writeln!(
                text,
                "detector: h {}, {rule} (d {}, r {})",
                HumanDuration(o.interval_s),
                HumanDuration(o.d_s),
                HumanDuration(o.r_s)
            );
            let _ = writeln!(
                text,
                "quality: {} false suspicions ({:.3} per node-hour, mean {}), query accuracy {}, \
                 {} missed detections",
                o.qos.false_suspicions,
                o.qos.mistake_rate_per_node_hour,
                o.qos
                    .mistake_duration_mean_s
                    .map_or("-".to_string(), |s| HumanDuration(s).to_string()),
                HumanPercent(o.qos.query_accuracy),
                o.qos.missed_detections
            );
        }
    }
    if let Outcome::Election(o) = &report.outcome {
        let _ = writeln!(
            text,
            "election: leader {}, {} elections, leader available {} (leaderless {}), eventual leader {}{}",
            o.leader.as_deref().unwrap_or("none"),
            o.elections,
            HumanPercent(o.leader_availability),
            HumanDuration(o.leaderless_s),
            o.eventual_leader,
            if o.failure_during_election {
                " (a node failed during an election)"
            } else {
                ""
            }
        );
    }
    if let Outcome::Paxos(o) = &report.outcome {
        let _ = writeln!(
            text,
            "paxos: decided {}, {} ballots tried, {} live nodes learned it",
            o.decided
                .map_or("nothing".to_string(), |v| format!("n{v}'s value ({v})")),
            o.ballots,
            o.learned
        );
    }
    if let Outcome::MultiPaxos(o) = &report.outcome {
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let _ = writeln!(
            text,
            "multi-paxos: leader {} ({}, {}); {} of {} commands committed ({:.1}/s), log of {} \
             ({} applied)",
            o.leader.as_deref().unwrap_or("none"),
            plural(o.ballots, "ballot", "ballots"),
            plural(o.leader_changes, "leader change", "leader changes"),
            o.committed,
            o.commands,
            o.throughput_per_s,
            plural(o.log_slots, "slot", "slots"),
            plural(o.applied, "command", "commands"),
        );
    }
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
