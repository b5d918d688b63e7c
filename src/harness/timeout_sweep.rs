//! `faultline sweep`: how should a failure detector's timeout be set?
//!
//! For each candidate timeout (an expression over `d`, `r`, `h`, or a range of durations), the
//! chosen detector runs on the same scenario over several seeds (in parallel), and the row reports
//! detection time, mistake rate and duration, query accuracy, missed detections, and the
//! availability of an active-passive service that fails over once the failure is detected
//! (failover time = mean detection time + the switch time) and also whenever the backup wrongly
//! suspects the active node: each false suspicion costs a switch, so a hair-trigger timeout pays
//! for its mistakes and the figure shows the real trade-off. For φ accrual the axis is the
//! threshold instead.
//!
//! Closed forms for the heartbeat detector, beside the simulated figures (the heartbeat stream of
//! one monitored peer: one heartbeat every `h`, each lost with probability `p`, arriving after a
//! delay `D`, and handled `r` later; a peer is suspected when no heartbeat arrives for `T`):
//! - constant `D = δ`, no loss: detection is uniform on `(δ+r+T−h, δ+r+T]`, mean `δ+r+T−h/2`; no
//!   mistakes when `T > h`;
//! - exponential `D` of mean `μ`, Bernoulli loss `p`: a mistake follows an arrival when no other
//!   heartbeat arrives within `T` after it. Given the arrival of heartbeat `k` with delay `x`,
//!   heartbeat `k+m` arrives in that window with probability `(1−p)·P(x−mh < D ≤ x−mh+T)`;
//!   so `λ_M = (1−p)/h · E_x[Π_{m≠0} (1 − (1−p)·P(x−mh < D ≤ x−mh+T))]`, integrated numerically
//!   over `x ~ Exp(μ)`. Mean detection: `T + r + μ − h/2 − h·p/(1−p)` (the last heartbeat to
//!   arrive before a crash is, on average, `p/(1−p)` intervals older when some are lost).
//!
//! With `--protocol ring|modified-ring|bully` the candidates are run through that election
//! instead (its nodes monitor each other with heartbeats and suspect after `h + T`), and each row
//! also reports the elections started and the leader's availability.
//!
//! The recommendation is the smallest timeout whose mistake rate is below the allowed rate (one
//! per node-day by default); failing that, the knee of the detection-time / mistake-rate curve.

use std::fmt;

use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

use crate::analytics::failover::active_passive_outages;
use crate::analytics::window::clip_totals;
use crate::harness::fault_sweep::MAX_SEEDS;
use crate::harness::registry::Protocol;
use crate::harness::replay::{ReplayError, ReplaySettings, replay};
use crate::protocols::detector::qos::Qos;
use crate::sim::delay::DelayModel;
use crate::sim::scenario::Fault;
use crate::sim::time::{Nanos, to_secs};
use crate::sim::timeout::{Names, TimeoutError, TimeoutExpr};
use crate::trace::Trace;
use crate::units::{HOUR, parse_duration};

/// One candidate on the sweep's axis.
#[derive(Debug, Clone, PartialEq)]
pub enum Candidate {
    /// A timeout expression.
    Timeout(TimeoutExpr),
    /// A φ threshold.
    Threshold(f64),
}

impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Candidate::Timeout(expr) => write!(f, "{expr}"),
            Candidate::Threshold(t) => write!(f, "{t}"),
        }
    }
}

/// A list that does not parse.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SweepError {
    /// A bad item.
    #[error("--timeouts: {0}")]
    List(String),
    /// A bad timeout.
    #[error(transparent)]
    Timeout(#[from] TimeoutError),
    /// A run failed.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// The protocol has no failure detection whose timeout could be swept.
    #[error("{0} has no timeout to sweep")]
    NoTimeout(&'static str),
    /// More runs than one process holds.
    #[error(
        "{0} runs (candidates × seeds) in one process: at most {MAX_SEEDS}, whose results are \
         held until reduced; split the sweep with --shard I/N (and `faultline merge`)"
    )]
    TooLarge(u64),
}

/// Parses `--timeouts`: comma-separated expressions (`2d+r`, `1.5*(2d+r)`) or ranges
/// `FROM..TO:STEP` of durations (`100ms..1s:50ms`, both ends included when on the grid); for φ,
/// numbers or ranges of numbers.
pub fn parse_list(text: &str, thresholds: bool) -> Result<Vec<Candidate>, SweepError> {
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        if let Some((range, step)) = item.split_once(':')
            && let Some((from, to)) = range.split_once("..")
        {
            let value = |s: &str| -> Result<f64, SweepError> {
                if thresholds {
                    s.trim()
                        .parse()
                        .map_err(|_| SweepError::List(format!("`{s}` is not a threshold")))
                } else {
                    parse_duration(s, 1.0).map_err(|e| SweepError::List(e.to_string()))
                }
            };
            let (from, to, step) = (value(from)?, value(to)?, value(step)?);
            if step <= 0.0 || to < from {
                return Err(SweepError::List(format!(
                    "`{item}` needs FROM <= TO and a positive STEP"
                )));
            }
            let count = ((to - from) / step + 1e-9).floor() as u64;
            if count > 10_000 {
                return Err(SweepError::List(format!("`{item}` has over 10,000 points")));
            }
            for i in 0..=count {
                let v = from + step * i as f64;
                out.push(if thresholds {
                    Candidate::Threshold((v * 1e9).round() / 1e9)
                } else {
                    let ms = (v * 1e6).round() / 1e3;
                    Candidate::Timeout(TimeoutExpr::parse(&format!("{ms}ms"))?)
                });
            }
        } else if thresholds {
            out.push(Candidate::Threshold(item.parse().map_err(|_| {
                SweepError::List(format!("`{item}` is not a threshold"))
            })?));
        } else {
            out.push(Candidate::Timeout(TimeoutExpr::parse(item)?));
        }
    }
    if out.is_empty() {
        return Err(SweepError::List("the list is empty".into()));
    }
    Ok(out)
}

/// What the sweep runs on.
#[derive(Debug, Clone)]
pub struct SweepSettings {
    /// heartbeat, probe or phi.
    pub detector: Protocol,
    /// An election to run instead of the bare detector (its nodes monitor each other with
    /// heartbeats, suspecting after `h` plus the timeout); rows then also report elections.
    pub election: Option<Protocol>,
    /// The candidates.
    pub candidates: Vec<Candidate>,
    /// Cluster size.
    pub nodes: u32,
    /// Seeds 1..=seeds.
    pub seeds: u64,
    /// Delay model.
    pub delay: DelayModel,
    /// Processing time.
    pub processing: Nanos,
    /// Loss probability.
    pub loss: f64,
    /// Heartbeat or probe interval.
    pub heartbeat: Nanos,
    /// Simulated time per run.
    pub duration: Nanos,
    /// The scenario (as a trace, for the availability; as faults, for the runs).
    pub trace: Trace,
    /// The trace's faults on the simulator's clock.
    pub faults: Vec<(Nanos, Fault)>,
    /// Time to switch the service once the failure is detected, seconds.
    pub switch_s: f64,
    /// The mistake rate a recommendation must stay below, per node-hour.
    pub max_mistake_rate: f64,
}

/// One row of the sweep (DESIGN keys).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The candidate as written.
    pub expr: String,
    /// Its value: seconds, or the φ threshold.
    pub timeout_s: f64,
    /// Mean detection time over all seeds.
    pub detection_mean_s: Option<f64>,
    /// 99th percentile of detection time.
    pub detection_p99_s: Option<f64>,
    /// λ_M, false suspicions per node-hour (mean over seeds).
    pub mistake_rate_per_node_hour: f64,
    /// T_M, mean mistake duration (mean over seeds that had mistakes).
    pub mistake_duration_mean_s: Option<f64>,
    /// P_A (mean over seeds).
    pub query_accuracy: f64,
    /// Crashes never suspected, over all seeds.
    pub missed_detections: u64,
    /// Availability of an active-passive service failing over after detection.
    pub availability: Option<f64>,
    /// Closed-form mean detection time, where one exists.
    pub predicted_detection_mean_s: Option<f64>,
    /// Closed-form mistake rate, where one exists.
    pub predicted_mistake_rate_per_node_hour: Option<f64>,
    /// With an election: elections started per run (mean over seeds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elections: Option<f64>,
    /// With an election: fraction of the run with an agreed live leader (mean over seeds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader_availability: Option<f64>,
}

/// The recommended candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// As written.
    pub expr: String,
    /// Its value.
    pub timeout_s: f64,
    /// Why it was chosen.
    pub why: String,
}

/// The sweep's result (DESIGN keys).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sweep {
    /// The detector.
    pub detector: String,
    /// The election run on top of it (`--protocol`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// `d`, seconds.
    pub d_s: f64,
    /// `r`, seconds.
    pub r_s: f64,
    /// `h`, seconds.
    pub h_s: f64,
    /// One row per candidate.
    pub rows: Vec<Row>,
    /// The recommendation.
    pub recommended: Option<Recommendation>,
}

/// What a timeout sweep reads from one run ([`super::registry::Runner::sweep_sample`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSample {
    /// The failure detection's quality of service.
    pub qos: Qos,
    /// For protocols that elect a leader on top of the detector: elections started and the
    /// fraction of the run with an agreed leader.
    pub leadership: Option<(u64, f64)>,
}

/// What one run of a sweep measured: everything the rows are reduced from, so that runs done
/// apart (shards) reduce to exactly the rows of the whole sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// The candidate's index in the list.
    pub candidate: usize,
    /// The run's seed.
    pub seed: u64,
    /// Detection times, nanoseconds.
    pub detection: Vec<Nanos>,
    /// `λ_M`, false suspicions per node-hour.
    pub mistake_rate_per_node_hour: f64,
    /// `T_M`, seconds; none without mistakes.
    pub mistake_duration_mean_s: Option<f64>,
    /// `P_A`.
    pub query_accuracy: f64,
    /// Crashes never suspected.
    pub missed_detections: u64,
    /// With an election: elections started and the fraction of the run with a leader.
    pub leadership: Option<(u64, f64)>,
}

/// The sweep's runs in all: candidates × seeds.
pub fn job_count(settings: &SweepSettings) -> u64 {
    (settings.candidates.len() as u64).saturating_mul(settings.seeds)
}

/// The sweep's runs `first..=last` (in the order their results are reduced: candidate by
/// candidate, seeds 1.. within each), as `(candidate, seed)`; at most [`MAX_SEEDS`] of them,
/// since their results are held until reduced.
pub fn jobs(
    settings: &SweepSettings,
    first: u64,
    last: u64,
) -> Result<Vec<(usize, u64)>, SweepError> {
    let count = (last - first).saturating_add(1);
    if count > MAX_SEEDS {
        return Err(SweepError::TooLarge(count));
    }
    Ok((first..=last)
        .map(|i| ((i / settings.seeds) as usize, i % settings.seeds + 1))
        .collect())
}

/// Runs the sweep; `progress` hears each finished run.
pub fn sweep(settings: &SweepSettings, progress: &(dyn Fn() + Sync)) -> Result<Sweep, SweepError> {
    let all = jobs(settings, 0, job_count(settings).saturating_sub(1))?;
    let runs = run_jobs(settings, &all, progress)?;
    reduce(settings, &runs)
}

/// Runs these jobs of the sweep in parallel, each measured; in the order given.
pub fn run_jobs(
    settings: &SweepSettings,
    jobs: &[(usize, u64)],
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<Measured>, SweepError> {
    let protocol = settings.election.unwrap_or(settings.detector);
    let mut faults = settings.faults.clone();
    if settings.election.is_some() {
        // Start with a leader: n1 calls an election just after the start.
        faults.insert(0, (1_000_000, Fault::Elect(0)));
    }
    jobs.par_iter()
        .map(|&(c, seed)| {
            let (timeout, threshold) = match &settings.candidates[c] {
                Candidate::Timeout(expr) => (Some(expr.clone()), 8.0),
                Candidate::Threshold(t) => (None, *t),
            };
            let run = replay(
                &ReplaySettings {
                    protocol,
                    nodes: settings.nodes,
                    seed,
                    delay: settings.delay.clone(),
                    processing: settings.processing,
                    loss: settings.loss,
                    heartbeat: Some(settings.heartbeat),
                    timeout,
                    threshold,
                    duration: Some(settings.duration),
                    faults: faults.clone(),
                    ..ReplaySettings::new(protocol, settings.nodes)
                },
                &mut |_, _| {},
            )?;
            progress();
            let sample = protocol
                .runner()
                .sweep_sample(&run, settings.nodes, settings.duration)
                .ok_or(SweepError::NoTimeout(protocol.name()))?;
            let qos = sample.qos;
            Ok(Measured {
                candidate: c,
                seed,
                detection: qos.detection,
                mistake_rate_per_node_hour: qos.mistake_rate_per_node_hour,
                mistake_duration_mean_s: qos.mistake_duration_mean_s,
                query_accuracy: qos.query_accuracy,
                missed_detections: qos.missed_detections,
                leadership: sample.leadership,
            })
        })
        .collect()
}

/// The rows and the recommendation from every run of the sweep, in [`jobs`] order.
pub fn reduce(settings: &SweepSettings, runs: &[Measured]) -> Result<Sweep, SweepError> {
    let names = Names {
        d: to_secs(settings.delay.bound()),
        r: to_secs(settings.processing),
        h: to_secs(settings.heartbeat),
    };
    let mut rows = Vec::new();
    for (c, candidate) in settings.candidates.iter().enumerate() {
        let value = match candidate {
            Candidate::Timeout(expr) => expr.seconds(&names)?,
            Candidate::Threshold(t) => *t,
        };
        let outcomes: Vec<&Measured> = runs.iter().filter(|m| m.candidate == c).collect();
        let elections: Vec<&(u64, f64)> = outcomes
            .iter()
            .filter_map(|m| m.leadership.as_ref())
            .collect();
        let mut detections: Vec<Nanos> = outcomes
            .iter()
            .flat_map(|q| q.detection.iter().copied())
            .collect();
        detections.sort_unstable();
        let mean = |values: &[f64]| {
            (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
        };
        let detection_mean_s = mean(&detections.iter().map(|&t| to_secs(t)).collect::<Vec<_>>());
        let detection_p99_s = (!detections.is_empty()).then(|| {
            let rank = ((detections.len() as f64) * 0.99).ceil() as usize;
            to_secs(detections[rank.clamp(1, detections.len()) - 1])
        });
        let seeds = outcomes.len().max(1) as f64;
        let failover = detection_mean_s.unwrap_or(0.0) + settings.switch_s;
        let mistake_rate = outcomes
            .iter()
            .map(|q| q.mistake_rate_per_node_hour)
            .sum::<f64>()
            / seeds;
        rows.push(Row {
            expr: candidate.to_string(),
            timeout_s: value,
            detection_mean_s,
            detection_p99_s,
            mistake_rate_per_node_hour: mistake_rate,
            mistake_duration_mean_s: mean(
                &outcomes
                    .iter()
                    .filter_map(|q| q.mistake_duration_mean_s)
                    .collect::<Vec<_>>(),
            ),
            query_accuracy: outcomes.iter().map(|q| q.query_accuracy).sum::<f64>() / seeds,
            missed_detections: outcomes.iter().map(|q| q.missed_detections).sum(),
            availability: availability(settings, failover, mistake_rate),
            predicted_detection_mean_s: predicted_detection(settings, value),
            predicted_mistake_rate_per_node_hour: predicted_mistakes(settings, value),
            elections: mean(&elections.iter().map(|e| e.0 as f64).collect::<Vec<_>>()),
            leader_availability: mean(&elections.iter().map(|e| e.1).collect::<Vec<_>>()),
        });
    }
    let recommended = recommend(&rows, settings.max_mistake_rate);
    Ok(Sweep {
        detector: settings.detector.to_string(),
        protocol: settings.election.map(|e| e.to_string()),
        d_s: names.d,
        r_s: names.r,
        h_s: names.h,
        rows,
        recommended,
    })
}

/// A fingerprint of everything the sweep's results depend on, for shards to be checked
/// against each other and against the command merging them.
pub fn fingerprint(settings: &SweepSettings) -> String {
    let candidates: Vec<String> = settings.candidates.iter().map(|c| c.to_string()).collect();
    format!(
        "{:?} {:?} {candidates:?} {} {} {:?} {} {} {} {} {:?} {} {}",
        settings.detector.name(),
        settings.election.map(|e| e.name()),
        settings.nodes,
        settings.seeds,
        settings.delay,
        settings.processing,
        settings.loss,
        settings.heartbeat,
        settings.duration,
        settings.faults,
        settings.switch_s,
        settings.max_mistake_rate,
    )
}

/// Availability of an active-passive service over the run: down for the failover time after
/// each real failure of the active node (from the trace), and for the switch time after each
/// false suspicion of it by the backup, `mistake_rate` of them per node-hour.
fn availability(settings: &SweepSettings, failover: f64, mistake_rate: f64) -> Option<f64> {
    let end = to_secs(settings.duration);
    let window = crate::analytics::window::Window::new(0.0, end)?;
    let down = active_passive_outages(&settings.trace, 0.0, end, failover);
    let (downtime, _) = clip_totals(down, &window);
    let needless = mistake_rate * end / HOUR * settings.switch_s;
    Some((1.0 - (downtime + needless) / end).max(0.0))
}

/// Closed-form mean detection time of the heartbeat detector (const or exp delay).
fn predicted_detection(settings: &SweepSettings, timeout: f64) -> Option<f64> {
    if settings.detector.name() != "heartbeat" || settings.election.is_some() {
        return None;
    }
    let (h, r, p) = (
        to_secs(settings.heartbeat),
        to_secs(settings.processing),
        settings.loss,
    );
    match &settings.delay {
        DelayModel::Const(d) if p == 0.0 => Some(to_secs(*d) + r + timeout - h / 2.0),
        DelayModel::Exp(mean, _) if p < 1.0 => {
            Some(timeout + r + mean - h / 2.0 - h * p / (1.0 - p))
        }
        _ => None,
    }
}

/// Closed-form mistake rate of the heartbeat detector, per pair-hour (const or exp delay).
fn predicted_mistakes(settings: &SweepSettings, timeout: f64) -> Option<f64> {
    if settings.detector.name() != "heartbeat" || settings.election.is_some() {
        return None;
    }
    let (h, p) = (to_secs(settings.heartbeat), settings.loss);
    match &settings.delay {
        DelayModel::Const(_) if p == 0.0 => Some(if timeout > h { 0.0 } else { HOUR / h }),
        DelayModel::Exp(mean, _) if p < 1.0 => Some(exp_mistake_rate(h, timeout, *mean, p) * HOUR),
        _ => None,
    }
}

/// `λ_M` per second for exponential delays of mean `mu` and loss `p` (see the module docs).
pub fn exp_mistake_rate(h: f64, timeout: f64, mu: f64, p: f64) -> f64 {
    let cdf = |y: f64| if y <= 0.0 { 0.0 } else { 1.0 - (-y / mu).exp() };
    let steps = 4_000;
    let top = 30.0 * mu;
    let dx = top / steps as f64;
    let reach = ((timeout + top) / h).ceil() as i64 + 2;
    let mut integral = 0.0;
    for i in 0..steps {
        let x = (i as f64 + 0.5) * dx;
        let density = (-x / mu).exp() / mu;
        let mut none = 1.0;
        for m in (-reach..=reach).filter(|&m| m != 0) {
            let low = x - m as f64 * h;
            let q = cdf(low + timeout) - cdf(low);
            none *= 1.0 - (1.0 - p) * q;
        }
        integral += none * density * dx;
    }
    (1.0 - p) / h * integral
}

/// The smallest candidate under the allowed mistake rate, else the knee of the curve.
fn recommend(rows: &[Row], max_rate: f64) -> Option<Recommendation> {
    let mut sorted: Vec<&Row> = rows.iter().collect();
    sorted.sort_by(|a, b| a.timeout_s.total_cmp(&b.timeout_s));
    if let Some(row) = sorted
        .iter()
        .find(|r| r.mistake_rate_per_node_hour <= max_rate)
    {
        return Some(Recommendation {
            expr: row.expr.clone(),
            timeout_s: row.timeout_s,
            why: format!(
                "the smallest value whose mistake rate ({:.4}/node-hour) is within {max_rate:.4}",
                row.mistake_rate_per_node_hour
            ),
        });
    }
    // Knee: the point farthest from the line joining the ends, in normalised coordinates.
    let points: Vec<(f64, f64)> = sorted
        .iter()
        .map(|r| {
            (
                r.detection_mean_s.unwrap_or(0.0),
                r.mistake_rate_per_node_hour,
            )
        })
        .collect();
    let (first, last) = (points.first()?, points.last()?);
    let span = |a: f64, b: f64| {
        if (b - a).abs() > 0.0 {
            (b - a).abs()
        } else {
            1.0
        }
    };
    let (sx, sy) = (span(first.0, last.0), span(first.1, last.1));
    let distance = |p: &(f64, f64)| {
        let (x, y) = ((p.0 - first.0) / sx, (p.1 - first.1) / sy);
        let (lx, ly) = ((last.0 - first.0) / sx, (last.1 - first.1) / sy);
        (x * ly - y * lx).abs()
    };
    let (i, _) = points
        .iter()
        .enumerate()
        .max_by(|a, b| distance(a.1).total_cmp(&distance(b.1)))?;
    Some(Recommendation {
        expr: sorted[i].expr.clone(),
        timeout_s: sorted[i].timeout_s,
        why: format!(
            "no value keeps mistakes within {max_rate:.4}/node-hour; this is the knee of the \
             detection-time / mistake-rate curve"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_ranges_expand_exactly() {
        let list = parse_list("2d+r, 1.5*(2d+r), 100ms..300ms:50ms", false).unwrap();
        let texts: Vec<String> = list.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            vec![
                "2d+r",
                "1.5*(2d+r)",
                "100ms",
                "150ms",
                "200ms",
                "250ms",
                "300ms"
            ]
        );
        let names = Names {
            d: 0.005,
            r: 0.001,
            h: 1.0,
        };
        // 2d+r with const:5ms and --proc 1ms is 11 ms.
        match &list[0] {
            Candidate::Timeout(expr) => {
                assert!((expr.seconds(&names).unwrap() - 0.011).abs() < 1e-12)
            }
            Candidate::Threshold(_) => unreachable!(),
        }
        let phi = parse_list("1..3:0.5", true).unwrap();
        assert_eq!(
            phi,
            vec![1.0, 1.5, 2.0, 2.5, 3.0]
                .into_iter()
                .map(Candidate::Threshold)
                .collect::<Vec<_>>()
        );
        assert!(parse_list("1s..100ms:10ms", false).is_err());
        assert!(parse_list("", false).is_err());
    }

    #[test]
    fn exp_mistake_rate_limits() {
        // With a timeout far beyond the delays, mistakes need several losses in a row.
        let rare = exp_mistake_rate(1.0, 5.0, 0.01, 0.0);
        assert!(rare < 1e-12, "{rare}");
        // With no loss and tiny delays, a timeout just under h makes almost every gap a mistake.
        let often = exp_mistake_rate(1.0, 0.9, 0.001, 0.0);
        assert!((often - 1.0).abs() < 1e-4, "{often}");
    }
}
