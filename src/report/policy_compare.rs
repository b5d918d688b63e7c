//! Rendering a comparison of client policies: a table with one row per policy (and client
//! count), and plots — work and completion time against the number of clients, and each
//! policy's load over time with the trigger shaded.

use std::fmt::Write as _;

use super::plot::{Chart, Plot, Series};
use crate::harness::policy_compare::{PolicyComparison, PolicyRow};

/// A column: its heading, whether any row needs it, and a row's cell.
struct Column {
    heading: &'static str,
    shown: fn(&[PolicyRow]) -> bool,
    cell: fn(&PolicyRow) -> String,
}

fn seconds(s: Option<f64>) -> String {
    s.map_or("-".into(), |s| format!("{s:.3} s"))
}

fn any(rows: &[PolicyRow], f: fn(&PolicyRow) -> f64) -> bool {
    rows.iter().any(|r| f(r) > 0.0)
}

const COLUMNS: [Column; 14] = [
    Column {
        heading: "clients",
        shown: |rows| rows.iter().any(|r| r.clients != rows[0].clients),
        cell: |r| r.clients.to_string(),
    },
    Column {
        heading: "requests",
        shown: |_| true,
        cell: |r| format!("{:.0}", r.requests),
    },
    Column {
        heading: "attempts",
        shown: |_| true,
        cell: |r| format!("{:.1}", r.attempts),
    },
    Column {
        heading: "per request",
        shown: |_| true,
        cell: |r| format!("{:.2}", r.amplification),
    },
    Column {
        heading: "goodput/s",
        shown: |rows| rows.iter().all(|r| r.completed == 0),
        cell: |r| format!("{:.1}", r.goodput_per_s),
    },
    Column {
        heading: "failed",
        shown: |rows| any(rows, |r| r.failed),
        cell: |r| format!("{:.0}", r.failed),
    },
    Column {
        heading: "rejected",
        shown: |rows| any(rows, |r| r.rejected),
        cell: |r| format!("{:.0}", r.rejected),
    },
    Column {
        heading: "timed out",
        shown: |rows| any(rows, |r| r.timed_out),
        cell: |r| format!("{:.0}", r.timed_out),
    },
    Column {
        heading: "refused",
        shown: |rows| any(rows, |r| r.short_circuited),
        cell: |r| format!("{:.0}", r.short_circuited),
    },
    Column {
        heading: "skipped",
        shown: |rows| any(rows, |r| r.skipped),
        cell: |r| format!("{:.0}", r.skipped),
    },
    Column {
        heading: "breaker open",
        shown: |rows| any(rows, |r| r.breaker_open_s),
        cell: |r| format!("{:.1} s", r.breaker_open_s),
    },
    Column {
        heading: "recovery",
        shown: |rows| rows.iter().any(|r| r.trigger.is_some()),
        cell: |r| match r.recovery_s {
            Some(s) if r.recovered == r.seeds => format!("{s:.0} s"),
            Some(s) => format!("{s:.0} s ({}/{})", r.recovered, r.seeds),
            None => "never".into(),
        },
    },
    Column {
        heading: "completion",
        shown: |rows| rows.iter().any(|r| r.completed > 0),
        cell: |r| match r.completion_s {
            Some(s) if r.completed == r.seeds => format!("{s:.3} s"),
            Some(s) => format!("{s:.3} s ({}/{})", r.completed, r.seeds),
            None => "-".into(),
        },
    },
    Column {
        heading: "p99",
        shown: |rows| rows.iter().any(|r| r.p99_s.is_some()),
        cell: |r| seconds(r.p99_s),
    },
];

/// The human-readable table.
pub fn table(c: &PolicyComparison) -> String {
    let mut text = String::new();
    let seeds = if c.seeds.0 == c.seeds.1 {
        format!("seed {}", c.seeds.0)
    } else {
        format!("means over seeds {}..{}", c.seeds.0, c.seeds.1)
    };
    let trigger = c
        .rows
        .iter()
        .find_map(|r| r.trigger)
        .map_or(String::new(), |t| {
            format!("; trigger from {} s to {} s", t.start_s, t.end_s)
        });
    let _ = writeln!(text, "{} client policies, {seeds}{trigger}", c.protocol);
    let columns: Vec<&Column> = COLUMNS.iter().filter(|col| (col.shown)(&c.rows)).collect();
    let mut grid: Vec<Vec<String>> = vec![
        std::iter::once("policy".to_string())
            .chain(columns.iter().map(|col| col.heading.to_string()))
            .collect(),
    ];
    for r in &c.rows {
        grid.push(
            std::iter::once(r.label.clone())
                .chain(columns.iter().map(|col| (col.cell)(r)))
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..grid[0].len())
        .map(|i| {
            grid.iter()
                .map(|row| row[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in &grid {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = widths[i] - cell.chars().count();
            if i == 0 {
                let _ = write!(line, "{cell}{}", " ".repeat(pad));
            } else {
                let _ = write!(line, "  {}{cell}", " ".repeat(pad));
            }
        }
        let _ = writeln!(text, "{}", line.trim_end());
    }
    text
}

/// The labels in order of first appearance.
fn labels(c: &PolicyComparison) -> Vec<&str> {
    let mut labels: Vec<&str> = Vec::new();
    for r in &c.rows {
        if !labels.contains(&r.label.as_str()) {
            labels.push(&r.label);
        }
    }
    labels
}

/// A file-name-safe form of a label.
fn slug(label: &str) -> String {
    let s: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The plots: against the client count when there are several, and the load over time of
/// each policy when the runs had a trigger.
pub fn plots(c: &PolicyComparison) -> Vec<Plot> {
    let mut plots = Vec::new();
    let several_counts = c.rows.iter().any(|r| r.clients != c.rows[0].clients);
    if several_counts {
        let per_label = |value: fn(&PolicyRow) -> Option<f64>| {
            labels(c)
                .into_iter()
                .map(|label| {
                    let points = c
                        .rows
                        .iter()
                        .filter(|r| r.label == label)
                        .filter_map(|r| value(r).map(|v| (f64::from(r.clients), v)))
                        .collect();
                    Series::new(label, points)
                })
                .collect()
        };
        plots.push(Plot::lines(
            "policy-attempts",
            "Work: attempts sent, by policy",
            "clients",
            "attempts (mean over seeds)",
            per_label(|r| Some(r.attempts)),
        ));
        if c.rows.iter().any(|r| r.completion_s.is_some()) {
            plots.push(Plot::lines(
                "policy-completion",
                "Time until every client finished, by policy",
                "clients",
                "seconds (mean over seeds)",
                per_label(|r| r.completion_s),
            ));
        }
    }
    let Some(trigger) = c.rows.iter().find_map(|r| r.trigger) else {
        return plots;
    };
    let shade = Some((trigger.start_s, trigger.end_s));
    let over_time = |bins: &[u64]| -> Vec<(f64, f64)> {
        bins.iter()
            .enumerate()
            .map(|(i, &v)| (i as f64 + 0.5, v as f64))
            .collect()
    };
    let first_of_each: Vec<&PolicyRow> = labels(c)
        .into_iter()
        .filter_map(|l| c.rows.iter().find(|r| r.label == l))
        .collect();
    let goodput: Vec<Series> = first_of_each
        .iter()
        .filter_map(|r| {
            r.series
                .as_ref()
                .map(|s| Series::new(&r.label, over_time(&s.goodput)))
        })
        .collect();
    let mut all = Plot::lines(
        "policy-goodput",
        "Goodput over time by policy (trigger shaded)",
        "seconds",
        "requests answered per second",
        goodput,
    );
    if let Chart::Lines { shade: s, .. } = &mut all.chart {
        *s = shade;
    }
    plots.push(all);
    for r in first_of_each {
        let Some(series) = &r.series else { continue };
        let mut plot = Plot::lines(
            &format!("load-{}", slug(&r.label)),
            &format!(
                "{}: offered load, goodput and queue (trigger shaded)",
                r.label
            ),
            "seconds",
            "per second; queue: requests waiting",
            vec![
                Series::new("offered (requests due)", over_time(&series.offered)),
                Series::new("attempts sent", over_time(&series.attempts)),
                Series::new("goodput", over_time(&series.goodput)),
                Series::new("queue length", over_time(&series.queue)),
            ],
        );
        if let Chart::Lines { shade: s, .. } = &mut plot.chart {
            *s = shade;
        }
        plots.push(plot);
    }
    plots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_letters_and_digits() {
        assert_eq!(
            slug("full-jitter:base=50ms,cap=2s"),
            "full-jitter-base-50ms-cap-2s"
        );
        assert_eq!(slug("budget"), "budget");
    }
}
