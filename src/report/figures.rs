//! The plots of a report, from the data: an availability timeline, downtime and availability
//! per month, time-between-failures and time-to-repair distributions with fitted curves, and,
//! for replays and sweeps, latency percentiles, messages by type and the timeout trade-off.
//!
//! Conventions shared by every figure: times of dated traces are drawn as dates (UTC), numeric
//! traces in hours or days since the window's start; availability is drawn in nines, the
//! tables' measure, with the axis saying what a nine means in the tables' percent notation
//! ([`nines_label`]); a quantity whose positive values span more than two decades is drawn on a
//! log axis ([`wants_log`]).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::plot::{Chart, Plot, Series, fit, wants_log};
use crate::analytics::breakdown::GroupRow;
use crate::analytics::window::Window;
use crate::harness::replay::ReplayReport;
use crate::harness::timeout_sweep::Sweep;
use crate::trace::{TimeKind, Trace};
use crate::units::{DAY, HOUR, HumanPercent, three_significant};

/// Nodes drawn in the timeline; the rest are noted in the title.
pub const TIMELINE_NODES: usize = 30;

/// Where availability without any downtime (infinitely many nines) is drawn.
pub const NINES_CAP: f64 = 6.0;

/// The time unit of an axis covering `seconds`: hours up to ten days, days beyond.
fn axis_unit(seconds: f64) -> (f64, &'static str) {
    if seconds > 10.0 * DAY {
        (DAY, "days")
    } else {
        (HOUR, "hours")
    }
}

/// The description of an availability axis drawn in nines, with the percentage a nine stands
/// for written as the tables write it: `availability (nines: 3 = 99.90 %)`.
pub fn nines_label() -> String {
    format!("availability (nines: 3 = {})", HumanPercent(0.999))
}

/// Nines of an availability for a plot: capped at [`NINES_CAP`] (no downtime at all has no
/// finite nines); also says whether it was capped.
fn plotted_nines(nines: Option<f64>) -> (f64, bool) {
    match nines {
        Some(n) if n < NINES_CAP => (n, false),
        _ => (NINES_CAP, true),
    }
}

/// The nines axis's description, noting the cap when a value was drawn at it.
fn nines_axis(capped: bool) -> String {
    if capped {
        format!("{}; 100 % drawn at {NINES_CAP}", nines_label())
    } else {
        nines_label()
    }
}

/// One strip per node (the 30 with the most downtime when there are more) and one for the
/// system, named `system_label`: red where down. Dated traces get a date axis; numeric ones hours or days since the
/// window's start.
pub fn timeline(trace: &Trace, window: &Window, system: &[(f64, f64)], system_label: &str) -> Plot {
    let dated = trace.time_kind == TimeKind::Datetime;
    let (origin, unit, x_label) = if dated {
        (0.0, 1.0, "time (UTC)".to_string())
    } else {
        let (unit, unit_name) = axis_unit(window.seconds);
        (
            window.start,
            unit,
            format!("time since window start ({unit_name})"),
        )
    };
    let rel = |t: f64| (t - origin) / unit;
    let clip = |(a, b): (f64, f64)| {
        let (a, b) = (a.max(window.start), b.min(window.end));
        (a <= b && a < window.end).then(|| (rel(a), rel(b)))
    };
    let mut rows: Vec<(String, Vec<(f64, f64)>)> = vec![(
        system_label.to_string(),
        system.iter().copied().filter_map(clip).collect(),
    )];
    let mut in_service = vec![(rel(window.start), rel(window.end))];
    // With more nodes than rows, the rows go to the nodes with the most downtime in the window
    // (ties in trace order): the ones a reader wants to see.
    let mut chosen: Vec<(u32, f64)> = (0..trace.nodes.len() as u32)
        .map(|id| {
            let down = trace
                .outages_of(id)
                .iter()
                .map(|o| window.clipped_downtime(o.start, o.end))
                .sum();
            (id, down)
        })
        .collect();
    let cut = chosen.len() > TIMELINE_NODES;
    if cut {
        chosen.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        chosen.truncate(TIMELINE_NODES);
    }
    for (id, _) in chosen {
        let down = trace
            .outages_of(id)
            .iter()
            .filter_map(|o| clip((o.start, o.end)))
            .collect();
        let service = trace.nodes[id as usize].service;
        in_service.push((
            rel(service.start.max(window.start)),
            rel(service.end.min(window.end)),
        ));
        rows.push((trace.nodes[id as usize].name.clone(), down));
    }
    let title = if cut {
        format!(
            "Availability timeline ({TIMELINE_NODES} of {} nodes, most downtime first)",
            trace.nodes.len()
        )
    } else {
        "Availability timeline".to_string()
    };
    Plot {
        name: "timeline".into(),
        title,
        x_label,
        y_label: "node (green: up, red: down, blank: not in service)".into(),
        chart: Chart::Strips {
            rows,
            range: (rel(window.start), rel(window.end)),
            dates: dated,
            in_service,
        },
    }
}

/// The first instant of month `YYYY-MM`, epoch seconds (UTC).
fn month_start(name: &str) -> Option<f64> {
    let date = NaiveDate::parse_from_str(&format!("{name}-01"), "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp() as f64)
}

/// Downtime per month (bars) and availability per month in nines (a step over each month, on
/// a date axis).
pub fn monthly(months: &[GroupRow]) -> Vec<Plot> {
    // Per node in service, so that a fleet that grows or shrinks does not look like a trend.
    let bars = months
        .iter()
        .map(|m| {
            let per_node = m.metrics.downtime_s / HOUR / m.nodes.max(1) as f64;
            (m.group.clone(), per_node)
        })
        .collect();
    let mut capped = false;
    let mut steps: Vec<(f64, f64)> = months
        .iter()
        .filter_map(|m| {
            let (nines, cap) = plotted_nines(m.metrics.nines);
            capped |= cap;
            Some((month_start(&m.group)?, nines))
        })
        .collect();
    // The last month's value holds to its end.
    if let (Some(&(_, last)), Some(end)) = (
        steps.last(),
        months
            .last()
            .and_then(|m| month_start(&m.group))
            .map(|t| t + 31.0 * DAY)
            .and_then(|t| chrono::DateTime::from_timestamp(t as i64, 0))
            .and_then(|d| month_start(&d.format("%Y-%m").to_string())),
    ) {
        steps.push((end, last));
    }
    vec![
        Plot {
            name: "downtime-per-month".into(),
            title: "Downtime per node in service, by month".into(),
            x_label: "month (UTC)".into(),
            y_label: "hours down per node in service".into(),
            chart: Chart::Bars { bars },
        },
        Plot {
            name: "availability-per-month".into(),
            title: "Fleet availability per month".into(),
            x_label: "month (UTC)".into(),
            y_label: nines_axis(capped),
            chart: Chart::DateLines {
                series: vec![Series::steps("fleet", steps)],
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

/// Bins of a histogram of `xs` (sorted, positive, in axis units): 30 equal bins up to `top`,
/// or, on a log axis, bins of equal ratio from the smallest to the largest value (five per
/// decade). Returns the bins with their counts and the ratio between a log bin's ends.
fn bins(xs: &[f64], top: f64, log: bool) -> (Vec<(f64, f64, f64)>, Option<f64>) {
    let (edges, ratio) = if log {
        let (lo, hi) = (xs[0], xs[xs.len() - 1]);
        let count = ((hi / lo).log10() * 5.0).ceil().clamp(10.0, 40.0) as usize;
        let ratio = (hi / lo).powf(1.0 / count as f64);
        let edges: Vec<f64> = (0..=count).map(|i| lo * ratio.powi(i as i32)).collect();
        (edges, Some(ratio))
    } else {
        let edges = (0..=30).map(|i| top * f64::from(i) / 30.0).collect();
        (edges, None)
    };
    let mut counts = vec![0u64; edges.len() - 1];
    for &x in xs {
        // The first edge above x; the largest value belongs to the last (closed) log bin.
        let i = edges.partition_point(|e| *e <= x);
        if i >= 1 && i < edges.len() {
            counts[i - 1] += 1;
        } else if log && i == edges.len() {
            counts[i - 2] += 1;
        }
    }
    let bins = edges
        .windows(2)
        .zip(counts)
        .map(|(e, c)| (e[0], e[1], c as f64))
        .collect();
    (bins, ratio)
}

/// A histogram of the samples with the fitted exponential and Weibull distributions as the
/// counts they predict per bin, and the empirical CDF with the fitted CDFs. When the samples
/// span more than two decades both use a log x axis (log-spaced bins, the whole range);
/// otherwise a linear one up to the 99th percentile.
pub fn distribution(name: &str, what: &str, samples: &[f64]) -> Vec<Plot> {
    let mut sorted: Vec<f64> = samples
        .iter()
        .copied()
        .filter(|x| *x > 0.0 && x.is_finite())
        .collect();
    if sorted.len() < 2 {
        return Vec::new();
    }
    let Some((mean, k, scale)) = fit(&sorted) else {
        return Vec::new();
    };
    sorted.sort_by(f64::total_cmp);
    let log = wants_log(&sorted);
    let n = sorted.len();
    let p99 = sorted[(n * 99 / 100).min(n - 1)];
    let (unit, unit_name) = axis_unit(p99);
    let xs: Vec<f64> = sorted.iter().map(|x| x / unit).collect();
    let top = p99 / unit;
    let (m, s) = (mean / unit, scale / unit);
    let exp_cdf = |x: f64| 1.0 - (-x.max(0.0) / m).exp();
    let weibull_cdf = |x: f64| 1.0 - (-(x.max(0.0) / s).powf(k)).exp();
    let (histogram, ratio) = bins(&xs, top, log);
    let (lo, hi) = if log { (xs[0], xs[n - 1]) } else { (0.0, top) };
    let grid: Vec<f64> = (0..=200)
        .map(|i| {
            let f = f64::from(i) / 200.0;
            if log { lo * (hi / lo).powf(f) } else { hi * f }
        })
        .filter(|x| *x > 0.0)
        .collect();
    // What a fit predicts for a bin like the histogram's centred on x.
    let width = top / 30.0;
    let expected = |cdf: &dyn Fn(f64) -> f64, x: f64| {
        let (a, b) = match ratio {
            Some(r) => (x / r.sqrt(), x * r.sqrt()),
            None => (x - width / 2.0, x + width / 2.0),
        };
        n as f64 * (cdf(b) - cdf(a))
    };
    let curve = |cdf: &dyn Fn(f64) -> f64| grid.iter().map(|&x| (x, expected(cdf, x))).collect();
    // Every sample would make the CDF's path heavy; a thousand steps look the same.
    let stride = n.div_ceil(1000);
    let ecdf: Vec<(f64, f64)> = (0..n)
        .filter(|i| i % stride == stride - 1 || *i == n - 1)
        .map(|i| (xs[i], (i + 1) as f64 / n as f64))
        .filter(|(x, _)| log || *x <= top)
        .collect();
    let fitted_cdf = |cdf: &dyn Fn(f64) -> f64| grid.iter().map(|&x| (x, cdf(x))).collect();
    let exp_label = format!("exponential, mean {} {unit_name}", three_significant(m));
    let weibull_label = format!(
        "Weibull, k = {}, scale {} {unit_name}",
        three_significant(k),
        three_significant(s)
    );
    let (x_label, range) = if log {
        (format!("{what} ({unit_name}, log scale)"), "")
    } else {
        (format!("{what} ({unit_name})"), " up to p99")
    };
    let mut title = what.to_string();
    if let Some(first) = title.get(..1) {
        title.replace_range(..1, &first.to_uppercase());
    }
    vec![
        Plot {
            name: format!("{name}-histogram"),
            title: format!("{title}: histogram{range} and fits"),
            x_label: x_label.clone(),
            y_label: if log {
                "count per bin (5 bins per decade)".into()
            } else {
                "count per bin".into()
            },
            chart: Chart::Histogram {
                bins: histogram,
                curves: vec![
                    Series::new(exp_label.clone(), curve(&exp_cdf)),
                    Series::new(weibull_label.clone(), curve(&weibull_cdf)),
                ],
            },
        },
        Plot {
            name: format!("{name}-cdf"),
            title: format!("{title}: empirical CDF and fitted CDFs"),
            x_label,
            y_label: "fraction at most x".into(),
            chart: Chart::Lines {
                series: vec![
                    Series::steps("empirical", ecdf),
                    Series::new(exp_label, fitted_cdf(&exp_cdf)),
                    Series::new(weibull_label, fitted_cdf(&weibull_cdf)),
                ],
                marks: Vec::new(),
                log_x: log,
                log_y: false,
                shade: None,
            },
        },
    ]
}

/// Latency by percentile, HdrHistogram style (0 % to 99.999 % on a log scale of
/// `1/(1 − p)`), one series per latency metric; the title and axis name the metrics.
pub fn latency(
    report: &ReplayReport,
    histograms: &BTreeMap<&'static str, hdrhistogram::Histogram<u64>>,
) -> Option<Plot> {
    if histograms.is_empty() {
        return None;
    }
    let names: Vec<&str> = histograms.keys().copied().collect();
    let metrics = match names.as_slice() {
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => String::new(),
    };
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
        title: format!("{}: {metrics} latency percentiles", report.protocol),
        x_label: "percentile".into(),
        y_label: format!("{metrics} latency (ms)"),
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
/// timeout, the recommendation first and starred; mistake rates on a log axis when they span
/// decades) and availability in nines against the timeout.
pub fn sweep(result: &Sweep) -> Vec<Plot> {
    let recommended = |expr: &str| {
        result
            .recommended
            .as_ref()
            .is_some_and(|rec| rec.expr == expr)
    };
    let points: Vec<(f64, f64)> = result
        .rows
        .iter()
        .filter_map(|r| Some((r.detection_mean_s?, r.mistake_rate_per_node_hour)))
        .collect();
    // Labels that would overlap are left out in order, so the recommendation goes first.
    let mut marks: Vec<(f64, f64, String)> = result
        .rows
        .iter()
        .filter_map(|r| {
            let star = if recommended(&r.expr) {
                " (recommended)"
            } else {
                ""
            };
            Some((
                r.detection_mean_s?,
                r.mistake_rate_per_node_hour,
                format!("{}{star}", r.expr),
            ))
        })
        .collect();
    marks.sort_by_key(|(.., text)| !text.ends_with(" (recommended)"));
    let detection: Vec<f64> = points.iter().map(|p| p.0).collect();
    let rates: Vec<f64> = points.iter().map(|p| p.1).collect();
    let log_y = wants_log(&rates);
    let mut capped = false;
    let availability: Vec<(f64, f64)> = result
        .rows
        .iter()
        .filter_map(|r| {
            let (nines, cap) = plotted_nines(crate::analytics::metrics::nines(r.availability?));
            capped |= cap;
            Some((r.timeout_s, nines))
        })
        .collect();
    let timeouts: Vec<f64> = availability.iter().map(|p| p.0).collect();
    vec![
        Plot {
            name: "sweep-tradeoff".into(),
            title: format!("{}: detection time against mistakes", result.detector),
            x_label: "mean detection time T_D (s)".into(),
            y_label: if log_y {
                "mistake rate λ_M (per node-hour, log scale)".into()
            } else {
                "mistake rate λ_M (per node-hour)".into()
            },
            chart: Chart::Lines {
                series: vec![Series::new("timeouts", points)],
                marks,
                log_x: wants_log(&detection),
                log_y,
                shade: None,
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
            y_label: nines_axis(capped),
            chart: Chart::Lines {
                series: vec![Series::new("availability", availability)],
                marks: Vec::new(),
                log_x: wants_log(&timeouts),
                log_y: false,
                shade: None,
            },
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::metrics::Metrics;
    use crate::harness::replay::{Protocol, ReplaySettings, replay};
    use crate::harness::timeout_sweep::{Recommendation, Row};
    use crate::sim::time::SECOND;
    use crate::trace::time::parse_datetime;
    use crate::trace::{Fault, TraceBuilder};

    fn date(text: &str) -> f64 {
        parse_datetime(text).unwrap()
    }

    fn trace(kind: TimeKind, outages: &[(f64, f64)]) -> Trace {
        let mut b = TraceBuilder::new();
        b.time_kind("t.csv", kind).unwrap();
        let node = b.node("n1");
        for &(start, end) in outages {
            b.outage(node, start, end, Fault::Unknown, None);
        }
        b.finish().unwrap()
    }

    #[test]
    fn a_dated_timeline_shows_dates_and_a_numeric_one_time_since_the_start() {
        let dated = trace(
            TimeKind::Datetime,
            &[(date("2004-03-15"), date("2004-03-16"))],
        );
        let window = Window::new(date("2003-06-01"), date("2005-02-01")).unwrap();
        let plot = timeline(&dated, &window, &[], "system (all)");
        assert_eq!(plot.x_label, "time (UTC)");
        let Chart::Strips { range, dates, .. } = &plot.chart else {
            panic!("{:?}", plot.chart)
        };
        assert!(*dates);
        assert_eq!(*range, (window.start, window.end));
        let svg = plot.svg().unwrap();
        assert!(svg.contains("2004-"), "a date tick label");
        assert!(!svg.contains("days"));

        let numeric = trace(TimeKind::Number, &[(100.0, 200.0)]);
        let window = Window::new(0.0, 30.0 * DAY).unwrap();
        let plot = timeline(&numeric, &window, &[], "system (all)");
        assert_eq!(plot.x_label, "time since window start (days)");
        assert!(matches!(plot.chart, Chart::Strips { dates: false, .. }));
        assert!(!plot.svg().unwrap().contains("1970-"));
    }

    #[test]
    fn availability_per_month_steps_over_the_months_in_nines() {
        let month = |group: &str, downtime_h: f64| GroupRow {
            group: group.into(),
            nodes: 10,
            share_of_downtime: None,
            metrics: Metrics::from_totals(10.0 * 30.0 * DAY, downtime_h * HOUR, 1),
        };
        let plots = monthly(&[
            month("2004-01", 2.0),
            month("2004-02", 0.0),
            month("2004-03", 20.0),
        ]);
        let Chart::DateLines { series } = &plots[1].chart else {
            panic!("{:?}", plots[1].chart)
        };
        let points = &series[0].points;
        assert!(series[0].step);
        assert_eq!(points[0].0, date("2004-01-01"));
        assert_eq!(points[1], (date("2004-02-01"), NINES_CAP));
        assert_eq!(points[3], (date("2004-04-01"), points[2].1));
        // 2 h down in 7200 node-hours: -log10(2/7200) = 3.56 nines.
        assert!((points[0].1 - 3.556).abs() < 1e-3, "{}", points[0].1);
        assert_eq!(
            plots[1].y_label,
            "availability (nines: 3 = 99.90 %); 100 % drawn at 6"
        );
        assert_eq!(plots[1].x_label, "month (UTC)");
        let svg = plots[1].svg().unwrap();
        assert!(svg.contains("2004-0"), "a date tick label");
        assert!(!svg.contains("month number"));
    }

    #[test]
    fn distributions_spanning_decades_use_log_axes() {
        // 1 s to 10^4 s: four decades; 1 s to 9 s: one.
        let wide: Vec<f64> = (0..400).map(|i| 10f64.powf(f64::from(i) / 100.0)).collect();
        let plots = distribution("ttr", "time to repair", &wide);
        assert!(
            plots[0].x_label.contains("log scale"),
            "{}",
            plots[0].x_label
        );
        let Chart::Histogram { bins, .. } = &plots[0].chart else {
            panic!()
        };
        let ratio = |b: &(f64, f64, f64)| b.1 / b.0;
        assert!((ratio(&bins[0]) - ratio(&bins[bins.len() - 1])).abs() < 1e-9);
        assert_eq!(bins.iter().map(|b| b.2).sum::<f64>(), 400.0);
        assert!(matches!(plots[1].chart, Chart::Lines { log_x: true, .. }));

        let narrow: Vec<f64> = (0..400).map(|i| 1.0 + f64::from(i) / 50.0).collect();
        let plots = distribution("ttr", "time to repair", &narrow);
        assert!(!plots[0].x_label.contains("log"));
        let Chart::Histogram { bins, .. } = &plots[0].chart else {
            panic!()
        };
        assert_eq!(bins[0].0, 0.0);
        assert!((bins[1].1 - bins[1].0 - (bins[7].1 - bins[7].0)).abs() < 1e-12);
        let Chart::Lines { series, log_x, .. } = &plots[1].chart else {
            panic!()
        };
        assert!(!log_x);
        assert!(series[0].step, "the empirical CDF is a step function");
    }

    fn row(expr: &str, timeout: f64, rate: f64, availability: f64) -> Row {
        Row {
            expr: expr.into(),
            timeout_s: timeout,
            detection_mean_s: Some(timeout / 2.0),
            detection_p99_s: None,
            mistake_rate_per_node_hour: rate,
            mistake_duration_mean_s: None,
            query_accuracy: 1.0,
            missed_detections: 0,
            availability: Some(availability),
            predicted_detection_mean_s: None,
            predicted_mistake_rate_per_node_hour: None,
            elections: None,
            leader_availability: None,
        }
    }

    fn sweep_of(rates: &[f64]) -> Sweep {
        Sweep {
            detector: "heartbeat".into(),
            protocol: None,
            d_s: 0.1,
            r_s: 0.0,
            h_s: 1.0,
            rows: rates
                .iter()
                .enumerate()
                .map(|(i, r)| row(&format!("{}s", i + 1), (i + 1) as f64, *r, 0.9996))
                .collect(),
            recommended: Some(Recommendation {
                expr: "3s".into(),
                timeout_s: 3.0,
                why: String::new(),
            }),
        }
    }

    #[test]
    fn mistake_rates_spanning_decades_get_a_log_axis_and_availability_is_in_nines() {
        let plots = sweep(&sweep_of(&[1077.0, 91.4, 7.5, 0.66, 0.0]));
        let Chart::Lines {
            marks,
            log_x,
            log_y,
            shade: None,
            ..
        } = &plots[0].chart
        else {
            panic!()
        };
        assert!(*log_y && !*log_x);
        assert_eq!(marks[0].2, "3s (recommended)");
        let svg = plots[0].svg().unwrap();
        assert!(svg.contains("3s (recommended)"));
        for tick in ["0", "1", "1000"] {
            assert!(svg.contains(&format!(">\n{tick}\n<")), "tick {tick}");
        }
        assert_eq!(plots[1].y_label, nines_label());
        let Chart::Lines { series, .. } = &plots[1].chart else {
            panic!()
        };
        assert!((series[0].points[0].1 - 3.398).abs() < 1e-3);

        let plots = sweep(&sweep_of(&[5.0, 4.0, 3.0]));
        assert!(matches!(plots[0].chart, Chart::Lines { log_y: false, .. }));
    }

    #[test]
    fn the_latency_plot_names_its_metric() {
        let run = replay(
            &ReplaySettings {
                duration: Some(3 * SECOND),
                ..ReplaySettings::new(Protocol::named("multi-paxos").unwrap(), 3)
            },
            &mut |_, _| {},
        )
        .unwrap();
        let plot = latency(&run.report, &run.histograms).unwrap();
        assert_eq!(plot.title, "multi-paxos: commit latency percentiles");
        assert_eq!(plot.y_label, "commit latency (ms)");
        let svg = plot.svg().unwrap();
        assert!(svg.contains("99.9 %"), "percentile ticks");
    }

    #[test]
    fn message_counts_have_whole_ticks() {
        let plot = Plot {
            chart: Chart::Bars {
                bars: vec![("prepare".into(), 3.0), ("accept".into(), 2.0)],
            },
            ..messages(&[])
        };
        let svg = plot.svg().unwrap();
        for tick in ["0", "1", "2", "3"] {
            assert!(svg.contains(&format!(">\n{tick}\n<")), "tick {tick}");
        }
        for half in ["0.5", "1.5", "2.5"] {
            assert!(!svg.contains(&format!(">\n{half}\n<")), "tick {half}");
        }
    }
}
