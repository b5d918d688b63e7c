//! The plots of a report, from the data: an availability timeline, downtime and availability
//! per month, time-between-failures and time-to-repair distributions with fitted curves, and,
//! for replays and sweeps, latency percentiles, messages by type and the timeout trade-off.

use std::collections::BTreeMap;

use super::plot::{Chart, Plot, Series, fit};
use crate::analytics::breakdown::GroupRow;
use crate::analytics::window::Window;
use crate::replay::ReplayReport;
use crate::sweep::Sweep;
use crate::trace::Trace;
use crate::units::{DAY, HOUR};

/// Nodes drawn in the timeline; the rest are noted in the title.
pub const TIMELINE_NODES: usize = 50;

/// The time unit of an axis covering `seconds`: hours up to ten days, days beyond.
fn axis_unit(seconds: f64) -> (f64, &'static str) {
    if seconds > 10.0 * DAY {
        (DAY, "days")
    } else {
        (HOUR, "hours")
    }
}

/// One strip per node (the first 50) and one for the system: red where down.
pub fn timeline(trace: &Trace, window: &Window, system: &[(f64, f64)], rule: &str) -> Plot {
    let (unit, unit_name) = axis_unit(window.seconds);
    let rel = |t: f64| (t - window.start) / unit;
    let clip = |(a, b): (f64, f64)| {
        let (a, b) = (a.max(window.start), b.min(window.end));
        (a <= b && a < window.end).then(|| (rel(a), rel(b)))
    };
    let mut rows: Vec<(String, Vec<(f64, f64)>)> = vec![(
        format!("system ({rule})"),
        system.iter().copied().filter_map(clip).collect(),
    )];
    for (id, node) in trace.nodes.iter().enumerate().take(TIMELINE_NODES) {
        let down = trace
            .outages_of(id as u32)
            .iter()
            .filter_map(|o| clip((o.start, o.end)))
            .collect();
        rows.push((node.name.clone(), down));
    }
    let cut = trace.nodes.len().saturating_sub(TIMELINE_NODES);
    let title = if cut > 0 {
        format!(
            "Availability timeline (first {TIMELINE_NODES} of {} nodes)",
            trace.nodes.len()
        )
    } else {
        "Availability timeline".to_string()
    };
    Plot {
        name: "timeline".into(),
        title,
        x_label: format!("time since window start ({unit_name})"),
        y_label: "node (red: down)".into(),
        chart: Chart::Strips {
            rows,
            range: (0.0, window.seconds / unit),
            dates: false,
        },
    }
}

/// Downtime per month (bars) and availability per month in nines (line).
pub fn monthly(months: &[GroupRow]) -> Vec<Plot> {
    let bars = months
        .iter()
        .map(|m| (m.group.clone(), m.metrics.downtime_s / HOUR))
        .collect();
    let nines: Vec<(f64, f64)> = months
        .iter()
        .enumerate()
        .map(|(i, m)| (i as f64 + 1.0, m.metrics.nines.unwrap_or(6.0).min(6.0)))
        .collect();
    vec![
        Plot {
            name: "downtime-per-month".into(),
            title: "Fleet downtime per month".into(),
            x_label: "month".into(),
            y_label: "downtime (node-hours)".into(),
            chart: Chart::Bars { bars },
        },
        Plot {
            name: "availability-per-month".into(),
            title: "Fleet availability per month".into(),
            x_label: "month number (1 = first month of the window)".into(),
            y_label: "availability (nines, capped at 6)".into(),
            chart: Chart::Lines {
                series: vec![Series::new("fleet", nines)],
                marks: Vec::new(),
                log_x: false,
                log_y: false,
            },
        },
    ]
}

/// Times between failures (per node, consecutive failure starts) and times to repair, in the
/// window, in seconds.
pub fn tbf_ttr(trace: &Trace, window: &Window) -> (Vec<f64>, Vec<f64>) {
    let (mut tbf, mut ttr) = (Vec::new(), Vec::new());
    for id in 0..trace.nodes.len() as u32 {
        let starts: Vec<f64> = trace
            .outages_of(id)
            .iter()
            .filter(|o| window.counts_failure(o.start))
            .map(|o| {
                if o.end.is_finite() && o.end > o.start {
                    ttr.push(o.len());
                }
                o.start
            })
            .collect();
        tbf.extend(starts.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0.0));
    }
    (tbf, ttr)
}

/// A histogram (as a density) with the fitted exponential and Weibull densities, and the
/// empirical CDF with the fitted CDFs.
pub fn distribution(name: &str, what: &str, samples: &[f64]) -> Vec<Plot> {
    if samples.len() < 2 {
        return Vec::new();
    }
    let Some((mean, k, scale)) = fit(samples) else {
        return Vec::new();
    };
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (unit, unit_name) = axis_unit(sorted[sorted.len() * 99 / 100]);
    let top = sorted[(sorted.len() * 99 / 100).min(sorted.len() - 1)] / unit;
    let bins = 30;
    let width = top / bins as f64;
    let n = samples.len() as f64;
    let mut counts = vec![0u64; bins];
    for x in &sorted {
        let i = ((x / unit) / width).floor() as usize;
        if i < bins {
            counts[i] += 1;
        }
    }
    let histogram: Vec<(f64, f64, f64)> = counts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let lo = i as f64 * width;
            (lo, lo + width, *c as f64 / n / width)
        })
        .collect();
    let (m, s) = (mean / unit, scale / unit);
    let grid: Vec<f64> = (1..=200).map(|i| top * i as f64 / 200.0).collect();
    let exp_pdf = grid.iter().map(|&x| (x, (-x / m).exp() / m)).collect();
    let weibull_pdf = grid
        .iter()
        .map(|&x| (x, k / s * (x / s).powf(k - 1.0) * (-(x / s).powf(k)).exp()))
        .collect();
    let ecdf: Vec<(f64, f64)> = sorted
        .iter()
        .enumerate()
        .map(|(i, x)| (x / unit, (i + 1) as f64 / n))
        .filter(|(x, _)| *x <= top)
        .collect();
    let exp_cdf = grid.iter().map(|&x| (x, 1.0 - (-x / m).exp())).collect();
    let weibull_cdf = grid
        .iter()
        .map(|&x| (x, 1.0 - (-(x / s).powf(k)).exp()))
        .collect();
    let exp_label = format!("exponential, mean {:.3} {unit_name}", m);
    let weibull_label = format!("Weibull, k = {k:.2}, scale {:.3} {unit_name}", s);
    vec![
        Plot {
            name: format!("{name}-histogram"),
            title: format!("{what}: histogram (up to p99) and fitted densities"),
            x_label: format!("{what} ({unit_name})"),
            y_label: format!("density (per {})", &unit_name[..unit_name.len() - 1]),
            chart: Chart::Histogram {
                bins: histogram,
                curves: vec![
                    Series::new(exp_label.clone(), exp_pdf),
                    Series::new(weibull_label.clone(), weibull_pdf),
                ],
            },
        },
        Plot {
            name: format!("{name}-cdf"),
            title: format!("{what}: empirical CDF and fitted CDFs"),
            x_label: format!("{what} ({unit_name})"),
            y_label: "fraction at most x".into(),
            chart: Chart::Lines {
                series: vec![
                    Series::new("empirical", ecdf),
                    Series::new(exp_label, exp_cdf),
                    Series::new(weibull_label, weibull_cdf),
                ],
                marks: Vec::new(),
                log_x: false,
                log_y: false,
            },
        },
    ]
}

/// HdrHistogram-style percentile plot: percentiles from 0 % to 99.999 % on a log scale of
/// `1/(1 − p)`, one series per latency metric.
pub fn latency(
    report: &ReplayReport,
    histograms: &BTreeMap<&'static str, hdrhistogram::Histogram<u64>>,
) -> Option<Plot> {
    if histograms.is_empty() {
        return None;
    }
    let series = histograms
        .iter()
        .map(|(metric, h)| {
            Series::new(
                *metric,
                [
                    0.0, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999, 0.99999,
                ]
                .iter()
                .map(|&q| (q, h.value_at_quantile(q) as f64 / 1e6))
                .collect(),
            )
        })
        .collect();
    Some(Plot {
        name: "latency".into(),
        title: format!("{}: latency by percentile", report.protocol),
        x_label: "percentile".into(),
        y_label: "latency (ms)".into(),
        chart: Chart::Percentiles { series },
    })
}

/// Messages sent by type, one bar per (protocol, type).
pub fn messages(reports: &[&ReplayReport]) -> Plot {
    let bars = reports
        .iter()
        .flat_map(|r| {
            r.messages.by_type.iter().map(move |(kind, count)| {
                let label = if reports.len() > 1 {
                    format!("{} {kind}", r.protocol)
                } else {
                    (*kind).to_string()
                };
                (label, *count as f64)
            })
        })
        .collect();
    Plot {
        name: "messages".into(),
        title: "Messages sent by type".into(),
        x_label: "message type".into(),
        y_label: "messages".into(),
        chart: Chart::Bars { bars },
    }
}

/// The timeout trade-off (detection time against mistake rate, each point labelled with its
/// timeout, the recommendation starred) and availability against the timeout.
pub fn sweep(result: &Sweep) -> Vec<Plot> {
    let points: Vec<(f64, f64)> = result
        .rows
        .iter()
        .filter_map(|r| Some((r.detection_mean_s?, r.mistake_rate_per_node_hour)))
        .collect();
    let marks = result
        .rows
        .iter()
        .filter_map(|r| {
            let star = match &result.recommended {
                Some(rec) if rec.expr == r.expr => " (recommended)",
                _ => "",
            };
            Some((
                r.detection_mean_s?,
                r.mistake_rate_per_node_hour,
                format!("{}{star}", r.expr),
            ))
        })
        .collect();
    let availability = result
        .rows
        .iter()
        .filter_map(|r| Some((r.timeout_s, r.availability? * 100.0)))
        .collect();
    vec![
        Plot {
            name: "sweep-tradeoff".into(),
            title: format!("{}: detection time against mistakes", result.detector),
            x_label: "mean detection time T_D (s)".into(),
            y_label: "mistake rate λ_M (per node-hour)".into(),
            chart: Chart::Lines {
                series: vec![Series::new("timeouts", points)],
                marks,
                log_x: false,
                log_y: false,
            },
        },
        Plot {
            name: "sweep-availability".into(),
            title: "Active-passive availability against the timeout".into(),
            x_label: if result.detector == "phi" {
                "φ threshold".into()
            } else {
                "timeout (s)".into()
            },
            y_label: "availability (%)".into(),
            chart: Chart::Lines {
                series: vec![Series::new("availability", availability)],
                marks: Vec::new(),
                log_x: false,
                log_y: false,
            },
        },
    ]
}
